"""LISTEN/NOTIFY wake-ups for the relay: a dedicated autocommit connection (not from the pool) listens on
`paybridge_outbox`, which every API process notifies after committing events (`PostgresOutboxNotifier`: one
NOTIFY per burst of commits, in a transaction of its own) and `paybridge outbox retry` after requeueing.

The money transaction sends no NOTIFY (that would serialise its commit with every other notifying one): the
relay is never on its critical path. If the listening connection breaks, `wait` only times out (the relay then polls) while the
listener reconnects with exponential backoff and jitter; after reconnecting it signals once, in case events
were committed while nobody listened. A silent connection is checked every `heartbeat_seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import psycopg

from paybridge.adapters.postgres.outbox_notifier import NOTIFY_CHANNEL
from paybridge.application.backoff import BackoffSchedule

logger = logging.getLogger("paybridge.relay")
RECONNECT_BACKOFF = BackoffSchedule(base_seconds=0.5, max_seconds=30.0)


class PostgresOutboxNotifications:
    def __init__(self, url: str, heartbeat_seconds: float = 30.0, connect_timeout_seconds: int = 5) -> None:
        self._url = url
        self._heartbeat_seconds = heartbeat_seconds
        self._connect_timeout = connect_timeout_seconds
        self._signal = asyncio.Event()
        self._listening = False
        self._task: asyncio.Task[None] | None = None

    @property
    def listening(self) -> bool:
        return self._listening

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen_forever(), name="outbox-listener")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def wait(self, timeout_seconds: float) -> bool:
        try:
            async with asyncio.timeout(timeout_seconds):
                await self._signal.wait()
        except TimeoutError:
            return False
        self._signal.clear()
        return True

    async def _listen_forever(self) -> None:
        failures = 0
        while True:
            try:
                await self._listen_once()
            except Exception:
                failures += 1
                delay = RECONNECT_BACKOFF.delay(failures)
                logger.warning(
                    "outbox notification listener failed; polling until it reconnects",
                    exc_info=True,
                    extra={"retry_in_seconds": round(delay, 3)},
                )
            else:
                failures, delay = 0, RECONNECT_BACKOFF.delay(1)
            finally:
                self._listening = False
            await asyncio.sleep(delay)

    async def _listen_once(self) -> None:
        connection = await psycopg.AsyncConnection.connect(
            self._url, autocommit=True, connect_timeout=self._connect_timeout
        )
        async with connection:
            await connection.execute("LISTEN paybridge_outbox")  # NOTIFY_CHANNEL
            self._listening = True
            self._signal.set()  # events may have been committed while nobody listened
            logger.info("listening for outbox notifications", extra={"channel": NOTIFY_CHANNEL})
            while not connection.closed:
                async for _ in connection.notifies(timeout=self._heartbeat_seconds):
                    self._signal.set()
                await connection.execute("SELECT 1")  # a silent connection may be a dead one
