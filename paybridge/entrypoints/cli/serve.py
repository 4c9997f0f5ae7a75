"""`paybridge serve`: the HTTP API under hypercorn (uvloop workers)."""

from __future__ import annotations

import argparse
import logging
import os
from dataclasses import replace

from hypercorn.config import Config
from hypercorn.run import run

from paybridge.bootstrap import configure_logging
from paybridge.config import Settings
from paybridge.operations import migrator_from_settings, resolve_database_url, uses_embedded_database

logger = logging.getLogger("paybridge.serve")
APPLICATION_PATH = "paybridge.entrypoints.http.asgi:app"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("serve", help="serve the HTTP API (hypercorn)")
    parser.add_argument(
        "--bind", default=os.environ.get("PAYBRIDGE_BIND", "127.0.0.1:8000"), help="HOST:PORT"
    )
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("PAYBRIDGE_WORKERS", "1")), help="worker processes"
    )
    parser.add_argument(
        "--migrate",
        action="store_true",
        help="apply pending migrations before serving (always done for the embedded database)",
    )
    parser.set_defaults(func=serve)


def serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    configure_logging(settings)
    embedded = uses_embedded_database(settings)
    url = resolve_database_url(settings)
    settings = replace(settings, database_url=url)
    os.environ["DATABASE_URL"] = url  # the workers import the app and read it from the environment
    if embedded or args.migrate:
        applied = migrator_from_settings(settings).up()
        logger.info("migrations applied", extra={"applied": applied})
    if embedded:
        logger.warning("serving on the embedded development database; set DATABASE_URL for real deployments")
    config = Config()
    config.application_path = APPLICATION_PATH
    config.bind = [args.bind]
    config.workers = 0 if args.workers <= 1 else args.workers
    config.worker_class = "uvloop"
    config.graceful_timeout = settings.shutdown_grace_seconds
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")
    logger.info("serving", extra={"bind": args.bind, "workers": max(args.workers, 1)})
    return run(config)
