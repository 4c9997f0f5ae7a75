"""The health port: what the probes and `/health/detailed` ask of the storage behind the service.

Adapters answer in plain values and never raise for an unreachable database from `ping`; the other
methods may raise (any exception), and the health service reports that as the check failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    """The schema compared with the migrations shipped with this code.

    `applicable` is False for storage without a schema (the in-memory adapter): that is healthy.
    `pending` lists migration ids on disk the database has not applied, in migration order.
    """

    applicable: bool
    version: str | None = None
    pending: tuple[str, ...] = field(default_factory=tuple)

    @property
    def up_to_date(self) -> bool:
        return not self.applicable or not self.pending

    def describe(self) -> str:
        if not self.applicable:
            return "not applicable"
        if self.pending:
            return f"behind: {', '.join(self.pending)} pending"
        return "up to date"


@dataclass(frozen=True, slots=True)
class PoolStatus:
    """Connections of the pool: `total` open (`idle` + `in_use`), `max` allowed, `waiting` requests."""

    total: int
    idle: int
    in_use: int
    max: int
    waiting: int


# A backlog is counted up to this many events: a larger one reads as this number. Counting every row would
# make the measurement itself grow with the incident it reports (a relay down for an hour leaves millions);
# the age of the oldest pending event, what the alerts use, is read from the head of the queue.
BACKLOG_COUNT_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class OutboxBacklog:
    """Events written but not yet published (counted up to `BACKLOG_COUNT_LIMIT`), the age of the oldest one
    — the first in publication order, whose `created_at` is its writer's clock (None when there are none) —
    and the events the relay parked as dead after too many failed attempts (not counted as pending)."""

    pending: int
    oldest_pending_age_seconds: float | None
    dead: int = 0


class HealthChecks(Protocol):
    async def ping(self, within_seconds: float) -> str | None:
        """None when the database answered a trivial query within `within_seconds`, else what went wrong
        (never a secret: no URL, no password)."""

    async def migrations(self) -> MigrationStatus:
        """The schema's migration status; cheap enough for a readiness probe (adapters may cache it for a
        few seconds)."""

    def pool(self) -> PoolStatus | None:
        """Connection pool statistics, or None when the storage has no pool. No I/O."""

    async def outbox_backlog(self) -> OutboxBacklog:
        """The unpublished outbox events (a query: for the detailed health report, not for probes)."""
