"""PostgresOutboxNotifier against a fake pool: coalescing, no lost poke, close flushes, failures are logged
(once per run) and never raised, the pooled connection goes back as units of work expect it; and the
PAYBRIDGE_OUTBOX_NOTIFY setting."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any, cast

import psycopg
import pytest

from paybridge.adapters.postgres.outbox_notifier import NOTIFY_CHANNEL, PostgresOutboxNotifier
from paybridge.config import ConfigurationError, Settings

LOGGER = "paybridge.adapters.postgres.outbox_notifier"


class FakeConnection:
    def __init__(self, pool: FakePool) -> None:
        self._pool = pool
        self.autocommit = False
        self.closed = False

    async def set_autocommit(self, value: bool) -> None:
        if not value and self._pool.refuse_restore:
            raise psycopg.ProgrammingError("can't change autocommit now")
        self.autocommit = value

    async def execute(self, query: str, params: tuple[Any, ...]) -> None:
        assert self.autocommit, "the NOTIFY runs in a transaction of its own"
        self._pool.started.append(time.monotonic())
        await asyncio.sleep(self._pool.delay)
        if self._pool.fail:
            raise psycopg.OperationalError("the server went away")
        assert "pg_notify" in query and "synchronous_commit" in query
        self._pool.sent.append(params)

    async def close(self) -> None:
        self.closed = True


class FakePool:
    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.fail = False
        self.refuse_restore = False
        self.started: list[float] = []
        self.sent: list[tuple[Any, ...]] = []
        self.returned: list[FakeConnection] = []

    async def getconn(self, timeout: float | None = None) -> FakeConnection:  # noqa: ASYNC109 - the pool API
        return FakeConnection(self)

    async def putconn(self, connection: FakeConnection) -> None:
        self.returned.append(connection)


def _notifier(pool: FakePool, **options: Any) -> PostgresOutboxNotifier:
    return PostgresOutboxNotifier(cast(Any, pool), **options)


async def _until(condition: Callable[[], bool], within_seconds: float = 2.0) -> None:
    deadline = time.monotonic() + within_seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.002)


async def test_the_pokes_of_a_burst_share_one_notify() -> None:
    pool = FakePool()
    notifier = _notifier(pool)
    await notifier.start()
    try:
        for _ in range(50):
            notifier.poke()
        await _until(lambda: notifier.notifications_sent == 1)
        await asyncio.sleep(0.05)
        assert pool.sent == [(NOTIFY_CHANNEL,)]
        assert [c.autocommit for c in pool.returned] == [False]  # back as units of work expect it
    finally:
        await notifier.close()


async def test_a_poke_while_a_notify_is_in_flight_gets_a_notify_of_its_own() -> None:
    pool = FakePool(delay=0.05)
    notifier = _notifier(pool)
    await notifier.start()
    try:
        notifier.poke()
        await _until(lambda: len(pool.started) == 1)
        poked_at = time.monotonic()
        for _ in range(10):
            notifier.poke()
        await _until(lambda: notifier.notifications_sent == 2)
        assert pool.started[1] >= poked_at  # the second NOTIFY starts after the pokes it answers
        await asyncio.sleep(0.1)
        assert notifier.notifications_sent == 2
    finally:
        await notifier.close()


async def test_close_sends_the_pending_notify_without_waiting_out_the_window() -> None:
    pool = FakePool()
    notifier = _notifier(pool, window_seconds=30.0)
    await notifier.start()
    notifier.poke()
    await asyncio.sleep(0.01)  # the task is in its coalescing window
    started = time.monotonic()
    await notifier.close()
    assert time.monotonic() - started < 1.0
    assert len(pool.sent) == 1 and not notifier.running


async def test_close_without_a_pending_poke_sends_nothing() -> None:
    pool = FakePool()
    notifier = _notifier(pool)
    await notifier.start()
    await notifier.close()
    assert pool.sent == [] and not notifier.running
    notifier.poke()  # after close: a no-op
    assert pool.sent == []


async def test_a_disabled_or_stopped_notifier_ignores_pokes() -> None:
    pool = FakePool()
    disabled = _notifier(pool, enabled=False)
    await disabled.start()
    assert not disabled.running and not disabled.enabled
    disabled.poke()
    never_started = _notifier(pool)
    never_started.poke()
    await asyncio.sleep(0.02)
    await disabled.close()
    assert pool.sent == []


async def test_failures_are_logged_once_per_run_never_raised_and_recovery_is_noted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool = FakePool()
    pool.fail = True
    notifier = _notifier(pool)
    await notifier.start()
    try:
        with caplog.at_level(logging.INFO, logger=LOGGER):
            for expected in (1, 2, 3):
                notifier.poke()
                await _until(lambda: notifier.failures >= expected)  # noqa: B023 - awaited at once
            pool.fail = False
            notifier.poke()
            await _until(lambda: notifier.notifications_sent == 1)
        assert notifier.running and notifier.failures == 3
    finally:
        await notifier.close()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].exc_info is not None
    assert "OperationalError" in repr(warnings[0].exc_info[1])
    assert any(r.message == "outbox notifications restored" for r in caplog.records)
    assert all(not c.autocommit for c in pool.returned) and len(pool.returned) == 4


async def test_a_connection_that_cannot_be_restored_is_closed_before_going_back() -> None:
    pool = FakePool()
    pool.refuse_restore = True
    notifier = _notifier(pool)
    await notifier.start()
    try:
        notifier.poke()
        await _until(lambda: notifier.failures == 1)
    finally:
        await notifier.close()
    assert [c.closed for c in pool.returned] == [True]  # the pool discards a closed connection


async def test_a_stuck_notify_is_abandoned_after_the_timeout() -> None:
    pool = FakePool(delay=5.0)
    notifier = _notifier(pool, timeout_seconds=0.05)
    await notifier.start()
    try:
        notifier.poke()
        await _until(lambda: notifier.failures == 1)
    finally:
        await notifier.close()
    assert pool.sent == [] and len(pool.returned) == 1


def test_outbox_notify_is_on_by_default_and_can_be_turned_off() -> None:
    assert Settings.from_env({}).outbox_notify is True
    assert Settings.from_env({"PAYBRIDGE_OUTBOX_NOTIFY": "false"}).outbox_notify is False
    assert Settings.from_env({"PAYBRIDGE_OUTBOX_NOTIFY": "1"}).outbox_notify is True
    with pytest.raises(ConfigurationError, match="PAYBRIDGE_OUTBOX_NOTIFY"):
        Settings.from_env({"PAYBRIDGE_OUTBOX_NOTIFY": "sometimes"})
