"""The outbox table for the relay (claiming and recording batches) and for operators (backlog, retention,
dead events), in raw SQL over the shared pool.

Claiming never reads past a gap: there is no "last published sequence" high-water mark. Every claim asks
for the unpublished rows that are due, so an event whose transaction commits late (with a lower `seq` than
events already published) is simply found by the next claim. Per-aggregate order: a row is claimable only
if no earlier row of its aggregate is still unpublished — and an earlier row that is locked by another relay
is still unpublished, so two relays never publish one aggregate's events concurrently or out of order.
Events of one aggregate are written by transactions that serialise on that aggregate (its row lock), so
their `seq` order is their commit order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, LiteralString
from uuid import UUID

from paybridge.adapters.postgres.database import PostgresDatabase
from paybridge.adapters.postgres.outbox_claim import PostgresClaimedBatch, event_from_row, transaction
from paybridge.adapters.postgres.outbox_notifier import NOTIFY_CHANNEL
from paybridge.application.ports.health import BACKLOG_COUNT_LIMIT
from paybridge.application.ports.relay import RelayBacklog, StoredEvent

# The backlog in three index walks whose cost does not grow with it (outbox_pending_idx, outbox_dead_idx):
# pending counted up to a limit, in seq order; the age of the first pending event in seq (publication)
# order — the head of the queue, the one the relay is stuck behind if it is stuck; dead events (parked, few
# by design) all counted. A full count and min(created_at) over a backlog of millions used to run every
# couple of seconds in every API worker and in the relay.
BACKLOG_SQL: LiteralString = (
    "SELECT"
    " (SELECT count(*) FROM (SELECT 1 FROM outbox WHERE published_at IS NULL AND failed_at IS NULL"
    "   ORDER BY seq LIMIT %(limit)s) AS counted),"
    " (SELECT extract(epoch FROM clock_timestamp() - created_at)::float8"
    "   FROM outbox WHERE published_at IS NULL AND failed_at IS NULL ORDER BY seq LIMIT 1),"
    " (SELECT count(*) FROM outbox WHERE published_at IS NULL AND failed_at IS NOT NULL)"
)

_LIST_COLUMNS: LiteralString = (
    "id, seq, event_type, aggregate_type, aggregate_id, created_at, correlation_id, payload, attempts,"
    " last_error, next_attempt_at, failed_at"
)


class PostgresOutboxRelayStore:
    def __init__(self, database: PostgresDatabase, count_limit: int = BACKLOG_COUNT_LIMIT) -> None:
        self._database = database
        self._count_limit = count_limit

    def claim(self, limit: int) -> PostgresClaimedBatch:
        return PostgresClaimedBatch(self._database, limit)

    async def backlog(self) -> RelayBacklog:
        async with transaction(self._database) as session:
            row = await session.fetchone("select", "outbox", BACKLOG_SQL, {"limit": self._count_limit})
        assert row is not None  # noqa: S101 - scalar subqueries without FROM return one row
        return RelayBacklog(int(row[0]), max(float(row[1] or 0.0), 0.0), int(row[2]))

    async def purge_published(self, older_than_seconds: float, limit: int) -> int:
        async with transaction(self._database) as session:
            return await session.execute(
                "delete",
                "outbox",
                "WITH doomed AS ("
                " SELECT id FROM outbox"
                " WHERE published_at < clock_timestamp() - make_interval(secs => %s)"
                " ORDER BY published_at LIMIT %s FOR UPDATE SKIP LOCKED)"
                " DELETE FROM outbox AS o USING doomed WHERE o.id = doomed.id",
                (older_than_seconds, limit),
            )

    async def list_unpublished(self, dead: bool, limit: int) -> list[StoredEvent]:
        async with transaction(self._database) as session:
            if dead:
                rows = await session.fetchall(
                    "select",
                    "outbox",
                    f"SELECT {_LIST_COLUMNS} FROM outbox WHERE failed_at IS NOT NULL ORDER BY seq LIMIT %s",
                    (limit,),
                )
            else:
                rows = await session.fetchall(
                    "select",
                    "outbox",
                    f"SELECT {_LIST_COLUMNS} FROM outbox WHERE published_at IS NULL AND failed_at IS NULL"
                    " ORDER BY seq LIMIT %s",
                    (limit,),
                )
        return [_stored_event(row) for row in rows]

    async def requeue_dead(self, event_ids: Sequence[UUID] | None) -> list[UUID]:
        async with transaction(self._database) as session:
            rows = await session.fetchall(
                "update",
                "outbox",
                "UPDATE outbox SET failed_at = NULL, next_attempt_at = NULL, attempts = 0"
                " WHERE failed_at IS NOT NULL AND published_at IS NULL"
                " AND (%(all)s OR id = ANY(%(ids)s::uuid[])) RETURNING id",
                {"all": event_ids is None, "ids": list(event_ids or [])},
            )
            if rows:
                await session.execute("notify", "outbox", "SELECT pg_notify(%s, '')", (NOTIFY_CHANNEL,))
        return sorted(UUID(str(row[0])) for row in rows)

    async def ping(self, within_seconds: float) -> str | None:
        return await self._database.ping(within_seconds)


def _stored_event(row: tuple[Any, ...]) -> StoredEvent:
    return StoredEvent(
        event=event_from_row(row), last_error=row[9], next_attempt_at=row[10], failed_at=row[11]
    )
