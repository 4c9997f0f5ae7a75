"""Wakes the outbox relay after commits that wrote events, off the money transaction's critical path.

A transaction that executes NOTIFY takes a database-wide lock at COMMIT and holds it through the commit's
WAL flush, so PostgreSQL serialises the commits of notifying transactions: a NOTIFY inside every money
transaction (a trigger on `outbox`) cost ~13 % of transfer throughput. Instead the unit of work *pokes*
this notifier after a COMMIT that wrote outbox rows, and a background task of the process sends
`SELECT pg_notify('paybridge_outbox', '')` in a transaction of its own on a pooled connection:

- Coalesced. Pokes that arrive while the task waits out the coalescing window (a few ms) or while a NOTIFY
  is in flight are answered by one NOTIFY: under load, one per round trip rather than one per commit.
- Never late for a poke. The pending flag is cleared before the NOTIFY is sent, so every poke — made after
  its COMMIT — is followed by a NOTIFY that starts after it: the woken relay's claim sees the events.
- Cheap. The notifying transaction turns `synchronous_commit` off for itself: it waits for no WAL flush and
  so holds the notify lock for microseconds (a notification is not durable anyway: PostgreSQL delivers it
  only to sessions listening at the time).
- Harmless. `poke()` is synchronous, never blocks and never raises. A failed NOTIFY (database down, pool
  exhausted, timeout) is logged with its traceback — the first of a run of failures, then at most once a
  minute — and costs only latency: the relay's poll (PAYBRIDGE_RELAY_POLL_INTERVAL_SECONDS) finds the events.

The NOTIFY queues for a pooled connection like a request does: while the pool is saturated it waits its
turn (one NOTIFY then covers every commit meanwhile), and past `timeout_seconds` it gives up and counts as a
failure — the poll interval bounds the relay's delay either way. `close()` sends the NOTIFY of a burst still
pending (bounded by the timeout) before the pool closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, LiteralString

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

logger = logging.getLogger(__name__)

NOTIFY_CHANNEL = "paybridge_outbox"
FAILURE_LOG_INTERVAL_SECONDS = 60.0
_NOTIFY_SQL: LiteralString = "SELECT set_config('synchronous_commit', 'off', true), pg_notify(%s, '')"


class PostgresOutboxNotifier:
    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        *,
        enabled: bool = True,
        channel: str = NOTIFY_CHANNEL,
        window_seconds: float = 0.002,
        timeout_seconds: float = 2.0,
    ) -> None:
        self._pool = pool
        self._enabled = enabled
        self._channel = channel
        self._window = window_seconds
        self._timeout = timeout_seconds
        self._wake: asyncio.Event | None = None
        self._closing: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._pending = False
        self._failing = False
        self._last_failure_logged = 0.0
        self.notifications_sent = 0
        self.failures = 0

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def poke(self) -> None:
        """Outbox rows were committed: a NOTIFY will follow shortly. No-op when disabled or not running."""
        if self._wake is None or not self.running:
            return
        self._pending = True
        self._wake.set()

    async def start(self) -> None:
        if not self._enabled or self.running:
            return
        self._wake, self._closing = asyncio.Event(), asyncio.Event()
        self._pending = False
        self._task = asyncio.create_task(self._run(), name="outbox-notifier")
        self._task.add_done_callback(_log_crash)

    async def close(self) -> None:
        task, wake, closing = self._task, self._wake, self._closing
        if task is None or wake is None or closing is None:
            return
        closing.set()  # ends the coalescing window at once: the pending burst is sent now
        wake.set()
        _, still_running = await asyncio.wait({task}, timeout=self._timeout + 1.0)
        for pending in still_running:
            pending.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
        self._task = self._wake = self._closing = None

    async def _run(self) -> None:
        wake, closing = self._wake, self._closing
        assert wake is not None and closing is not None  # noqa: S101 - set by start() before the task
        while self._pending or not closing.is_set():
            await wake.wait()
            if self._pending and self._window > 0:
                with contextlib.suppress(TimeoutError):  # let the rest of the burst commit and poke
                    async with asyncio.timeout(self._window):
                        await closing.wait()
            wake.clear()
            if self._pending:
                self._pending = False  # before sending: a poke from now on gets a NOTIFY of its own
                await self._notify()

    async def _notify(self) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                await self._send()
        except Exception:  # never fatal, never the request's problem: the relay's poll finds the events
            self.failures += 1
            now = time.monotonic()
            if not self._failing or now - self._last_failure_logged >= FAILURE_LOG_INTERVAL_SECONDS:
                self._last_failure_logged = now
                logger.warning(
                    "outbox notification failed; the relay will find the events by polling",
                    exc_info=True,
                    extra={"channel": self._channel, "failures": self.failures},
                )
            self._failing = True
            return
        self.notifications_sent += 1
        if self._failing:
            self._failing = False
            logger.info("outbox notifications restored", extra={"channel": self._channel})

    async def _send(self) -> None:
        connection = await self._pool.getconn(timeout=self._timeout)
        try:
            # Autocommit for this one statement: one round trip, one transaction of its own.
            await connection.set_autocommit(True)
            try:
                await connection.execute(_NOTIFY_SQL, (self._channel,))
            finally:
                await _restore(connection)
        finally:
            await self._pool.putconn(connection)


async def _restore(connection: AsyncConnection[Any]) -> None:
    """Back to how the pool hands connections to units of work; one that cannot be (a query still in flight
    after a cancellation, a broken connection) is closed, so the pool discards it."""
    try:
        await connection.set_autocommit(False)
    except BaseException:
        await connection.close()
        raise


def _log_crash(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("the outbox notifier stopped", exc_info=task.exception())
