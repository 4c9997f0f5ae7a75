"""`paybridge users create-admin`: the only way to create an administrator."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from paybridge.bootstrap import build_container, start, stop
from paybridge.config import Settings
from paybridge.domain.errors import PayBridgeError
from paybridge.domain.users import Role
from paybridge.operations import resolve_database_url


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("users", help="manage users")
    commands = parser.add_subparsers(dest="users_command", metavar="COMMAND", required=True)
    admin = commands.add_parser("create-admin", help="create an administrator")
    admin.add_argument("--email", required=True)
    admin.add_argument("--full-name", default="Administrator")
    admin.add_argument(
        "--password",
        default=os.environ.get("PAYBRIDGE_ADMIN_PASSWORD"),
        help="defaults to $PAYBRIDGE_ADMIN_PASSWORD, else asked interactively",
    )
    admin.add_argument("--database-url", default=None)
    admin.set_defaults(func=create_admin)


def create_admin(args: argparse.Namespace) -> int:
    password = args.password or getpass.getpass("Password for the new administrator: ")
    settings = Settings.from_env()
    url = resolve_database_url(settings, args.database_url)
    return asyncio.run(_create_admin(settings, url, args.email, args.full_name, password))


async def _create_admin(settings: Settings, url: str, email: str, full_name: str, password: str) -> int:
    container = build_container("postgres", settings, database_url=url)
    await start(container)
    try:
        user = await container.register_user()(email, full_name, password, Role.ADMIN)
    except PayBridgeError as error:
        print(f"paybridge: cannot create the administrator: {error.detail} ({error.code})", file=sys.stderr)
        return 1
    finally:
        await stop(container)
    print(f"created administrator {user.email} ({user.id})")
    return 0
