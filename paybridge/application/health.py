"""Health reports for the probes and operators: readiness, a summary and the detailed report.

Every check is named and answers a short human-readable string; a report is healthy only when every check
passes. `database` is "healthy" or "unhealthy: <why>"; `migrations` is "up to date", "not applicable" (storage
without a schema, such as the in-memory adapter) or "behind: <ids> pending"; while the server drains on
shutdown readiness adds `server: "draining"` and fails.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata

from paybridge.application.ports.health import HealthChecks, MigrationStatus, OutboxBacklog, PoolStatus

logger = logging.getLogger(__name__)

PING_SECONDS = 2.0
QUERY_SECONDS = 2.0


def package_version(distribution: str = "paybridge") -> str:
    """The installed version of `distribution`, or "unknown" when it is not installed (a bare checkout)."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


@dataclass(frozen=True, slots=True)
class Check:
    ok: bool
    detail: str


@dataclass(frozen=True, slots=True)
class HealthReport:
    checks: dict[str, Check]
    migrations: MigrationStatus | None = None

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks.values())

    def details(self) -> dict[str, str]:
        return {name: check.detail for name, check in self.checks.items()}


@dataclass(frozen=True, slots=True)
class DetailedHealth:
    report: HealthReport
    version: str
    uptime_seconds: float
    pool: PoolStatus | None
    outbox: OutboxBacklog | None


class HealthService:
    def __init__(
        self,
        checks: HealthChecks,
        version: str | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._checks = checks
        self.version = version or package_version()
        self._monotonic = monotonic
        self._started = monotonic()

    @property
    def uptime_seconds(self) -> float:
        return round(self._monotonic() - self._started, 3)

    async def components(self) -> HealthReport:
        """The database answers a ping within 2 s and its schema is not behind the migrations on disk."""
        problem = await self._checks.ping(PING_SECONDS)
        if problem is not None:
            return HealthReport(
                {
                    "database": Check(False, f"unhealthy: {problem}"),
                    "migrations": Check(False, "unknown: the database is unavailable"),
                }
            )
        database = Check(True, "healthy")
        try:
            async with asyncio.timeout(QUERY_SECONDS):
                status = await self._checks.migrations()
        except Exception as error:  # any failure of the check is the check failing, never a crash
            logger.warning("migration status check failed", extra={"error_type": type(error).__name__})
            return HealthReport(
                {"database": database, "migrations": Check(False, f"unknown: {_describe(error)}")}
            )
        return HealthReport(
            {"database": database, "migrations": Check(status.up_to_date, status.describe())}, status
        )

    async def readiness(self, draining: bool) -> HealthReport:
        """`components()`, failing also while the server drains on shutdown."""
        report = await self.components()
        if draining:
            report.checks["server"] = Check(False, "draining")
        return report

    async def detailed(self) -> DetailedHealth:
        report = await self.components()
        outbox: OutboxBacklog | None = None
        if report.checks["database"].ok:
            try:
                async with asyncio.timeout(QUERY_SECONDS):
                    outbox = await self._checks.outbox_backlog()
            except Exception as error:  # informational: the report shows null rather than failing
                logger.warning("outbox backlog query failed", extra={"error_type": type(error).__name__})
        return DetailedHealth(report, self.version, self.uptime_seconds, self._checks.pool(), outbox)


def _describe(error: Exception) -> str:
    if isinstance(error, TimeoutError):
        return f"no answer within {QUERY_SECONDS:g}s"
    return type(error).__name__
