"""`paybridge holds sweep`: release holds past their expiry now (`--loop`: keep doing it every
PAYBRIDGE_HOLD_SWEEP_INTERVAL_SECONDS until SIGTERM/SIGINT). The outbox relay (`paybridge relay`) runs the same
sweeper beside its loop, and any read or operation that touches an expired hold releases it too; this command
is for deployments without a relay, and for operators."""

from __future__ import annotations

import argparse
import asyncio
import signal

from paybridge.bootstrap import build_container, configure_logging, start, stop
from paybridge.config import Settings
from paybridge.operations import resolve_database_url


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("holds", help="hold housekeeping")
    commands = parser.add_subparsers(dest="holds_command", metavar="COMMAND", required=True)
    sweep = commands.add_parser("sweep", help="release holds past their expiry")
    sweep.add_argument("--database-url", default=None)
    sweep.add_argument("--loop", action="store_true", help="keep sweeping until SIGTERM/SIGINT")
    sweep.set_defaults(func=sweep_holds)


def sweep_holds(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    url = resolve_database_url(settings, args.database_url)
    if args.loop:
        configure_logging(settings)
    return asyncio.run(_sweep(settings, url, args.loop))


async def _sweep(settings: Settings, url: str, loop: bool) -> int:
    container = build_container("postgres", settings, database_url=url)
    await start(container)
    try:
        sweeper = container.expire_due_holds()
        if not loop:
            print(f"released {await sweeper()} expired holds")
            return 0
        stopping = asyncio.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            asyncio.get_running_loop().add_signal_handler(signum, stopping.set)
        await sweeper.run(stopping, settings.hold_sweep_interval_seconds)
        return 0
    finally:
        await stop(container)
