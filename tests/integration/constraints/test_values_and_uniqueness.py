"""Values and uniqueness as the schema guards them, checked with raw SQL: transaction amount bounds and
distinct wallets, currency codes, one wallet per user and currency, and emails unique case-insensitively."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import errors as pg_errors

from tests.integration.constraints.conftest import (
    UNIQUE_VIOLATION,
    add_system_account,
    add_transaction,
    add_user,
    add_wallet,
    two_wallets,
)

pytestmark = pytest.mark.integration


# ------------------------------------------------------------------------------------------------ values


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
