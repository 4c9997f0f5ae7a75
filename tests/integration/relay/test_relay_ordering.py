"""Order and gaps: two relays claiming with SKIP LOCKED keep each aggregate's events in commit order, and an
event whose transaction commits late (with a lower seq than events already published) is still published."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

import psycopg
from psycopg.types.json import Jsonb

from tests.support.relay import (
    StartRelay,
    StreamTarget,
    insert_events,
    outbox_rows,
    read_stream,
    relay_env,
    unpublished,
    wait_for,
)

AGGREGATES = 8
EVENTS_PER_AGGREGATE = 40


def test_each_aggregates_events_arrive_in_commit_order_with_two_relays(
    relay_database: str, target: StreamTarget, start_relay: StartRelay
) -> None:
    env = relay_env(relay_database, target, PAYBRIDGE_RELAY_BATCH_SIZE="7")
    expected: dict[str, list[str]] = defaultdict(list)

    def write_round(round_: int) -> None:
        batch = [("transaction", f"agg-{a}", "transfer.completed", {"n": round_}) for a in range(AGGREGATES)]
        for event_id, event in zip(insert_events(relay_database, batch), batch, strict=True):
            expected[event[1]].append(str(event_id))

    def both_published() -> bool:
        return all(relay.metric_sum("paybridge_outbox_published_total") > 0 for relay in relays)

    # half of the rounds wait before the relays start (both then compete for one backlog), the rest are
    # written in small transactions while they run — and more, until both relays have published (the first
    # to start can drain the backlog and win every race for a while: the test needs both at work)
    for round_ in range(EVENTS_PER_AGGREGATE // 2):
        write_round(round_)
    relays = [start_relay(env), start_relay(env)]
    rounds = EVENTS_PER_AGGREGATE // 2
    while rounds < EVENTS_PER_AGGREGATE or (rounds < 10 * EVENTS_PER_AGGREGATE and not both_published()):
        write_round(rounds)
        rounds += 1
    wait_for(lambda: unpublished(relay_database) == 0, 60, relays[0].log())
    messages = asyncio.run(read_stream(target))
    published = [relay.metric_sum("paybridge_outbox_published_total") for relay in relays]
    assert [relay.stop() for relay in relays] == [0, 0]

    arrived: dict[str, list[str]] = defaultdict(list)
    for message in messages:
        arrived[message.body["aggregate_id"]].append(message.msg_id)
    assert arrived == expected
    assert sum(published) == AGGREGATES * rounds
    assert all(count > 0 for count in published), published


def _insert(connection: psycopg.Connection, aggregate_id: str) -> tuple[str, int]:
    row = connection.execute(
        "INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, payload)"
        " VALUES (gen_random_uuid(), 'wallet', %s, 'wallet.created', %s) RETURNING id::text, seq",
        (aggregate_id, Jsonb({"late": True})),
    ).fetchone()
    assert row is not None
    return str(row[0]), int(row[1])


def _published(database_url: str, event_id: str) -> bool:
    return any(str(row["id"]) == event_id and row["published_at"] for row in outbox_rows(database_url))


def test_an_event_committed_late_is_not_skipped(
    relay_database: str, target: StreamTarget, start_relay: StartRelay
) -> None:
    relay = start_relay(relay_env(relay_database, target))
    with psycopg.connect(relay_database) as late, psycopg.connect(relay_database) as early:
        late_id, late_seq = _insert(late, "slow-aggregate")  # transaction still open
        same_late_id, same_late_seq = _insert(late, "shared-aggregate")
        early_id, early_seq = _insert(early, "fast-aggregate")
        same_early_id, same_early_seq = _insert(early, "shared-aggregate")
        early.commit()
        wait_for(lambda: _published(relay_database, early_id), 30, relay.log())
        wait_for(lambda: _published(relay_database, same_early_id), 30, relay.log())
        assert late_seq < early_seq and same_late_seq < same_early_seq  # a gap the relay already read past
        late.commit()
    wait_for(lambda: _published(relay_database, late_id), 30, f"the late event was skipped:\n{relay.log()}")
    wait_for(lambda: _published(relay_database, same_late_id), 30, relay.log())
    messages = [m.msg_id for m in asyncio.run(read_stream(target))]
    assert relay.stop() == 0
    # stream order is commit order, also within the aggregate both transactions wrote to
    assert messages.index(same_early_id) < messages.index(same_late_id)
    assert sorted(messages) == sorted([late_id, same_late_id, early_id, same_early_id])


def test_an_event_claimed_by_another_relay_holds_back_the_rest_of_its_aggregate(
    relay_database: str, target: StreamTarget, start_relay: StartRelay
) -> None:
    """The test plays a second relay that claimed an aggregate's first event and is slow to publish it: the
    running relay skips that locked row (SKIP LOCKED) but must not publish the aggregate's later events."""
    first, *later = insert_events(
        relay_database, [("wallet", "held", "wallet.created", {"n": n}) for n in range(5)]
    )
    [other] = insert_events(relay_database, [("wallet", "free", "wallet.created", {"n": 0})])
    with psycopg.connect(relay_database) as other_relay:
        other_relay.execute("SELECT 1 FROM outbox WHERE id = %s FOR UPDATE", (first,))
        relay = start_relay(relay_env(relay_database, target))
        wait_for(lambda: _published(relay_database, str(other)), 30, relay.log())
        time.sleep(1.0)  # several polls and batches: time enough to misbehave
        assert not any(_published(relay_database, str(event_id)) for event_id in [first, *later])
        other_relay.rollback()  # the other relay gave up its claim (e.g. crashed)
    wait_for(lambda: unpublished(relay_database) == 0, 30, relay.log())
    messages = [m.msg_id for m in asyncio.run(read_stream(target)) if m.body["aggregate_id"] == "held"]
    assert relay.stop() == 0
    assert messages == [str(event_id) for event_id in [first, *later]]
