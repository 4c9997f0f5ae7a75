"""`paybridge migrate up | down [N] | down-all | version | force V | create NAME | list | break-lock`.

The database is `--database-url`, else DATABASE_URL, else the embedded development database (never in
production: Settings refuses to load there without DATABASE_URL). Migrations come from the configured
migrations directory (PAYBRIDGE_MIGRATIONS_DIR, default: the repository's `migrations/`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from paybridge.config import ConfigurationError, Settings
from paybridge.operations import YoyoMigrator, create_migration, migrator_from_settings

EXIT_FAILURE = 1
EXIT_USAGE = 2

_Action = Callable[[YoyoMigrator, argparse.Namespace], None]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # Accepted before and after the action: `migrate --database-url U up` and `migrate up --database-url U`.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--database-url",
        default=argparse.SUPPRESS,
        help="PostgreSQL URL (default: $DATABASE_URL, else the embedded development database)",
    )
    parser = subparsers.add_parser(
        "migrate", parents=[common], help="apply, roll back and inspect database migrations"
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser("up", parents=[common], help="apply every pending migration")
    down = actions.add_parser("down", parents=[common], help="roll back the N latest migrations")
    down.add_argument("steps", nargs="?", type=_positive_int, default=1, metavar="N", help="default: 1")
    actions.add_parser("down-all", parents=[common], help="roll back every applied migration")
    actions.add_parser("version", parents=[common], help="print the latest applied migration, or 'none'")
    force = actions.add_parser("force", parents=[common], help="record a version without running SQL")
    force.add_argument("version", help="migration id or number (0003_transactions_ledger, 0003, 3) or none")
    create = actions.add_parser("create", help="write the next-numbered migration pair (no database needed)")
    create.add_argument("name", help="snake_case description, e.g. add_wallet_limits")
    actions.add_parser("list", parents=[common], help="list migrations as applied/pending")
    actions.add_parser("break-lock", parents=[common], help="remove a stale migration lock")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Warnings (such as "using the embedded database") go to stderr; stdout carries only the result.
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(name)s: %(levelname)s: %(message)s"
    )
    settings = Settings.from_env()
    action: str = args.action
    try:
        if action == "create":
            for path in create_migration(settings, args.name):
                print(path)
            return 0
        migrator = migrator_from_settings(settings, getattr(args, "database_url", None))
        _ACTIONS[action](migrator, args)
    except ConfigurationError:
        raise  # reported by paybridge.entrypoints.cli.main
    except ValueError as exc:
        print(f"paybridge migrate {action}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # a clean one-line report for operators; there is nothing left to clean up
        print(f"paybridge migrate {action}: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return 0


def _up(migrator: YoyoMigrator, _: argparse.Namespace) -> None:
    _report("applied", migrator.up(), nothing="nothing to apply: the schema is up to date")


def _down(migrator: YoyoMigrator, args: argparse.Namespace) -> None:
    _report("rolled back", migrator.down(args.steps), nothing="nothing to roll back")


def _down_all(migrator: YoyoMigrator, _: argparse.Namespace) -> None:
    _report("rolled back", migrator.down_all(), nothing="nothing to roll back")


def _version(migrator: YoyoMigrator, _: argparse.Namespace) -> None:
    print(migrator.version() or "none")


def _force(migrator: YoyoMigrator, args: argparse.Namespace) -> None:
    migrator.force(args.version)
    print(f"version forced to {migrator.version() or 'none'} (no SQL was run)")


def _list(migrator: YoyoMigrator, _: argparse.Namespace) -> None:
    states = migrator.list()
    width = max((len(migration_id) for migration_id, _ in states), default=0)
    for migration_id, applied in states:
        print(f"{migration_id:<{width}}  {'applied' if applied else 'pending'}")


def _break_lock(migrator: YoyoMigrator, _: argparse.Namespace) -> None:
    migrator.break_lock()
    print("migration lock released")


_ACTIONS: dict[str, _Action] = {
    "up": _up,
    "down": _down,
    "down-all": _down_all,
    "version": _version,
    "force": _force,
    "list": _list,
    "break-lock": _break_lock,
}


def _report(verb: str, ids: list[str], *, nothing: str) -> None:
    if not ids:
        print(nothing)
    for migration_id in ids:
        print(f"{verb} {migration_id}")


def _positive_int(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {raw!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value
