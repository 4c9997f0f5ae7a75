"""A burst of concurrent transfers, made through the real use cases on PostgreSQL, relayed by two
`paybridge relay` processes side by side: every event arrives in the stream exactly once."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter

from paybridge.application.context import RequestContext, enter_context, exit_context
from paybridge.application.ports.security import Principal
from paybridge.application.use_cases.move_money import DepositCommand, TransferCommand
from paybridge.bootstrap import Container, start, stop
from paybridge.domain.users import Role
from tests.support.containers import make_container
from tests.support.kyc import verify_user
from tests.support.relay import (
    StreamTarget,
    outbox_rows,
    read_stream,
    relay_env,
    running_relays,
    unpublished,
    wait_for,
)

WALLETS = 20
TRANSFERS = 1_000
SEED = 1_000_000


async def _principal(container: Container, role: Role = Role.USER) -> Principal:
    user = await container.register_user()(
        f"burst-{uuid.uuid4().hex[:12]}@example.com", "B", "a long password", role
    )
    if role is Role.USER:  # they send money: KYC VERIFIED
        user = await verify_user(container, user.id)
    return Principal(user.id, user.role)


async def _burst(container: Container) -> list[str]:
    """Funds WALLETS wallets, then runs TRANSFERS transfers between them all at once; returns their ids."""
    admin = await _principal(container, Role.ADMIN)
    owners = [await _principal(container) for _ in range(WALLETS)]
    wallets = [await container.open_wallet()(owner, "USD") for owner in owners]
    for wallet in wallets:
        await container.deposit_money()(admin, DepositCommand(wallet.id, SEED, "USD"), str(uuid.uuid4()))
    rng = random.Random(4)

    async def transfer(i: int) -> str:
        source = i % WALLETS
        destination = rng.choice([j for j in range(WALLETS) if j != source])
        token = enter_context(RequestContext(correlation_id=f"burst-{i}"))
        try:
            command = TransferCommand(wallets[source].id, wallets[destination].id, rng.randint(1, 100), "USD")
            result = await container.transfer_money()(owners[source], command, f"burst-{i}")
        finally:
            exit_context(token)
        return str(result.transaction.id)

    return list(await asyncio.gather(*(transfer(i) for i in range(TRANSFERS))))


async def test_every_event_of_a_burst_arrives_exactly_once_with_two_relays(
    relay_database: str, target: StreamTarget
) -> None:
    env = relay_env(relay_database, target, PAYBRIDGE_RELAY_BATCH_SIZE="25")
    with running_relays(env, count=2) as relays:
        container = make_container(
            "postgres", relay_database, db_pool_max_size=16, db_pool_timeout_seconds=60.0
        )
        await start(container)
        try:
            transfer_ids = await _burst(container)
        finally:
            await stop(container)
        wait_for(lambda: unpublished(relay_database) == 0, 120, "events left unpublished")
        messages = await read_stream(target)
        published = [relay.metric_sum("paybridge_outbox_published_total") for relay in relays]
        duplicates = [relay.metric_sum("paybridge_outbox_duplicates_total") for relay in relays]
        codes = [relay.stop() for relay in relays]
        logs = [relay.log() for relay in relays]

    assert codes == [0, 0], logs
    rows = outbox_rows(relay_database)
    row_ids = {str(row["id"]) for row in rows}
    transfers = [row for row in rows if row["event_type"] == "transfer.completed"]
    assert len(transfers) == TRANSFERS
    assert {row["aggregate_id"] for row in transfers} == set(transfer_ids)
    # exactly once: as many messages as rows, each row's id once, and no relay ever published one twice
    assert len(messages) == len(rows) == len(row_ids)
    assert Counter(m.msg_id for m in messages) == Counter(row_ids)
    assert {m.body["id"] for m in messages} == row_ids
    assert sum(published) == len(rows) and all(count > 0 for count in published), published
    assert duplicates == [0, 0]
    assert all(row["attempts"] == 1 and row["last_error"] is None for row in rows)

    by_id = {m.msg_id: m for m in messages}
    sample = next(row for row in transfers if row["correlation_id"] == "burst-7")
    message = by_id[str(sample["id"])]
    assert message.subject == f"{target.prefix}.transfer.completed"
    assert set(message.body) == {
        "id",
        "type",
        "aggregate_type",
        "aggregate_id",
        "occurred_at",
        "correlation_id",
        "data",
    }
    assert message.body["type"] == "transfer.completed"
    assert message.body["aggregate_type"] == "transaction"
    assert message.body["correlation_id"] == "burst-7"
    assert message.body["data"]["transaction_id"] == sample["aggregate_id"]
    assert message.body["data"]["currency"] == "USD"
