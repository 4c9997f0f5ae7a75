"""`paybridge relay`: the outbox relay process — publishes committed outbox events to NATS JetStream.

Needs PAYBRIDGE_NATS_URL (exit 2 without it) and the database of DATABASE_URL (or `--database-url`; the
embedded development database otherwise). Several relays may run side by side. On SIGTERM or SIGINT the
relay stops claiming, finishes and records the batch in flight, closes its connections and exits 0;
`/ready` answers 503 from the moment the signal arrives. Settings: PAYBRIDGE_RELAY_* (README).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from typing import Any

from paybridge.bootstrap import configure_logging
from paybridge.config import Settings
from paybridge.entrypoints.cli.relay_health import RelayHealthListener
from paybridge.operations import resolve_database_url
from paybridge.relay_bootstrap import RelayRuntime, build_relay
from paybridge.relay_config import RelaySettings

logger = logging.getLogger("paybridge.relay")
SHUTDOWN_SIGNALS = (signal.SIGTERM, signal.SIGINT)
EXIT_CANNOT_BIND = 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "relay", help="publish outbox events to NATS JetStream (needs PAYBRIDGE_NATS_URL)"
    )
    parser.add_argument(
        "--health-bind",
        default=None,
        help="serve GET /live, /ready and /metrics on HOST:PORT (default: $PAYBRIDGE_RELAY_HEALTH_BIND; none)",
    )
    parser.add_argument("--database-url", default=None, help="default: DATABASE_URL")
    parser.set_defaults(func=relay)


def relay(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    relay_settings = RelaySettings.from_env()
    relay_settings.require_nats_url()  # refuse before starting anything
    configure_logging(settings)
    url = resolve_database_url(settings, args.database_url)
    runtime = build_relay(settings, relay_settings, url)
    health_bind = args.health_bind or relay_settings.health_bind
    try:
        import uvloop

        loop_factory: Any = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - uvloop is a dependency on every supported platform but Windows
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(_run(runtime, health_bind))


async def _run(runtime: RelayRuntime, health_bind: str | None) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        if not stop.is_set():
            logger.info(
                "shutdown requested: finishing the batch in flight",
                extra={"signal": signal.Signals(signum).name},
            )
        stop.set()

    for signum in SHUTDOWN_SIGNALS:
        loop.add_signal_handler(signum, on_signal, signum)
    health = None
    if health_bind:
        health = RelayHealthListener(health_bind, runtime.readiness, runtime.render_metrics, stop)
        try:
            health.bind()
        except OSError:
            logger.exception("cannot listen for health probes", extra={"bind": health_bind})
            return EXIT_CANNOT_BIND
        await health.start()
    try:
        await runtime.start()
        await runtime.run(stop)
    finally:
        if health is not None:
            await health.stop()
        await runtime.close()
    logger.info("relay exited")
    return 0
