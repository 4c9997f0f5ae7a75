"""Ledger entries as the schema guards them, checked with raw SQL: append-only (no update, delete or
truncate), in their wallet's currency, on an existing wallet, and never zero."""

from __future__ import annotations

import uuid
from typing import LiteralString
from uuid import UUID

import psycopg
import pytest
from psycopg import errors as pg_errors

from tests.integration.constraints.conftest import (
    FOREIGN_KEY_VIOLATION,
    RESTRICT_VIOLATION,
    add_entry,
    add_transaction,
    count,
    two_wallets,
)

pytestmark = pytest.mark.integration


# ------------------------------------------------------------------------------------------ append-only


@pytest.fixture
def committed_entry(conn: psycopg.Connection[tuple[object, ...]]) -> tuple[UUID, int]:
    source, destination = two_wallets(conn)
    txn = add_transaction(conn, source, destination)
    add_entry(conn, txn, source, -100)
    entry = add_entry(conn, txn, destination, 100, balance_after=100)
    conn.commit()
    return txn, entry


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entries SET amount = 1000 WHERE id = %s",
        "UPDATE ledger_entries SET balance_after = balance_after WHERE id = %s",
        "DELETE FROM ledger_entries WHERE id = %s",
    ],
    ids=["update-amount", "no-op-update", "delete"],
)
def test_ledger_entries_are_append_only(
    conn: psycopg.Connection[tuple[object, ...]], committed_entry: tuple[UUID, int], statement: LiteralString
) -> None:
    txn, entry = committed_entry
    with pytest.raises(pg_errors.RestrictViolation) as raised:
        conn.execute(statement, (entry,))
    assert raised.value.sqlstate == RESTRICT_VIOLATION
    assert raised.value.diag.constraint_name == "ledger_entries_append_only"
    conn.rollback()
    assert count(conn, "entries", txn) == 2


def test_ledger_entries_cannot_be_truncated(
    conn: psycopg.Connection[tuple[object, ...]], committed_entry: tuple[UUID, int]
) -> None:
    """TRUNCATE bypasses row-level triggers; append-only must also refuse it (a BEFORE TRUNCATE trigger)."""
    txn, _ = committed_entry
    try:
        with pytest.raises(psycopg.errors.Error):  # whichever error: it must not succeed
            conn.execute("TRUNCATE ledger_entries")
    finally:
        conn.rollback()  # never let a successful TRUNCATE commit
    assert count(conn, "entries", txn) == 2


# -------------------------------------------------------------------------------- references and amounts


def test_entry_currency_must_match_its_wallet(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    source, destination = two_wallets(conn)  # both USD
    txn = add_transaction(conn, source, destination)
    with pytest.raises(pg_errors.ForeignKeyViolation) as raised:
        add_entry(conn, txn, source, -100, currency="EUR")
    assert raised.value.sqlstate == FOREIGN_KEY_VIOLATION
    assert raised.value.diag.constraint_name == "ledger_entries_wallet_currency_fkey"


def test_entry_must_reference_an_existing_wallet(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    source, destination = two_wallets(conn)
    txn = add_transaction(conn, source, destination)
    with pytest.raises(pg_errors.ForeignKeyViolation) as raised:
        add_entry(conn, txn, uuid.uuid4(), -100)
    assert raised.value.diag.constraint_name == "ledger_entries_wallet_currency_fkey"


def test_zero_entry_is_refused(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    source, destination = two_wallets(conn)
    txn = add_transaction(conn, source, destination, status="PENDING")
    with pytest.raises(pg_errors.CheckViolation) as raised:
        add_entry(conn, txn, source, 0)
    assert raised.value.diag.constraint_name == "ledger_entries_amount_check"
