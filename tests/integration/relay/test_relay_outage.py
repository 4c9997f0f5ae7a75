"""A NATS outage (a private nats-server of this test, stopped and started again on the same port and store):
events pile up in the outbox, the relay's backlog metric and readiness show it, and they all flow when NATS
returns — without burning publish attempts while the broker was unreachable."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from tests.support.nats import private_nats_server
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


def _events(start: int, count: int) -> list[tuple[str, str, str, dict[str, object]]]:
    return [("wallet", f"w-{i}", "wallet.created", {"n": i}) for i in range(start, start + count)]


def test_events_pile_up_while_nats_is_down_and_flow_when_it_returns(
    relay_database: str, start_relay: StartRelay
) -> None:
    with private_nats_server() as nats_server:
        target = StreamTarget.unique(nats_server.url)
        relay = start_relay(relay_env(relay_database, target))
        before = insert_events(relay_database, _events(0, 20))
        wait_for(lambda: unpublished(relay_database) == 0, 30, relay.log())
        assert relay.ready().status_code == 200

        nats_server.stop()
        wait_for(lambda: relay.ready().status_code == 503, 30, "ready stays 200 without NATS")
        assert relay.ready().json()["checks"]["broker"].startswith("failing")
        during = insert_events(relay_database, _events(20, 200))
        wait_for(lambda: relay.metric_sum("paybridge_outbox_pending") == 200, 30, "the backlog gauge")
        time.sleep(1.5)  # NATS stays down a while longer
        assert unpublished(relay_database) == 200
        assert relay.metric_sum("paybridge_outbox_oldest_pending_age_seconds") > 1.0
        assert relay.process.poll() is None

        nats_server.start()
        wait_for(lambda: unpublished(relay_database) == 0, 60, f"the backlog did not drain:\n{relay.log()}")
        wait_for(lambda: relay.metric_sum("paybridge_outbox_pending") == 0, 10, "the backlog gauge")
        assert relay.ready().status_code == 200
        messages = asyncio.run(read_stream(target))
        assert relay.stop() == 0, relay.log()

    assert Counter(m.msg_id for m in messages) == Counter(str(i) for i in [*before, *during])
    # the relay claimed nothing while disconnected: every event was published at its first attempt
    assert {row["attempts"] for row in outbox_rows(relay_database)} == {1}


def test_a_relay_started_while_nats_is_down_waits_for_it(
    relay_database: str, start_relay: StartRelay
) -> None:
    with private_nats_server() as nats_server:
        nats_server.stop()
        target = StreamTarget.unique(nats_server.url)
        ids = insert_events(relay_database, _events(0, 30))
        relay = start_relay(relay_env(relay_database, target))
        assert relay.ready().status_code == 503
        wait_for(lambda: relay.metric_sum("paybridge_outbox_pending") == 30, 30, "the backlog gauge")
        nats_server.start()
        wait_for(lambda: unpublished(relay_database) == 0, 60, f"nothing flowed:\n{relay.log()}")
        messages = asyncio.run(read_stream(target))
        assert relay.stop() == 0, relay.log()
    assert Counter(m.msg_id for m in messages) == Counter(str(i) for i in ids)
