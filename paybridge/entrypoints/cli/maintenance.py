"""`paybridge idempotency purge`: delete expired idempotency keys now; `paybridge quotes purge`: delete the
exchange quotes no exchange used that expired more than PAYBRIDGE_EXCHANGE_QUOTE_RETENTION_SECONDS ago (used
quotes are kept). The server also does both, every PAYBRIDGE_IDEMPOTENCY_PURGE_INTERVAL_SECONDS."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable

from paybridge.bootstrap import Container, build_container, start, stop
from paybridge.config import Settings
from paybridge.operations import resolve_database_url

Purge = Callable[[Container], Callable[[], Awaitable[int]]]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("idempotency", help="idempotency key housekeeping")
    commands = parser.add_subparsers(dest="idempotency_command", metavar="COMMAND", required=True)
    purge = commands.add_parser("purge", help="delete expired idempotency keys")
    purge.add_argument("--database-url", default=None)
    purge.set_defaults(func=purge_keys)

    parser = subparsers.add_parser("quotes", help="exchange quote housekeeping")
    commands = parser.add_subparsers(dest="quotes_command", metavar="COMMAND", required=True)
    purge = commands.add_parser(
        "purge", help="delete unused exchange quotes expired longer ago than their retention"
    )
    purge.add_argument("--database-url", default=None)
    purge.set_defaults(func=purge_quotes)


def purge_keys(args: argparse.Namespace) -> int:
    return _run(args, lambda container: container.purge_idempotency_keys(), "expired idempotency keys")


def purge_quotes(args: argparse.Namespace) -> int:
    return _run(args, lambda container: container.purge_expired_quotes(), "expired exchange quotes")


def _run(args: argparse.Namespace, purge: Purge, what: str) -> int:
    settings = Settings.from_env()
    url = resolve_database_url(settings, args.database_url)
    purged = asyncio.run(_purge(settings, url, purge))
    print(f"purged {purged} {what}")
    return 0


async def _purge(settings: Settings, url: str, purge: Purge) -> int:
    container = build_container("postgres", settings, database_url=url)
    await start(container)
    try:
        return await purge(container)()
    finally:
        await stop(container)
