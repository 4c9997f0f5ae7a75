"""Poison rows: events the broker refuses (a payload over the stream's max_msg_size) or that cannot be
published at all (an event type that makes an invalid subject). The relay records every attempt, parks the
event as dead after N attempts, keeps relaying everything else — except the later events of the poisoned
aggregate, which wait behind it — and `paybridge outbox list --dead` / `retry` let an operator act."""

from __future__ import annotations

import asyncio
import json
import subprocess

import psycopg

from tests.support.relay import (
    StartRelay,
    StreamTarget,
    insert_events,
    outbox_rows,
    read_stream,
    relay_env,
    wait_for,
)
from tests.support.server import PAYBRIDGE, REPO_ROOT, server_env

MAX_ATTEMPTS = 3


def outbox_cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PAYBRIDGE, "outbox", *args],
        env=server_env(database_url),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _row(database_url: str, event_id: object) -> dict[str, object]:
    return next(row for row in outbox_rows(database_url) if row["id"] == event_id)


def test_poison_rows_are_parked_listed_and_requeued(
    relay_database: str, target: StreamTarget, start_relay: StartRelay
) -> None:
    env = relay_env(
        relay_database,
        target,
        PAYBRIDGE_NATS_MAX_MSG_SIZE="4096",
        PAYBRIDGE_RELAY_MAX_ATTEMPTS=str(MAX_ATTEMPTS),
        PAYBRIDGE_RELAY_BACKOFF_BASE_SECONDS="0.05",
        PAYBRIDGE_RELAY_BACKOFF_MAX_SECONDS="0.2",
    )
    [good_before] = insert_events(relay_database, [("wallet", "ok-1", "wallet.created", {"n": 1})])
    [too_large] = insert_events(
        relay_database, [("wallet", "poisoned", "wallet.created", {"blob": "x" * 10_000})], "corr-too-large"
    )
    [blocked] = insert_events(relay_database, [("wallet", "poisoned", "wallet.created", {"n": 2})])
    [bad_subject] = insert_events(relay_database, [("wallet", "other", "wallet created!", {"n": 3})])
    [good_after] = insert_events(relay_database, [("wallet", "ok-2", "wallet.created", {"n": 4})])
    [odd_but_valid] = insert_events(
        relay_database, [("wallet", "ok-3", "wallet.created", ["not", "an", "object"])]
    )
    relay = start_relay(env)

    wait_for(
        lambda: all(_row(relay_database, i)["failed_at"] for i in (too_large, bad_subject)), 30, relay.log()
    )
    wait_for(lambda: relay.metric_sum("paybridge_outbox_dead") == 2, 10, "the dead gauge")
    large, subject = _row(relay_database, too_large), _row(relay_database, bad_subject)
    assert large["attempts"] == subject["attempts"] == MAX_ATTEMPTS
    assert "rejected" in str(large["last_error"]) and "size" in str(large["last_error"]).lower()
    assert str(subject["last_error"]).startswith("invalid_subject")
    assert _row(relay_database, good_before)["published_at"] is not None
    assert _row(relay_database, good_after)["published_at"] is not None
    assert _row(relay_database, odd_but_valid)["published_at"] is not None
    assert _row(relay_database, blocked)["published_at"] is None, (
        "published ahead of its aggregate's dead event"
    )
    assert _row(relay_database, blocked)["attempts"] == 0
    assert relay.process.poll() is None
    assert relay.metric_sum("paybridge_outbox_publish_failures_total") == 2 * MAX_ATTEMPTS
    assert relay.metric_sum("paybridge_outbox_parked_total") == 2
    assert relay.metric_sum("paybridge_outbox_pending") == 1  # the blocked event
    parked_logs = [json.loads(line) for line in relay.log().splitlines() if "event parked as dead" in line]
    assert {entry.get("correlation_id") for entry in parked_logs} == {"corr-too-large", f"corr-{bad_subject}"}

    listed = outbox_cli(relay_database, "list", "--dead", "--json")
    assert listed.returncode == 0, listed.stderr
    dead = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [entry["id"] for entry in dead] == [str(too_large), str(bad_subject)]
    assert dead[0]["attempts"] == MAX_ATTEMPTS and dead[0]["failed_at"] and dead[0]["last_error"]
    table = outbox_cli(relay_database, "list", "--dead")
    assert str(too_large) in table.stdout and "2 dead event(s)" in table.stderr
    pending = outbox_cli(relay_database, "list", "--json")
    assert [json.loads(line)["id"] for line in pending.stdout.splitlines()] == [str(blocked)]

    # an operator fixes the cause, then requeues: the event flows, and its aggregate's next event after it
    with psycopg.connect(relay_database) as conn:
        conn.execute('UPDATE outbox SET payload = \'{"blob": "small"}\' WHERE id = %s', (too_large,))
    retried = outbox_cli(relay_database, "retry", str(too_large))
    assert retried.returncode == 0, retried.stderr
    assert retried.stdout.strip() == f"requeued {too_large}"
    wait_for(lambda: _row(relay_database, blocked)["published_at"] is not None, 30, relay.log())
    assert outbox_cli(relay_database, "retry", str(too_large)).returncode == 1  # no longer dead

    with psycopg.connect(relay_database) as conn:
        conn.execute("UPDATE outbox SET event_type = 'wallet.renamed' WHERE id = %s", (bad_subject,))
    all_dead = outbox_cli(relay_database, "retry", "--all-dead")
    assert all_dead.returncode == 0 and all_dead.stdout.strip() == f"requeued {bad_subject}", all_dead.stderr
    wait_for(lambda: _row(relay_database, bad_subject)["published_at"] is not None, 30, relay.log())
    wait_for(lambda: relay.metric_sum("paybridge_outbox_dead") == 0, 10, "the dead gauge")
    assert outbox_cli(relay_database, "list", "--dead", "--json").stdout == ""
    assert outbox_cli(relay_database, "retry").returncode == 2

    messages = asyncio.run(read_stream(target))
    order = [m.msg_id for m in messages]
    assert sorted(order) == sorted(
        str(i) for i in (good_before, too_large, blocked, bad_subject, good_after, odd_but_valid)
    )
    assert order.index(str(too_large)) < order.index(str(blocked))  # per-aggregate order held
    assert relay.stop() == 0, relay.log()
