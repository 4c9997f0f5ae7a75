"""The schema's own balance guarantees, checked with raw SQL: the database refuses an unbalanced ledger, a
completed transaction without entries and negative user balances (system accounts may go negative)."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors as pg_errors

from tests.integration.constraints.conftest import (
    CHECK_VIOLATION,
    add_entry,
    add_system_account,
    add_transaction,
    add_user,
    add_wallet,
    count,
    two_wallets,
)

pytestmark = pytest.mark.integration


# ---------------------------------------------------------------------------------- balanced entries


def test_unbalanced_entries_fail_at_commit(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    source, destination = two_wallets(conn)
    txn = add_transaction(conn, source, destination)
    # Each statement succeeds: the balance check is a deferred constraint trigger.
    add_entry(conn, txn, source, -100)
    add_entry(conn, txn, destination, 90)
    with pytest.raises(pg_errors.CheckViolation) as raised:
        conn.commit()
    assert raised.value.sqlstate == CHECK_VIOLATION
    assert raised.value.diag.constraint_name == "ledger_entries_balanced"
    assert count(conn, "transactions", txn) == 0
    assert count(conn, "entries", txn) == 0


def test_single_sided_entry_fails_at_commit(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    source, destination = two_wallets(conn)
    txn = add_transaction(conn, source, destination, status="PENDING")
    add_entry(conn, txn, destination, 100)
    with pytest.raises(pg_errors.CheckViolation) as raised:
        conn.commit()
    assert raised.value.diag.constraint_name == "ledger_entries_balanced"


def test_balanced_pair_commits(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    source, destination = two_wallets(conn)
    txn = add_transaction(conn, source, destination)
    add_entry(conn, txn, source, -100)
    add_entry(conn, txn, destination, 100, balance_after=100)
    conn.commit()
    assert count(conn, "transactions", txn) == 1
    assert count(conn, "entries", txn) == 2


def test_balance_is_checked_per_transaction(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    """Two unbalanced transactions whose entries would cancel out together are still refused."""
    source, destination = two_wallets(conn)
    first = add_transaction(conn, source, destination)
    second = add_transaction(conn, source, destination)
    add_entry(conn, first, source, -100)
    add_entry(conn, first, destination, 60)
    add_entry(conn, second, source, -60)
    add_entry(conn, second, destination, 100)
    with pytest.raises(pg_errors.CheckViolation) as raised:
        conn.commit()
    assert raised.value.diag.constraint_name == "ledger_entries_balanced"


# ------------------------------------------------------------------------------- transactions' entries


def test_completed_transaction_without_entries_fails_at_commit(
    conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    source, destination = two_wallets(conn)
    txn = add_transaction(conn, source, destination, status="COMPLETED")
    with pytest.raises(pg_errors.CheckViolation) as raised:
        conn.commit()
    assert raised.value.sqlstate == CHECK_VIOLATION
    assert raised.value.diag.constraint_name == "transactions_have_entries"
    assert count(conn, "transactions", txn) == 0


def test_pending_transaction_without_entries_commits(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    source, destination = two_wallets(conn)
    txn = add_transaction(conn, source, destination, status="PENDING")
    conn.commit()
    assert count(conn, "transactions", txn) == 1


# ------------------------------------------------------------------------------------------- balances


def test_user_wallet_cannot_go_negative(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    wallet = add_wallet(conn, add_user(conn), balance=50)
    conn.commit()
    conn.execute("UPDATE wallets SET balance = 0 WHERE id = %s", (wallet,))
    with pytest.raises(pg_errors.CheckViolation) as raised:
        conn.execute("UPDATE wallets SET balance = balance - 1 WHERE id = %s", (wallet,))
    assert raised.value.sqlstate == CHECK_VIOLATION
    assert raised.value.diag.constraint_name == "wallets_balance_non_negative"
    conn.rollback()
    row = conn.execute("SELECT balance FROM wallets WHERE id = %s", (wallet,)).fetchone()
    assert row == (50,)


def test_user_wallet_cannot_be_created_negative(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    user = add_user(conn)
    with pytest.raises(pg_errors.CheckViolation) as raised:
        add_wallet(conn, user, balance=-1)
    assert raised.value.diag.constraint_name == "wallets_balance_non_negative"


def test_system_account_may_go_negative(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    account = add_system_account(conn)
    conn.commit()
    conn.execute("UPDATE wallets SET balance = -500 WHERE id = %s", (account,))
    conn.commit()
    row = conn.execute("SELECT balance FROM wallets WHERE id = %s", (account,)).fetchone()
    assert row == (-500,)
