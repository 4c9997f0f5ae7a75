"""`paybridge serve`: the HTTP API under hypercorn with uvloop workers.

One worker runs in this process. With `--workers N` (N > 1) or `--metrics-bind`, a supervisor runs the
workers as processes on shared sockets and Prometheus runs in multiprocess mode (PROMETHEUS_MULTIPROC_DIR),
so a scrape of any worker — or of the separate metrics listener — shows the totals of all of them.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from hypercorn.config import Config

from paybridge.bootstrap import configure_logging
from paybridge.config import ConfigurationError, Settings
from paybridge.entrypoints.cli.metrics_listener import MetricsListener
from paybridge.entrypoints.cli.workers import Supervisor, run_worker
from paybridge.operations import migrator_from_settings, resolve_database_url, uses_embedded_database

logger = logging.getLogger("paybridge.serve")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("serve", help="serve the HTTP API (hypercorn)")
    parser.add_argument(
        "--bind", default=os.environ.get("PAYBRIDGE_BIND", "127.0.0.1:8000"), help="HOST:PORT"
    )
    parser.add_argument(
        "--workers", type=int, default=int(os.environ.get("PAYBRIDGE_WORKERS", "1")), help="worker processes"
    )
    parser.add_argument(
        "--metrics-bind",
        default=os.environ.get("PAYBRIDGE_METRICS_BIND") or None,
        help="serve /metrics on this HOST:PORT only (not on the API port)",
    )
    parser.add_argument(
        "--certfile",
        default=os.environ.get("PAYBRIDGE_TLS_CERTFILE") or None,
        help="serve HTTPS with this PEM certificate chain (with --keyfile)",
    )
    parser.add_argument(
        "--keyfile",
        default=os.environ.get("PAYBRIDGE_TLS_KEYFILE") or None,
        help="the PEM private key of --certfile",
    )
    parser.add_argument(
        "--migrate",
        action="store_true",
        help="apply pending migrations before serving (always done for the embedded database)",
    )
    parser.set_defaults(func=serve)


def _hypercorn_config(bind: str, workers: int, settings: Settings) -> Config:
    config = Config()
    config.bind = [bind]
    config.workers = workers
    config.graceful_timeout = settings.shutdown_grace_seconds
    config.accesslog = None  # PayBridge writes its own JSON access log
    config.errorlog = logging.getLogger("hypercorn.error")  # through the JSON handler, not hypercorn's format
    return config


def _enable_tls(config: Config, certfile: str | None, keyfile: str | None) -> bool:
    """HTTPS through hypercorn's own TLS (its SSL context: TLS 1.2+, modern AEAD ciphers, ALPN h2/http1.1)."""
    if certfile is None and keyfile is None:
        return False
    if certfile is None or keyfile is None:
        raise ConfigurationError("--certfile and --keyfile (PAYBRIDGE_TLS_CERTFILE/KEYFILE) go together")
    for path in (certfile, keyfile):
        if not Path(path).is_file():
            raise ConfigurationError(f"TLS file not found: {path}")
    config.certfile = certfile
    config.keyfile = keyfile
    return True


def _multiprocess_dir() -> tuple[Path, bool]:
    configured = os.environ.get(MULTIPROC_ENV)
    if configured:
        path = Path(configured)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
        return path, False
    path = Path(tempfile.mkdtemp(prefix="paybridge-metrics-"))
    os.environ[MULTIPROC_ENV] = str(path)
    return path, True


def serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    configure_logging(settings)
    for warning in settings.warnings():
        logger.warning(warning)
    embedded = uses_embedded_database(settings)
    url = resolve_database_url(settings)
    settings = replace(settings, database_url=url)
    os.environ["DATABASE_URL"] = url  # the workers build the app from the environment
    if embedded or args.migrate:
        applied = migrator_from_settings(settings).up()
        logger.info("migrations applied", extra={"applied": applied})
    if embedded:
        logger.warning("serving on the embedded development database; set DATABASE_URL for real deployments")
    workers = max(args.workers, 1)
    config = _hypercorn_config(args.bind, workers, settings)
    tls = _enable_tls(config, args.certfile, args.keyfile)
    drain = settings.shutdown_drain_seconds
    logger.info(
        "serving",
        extra={"bind": args.bind, "workers": workers, "metrics_bind": args.metrics_bind, "tls": tls},
    )
    if workers == 1 and not args.metrics_bind:
        run_worker(config, None, drain)
        return 0
    if args.metrics_bind:
        os.environ["PAYBRIDGE_METRICS_ON_API_PORT"] = "false"
    directory, owned = _multiprocess_dir()
    listener = MetricsListener(args.metrics_bind, settings.metrics_token) if args.metrics_bind else None
    try:
        if listener is not None:
            listener.start()
        return Supervisor(config, workers, drain).run()
    finally:
        if listener is not None:
            listener.stop()
        if owned:
            shutil.rmtree(directory, ignore_errors=True)
