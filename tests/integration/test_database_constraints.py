"""The schema's own guarantees, checked with raw SQL (no application code): the database refuses an
unbalanced ledger, a completed transaction without entries, negative user balances, rewritten entries,
entries in a currency other than their wallet's, and duplicate wallets or emails."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import LiteralString
from uuid import UUID

import psycopg
import pytest
from psycopg import errors as pg_errors

from paybridge.adapters.postgres.migrations import YoyoMigrator
from paybridge.config import Settings
from tests.support.postgres import DatabaseFactory

pytestmark = pytest.mark.integration

CHECK_VIOLATION = "23514"
UNIQUE_VIOLATION = "23505"
FOREIGN_KEY_VIOLATION = "23503"
RESTRICT_VIOLATION = "23001"


@pytest.fixture(scope="module")
def constraints_database_url(new_database: DatabaseFactory) -> str:
    """A migrated database of this module's own, built exactly like `migrated_database_url`: these tests
    leave rows no application would write (a negative system account without entries, a transaction with
    no entries, entries that disagree with wallet balances) that must not reach other tests' ledger."""
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


# ------------------------------------------------------------------------------------------ currencies


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


@pytest.mark.parametrize(
    ("amount", "constraint"),
    [
        (0, "transactions_amount_check"),
        (-5, "transactions_amount_check"),
        (10**18 + 1, "transactions_amount_check"),
    ],
    ids=["zero", "negative", "above-max"],
)
def test_transaction_amount_bounds(
    conn: psycopg.Connection[tuple[object, ...]], amount: int, constraint: str
) -> None:
    source, destination = two_wallets(conn)
    with pytest.raises(pg_errors.CheckViolation) as raised:
        add_transaction(conn, source, destination, amount=amount, status="PENDING")
    assert raised.value.diag.constraint_name == constraint


def test_transaction_cannot_move_money_to_its_source(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    source, _ = two_wallets(conn)
    with pytest.raises(pg_errors.CheckViolation) as raised:
        add_transaction(conn, source, source, status="PENDING")
    assert raised.value.diag.constraint_name == "transactions_distinct_wallets"


def test_zero_entry_is_refused(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    source, destination = two_wallets(conn)
    txn = add_transaction(conn, source, destination, status="PENDING")
    with pytest.raises(pg_errors.CheckViolation) as raised:
        add_entry(conn, txn, source, 0)
    assert raised.value.diag.constraint_name == "ledger_entries_amount_check"


@pytest.mark.parametrize("currency", ["usd", "US", "USDOLL", "U5D"])
def test_wallet_currency_must_look_like_a_code(
    conn: psycopg.Connection[tuple[object, ...]], currency: str
) -> None:
    user = add_user(conn)
    with pytest.raises(pg_errors.CheckViolation) as raised:
        add_wallet(conn, user, currency=currency)
    assert raised.value.diag.constraint_name == "wallets_currency_check"


# ------------------------------------------------------------------------------------------ uniqueness


def test_one_wallet_per_user_and_currency(conn: psycopg.Connection[tuple[object, ...]]) -> None:
    user = add_user(conn)
    add_wallet(conn, user, "USD")
    add_wallet(conn, user, "EUR")  # another currency is fine
    conn.commit()
    with pytest.raises(pg_errors.UniqueViolation) as raised:
        add_wallet(conn, user, "USD")
    assert raised.value.sqlstate == UNIQUE_VIOLATION
    assert raised.value.diag.constraint_name == "wallets_user_currency_key"


def test_several_system_accounts_per_currency_with_distinct_codes(
    conn: psycopg.Connection[tuple[object, ...]],
) -> None:
    first = add_system_account(conn, "USD")
    second = add_system_account(conn, "USD")
    conn.commit()
    assert first != second


@pytest.mark.parametrize(
    "variant", [str.upper, str.title, lambda e: e.swapcase()], ids=["upper", "title", "swapcase"]
)
def test_email_is_unique_case_insensitively(
    conn: psycopg.Connection[tuple[object, ...]], variant: object
) -> None:
    email = f"Case-{uuid.uuid4().hex[:10]}@Example.com"
    add_user(conn, email)
    conn.commit()
    assert callable(variant)
    other = variant(email)
    assert isinstance(other, str) and other != email
    with pytest.raises(pg_errors.UniqueViolation) as raised:
        add_user(conn, other)
    assert raised.value.sqlstate == UNIQUE_VIOLATION
    assert raised.value.diag.constraint_name == "users_email_key"
