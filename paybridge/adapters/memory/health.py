"""Health checks for the in-memory storage.

There is no server to ping, no connection pool and no schema: the database is always "healthy" and the
migration status is "not applicable", which the health service treats as passing (so `/ready` answers 200
on the in-memory container). Nothing publishes outbox events in process, so every committed event is
pending, which is exactly what the PostgreSQL adapter reports for rows without `published_at`.
"""

from __future__ import annotations

from paybridge.adapters.memory.state import InMemoryDatabase
from paybridge.application.ports.health import BACKLOG_COUNT_LIMIT, MigrationStatus, OutboxBacklog, PoolStatus
from paybridge.application.ports.system import Clock


class InMemoryHealthChecks:
    """`HealthChecks` over an `InMemoryDatabase`; `clock` dates the outbox backlog."""

    def __init__(
        self, database: InMemoryDatabase, clock: Clock, count_limit: int = BACKLOG_COUNT_LIMIT
    ) -> None:
        self._database = database
        self._clock = clock
        self._count_limit = count_limit

    async def ping(self, within_seconds: float) -> str | None:
        """The dictionaries are always there: nothing can fail to answer."""
        return None

    async def migrations(self) -> MigrationStatus:
        return MigrationStatus(applicable=False)

    def pool(self) -> PoolStatus | None:
        """No connections to report (the detailed health report shows `pool: null`)."""
        return None

    async def outbox_backlog(self) -> OutboxBacklog:
        messages = self._database.outbox_messages()
        if not messages:
            return OutboxBacklog(0, None)
        oldest = min(message.created_at for message in messages)
        age = (self._clock.now() - oldest).total_seconds()
        return OutboxBacklog(min(len(messages), self._count_limit), round(max(age, 0.0), 3))
