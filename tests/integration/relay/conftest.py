"""Fixtures of the outbox relay tests: a NATS server (the machine's, else a private one), a fresh migrated
database per test (the relay publishes every row of its database) and a stream of the test's own."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator, Mapping

import pytest

from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.config import Settings
from tests.support.nats import NatsUnavailableError, provision_nats
from tests.support.postgres import DatabaseFactory
from tests.support.relay import RunningRelay, StartRelay, StreamTarget, delete_stream
from tests.support.relay import start_relay as launch_relay


@pytest.fixture(scope="session")
def nats_url() -> Iterator[str]:
    failure: str | None = None
    try:
        with provision_nats() as url:
            yield url
    except NatsUnavailableError as exc:
        failure = str(exc)
    if failure is not None:
        pytest.fail(failure, pytrace=False)


@pytest.fixture
def relay_database(new_database: DatabaseFactory) -> str:
    url = new_database("pbrelay")
    YoyoMigrator(url, Settings().migrations_dir).up()
    return url


@pytest.fixture
def target(nats_url: str) -> Iterator[StreamTarget]:
    target = StreamTarget.unique(nats_url)
    yield target
    asyncio.run(delete_stream(target))


@pytest.fixture
def start_relay() -> Iterator[StartRelay]:
    """Starts `paybridge relay` processes; whatever still runs at the end of the test is killed, and the
    logs are deleted."""
    started: list[RunningRelay] = []

    def start(env: Mapping[str, str]) -> RunningRelay:
        relay = launch_relay(env)
        started.append(relay)
        return relay

    yield start
    for relay in started:
        if relay.process.poll() is None:
            relay.stop(signal.SIGKILL)
        relay.log_path.unlink(missing_ok=True)
