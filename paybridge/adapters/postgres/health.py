"""Health checks against PostgreSQL: ping, migration status, pool statistics, outbox backlog.

The migration status compares the migration ids on disk (file names in the migrations directory, without
`.sql`, rollback files excluded) with the ids yoyo recorded as applied in `_yoyo_migration`. That is one
cheap query; its successful result is cached for `cache_seconds` so a readiness probe every few seconds
costs at most one query per cache period. A database without `_yoyo_migration` has applied nothing: every
migration is pending.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, LiteralString

from psycopg import errors

from paybridge.adapters.postgres.database import PostgresDatabase
from paybridge.adapters.postgres.outbox_relay import BACKLOG_SQL
from paybridge.application.ports.health import BACKLOG_COUNT_LIMIT, MigrationStatus, OutboxBacklog, PoolStatus

MIGRATIONS_TABLE = "_yoyo_migration"  # yoyo-migrations' record of applied migrations
_APPLIED_SQL: LiteralString = "SELECT migration_id FROM _yoyo_migration"


def migration_ids_on_disk(migrations_dir: Path) -> list[str]:
    """The ids of the migrations in `migrations_dir`, in migration order (their numbered names sort so)."""
    return sorted(
        path.name.removesuffix(".sql")
        for path in migrations_dir.glob("*.sql")
        if not path.name.endswith(".rollback.sql")
    )


class PostgresHealthChecks:
    def __init__(
        self,
        database: PostgresDatabase,
        migrations_dir: Path,
        cache_seconds: float = 5.0,
        query_seconds: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
        count_limit: int = BACKLOG_COUNT_LIMIT,
    ) -> None:
        self._database = database
        self._count_limit = count_limit
        self._migrations_dir = migrations_dir
        self._on_disk: list[str] | None = None
        self._cache_seconds = cache_seconds
        self._query_seconds = query_seconds
        self._monotonic = monotonic
        self._cached: tuple[float, MigrationStatus] | None = None

    async def ping(self, within_seconds: float) -> str | None:
        return await self._database.ping(within_seconds=within_seconds)

    async def migrations(self) -> MigrationStatus:
        now = self._monotonic()
        if self._cached is not None and now - self._cached[0] < self._cache_seconds:
            return self._cached[1]
        if self._on_disk is None:
            # The migrations shipped with the code this process runs: read once.
            self._on_disk = migration_ids_on_disk(self._migrations_dir)
        try:
            applied = {str(row[0]) for row in await self._query(_APPLIED_SQL)}
        except errors.UndefinedTable:
            applied = set()
        status = compare(self._on_disk, applied)
        self._cached = (now, status)
        return status

    def pool(self) -> PoolStatus:
        stats = self._database.stats()
        return PoolStatus(
            total=stats.size, idle=stats.idle, in_use=stats.in_use, max=stats.max_size, waiting=stats.waiting
        )

    async def outbox_backlog(self) -> OutboxBacklog:
        rows = await self._query(BACKLOG_SQL, {"limit": self._count_limit})  # the relay's definitions
        pending, age, dead = rows[0]
        return OutboxBacklog(
            int(pending), None if age is None else round(max(float(age), 0.0), 3), dead=int(dead)
        )

    async def _query(self, sql: LiteralString, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
        """One read on a pooled connection, rolled back, within `query_seconds` (pool wait included)."""
        pool = self._database.pool
        async with asyncio.timeout(self._query_seconds):
            connection = await pool.getconn(timeout=self._query_seconds)
            try:
                cursor = await connection.execute(sql, params)
                return await cursor.fetchall()
            finally:
                try:
                    with contextlib.suppress(Exception):  # a broken connection: the pool discards it
                        await connection.rollback()
                finally:
                    await pool.putconn(connection)


def compare(on_disk: Sequence[str], applied: set[str]) -> MigrationStatus:
    """Pending = on disk, not applied. Ids applied but unknown here (a newer release migrated the database
    ahead of this code) do not make the schema "behind"; the version is the latest applied id this code
    knows."""
    pending = tuple(migration_id for migration_id in on_disk if migration_id not in applied)
    known_applied = [migration_id for migration_id in on_disk if migration_id in applied]
    return MigrationStatus(
        applicable=True, version=known_applied[-1] if known_applied else None, pending=pending
    )
