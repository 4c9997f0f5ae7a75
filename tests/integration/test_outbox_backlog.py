"""The outbox backlog that /health, the API's metrics and the relay report: pending counted up to a limit,
the oldest pending event's age exact, dead events apart — and a measurement whose cost does not grow with the
backlog (a relay outage leaves millions of rows; every API worker measures every couple of seconds)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import psycopg
import pytest

from paybridge.adapters.postgres.database import PostgresDatabase
from paybridge.adapters.postgres.health import PostgresHealthChecks
from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.adapters.postgres.outbox_relay import BACKLOG_SQL, PostgresOutboxRelayStore
from paybridge.config import Settings
from tests.support.postgres import DatabaseFactory

pytestmark = pytest.mark.integration


def _add_events(url: str, ages_seconds: list[float], state: str = "pending") -> None:
    """One outbox row per age, inserted in list order (so `seq` follows the list, not the age)."""
    now = datetime.now(UTC)
    with psycopg.connect(url) as conn:
        for age in ages_seconds:
            conn.execute(
                "INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, payload, created_at,"
                " published_at, failed_at) VALUES (%s, 'transaction', %s, 'transfer.completed', '{}', %s, %s, %s)",
                (
                    uuid4(),
                    str(uuid4()),
                    now - timedelta(seconds=age),
                    now if state == "published" else None,
                    now if state == "dead" else None,
                ),
            )


async def _measure(url: str, limit: int) -> tuple[Any, Any]:
    database = PostgresDatabase(url, notify_outbox=False)
    await database.open()
    try:
        health = PostgresHealthChecks(database, Path("migrations"), count_limit=limit)
        relay = PostgresOutboxRelayStore(database, count_limit=limit)
        return await health.outbox_backlog(), await relay.backlog()
    finally:
        await database.close()


@pytest.fixture
def url(new_database: DatabaseFactory) -> str:
    url = new_database("backlog")
    YoyoMigrator(url, Settings().migrations_dir).up()
    return url


async def test_pending_is_counted_up_to_the_limit_and_the_oldest_age_is_exact(url: str) -> None:
    health, relay = await _measure(url, limit=5)
    assert (health.pending, health.oldest_pending_age_seconds, health.dead) == (0, None, 0)
    assert (relay.pending, relay.oldest_pending_age_seconds, relay.dead) == (0, 0.0, 0)

    _add_events(url, [300.0, 10.0, 5.0])
    _add_events(url, [900.0], state="published")
    _add_events(url, [800.0, 700.0], state="dead")
    health, relay = await _measure(url, limit=5)
    assert (health.pending, health.dead) == (3, 2)
    assert 300.0 <= health.oldest_pending_age_seconds < 330.0
    assert (relay.pending, relay.dead) == (3, 2) and 300.0 <= relay.oldest_pending_age_seconds < 330.0

    _add_events(url, [1.0] * 9)
    health, relay = await _measure(url, limit=5)
    assert (health.pending, relay.pending) == (5, 5)  # 12 pending, reported as the limit
    assert 300.0 <= health.oldest_pending_age_seconds < 330.0
    health, _ = await _measure(url, limit=10_000)
    assert health.pending == 12


def _scanned(plan: dict[str, Any]) -> list[tuple[str, int]]:
    rows = [(f"{plan['Node Type']} {plan.get('Index Name', '')}".strip(), int(plan["Actual Rows"]))]
    return rows + [row for child in plan.get("Plans", []) for row in _scanned(child)]


def test_the_measurement_reads_a_bounded_number_of_rows(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, payload, created_at)"
            " SELECT gen_random_uuid(), 'transaction', g::text, 'transfer.completed', '{}',"
            " now() - make_interval(secs => 5001 - g) FROM generate_series(1, 5000) AS g"
        )
        conn.execute("ANALYZE outbox")
    for mode in ("auto", "force_generic_plan"):  # the relay's sessions and the API's
        with psycopg.connect(url, autocommit=True, options=f"-c plan_cache_mode={mode}") as conn:
            for _ in range(6):  # past psycopg's prepare threshold: the plan the server keeps using
                row = conn.execute(BACKLOG_SQL, {"limit": 50}, prepare=True).fetchone()
                assert row is not None and row[0] == 50 and 5000 <= row[1] <= 5100 and row[2] == 0
            explained = conn.execute(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + BACKLOG_SQL, {"limit": 50}
            ).fetchone()
            assert explained is not None
            plan = explained[0] if isinstance(explained[0], list) else json.loads(explained[0])
            scans = _scanned(plan[0]["Plan"])
            assert max(rows for _, rows in scans) <= 50, (mode, scans)  # never all 5,000 pending rows
            assert not any(name.startswith("Seq Scan") for name, _ in scans), (mode, scans)
