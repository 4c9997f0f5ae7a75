"""Crashes and shutdowns of `paybridge relay`: SIGKILL between the broker's ack and the commit loses nothing
(the re-publish is absorbed by Nats-Msg-Id); SIGTERM finishes the batch in flight and exits 0.

To stop a relay exactly between "acked" and "committed", a test trigger makes the relay's UPDATE of the
claimed rows wait for an advisory lock the test holds."""

from __future__ import annotations

import asyncio
import random
import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from tests.support.relay import (
    StartRelay,
    StreamTarget,
    insert_events,
    outbox_rows,
    read_stream,
    relay_env,
    stream_messages,
    unpublished,
    wait_for,
)

GATE_LOCK = 424_242  # the key in test_gate()


@contextmanager
def gated_updates(database_url: str) -> Iterator[psycopg.Connection]:
    """While the block runs, every UPDATE of the outbox waits for the test's advisory lock; yields the
    connection holding it (unlock with `pg_advisory_unlock`)."""
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(
            "CREATE FUNCTION test_gate() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " PERFORM pg_advisory_lock_shared(424242); PERFORM pg_advisory_unlock_shared(424242);"
            " RETURN NULL; END $$"
        )
        admin.execute(
            "CREATE TRIGGER test_gate BEFORE UPDATE ON outbox FOR EACH STATEMENT EXECUTE FUNCTION test_gate()"
        )
        with psycopg.connect(database_url, autocommit=True) as holder:
            holder.execute("SELECT pg_advisory_lock(%s)", (GATE_LOCK,))
            try:
                yield holder
            finally:
                holder.execute("SELECT pg_advisory_unlock_all()")
        wait_for(lambda: _waiting_at_gate(admin) == 0, 30, "a relay transaction still waits at the gate")
        admin.execute("DROP TRIGGER test_gate ON outbox")
        admin.execute("DROP FUNCTION test_gate()")


def _waiting_at_gate(connection: psycopg.Connection) -> int:
    row = connection.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
    ).fetchone()
    assert row is not None
    return int(row[0])


def _events(count: int) -> list[tuple[str, str, str, dict[str, object]]]:
    return [("wallet", f"w-{i}", "wallet.created", {"n": i}) for i in range(count)]


def test_sigkill_between_ack_and_commit_then_restart_loses_nothing(
    relay_database: str, target: StreamTarget, start_relay: StartRelay
) -> None:
    env = relay_env(relay_database, target, PAYBRIDGE_RELAY_BATCH_SIZE="100")
    ids = insert_events(relay_database, _events(300))
    with gated_updates(relay_database) as gate:
        first = start_relay(env)
        wait_for(lambda: _waiting_at_gate(gate) == 1, 30, f"the relay never reached the gate:\n{first.log()}")
        assert stream_messages(target) == 100  # published and acked, not yet recorded
        assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    assert unpublished(relay_database) == 300  # the killed relay's transaction rolled back

    second = start_relay(env)
    wait_for(lambda: unpublished(relay_database) == 0, 60, f"not all published:\n{second.log()}")
    duplicates = second.metric_sum("paybridge_outbox_duplicates_total")
    assert second.stop() == 0, second.log()
    messages = asyncio.run(read_stream(target))
    rows = outbox_rows(relay_database)
    assert len(messages) == len(rows) == 300
    assert Counter(m.msg_id for m in messages) == Counter(str(i) for i in ids)
    assert duplicates == 100  # the re-published first batch, dropped by the stream


def test_sigkill_at_a_random_moment_then_restart_loses_nothing(
    relay_database: str, target: StreamTarget, start_relay: StartRelay
) -> None:
    env = relay_env(relay_database, target, PAYBRIDGE_RELAY_BATCH_SIZE="20")
    ids = insert_events(relay_database, _events(5000))
    relay = start_relay(env)
    threshold = random.randint(2000, 4000)
    wait_for(lambda: unpublished(relay_database) < threshold, 60, relay.log())
    assert relay.stop(signal.SIGKILL) == -signal.SIGKILL
    assert unpublished(relay_database) > 0
    relay = start_relay(env)
    wait_for(lambda: unpublished(relay_database) == 0, 60, relay.log())
    assert relay.stop() == 0, relay.log()
    messages = asyncio.run(read_stream(target))
    assert len(messages) == 5000
    assert Counter(m.msg_id for m in messages) == Counter(str(i) for i in ids)


def test_sigterm_finishes_the_batch_in_flight_and_exits_0(
    relay_database: str, target: StreamTarget, start_relay: StartRelay
) -> None:
    env = relay_env(relay_database, target, PAYBRIDGE_RELAY_BATCH_SIZE="100")
    insert_events(relay_database, _events(250))
    with gated_updates(relay_database) as gate:
        relay = start_relay(env)
        wait_for(lambda: _waiting_at_gate(gate) == 1, 30, relay.log())
        relay.process.send_signal(signal.SIGTERM)
        wait_for(lambda: relay.ready().status_code == 503, 10, "ready stays 200 after SIGTERM")
        assert relay.ready().json()["checks"]["relay"] == "draining"
        assert relay.process.poll() is None  # waits for the batch in flight
        gate.execute("SELECT pg_advisory_unlock(%s)", (GATE_LOCK,))
        code = relay.process.wait(timeout=30)
    log = relay.log()
    assert code == 0, log
    assert "shutdown requested" in log and "relay exited" in log
    assert unpublished(relay_database) == 150  # the batch in flight was recorded; no new batch was claimed
    assert stream_messages(target) == 100
