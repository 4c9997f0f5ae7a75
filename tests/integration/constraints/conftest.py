"""Fixtures and raw-SQL helpers of the schema-guarantee tests (no application code): a database of their own,
a connection rolled back after each test, and rows inserted exactly as a test needs them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import LiteralString
from uuid import UUID

import psycopg
import pytest

from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.config import Settings
from tests.support.postgres import DatabaseFactory

CHECK_VIOLATION = "23514"
UNIQUE_VIOLATION = "23505"
FOREIGN_KEY_VIOLATION = "23503"
RESTRICT_VIOLATION = "23001"


@pytest.fixture(scope="session")
def constraints_database_url(new_database: DatabaseFactory) -> str:
    """A migrated database of the constraint tests' own (one for all of them, as when they were one module),
    built exactly like `migrated_database_url`: these tests leave rows no application would write (a negative
    system account without entries, a transaction with no entries, entries that disagree with wallet
    balances) that must not reach other tests' ledger."""
    url = new_database("pb_constraints")
    YoyoMigrator(url, Settings().migrations_dir).up()
    return url


@pytest.fixture
def conn(constraints_database_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(constraints_database_url) as connection:
        yield connection
        connection.rollback()


def add_user(conn: psycopg.Connection[tuple[object, ...]], email: str | None = None) -> UUID:
    user_id = uuid.uuid4()
    now = datetime.now(UTC)
    conn.execute(
        "INSERT INTO users (id, email, full_name, password_hash, role, created_at, updated_at)"
        " VALUES (%s, %s, 'Test', 'x', 'user', %s, %s)",
        (user_id, email or f"db-{user_id.hex[:12]}@example.com", now, now),
    )
    return user_id


def add_wallet(
    conn: psycopg.Connection[tuple[object, ...]], user_id: UUID, currency: str = "USD", balance: int = 0
) -> UUID:
    wallet_id = uuid.uuid4()
    now = datetime.now(UTC)
    conn.execute(
        "INSERT INTO wallets (id, kind, user_id, currency, status, balance, created_at, updated_at)"
        " VALUES (%s, 'USER', %s, %s, 'ACTIVE', %s, %s, %s)",
        (wallet_id, user_id, currency, balance, now, now),
    )
    return wallet_id


def add_system_account(conn: psycopg.Connection[tuple[object, ...]], currency: str = "USD") -> UUID:
    wallet_id = uuid.uuid4()
    now = datetime.now(UTC)
    conn.execute(
        "INSERT INTO wallets (id, kind, system_code, currency, status, balance, created_at, updated_at)"
        " VALUES (%s, 'SYSTEM', %s, %s, 'ACTIVE', 0, %s, %s)",
        (wallet_id, f"TEST-{wallet_id.hex[:12]}", currency, now, now),
    )
    return wallet_id


def add_transaction(
    conn: psycopg.Connection[tuple[object, ...]],
    source: UUID | None,
    destination: UUID | None,
    amount: int = 100,
    status: str = "COMPLETED",
    currency: str = "USD",
) -> UUID:
    txn_id = uuid.uuid4()
    now = datetime.now(UTC)
    conn.execute(
        "INSERT INTO transactions (id, type, status, amount, currency, source_wallet_id, destination_wallet_id,"
        " created_at, completed_at) VALUES (%s, 'TRANSFER', %s, %s, %s, %s, %s, %s, %s)",
        (txn_id, status, amount, currency, source, destination, now, now if status == "COMPLETED" else None),
    )
    return txn_id


def add_entry(
    conn: psycopg.Connection[tuple[object, ...]],
    txn_id: UUID,
    wallet_id: UUID,
    amount: int,
    currency: str = "USD",
    balance_after: int = 0,
) -> int:
    row = conn.execute(
        "INSERT INTO ledger_entries (transaction_id, wallet_id, amount, currency, balance_after, created_at)"
        " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
        (txn_id, wallet_id, amount, currency, balance_after, datetime.now(UTC)),
    ).fetchone()
    assert row is not None
    entry_id = row[0]
    assert isinstance(entry_id, int)
    return entry_id


def two_wallets(conn: psycopg.Connection[tuple[object, ...]]) -> tuple[UUID, UUID]:
    source = add_wallet(conn, add_user(conn))
    destination = add_wallet(conn, add_user(conn))
    conn.commit()
    return source, destination


def count(conn: psycopg.Connection[tuple[object, ...]], table_sql: str, value: object) -> int:
    queries: dict[str, LiteralString] = {
        "transactions": "SELECT count(*) FROM transactions WHERE id = %s",
        "entries": "SELECT count(*) FROM ledger_entries WHERE transaction_id = %s",
    }
    row = conn.execute(queries[table_sql], (value,)).fetchone()
    assert row is not None
    found = row[0]
    assert isinstance(found, int)
    return found
