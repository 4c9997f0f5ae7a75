"""A claimed batch of outbox events: one transaction on one pooled connection that locks the claimed rows
(`FOR UPDATE SKIP LOCKED`) while the relay publishes them, records the outcome on the same rows and commits.
Like a unit of work it rolls back unless `commit()` was called."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any, LiteralString, Self
from uuid import UUID

from psycopg import AsyncConnection

from paybridge.adapters.postgres.database import PostgresDatabase
from paybridge.adapters.postgres.errors import translate
from paybridge.adapters.postgres.session import PostgresSession
from paybridge.application.ports.relay import OutboxEvent, PublishFailure

logger = logging.getLogger(__name__)

# Due, unpublished, not dead, and no earlier unpublished event of the same aggregate (dead or locked by
# another relay included): see paybridge/adapters/postgres/outbox_relay.py for why this never skips one.
_CLAIM_SQL: LiteralString = """
SELECT o.id, o.seq, o.event_type, o.aggregate_type, o.aggregate_id, o.created_at, o.correlation_id,
       o.payload, o.attempts
  FROM outbox AS o
 WHERE o.published_at IS NULL
   AND o.failed_at IS NULL
   AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= clock_timestamp())
   AND NOT EXISTS (
       SELECT 1 FROM outbox AS earlier
        WHERE earlier.aggregate_type = o.aggregate_type
          AND earlier.aggregate_id = o.aggregate_id
          AND earlier.seq < o.seq
          AND earlier.published_at IS NULL)
 ORDER BY o.seq
 LIMIT %s
   FOR UPDATE OF o SKIP LOCKED
"""
_PUBLISHED_SQL: LiteralString = (
    "UPDATE outbox SET published_at = clock_timestamp(), attempts = attempts + 1, next_attempt_at = NULL"
    " WHERE id = ANY(%s::uuid[])"
)
_FAILED_SQL: LiteralString = """
UPDATE outbox AS o
   SET attempts = o.attempts + 1,
       last_error = f.error,
       next_attempt_at = CASE WHEN f.delay IS NULL THEN NULL
                              ELSE clock_timestamp() + make_interval(secs => f.delay) END,
       failed_at = CASE WHEN f.delay IS NULL THEN clock_timestamp() END
  FROM unnest(%s::uuid[], %s::text[], %s::float8[]) AS f(id, error, delay)
 WHERE o.id = f.id
"""


@asynccontextmanager
async def transaction(database: PostgresDatabase) -> AsyncIterator[PostgresSession]:
    """A session in a transaction on a pooled connection: committed when the block exits cleanly, rolled
    back otherwise. Database errors surface translated (`raise ... from`)."""
    connection = await database.acquire()
    try:
        yield PostgresSession(connection, database.observer)
        await _commit(connection)
    finally:
        await _release(database, connection)


class PostgresClaimedBatch:
    events: Sequence[OutboxEvent]

    def __init__(self, database: PostgresDatabase, limit: int) -> None:
        self._database = database
        self._limit = limit
        self._connection: AsyncConnection[Any] | None = None
        self._session: PostgresSession | None = None
        self.events = ()

    async def __aenter__(self) -> Self:
        self._connection = await self._database.acquire()
        try:
            self._session = PostgresSession(self._connection, self._database.observer)
            rows = await self._session.fetchall("claim", "outbox", _CLAIM_SQL, (self._limit,))
        except BaseException:
            await _release(self._database, self._connection)
            self._connection = None
            raise
        self.events = tuple(event_from_row(row) for row in rows)
        return self

    async def record_published(self, event_ids: Sequence[UUID]) -> None:
        await self._require().execute("mark_published", "outbox", _PUBLISHED_SQL, (list(event_ids),))

    async def record_failures(self, failures: Sequence[PublishFailure]) -> None:
        await self._require().execute(
            "mark_failed",
            "outbox",
            _FAILED_SQL,
            (
                [failure.event_id for failure in failures],
                [failure.error for failure in failures],
                [failure.retry_in_seconds for failure in failures],
            ),
        )

    async def commit(self) -> None:
        if self._connection is None:
            raise RuntimeError("commit() outside the claimed batch")
        await _commit(self._connection)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        connection, self._connection, self._session = self._connection, None, None
        if connection is not None:
            await _release(self._database, connection)

    def _require(self) -> PostgresSession:
        if self._session is None:
            raise RuntimeError("the batch is not claimed")
        return self._session


def event_from_row(row: tuple[Any, ...]) -> OutboxEvent:
    """An event from the first nine columns of a row, in the order `_CLAIM_SQL` selects them."""
    return OutboxEvent(
        id=row[0],
        seq=int(row[1]),
        event_type=row[2],
        aggregate_type=row[3],
        aggregate_id=row[4],
        occurred_at=row[5],
        correlation_id=row[6],
        data=row[7],
        attempts=int(row[8]),
    )


async def _commit(connection: AsyncConnection[Any]) -> None:
    try:
        await connection.commit()
    except Exception as error:
        translated = translate(error)
        if translated is not None:
            raise translated from error
        raise


async def _release(database: PostgresDatabase, connection: AsyncConnection[Any]) -> None:
    """Rolls back whatever was not committed (a no-op after commit) and returns the connection."""
    try:
        if not connection.closed:
            await connection.rollback()
    except Exception:
        logger.warning("rollback failed; discarding the connection", exc_info=True)
        await connection.close()
    finally:
        await database.pool.putconn(connection)
