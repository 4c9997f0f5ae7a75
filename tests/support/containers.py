"""Building containers and inspecting their storage in tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from dependency_injector import providers

from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.application.ports.rate_limit import Rate
from paybridge.bootstrap import Container, StorageKind, build_container, start, stop
from paybridge.config import Settings
from paybridge.security_config import SecuritySettings

TEST_JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
# The suite makes thousands of requests from one address: rate limits stay on (the middleware runs) but are
# out of reach. Tests of the limits themselves set small ones explicitly (tests/integration/test_rate_limits.py).
GENEROUS_RATE = Rate(1_000_000, 60)
GENEROUS_SECURITY = SecuritySettings(
    rate_per_ip=GENEROUS_RATE,
    rate_per_user=GENEROUS_RATE,
    login_rate_per_ip=GENEROUS_RATE,
    login_rate_per_account=GENEROUS_RATE,
)
GENEROUS_RATE_ENV = {
    name: "1000000/minute"
    for name in (
        "PAYBRIDGE_RATE_LIMIT_PER_IP",
        "PAYBRIDGE_RATE_LIMIT_PER_USER",
        "PAYBRIDGE_LOGIN_RATE_LIMIT_PER_IP",
        "PAYBRIDGE_LOGIN_RATE_LIMIT_PER_ACCOUNT",
    )
}


def test_settings(**overrides: Any) -> Settings:
    """Fast password hashing and a fixed secret; everything else as in production defaults."""
    base = Settings(
        env="test",
        jwt_secret=TEST_JWT_SECRET,
        argon2_time_cost=1,
        argon2_memory_cost_kib=1024,
        argon2_parallelism=1,
        db_pool_min_size=1,
        db_pool_max_size=8,
        security=GENEROUS_SECURITY,
    )
    return replace(base, **overrides)


def make_container(storage: StorageKind, database_url: str | None = None, **overrides: Any) -> Container:
    settings = test_settings(database_url=database_url, **overrides)
    return build_container(storage, settings, database_url=database_url)


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime.now(UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


def outbox_events(container: Container) -> list[dict[str, Any]]:
    """Committed outbox rows as dicts (event_type, aggregate_type, aggregate_id, payload, correlation_id)."""
    if container.storage_kind() == "memory":
        return [
            {
                "id": m.id,
                "event_type": m.event_type,
                "aggregate_type": m.aggregate_type,
                "aggregate_id": m.aggregate_id,
                "payload": m.payload,
                "correlation_id": m.correlation_id,
            }
            for m in container.memory_database().outbox_messages()
        ]
    url = container.settings().database_url
    assert url is not None
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT id, event_type, aggregate_type, aggregate_id, payload, correlation_id FROM outbox ORDER BY seq"
        ).fetchall()
    keys = ("id", "event_type", "aggregate_type", "aggregate_id", "payload", "correlation_id")
    return [dict(zip(keys, row, strict=True)) for row in rows]


@dataclass
class Clocked:
    container: Container
    clock: FakeClock


@asynccontextmanager
async def clocked_container(database_url: str | None, **overrides: Any) -> AsyncIterator[Clocked]:
    """A started container on `database_url` (migrated here; None: the memory adapters) whose clock is a
    FakeClock, overridden before any provider that depends on the clock is built (dependency-injector
    singletons keep the clock they were built with)."""
    if database_url is not None:
        YoyoMigrator(database_url, Settings().migrations_dir).up()
        container = make_container("postgres", database_url, **overrides)
    else:
        container = make_container("memory", **overrides)
    clock = FakeClock()
    container.clock.override(providers.Object(clock))
    await start(container)
    try:
        yield Clocked(container, clock)
    finally:
        await stop(container)
        container.clock.reset_override()
