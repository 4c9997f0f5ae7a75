"""The outbox notifier of an API process (PostgresOutboxNotifier): a unit of work that commits outbox rows
wakes a LISTENing connection within milliseconds, a rolled-back one or one without events does not, a burst
of commits is answered by far fewer NOTIFYs than commits (the last one after the last commit), and a
failing notifier never fails the money transaction."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from paybridge.adapters.postgres.database import PostgresDatabase
from paybridge.adapters.postgres.outbox_notifier import PostgresOutboxNotifier
from paybridge.adapters.postgres.uow import PostgresUnitOfWork
from paybridge.application.ports.security import Principal
from paybridge.application.use_cases.move_money import DepositCommand
from paybridge.bootstrap import Container, start, stop
from paybridge.domain.users import Role
from tests.support.containers import make_container
from tests.support.outbox_events import OutboxListener, commit_events, probe_events

WAKE_UP_BOUND_SECONDS = 0.5  # typically a few ms: the coalescing window plus one round trip
BURST = 200


def _outbox_count(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM outbox").fetchone()
    assert row is not None
    return int(row[0])


def _balance(database_url: str, wallet_id: uuid.UUID) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT balance FROM wallets WHERE id = %s", (wallet_id,)).fetchone()
    assert row is not None
    return int(row[0])


async def _wait_until(condition: Callable[[], bool], within_seconds: float = 5.0) -> None:
    deadline = time.monotonic() + within_seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_a_commit_with_events_wakes_a_listener_within_milliseconds(relay_database: str) -> None:
    database = PostgresDatabase(relay_database, max_size=4)
    await database.open()
    try:
        async with OutboxListener(relay_database) as listener:
            await commit_events(database)
            committed = time.monotonic()
            assert await listener.wait_for(1, WAKE_UP_BOUND_SECONDS), "no NOTIFY after the commit"
            assert listener.received[0] - committed < WAKE_UP_BOUND_SECONDS
            assert await listener.quiet() == 1
    finally:
        await database.close()
    assert database.outbox_notifier.notifications_sent == 1


async def test_a_money_movement_wakes_a_listener(relay_database: str) -> None:
    """The ledger's posting (one statement that also writes the events) marks the unit of work too."""
    container: Container = make_container("postgres", relay_database)
    await start(container)
    try:
        async with OutboxListener(relay_database) as listener:
            admin = await container.register_user()(
                f"admin-{uuid.uuid4().hex[:8]}@example.com", "A", "a long password", Role.ADMIN
            )
            owner = await container.register_user()(
                f"owner-{uuid.uuid4().hex[:8]}@example.com", "O", "a long password"
            )
            wallet = await container.open_wallet()(Principal(owner.id, owner.role), "USD")
            before = await listener.quiet()
            assert before >= 1  # user.created and wallet.created were committed through outbox.add
            await container.deposit_money()(
                Principal(admin.id, admin.role), DepositCommand(wallet.id, 500, "USD"), str(uuid.uuid4())
            )
            assert await listener.wait_for(before + 1, WAKE_UP_BOUND_SECONDS), "no NOTIFY after the deposit"
    finally:
        await stop(container)


async def test_a_rolled_back_unit_of_work_or_one_without_events_does_not_notify(relay_database: str) -> None:
    database = PostgresDatabase(relay_database, max_size=4)
    await database.open()
    try:
        async with OutboxListener(relay_database) as listener:
            async with PostgresUnitOfWork(database) as uow:
                await uow.outbox.add(probe_events(3))  # never committed: rolled back on exit
            async with PostgresUnitOfWork(database) as uow:
                await uow.users.get(uuid.uuid4())
                await uow.commit()  # committed, but wrote no event
            await asyncio.sleep(0.3)
            assert listener.received == []
    finally:
        await database.close()
    assert database.outbox_notifier.notifications_sent == 0
    assert _outbox_count(relay_database) == 0


async def test_a_burst_of_commits_is_answered_by_far_fewer_notifies(relay_database: str) -> None:
    database = PostgresDatabase(relay_database, max_size=16, timeout_seconds=30)
    await database.open()
    commit_times: list[float] = []

    async def one() -> None:
        await commit_events(database)
        commit_times.append(time.monotonic())

    try:
        async with OutboxListener(relay_database) as listener:
            await asyncio.gather(*(one() for _ in range(BURST)))
            received = await listener.quiet()
            assert 1 <= received <= BURST // 4, f"{received} NOTIFYs for {BURST} commits"
            # nothing is left waiting for the poll: a NOTIFY arrived after the last commit
            assert max(listener.received) >= max(commit_times)
    finally:
        await database.close()
    assert database.outbox_notifier.notifications_sent == received
    assert _outbox_count(relay_database) == BURST


async def test_a_failing_notify_never_fails_the_money_transaction(
    relay_database: str, caplog: pytest.LogCaptureFixture
) -> None:
    container: Container = make_container("postgres", relay_database)
    database = container.database()
    # pg_notify refuses an empty channel name: every NOTIFY of this notifier fails on the server
    database.outbox_notifier = PostgresOutboxNotifier(database.pool, channel="")
    await start(container)
    try:
        with caplog.at_level(logging.WARNING, logger="paybridge.adapters.postgres.outbox_notifier"):
            admin = await container.register_user()(
                f"admin-{uuid.uuid4().hex[:8]}@example.com", "A", "a long password", Role.ADMIN
            )
            owner = await container.register_user()(
                f"owner-{uuid.uuid4().hex[:8]}@example.com", "O", "a long password"
            )
            wallet = await container.open_wallet()(Principal(owner.id, owner.role), "USD")
            deposit = await container.deposit_money()(
                Principal(admin.id, admin.role), DepositCommand(wallet.id, 700, "USD"), str(uuid.uuid4())
            )
            await _wait_until(lambda: database.outbox_notifier.failures >= 1)
        assert deposit.transaction.amount.amount == 700
        assert _balance(relay_database, wallet.id) == 700
        failures = [r for r in caplog.records if r.message.startswith("outbox notification failed")]
        assert failures and failures[0].exc_info is not None  # logged with its traceback
        assert len(failures) == 1  # once per run of failures, not once per burst
        # the connection the notifier used went back to the pool as units of work expect it: not autocommit
        async with PostgresUnitOfWork(database) as uow:
            await uow.outbox.add(probe_events())  # rolled back on exit
        assert _outbox_count(relay_database) == 4  # user, user, wallet, deposit
    finally:
        await stop(container)


async def test_a_notifier_without_a_pool_never_fails_the_commit(
    relay_database: str, caplog: pytest.LogCaptureFixture
) -> None:
    database = PostgresDatabase(relay_database, max_size=2)
    closed_pool: AsyncConnectionPool[psycopg.AsyncConnection[tuple[object, ...]]] = AsyncConnectionPool(
        relay_database, open=False
    )
    database.outbox_notifier = PostgresOutboxNotifier(closed_pool)
    await database.open()
    try:
        with caplog.at_level(logging.WARNING, logger="paybridge.adapters.postgres.outbox_notifier"):
            ids = await commit_events(database)
            await _wait_until(lambda: database.outbox_notifier.failures >= 1)
    finally:
        await database.close()
    assert len(ids) == 1 and _outbox_count(relay_database) == 1
    failure = next(r for r in caplog.records if r.message.startswith("outbox notification failed"))
    assert failure.exc_info is not None and "PoolClosed" in repr(failure.exc_info[1])
