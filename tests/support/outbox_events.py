"""Committing outbox events the way an API process does (a PostgreSQL unit of work, with or without the
outbox notifier), and listening to the relay's wake-up channel."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, ClassVar, Self
from uuid import UUID

import psycopg
from psycopg import sql

from paybridge.adapters.postgres.database import PostgresDatabase
from paybridge.adapters.postgres.outbox_notifier import NOTIFY_CHANNEL
from paybridge.adapters.postgres.uow import PostgresUnitOfWork
from paybridge.domain.events import DomainEvent
from paybridge.domain.ids import new_id


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeEvent(DomainEvent):
    event_type: ClassVar[str] = "test.probed"
    aggregate_type: ClassVar[str] = "probe"
    key: str

    @property
    def aggregate_id(self) -> str:
        return self.key

    def payload(self) -> dict[str, Any]:
        return {"key": self.key}


def probe_events(count: int = 1) -> list[ProbeEvent]:
    return [ProbeEvent(occurred_at=datetime.now(UTC), key=f"probe-{new_id()}") for _ in range(count)]


async def commit_events(database: PostgresDatabase, events: list[ProbeEvent] | None = None) -> list[UUID]:
    """One unit of work that writes `events` (one probe event by default) to the outbox and commits."""
    events = events if events is not None else probe_events()
    async with PostgresUnitOfWork(database) as uow:
        await uow.outbox.add(events)
        await uow.commit()
    return [event.id for event in events]


async def commit_events_once(database_url: str, notify: bool, count: int = 1) -> list[UUID]:
    """As an API process configured with PAYBRIDGE_OUTBOX_NOTIFY=`notify` would: open, commit, close."""
    database = PostgresDatabase(database_url, max_size=2, notify_outbox=notify)
    await database.open()
    try:
        return await commit_events(database, probe_events(count))
    finally:
        await database.close()


class OutboxListener:
    """LISTENs on the relay's channel on a connection of its own; `received` holds the monotonic time of each
    notification as it arrived."""

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self.received: list[float] = []
        self._connection: psycopg.AsyncConnection[Any] | None = None
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        self._connection = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
        await self._connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(NOTIFY_CHANNEL)))
        self._task = asyncio.create_task(self._collect(self._connection))
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._connection is not None:
            await self._connection.close()

    async def _collect(self, connection: psycopg.AsyncConnection[Any]) -> None:
        async for _ in connection.notifies():
            self.received.append(time.monotonic())

    async def wait_for(self, count: int, within_seconds: float) -> bool:
        """True once `count` notifications arrived in total, False after `within_seconds`."""
        deadline = time.monotonic() + within_seconds
        while len(self.received) < count:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.005)
        return True

    async def quiet(self, seconds: float = 0.2) -> int:
        """Waits until no notification arrived for `seconds`; returns how many arrived in total."""
        seen = -1
        while seen != len(self.received):
            seen = len(self.received)
            await asyncio.sleep(seconds)
        return seen
