"""PostgreSQL outbox writer: events go into the `outbox` table inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg.types.json import Jsonb

from paybridge.adapters.postgres.session import PostgresSession
from paybridge.application.context import current_context
from paybridge.domain.events import DomainEvent


class PostgresOutbox:
    def __init__(self, session: PostgresSession) -> None:
        self._session = session

    async def add(self, events: Sequence[DomainEvent]) -> None:
        if not events:
            return
        await self._session.execute(
            "insert",
            "outbox",
            "INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, payload, correlation_id,"
            " created_at)"
            " SELECT e.id, e.aggregate_type, e.aggregate_id, e.event_type, e.payload, %s, e.created_at"
            " FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::jsonb[], %s::timestamptz[])"
            " AS e(id, aggregate_type, aggregate_id, event_type, payload, created_at)",
            (
                current_context().correlation_id,
                [event.id for event in events],
                [event.aggregate_type for event in events],
                [event.aggregate_id for event in events],
                [event.event_type for event in events],
                [Jsonb(event.payload()) for event in events],
                [event.occurred_at for event in events],
            ),
        )
        self._session.wrote_outbox = True
