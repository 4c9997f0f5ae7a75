"""The API's database sessions force generic plans (PAYBRIDGE_DB_GENERIC_PLANS) and never JIT-compile; the
relay's keep PostgreSQL's plan choice. A statement the API repeats must then have a generic plan that is
index-driven on skewed data: here the background purges — of expired idempotency keys, on a table of live keys
with a few expired ones, and of expired exchange quotes, on a table of used quotes (kept for good, all expired
long ago) and live ones with a few due (the list queries: test_list_plans.py). Plans, not timings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg._queries import PostgresQuery
from psycopg.adapt import Transformer

from paybridge.adapters.postgres.database import PostgresDatabase, session_options
from paybridge.adapters.postgres.exchange import PURGE_SQL as PURGE_QUOTES_SQL
from paybridge.adapters.postgres.idempotency import PURGE_SQL
from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.config import Settings
from paybridge.relay_bootstrap import _database as relay_database
from tests.support.postgres import DatabaseFactory

pytestmark = pytest.mark.integration


async def _session_settings(database: PostgresDatabase) -> tuple[str, str]:
    await database.open()
    try:
        connection = await database.pool.getconn()
        try:
            cursor = await connection.execute(
                "SELECT current_setting('plan_cache_mode'), current_setting('jit')"
            )
            row = await cursor.fetchone()
            await connection.rollback()
        finally:
            await database.release(connection)
    finally:
        await database.close()
    assert row is not None
    return str(row[0]), str(row[1])


async def test_the_api_forces_generic_plans_the_relay_does_not_and_neither_jits(
    migrated_database_url: str,
) -> None:
    api = PostgresDatabase(
        migrated_database_url, generic_plans=Settings().db_generic_plans, notify_outbox=False
    )
    assert await _session_settings(api) == ("force_generic_plan", "off")
    relay = relay_database(Settings(), migrated_database_url)
    assert await _session_settings(relay) == ("auto", "off")
    switched_off = PostgresDatabase(migrated_database_url, generic_plans=False, notify_outbox=False)
    assert await _session_settings(switched_off) == ("auto", "off")


@pytest.fixture(scope="module")
def many_live_keys(new_database: DatabaseFactory) -> Iterator[str]:
    url = new_database("plans")
    YoyoMigrator(url, Settings().migrations_dir).up()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            """INSERT INTO idempotency_keys (principal_id, key, fingerprint, outcome, created_at, expires_at)
               SELECT gen_random_uuid(), 'k' || i, 'f', '{}', now(),
                      now() + CASE WHEN i <= 50 THEN interval '-1 hour' ELSE interval '1 day' END
                 FROM generate_series(1, 60000) AS i"""
        )
        conn.execute("VACUUM (ANALYZE) idempotency_keys")
    yield url


@pytest.fixture(scope="module")
def many_used_quotes(new_database: DatabaseFactory) -> Iterator[str]:
    """20,000 used quotes that expired a month ago (each with its transaction), 20,000 live unused ones and
    50 unused ones that expired a month ago: the 50 are the only ones due."""
    url = new_database("plans")
    YoyoMigrator(url, Settings().migrations_dir).up()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            """WITH u AS (INSERT INTO users (id, email, full_name, password_hash, role, created_at, updated_at)
                          VALUES (gen_random_uuid(), 'q@example.com', 'Q', 'x', 'user', now(), now())
                          RETURNING id),
                    w AS (INSERT INTO wallets (id, user_id, currency, status, created_at, updated_at)
                          SELECT gen_random_uuid(), id, 'USD', 'ACTIVE', now(), now() FROM u RETURNING id, user_id),
                    t AS (INSERT INTO transactions (id, type, status, amount, currency, destination_wallet_id,
                                                    created_at)
                          SELECT gen_random_uuid(), 'DEPOSIT', 'PENDING', 1, 'USD', w.id, now()
                            FROM w, generate_series(1, 20000) RETURNING id)
               INSERT INTO exchange_quotes (id, user_id, source_currency, destination_currency, rate, created_at,
                                            expires_at, transaction_id)
               SELECT gen_random_uuid(), (SELECT user_id FROM w), 'USD', 'JPY', 149.5,
                      now() - interval '30 days', now() - interval '30 days' + interval '1 minute', t.id
                 FROM t"""
        )
        conn.execute(
            """INSERT INTO exchange_quotes (id, user_id, source_currency, destination_currency, rate, created_at,
                                            expires_at)
               SELECT gen_random_uuid(), (SELECT id FROM users LIMIT 1), 'USD', 'JPY', 149.5, now(),
                      now() + CASE WHEN i <= 50 THEN interval '-30 days' ELSE interval '1 minute' END
                 FROM generate_series(1, 20050) AS i"""
        )
        conn.execute("VACUUM (ANALYZE) exchange_quotes")
    yield url


def _generic_plan(url: str, statement: Any, params: tuple[Any, ...] | dict[str, Any]) -> str:
    options = session_options(Settings().db_statement_timeout_ms, generic_plans=True)
    with psycopg.connect(url, options=options) as conn:
        query = PostgresQuery(Transformer(conn))
        query.convert(statement, params)
        types = ", ".join(
            str(conn.execute("SELECT format_type(%s, NULL)", (oid,)).fetchone()[0])  # type: ignore[index]
            for oid in query.types
        )
        conn.execute(f"PREPARE purge({types}) AS {bytes(query.query).decode()}")
        values = params.values() if isinstance(params, dict) else params
        arguments = sql.SQL(", ").join(sql.Literal(value) for value in values)
        rows = conn.execute(sql.SQL("EXPLAIN (ANALYZE) EXECUTE purge({})").format(arguments)).fetchall()
        conn.rollback()  # EXPLAIN ANALYZE ran the DELETE: the data stays for the other checks
    return "\n".join(str(row[0]) for row in rows)


def test_the_purge_of_expired_keys_walks_the_expiry_index(many_live_keys: str) -> None:
    plan = _generic_plan(many_live_keys, PURGE_SQL, (datetime.now(UTC), 1000))
    assert "idempotency_keys_expires_at_idx" in plan, plan
    assert "Seq Scan on idempotency_keys" not in plan, plan
    assert "JIT" not in plan, plan


def test_the_purge_of_expired_quotes_walks_only_unused_quotes(many_used_quotes: str) -> None:
    before = datetime.now(UTC) - timedelta(days=7)
    plan = _generic_plan(many_used_quotes, PURGE_QUOTES_SQL, {"before": before, "limit": 1000})
    assert "exchange_quotes_unused_expires_at_idx" in plan, plan
    assert "Seq Scan on exchange_quotes" not in plan, plan
    assert "JIT" not in plan, plan
    # the walk reads the 50 due quotes and stops: none of the 20,000 used ones is visited and filtered out
    assert "Rows Removed by Filter" not in plan, plan
    scan = next(line for line in plan.splitlines() if "Index Scan using" in line)
    assert "actual" in scan and scan.rstrip().endswith("rows=50 loops=1)"), plan
    assert "Tid Scan on exchange_quotes" in plan, plan
