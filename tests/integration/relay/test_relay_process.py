"""`paybridge relay` as operators run it: configuration refusal, wake-ups by LISTEN/NOTIFY (sent by the API
side's outbox notifier after COMMIT — no trigger does it) and the poll fallback without them, the health
listener, and retention."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from datetime import timedelta

import httpx
import psycopg

from paybridge.adapters.postgres.database import PostgresDatabase
from paybridge.adapters.postgres.outbox_relay import PostgresOutboxRelayStore
from paybridge.application.ports.relay import NullRelayMetrics
from paybridge.application.use_cases.outbox_maintenance import PurgePublishedEvents
from tests.support.outbox_events import commit_events_once
from tests.support.relay import (
    StartRelay,
    StreamTarget,
    insert_events,
    outbox_rows,
    relay_env,
    unpublished,
    wait_for,
)
from tests.support.server import run_paybridge, server_env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run_paybridge(env, "relay", *args)


def test_relay_refuses_to_start_without_a_nats_url(relay_database: str) -> None:
    result = _run(server_env(relay_database))
    assert result.returncode == 2
    assert "PAYBRIDGE_NATS_URL is not set" in result.stderr


def test_relay_refuses_a_malformed_nats_url_instead_of_retrying_it(relay_database: str) -> None:
    env = {**server_env(relay_database), "PAYBRIDGE_NATS_URL": "nats://127.0.0.1:42x2"}
    result = _run(env)
    assert result.returncode == 2
    assert "PAYBRIDGE_NATS_URL must be one NATS server URL" in result.stderr


def test_relay_fails_fast_when_the_health_port_is_taken(relay_database: str, target: StreamTarget) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _run(relay_env(relay_database, target), "--health-bind", f"127.0.0.1:{port}")
    assert result.returncode == 1
    assert "cannot listen for health probes" in result.stdout


def _listening(log: str) -> bool:
    return "listening for outbox notifications" in log


def test_notify_wakes_the_relay_and_polling_covers_for_it(
    relay_database: str, target: StreamTarget, start_relay: StartRelay
) -> None:
    # polling every 30 s: only a notification can make the relay publish within seconds
    relay = start_relay(relay_env(relay_database, target, PAYBRIDGE_RELAY_POLL_INTERVAL_SECONDS="30"))
    wait_for(lambda: _listening(relay.log()), 10, relay.log())
    time.sleep(0.3)  # past the start-up batches
    # an API process with PAYBRIDGE_OUTBOX_NOTIFY=false: no NOTIFY (and no trigger sends one for it)
    asyncio.run(commit_events_once(relay_database, notify=False))
    time.sleep(1.0)
    assert unpublished(relay_database) == 1, relay.log()
    # one with the notifier (the default): its NOTIFY after COMMIT wakes the relay, which publishes both
    asyncio.run(commit_events_once(relay_database, notify=True))
    started = time.monotonic()
    wait_for(lambda: unpublished(relay_database) == 0, 5, f"no wake-up by NOTIFY:\n{relay.log()}")
    assert time.monotonic() - started < 5
    health = httpx.get(f"{relay.health_url}/live", timeout=5)
    assert (health.status_code, health.json()) == (200, {"status": "alive"})
    ready = relay.ready()
    assert ready.status_code == 200 and ready.json() == {
        "ready": True,
        "checks": {"database": "ok", "broker": "ok"},
    }
    names = {name.split("{")[0] for name in relay.metrics()}
    assert {
        "paybridge_outbox_published_total",
        "paybridge_outbox_publish_failures_total",
        "paybridge_outbox_pending",
        "paybridge_outbox_oldest_pending_age_seconds",
        "paybridge_outbox_dead",
    } <= names
    assert relay.stop() == 0

    relay = start_relay(relay_env(relay_database, target, PAYBRIDGE_RELAY_POLL_INTERVAL_SECONDS="0.3"))
    wait_for(lambda: _listening(relay.log()), 10, relay.log())
    time.sleep(0.3)  # past the start-up batches
    asyncio.run(commit_events_once(relay_database, notify=False))
    wait_for(
        lambda: unpublished(relay_database) == 0, 5, f"the poll fallback did not publish:\n{relay.log()}"
    )
    assert relay.stop() == 0


async def test_retention_purges_old_published_events_in_batches(relay_database: str) -> None:
    ids = insert_events(relay_database, [("wallet", f"w-{i}", "wallet.created", {}) for i in range(7)])
    old, recent, pending = ids[:5], ids[5:6], ids[6:]
    with psycopg.connect(relay_database) as conn:
        conn.execute(
            "UPDATE outbox SET published_at = now() - %s WHERE id = ANY(%s)", (timedelta(days=8), old)
        )
        conn.execute(
            "UPDATE outbox SET published_at = now() - interval '1 hour' WHERE id = ANY(%s)", (recent,)
        )
    database = PostgresDatabase(relay_database, max_size=2)
    await database.open()
    try:
        purge = PurgePublishedEvents(
            PostgresOutboxRelayStore(database), NullRelayMetrics(), retention_seconds=7 * 86_400, batch_size=2
        )
        assert await purge() == 5
        assert await purge() == 0
    finally:
        await database.close()
    assert [row["id"] for row in outbox_rows(relay_database)] == [*recent, *pending]
