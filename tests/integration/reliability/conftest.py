"""Fixtures of the reliability tests: a NATS server, and per fault scenario a rig — a fresh migrated database
(on a private PostgreSQL for `postgres_restart`), an administrator, `paybridge serve` on a fixed port and a
`paybridge relay` publishing to a stream of the test's own (on a private nats-server for `nats_restart`).

At the end of the session the reliability table of every fault scenario that ran is printed."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from bench.bank_setup import create_admin
from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.config import Settings
from tests.support.chaos import ApiProcess
from tests.support.faults import RESULTS, Rig, current_scale, format_table
from tests.support.nats import NatsUnavailableError, private_nats_server, provision_nats
from tests.support.postgres import DatabaseFactory
from tests.support.private_postgres import private_postgres
from tests.support.relay import StreamTarget, delete_stream, relay_env, start_relay
from tests.support.server import server_env

ADMIN_EMAIL = "chaos-admin@example.com"
# The workload measures faults, not the rate limiter: every limit off, tokens valid for the longest run.
UNTHROTTLED = {
    "PAYBRIDGE_JWT_TTL_SECONDS": "86400",
    "PAYBRIDGE_RATE_LIMIT_PER_IP": "off",
    "PAYBRIDGE_RATE_LIMIT_PER_USER": "off",
    "PAYBRIDGE_LOGIN_RATE_LIMIT_PER_IP": "off",
    "PAYBRIDGE_LOGIN_RATE_LIMIT_PER_ACCOUNT": "off",
}


@pytest.fixture(scope="session")
def chaos_nats_url() -> Iterator[str]:
    failure: str | None = None
    try:
        with provision_nats() as url:
            yield url
    except NatsUnavailableError as exc:
        failure = str(exc)
    if failure is not None:
        pytest.fail(failure, pytrace=False)


@pytest.fixture
def rig(request: pytest.FixtureRequest, new_database: DatabaseFactory, chaos_nats_url: str) -> Iterator[Rig]:
    fault: str = request.param
    with ExitStack() as stack:
        postgres = stack.enter_context(private_postgres()) if fault == "postgres_restart" else None
        url = postgres.create_database("paybridge") if postgres else new_database("pbchaos")
        YoyoMigrator(url, Settings().migrations_dir).up()
        nats = stack.enter_context(private_nats_server()) if fault == "nats_restart" else None
        target = StreamTarget.unique(nats.url if nats else chaos_nats_url)
        stack.callback(lambda: asyncio.run(delete_stream(target)))
        env = server_env(url, **UNTHROTTLED)
        create_admin(url, env, ADMIN_EMAIL)
        api = ApiProcess(env)
        stack.callback(api.close)
        api.start()
        api.wait_ready()
        relays_env = relay_env(url, target)
        built = Rig(fault, url, env, api, relays_env, target, postgres=postgres, nats=nats)
        built.relay = start_relay(relays_env)
        stack.callback(_stop_relays, built)
        yield built


def _stop_relays(rig: Rig) -> None:
    for relay in [*rig.retired_relays, *([rig.relay] if rig.relay else [])]:
        if relay.process.poll() is None:
            relay.stop(signal.SIGTERM)
        relay.log_path.unlink(missing_ok=True)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not RESULTS:
        return
    scale, _ = current_scale()
    terminalreporter.section(f"reliability under faults ({scale} scale)")
    terminalreporter.write_line(format_table(RESULTS))
