"""Keyset pagination and query parameters over HTTP on PostgreSQL: walking transactions, entries and
wallets page by page, and bad cursors, limits, filters and empty or repeated parameters refused."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest

from paybridge.bootstrap import Container
from tests.integration.conftest import Actor, deposit, open_wallet, register, register_admin
from tests.support.http_checks import API, assert_problem, assert_schema

pytestmark = [pytest.mark.integration, pytest.mark.contract]


async def _funded_with_five(client: httpx.AsyncClient, container: Container) -> tuple[Actor, str, list[str]]:
    admin = await register_admin(client, container)
    ada = await register(client)
    wallet = await open_wallet(client, ada)
    ids = [(await deposit(client, admin, wallet["id"], 100 + n))["id"] for n in range(1, 6)]
    return ada, wallet["id"], ids


async def _walk(
    client: httpx.AsyncClient, actor: Actor, path: str, params: dict[str, Any], schema: str
) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(10):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query, headers=actor.headers)
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        assert_schema(schema, page)
        pages.append(page)
        cursor = page["next_cursor"]
        assert page["has_more"] is (cursor is not None)
        if cursor is None:
            return pages
    raise AssertionError("pagination never ended")


@pytest.mark.parametrize("by_wallet", [False, True], ids=["all-own", "by-wallet"])
async def test_transactions_keyset_pagination(
    client: httpx.AsyncClient, app_container: Container, by_wallet: bool
) -> None:
    ada, wallet_id, ids = await _funded_with_five(client, app_container)
    params: dict[str, Any] = {"limit": 2, **({"wallet_id": wallet_id} if by_wallet else {})}
    pages = await _walk(client, ada, f"{API}/transactions", params, "TransactionList")
    assert [len(p["data"]) for p in pages] == [2, 2, 1]
    assert [p["has_more"] for p in pages] == [True, True, False]
    seen = [t["id"] for p in pages for t in p["data"]]
    assert seen == list(reversed(ids))
    assert [t["amount"] for p in pages for t in p["data"]] == [105, 104, 103, 102, 101]

    whole = await client.get(f"{API}/transactions", params={"limit": 5}, headers=ada.headers)
    assert whole.json()["has_more"] is False and whole.json()["next_cursor"] is None
    assert [t["id"] for t in whole.json()["data"]] == seen


async def test_entries_keyset_pagination_carries_running_balance(
    client: httpx.AsyncClient, app_container: Container
) -> None:
    ada, wallet_id, ids = await _funded_with_five(client, app_container)
    pages = await _walk(client, ada, f"{API}/wallets/{wallet_id}/entries", {"limit": 2}, "LedgerEntryList")
    assert [len(p["data"]) for p in pages] == [2, 2, 1]
    entries = [e for p in pages for e in p["data"]]
    assert [e["transaction_id"] for e in entries] == list(reversed(ids))
    assert [e["balance_after"] for e in entries] == [515, 410, 306, 203, 101]


async def test_wallets_keyset_pagination(client: httpx.AsyncClient) -> None:
    ada = await register(client)
    opened = [(await open_wallet(client, ada, code))["id"] for code in ("USD", "EUR", "GBP")]
    pages = await _walk(client, ada, f"{API}/wallets", {"limit": 2}, "WalletList")
    assert [[w["id"] for w in p["data"]] for p in pages] == [opened[:0:-1], opened[:1]]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!!",
        "not-base64-$$$",
        base64.urlsafe_b64encode(b"pb1:abc").decode(),
        base64.urlsafe_b64encode(b"xx1:12").decode(),
        base64.urlsafe_b64encode(b"pb1:-5").decode(),
        "A" * 65,
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
        base64.urlsafe_b64encode("pb1:\u00b2".encode()).decode(),
        base64.urlsafe_b64encode("pb1:\u2460".encode()).decode(),
    ],
    ids=[
        "punctuation",
        "dollars",
        "non-digit",
        "wrong-prefix",
        "negative",
        "too-long",
        "not-utf8",
        "superscript-two",
        "circled-one",
    ],
)
@pytest.mark.parametrize("path", ["transactions", "wallets", "entries", "holds"])
async def test_invalid_cursor_is_a_400(client: httpx.AsyncClient, cursor: str, path: str) -> None:
    ada = await register(client)
    wallet = await open_wallet(client, ada)
    url = f"{API}/wallets/{wallet['id']}/entries" if path == "entries" else f"{API}/{path}"
    response = await client.get(url, params={"cursor": cursor}, headers=ada.headers)
    assert_problem(response, 400, "validation_error", field="cursor")


@pytest.mark.parametrize(
    "limit",
    ["0", "101", "abc", "-1", "1.5", "1e2", " 5", "99999999999999999999", "\u00b2", "\u2460"],
    ids=["0", "101", "abc", "-1", "1.5", "1e2", "space-5", "huge", "superscript-two", "circled-one"],
)
@pytest.mark.parametrize("path", ["transactions", "wallets", "entries", "holds"])
async def test_invalid_limit_is_a_400(client: httpx.AsyncClient, limit: str, path: str) -> None:
    ada = await register(client)
    wallet = await open_wallet(client, ada)
    url = f"{API}/wallets/{wallet['id']}/entries" if path == "entries" else f"{API}/{path}"
    response = await client.get(url, params={"limit": limit}, headers=ada.headers)
    assert_problem(response, 400, "validation_error", field="limit")


@pytest.mark.parametrize("limit", ["1", "100"])
async def test_limit_bounds_are_accepted(client: httpx.AsyncClient, limit: str) -> None:
    ada = await register(client)
    await open_wallet(client, ada)
    response = await client.get(f"{API}/wallets", params={"limit": limit}, headers=ada.headers)
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]) == 1


@pytest.mark.parametrize(
    ("path", "name", "good"),
    [
        ("transactions", "wallet_id", None),
        ("transactions", "type", "TRANSFER"),
        ("transactions", "limit", "5"),
        ("transactions", "cursor", None),
        ("wallets", "limit", "5"),
        ("wallets", "cursor", None),
        ("entries", "limit", "5"),
        ("entries", "cursor", None),
        ("balance", "at", "2999-01-01T00:00:00Z"),
        ("holds", "wallet_id", None),
        ("holds", "status", "PENDING"),
        ("holds", "limit", "5"),
    ],
)
@pytest.mark.parametrize("shape", ["empty", "repeated"])
async def test_empty_or_repeated_query_parameters_are_a_400(
    client: httpx.AsyncClient, app_container: Container, path: str, name: str, good: str | None, shape: str
) -> None:
    """`?wallet_id=` is not "no filter" and `?limit=5&limit=6` is not "either": both are refused, never guessed."""
    ada = await register(client)
    wallet = await open_wallet(client, ada)
    url = {
        "entries": f"{API}/wallets/{wallet['id']}/entries",
        "balance": f"{API}/wallets/{wallet['id']}/balance",
    }.get(path, f"{API}/{path}")
    value = good or wallet["id"]
    if name == "cursor":  # a real cursor: the first page of two wallets / entries / transactions
        admin = await register_admin(client, app_container)
        await open_wallet(client, ada, currency="EUR")
        for _ in range(2):
            await deposit(client, admin, wallet["id"], 100)
        first = await client.get(url, params={"limit": 1}, headers=ada.headers)
        value = first.json()["next_cursor"]
        assert value
    accepted = await client.get(url, params={name: value}, headers=ada.headers)
    assert accepted.status_code == 200, accepted.text
    query: list[tuple[str, str | int | float | bool | None]] = (
        [(name, "")] if shape == "empty" else [(name, str(value)), (name, str(value))]
    )
    assert_problem(
        await client.get(url, params=query, headers=ada.headers), 400, "validation_error", field=name
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [({"wallet_id": "not-a-uuid"}, "wallet_id"), ({"type": "REFUND"}, "type")],
    ids=["bad-wallet-id", "bad-type"],
)
async def test_invalid_transaction_filters_are_a_400(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    ada = await register(client)
    response = await client.get(f"{API}/transactions", params=params, headers=ada.headers)
    assert_problem(response, 400, "validation_error", field=field)
