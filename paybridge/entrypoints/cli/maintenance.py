"""`paybridge idempotency purge`: delete expired idempotency keys now (the server also does it)."""

from __future__ import annotations

import argparse
import asyncio

from paybridge.bootstrap import build_container, start, stop
from paybridge.config import Settings
from paybridge.operations import resolve_database_url


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("idempotency", help="idempotency key housekeeping")
    commands = parser.add_subparsers(dest="idempotency_command", metavar="COMMAND", required=True)
    purge = commands.add_parser("purge", help="delete expired idempotency keys")
    purge.add_argument("--database-url", default=None)
    purge.set_defaults(func=purge_keys)


def purge_keys(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    return asyncio.run(_purge(settings, resolve_database_url(settings, args.database_url)))


async def _purge(settings: Settings, url: str) -> int:
    container = build_container("postgres", settings, database_url=url)
    await start(container)
    try:
        purged = await container.purge_idempotency_keys()()
    finally:
        await stop(container)
    print(f"purged {purged} expired idempotency keys")
    return 0
