"""The `paybridge` command: one argparse root parser, one subcommand per module in COMMAND_MODULES.

Each command module exposes `register(subparsers)`, which adds its parser and sets `func`, a callable that
takes the parsed arguments and returns the process exit code. Before any command runs, a crash — an uncaught
exception — is set to be reported as one JSON record on stderr (exit code 1, as Python's), whatever the
command's own output; commands that configure JSON logging move that record to their log.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Protocol

from paybridge.bootstrap import configure_crash_logging
from paybridge.config import ConfigurationError
from paybridge.entrypoints.cli import audit, holds, maintenance, migrate, outbox, relay, serve, users

EXIT_CONFIGURATION_ERROR = 2


class CommandModule(Protocol):
    def register(self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...


# Every subcommand of `paybridge`, in the order `paybridge --help` lists them.
COMMAND_MODULES: tuple[CommandModule, ...] = (serve, migrate, users, maintenance, holds, relay, outbox, audit)


def build_parser(modules: Sequence[CommandModule] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="paybridge", description="PayBridge wallet and payments API.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in modules:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    configure_crash_logging()
    args = build_parser().parse_args(argv)
    command: Callable[[argparse.Namespace], int] = args.func
    try:
        return command(args)
    except ConfigurationError as exc:
        print(f"paybridge: {exc}", file=sys.stderr)
        return EXIT_CONFIGURATION_ERROR


if __name__ == "__main__":
    sys.exit(main())
