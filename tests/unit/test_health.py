"""The health service's verdicts, and the PostgreSQL adapter's migration status (comparison and cache),
with the database replaced by fakes."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, cast

import pytest
from psycopg import errors

from paybridge.adapters.postgres import health as postgres_health
from paybridge.adapters.postgres.database import PostgresDatabase
from paybridge.adapters.postgres.health import PostgresHealthChecks, compare, migration_ids_on_disk
from paybridge.application import health as health_module
from paybridge.application.health import HealthService, package_version
from paybridge.application.ports.health import MigrationStatus, OutboxBacklog, PoolStatus


class FakeChecks:
    def __init__(self) -> None:
        self.problem: str | None = None
        self.status = MigrationStatus(applicable=True, version="0002_b", pending=())
        self.migration_error: Exception | None = None
        self.hang = False
        self.backlog_error: Exception | None = None

    async def ping(self, within_seconds: float) -> str | None:
        return self.problem

    async def migrations(self) -> MigrationStatus:
        if self.hang:
            await asyncio.sleep(10)
        if self.migration_error is not None:
            raise self.migration_error
        return self.status

    def pool(self) -> PoolStatus | None:
        return PoolStatus(total=2, idle=1, in_use=1, max=8, waiting=0)

    async def outbox_backlog(self) -> OutboxBacklog:
        if self.backlog_error is not None:
            raise self.backlog_error
        return OutboxBacklog(3, 1.5)


async def test_healthy() -> None:
    report = await HealthService(FakeChecks(), version="9.9").readiness(draining=False)
    assert report.ok
    assert report.details() == {"database": "healthy", "migrations": "up to date"}


async def test_database_down_fails_both_checks() -> None:
    checks = FakeChecks()
    checks.problem = "no answer within 2s"
    report = await HealthService(checks).components()
    assert not report.ok
    assert report.details() == {
        "database": "unhealthy: no answer within 2s",
        "migrations": "unknown: the database is unavailable",
    }


async def test_schema_behind_and_not_applicable() -> None:
    checks = FakeChecks()
    checks.status = MigrationStatus(applicable=True, version="0001_a", pending=("0002_b", "0003_c"))
    behind = await HealthService(checks).components()
    assert not behind.ok
    assert behind.details()["migrations"] == "behind: 0002_b, 0003_c pending"
    checks.status = MigrationStatus(applicable=False)
    assert (await HealthService(checks).components()).details()["migrations"] == "not applicable"
    assert (await HealthService(checks).components()).ok


async def test_a_failing_or_hanging_migration_check_fails_readiness(monkeypatch: pytest.MonkeyPatch) -> None:
    checks = FakeChecks()
    checks.migration_error = RuntimeError("boom")
    report = await HealthService(checks).components()
    assert (report.ok, report.details()["migrations"]) == (False, "unknown: RuntimeError")
    monkeypatch.setattr(health_module, "QUERY_SECONDS", 0.05)
    checks.migration_error, checks.hang = None, True
    report = await HealthService(checks).components()
    assert (report.ok, report.details()["migrations"]) == (False, "unknown: no answer within 0.05s")


async def test_draining_fails_readiness_only() -> None:
    service = HealthService(FakeChecks())
    ready = await service.readiness(draining=True)
    assert not ready.ok
    assert ready.details()["server"] == "draining"
    assert (await service.components()).ok


async def test_detailed_report_survives_a_failing_backlog_query() -> None:
    checks = FakeChecks()
    ticks = iter([100.0, 112.5])
    service = HealthService(checks, version="1.2.3", monotonic=lambda: next(ticks))
    checks.backlog_error = RuntimeError("no outbox table")
    detailed = await service.detailed()
    assert detailed.report.ok
    assert (detailed.version, detailed.uptime_seconds, detailed.outbox) == ("1.2.3", 12.5, None)
    assert detailed.pool == PoolStatus(total=2, idle=1, in_use=1, max=8, waiting=0)


def test_package_version() -> None:
    assert package_version() != "unknown"
    assert package_version("no-such-distribution-anywhere") == "unknown"


# ---------------------------------------------------------------------------- the PostgreSQL adapter


def test_compare_ids_on_disk_with_applied_ids() -> None:
    on_disk = ["0001_a", "0002_b", "0003_c"]
    assert compare(on_disk, {"0001_a", "0002_b", "0003_c"}) == MigrationStatus(True, "0003_c", ())
    assert compare(on_disk, {"0001_a"}) == MigrationStatus(True, "0001_a", ("0002_b", "0003_c"))
    assert compare(on_disk, set()) == MigrationStatus(True, None, ("0001_a", "0002_b", "0003_c"))
    # a newer release migrated further: not behind
    assert compare(on_disk, {"0001_a", "0002_b", "0003_c", "0004_d"}).up_to_date


def test_migration_ids_on_disk_ignore_rollbacks(tmp_path: Path) -> None:
    for name in ("0002_b.sql", "0001_a.sql", "0001_a.rollback.sql", "0002_b.rollback.sql", "notes.txt"):
        (tmp_path / name).write_text("")
    assert migration_ids_on_disk(tmp_path) == ["0001_a", "0002_b"]


async def test_migration_status_is_cached_and_a_missing_table_means_nothing_applied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "0001_a.sql").write_text("")
    (tmp_path / "0002_b.sql").write_text("")
    now = [0.0]
    queries: list[str] = []
    answer: list[Any] = [[("0001_a",), ("0002_b",)]]

    async def fake_query(self: PostgresHealthChecks, sql: str) -> list[tuple[Any, ...]]:
        queries.append(sql)
        if isinstance(answer[0], Exception):
            raise answer[0]
        return cast(list[tuple[Any, ...]], answer[0])

    monkeypatch.setattr(postgres_health.PostgresHealthChecks, "_query", fake_query)
    checks = PostgresHealthChecks(cast(PostgresDatabase, object()), tmp_path, monotonic=lambda: now[0])
    assert (await checks.migrations()).describe() == "up to date"
    answer[0] = errors.UndefinedTable("relation _yoyo_migration does not exist")
    now[0] = 4.9
    assert (await checks.migrations()).describe() == "up to date"  # cached
    assert len(queries) == 1
    now[0] = 5.1
    assert (await checks.migrations()).describe() == "behind: 0001_a, 0002_b pending"
    assert len(queries) == 2
