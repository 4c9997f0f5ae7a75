"""The public HTTP API end to end on PostgreSQL: the happy path with every success body checked against its
documented schema (and a check that the schema check itself fails on drifting bodies)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import jwt
import pytest

from paybridge.bootstrap import Container
from tests.integration.conftest import Actor, get_wallet, open_wallet, register, register_admin
from tests.support.containers import TEST_JWT_SECRET
from tests.support.http_checks import API, assert_schema

pytestmark = [pytest.mark.integration, pytest.mark.contract]


# ---------------------------------------------------------------------------------- the schema check


_WALLET = {
    "id": "0190f0e2-7a3c-7d4e-8f00-000000000001",
    "user_id": "0190f0e2-7a3c-7d4e-8f00-000000000002",
    "currency": "USD",
    "status": "ACTIVE",
    "balance": 0,
    "held": 0,
    "available": 0,
    "version": 0,
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("Wallet", {**_WALLET, "balance": "0"}),
        ("Wallet", {**_WALLET, "balance": -1}),
        ("Wallet", {**_WALLET, "id": "not-a-uuid"}),
        ("Wallet", {**_WALLET, "internal": True}),
        ("Wallet", {k: v for k, v in _WALLET.items() if k != "version"}),
        ("Wallet", {**_WALLET, "created_at": "2026-01-01T01:00:00+01:00"}),
        ("WalletList", {"data": [{**_WALLET, "status": "OPEN"}], "next_cursor": None, "has_more": False}),
        ("WalletList", {"data": [_WALLET], "next_cursor": None}),
    ],
    ids=[
        "string-balance",
        "negative",
        "bad-uuid",
        "extra-field",
        "missing-field",
        "not-utc",
        "bad-item",
        "no-has-more",
    ],
)
def test_schema_check_rejects_drift(name: str, body: dict[str, Any]) -> None:
    """The response check used throughout does fail on bodies that drift from the documented schema."""
    assert_schema(
        name, {"data": [_WALLET], "next_cursor": None, "has_more": False} if name == "WalletList" else _WALLET
    )
    with pytest.raises(AssertionError):
        assert_schema(name, body)


# ----------------------------------------------------------------------------------------- walkthrough


async def test_full_walkthrough_with_documented_bodies(
    client: httpx.AsyncClient, app_container: Container
) -> None:
    email = f"Ada-{uuid.uuid4().hex[:10]}@Example.COM"
    password = "correct horse battery staple"

    created = await client.post(
        f"{API}/users", json={"email": email, "full_name": "Ada Lovelace", "password": password}
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert_schema("User", user)
    assert user["email"] == email.lower()
    assert user["full_name"] == "Ada Lovelace"
    assert user["role"] == "user"
    assert user["kyc_status"] == "UNVERIFIED"
    assert "password" not in created.text and password not in created.text
    assert created.headers["location"] == f"{API}/users/{user['id']}"

    issued = await client.post(f"{API}/auth/token", json={"email": email, "password": password})
    assert issued.status_code == 200, issued.text
    token = issued.json()
    assert_schema("Token", token)
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == app_container.settings().jwt_ttl_seconds
    claims = jwt.decode(
        token["access_token"], TEST_JWT_SECRET, algorithms=["HS256"], audience="paybridge-api"
    )
    assert claims["sub"] == user["id"]
    assert claims["iss"] == "paybridge"
    assert claims["role"] == "user"
    ada = Actor(user["id"], user["email"], {"Authorization": f"Bearer {token['access_token']}"})

    me = await client.get(f"{API}/users/me", headers=ada.headers)
    assert me.status_code == 200, me.text
    assert_schema("User", me.json())
    assert me.json() == user

    opened = await client.post(f"{API}/wallets", json={"currency": "USD"}, headers=ada.headers)
    assert opened.status_code == 201, opened.text
    wallet = opened.json()
    assert_schema("Wallet", wallet)
    assert (wallet["user_id"], wallet["currency"], wallet["status"]) == (user["id"], "USD", "ACTIVE")
    assert (wallet["balance"], wallet["version"]) == (0, 0)
    assert opened.headers["location"] == f"{API}/wallets/{wallet['id']}"

    listed = await client.get(f"{API}/wallets", headers=ada.headers)
    assert listed.status_code == 200, listed.text
    assert_schema("WalletList", listed.json())
    assert listed.json() == {"data": [wallet], "next_cursor": None, "has_more": False}

    bob = await register(client)
    bob_wallet = await open_wallet(client, bob, "USD")
    admin = await register_admin(client, app_container)

    # sending money needs a verified identity (KYC): Ada submits, an administrator verifies
    submitted = await client.post(f"{API}/users/me/kyc", json={}, headers=ada.headers)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json() == {**user, "kyc_status": "PENDING"}
    decided = await client.post(
        f"{API}/admin/users/{ada.id}/kyc", json={"decision": "VERIFIED"}, headers=admin.headers
    )
    assert decided.status_code == 200, decided.text
    assert_schema("User", decided.json())
    assert decided.json() == {**user, "kyc_status": "VERIFIED"}

    deposited = await client.post(
        f"{API}/deposits",
        json={
            "wallet_id": wallet["id"],
            "amount": 10_000,
            "currency": "USD",
            "reference": "wire-001",
            "description": "payroll",
            "metadata": {"source": "walkthrough"},
        },
        headers=admin.idem(),
    )
    assert deposited.status_code == 201, deposited.text
    dep = deposited.json()
    assert_schema("Transaction", dep)
    assert (dep["type"], dep["status"], dep["amount"], dep["currency"]) == (
        "DEPOSIT",
        "COMPLETED",
        10_000,
        "USD",
    )
    assert (dep["source_wallet_id"], dep["destination_wallet_id"]) == (None, wallet["id"])
    assert (dep["reference"], dep["description"], dep["metadata"]) == (
        "wire-001",
        "payroll",
        {"source": "walkthrough"},
    )
    assert dep["completed_at"] is not None
    assert deposited.headers["location"] == f"{API}/transactions/{dep['id']}"
    assert "idempotent-replayed" not in deposited.headers

    transferred = await client.post(
        f"{API}/transfers",
        json={
            "source_wallet_id": wallet["id"],
            "destination_wallet_id": bob_wallet["id"],
            "amount": 2_500,
            "currency": "USD",
            "description": "rent",
        },
        headers=ada.idem(),
    )
    assert transferred.status_code == 201, transferred.text
    txf = transferred.json()
    assert_schema("Transaction", txf)
    assert (txf["type"], txf["status"], txf["amount"]) == ("TRANSFER", "COMPLETED", 2_500)
    assert (txf["source_wallet_id"], txf["destination_wallet_id"]) == (wallet["id"], bob_wallet["id"])
    assert (txf["reference"], txf["description"], txf["metadata"]) == (None, "rent", {})

    withdrawn = await client.post(
        f"{API}/withdrawals",
        json={"wallet_id": wallet["id"], "amount": 1_000, "currency": "USD"},
        headers=ada.idem(),
    )
    assert withdrawn.status_code == 201, withdrawn.text
    wd = withdrawn.json()
    assert_schema("Transaction", wd)
    assert (wd["type"], wd["source_wallet_id"], wd["destination_wallet_id"]) == (
        "WITHDRAWAL",
        wallet["id"],
        None,
    )

    mine = await get_wallet(client, ada, wallet["id"])
    assert_schema("Wallet", mine)
    assert (mine["balance"], mine["version"]) == (6_500, 3)
    assert (await get_wallet(client, bob, bob_wallet["id"]))["balance"] == 2_500

    history = await client.get(f"{API}/transactions", headers=ada.headers)
    assert history.status_code == 200, history.text
    assert_schema("TransactionList", history.json())
    assert history.json() == {"data": [wd, txf, dep], "next_cursor": None, "has_more": False}

    transfers_only = await client.get(f"{API}/transactions", params={"type": "transfer"}, headers=ada.headers)
    assert transfers_only.status_code == 200, transfers_only.text
    assert [t["id"] for t in transfers_only.json()["data"]] == [txf["id"]]

    for actor in (ada, bob):
        shown = await client.get(f"{API}/transactions/{txf['id']}", headers=actor.headers)
        assert shown.status_code == 200, shown.text
        assert_schema("Transaction", shown.json())
        assert shown.json() == txf

    entries = await client.get(f"{API}/wallets/{wallet['id']}/entries", headers=ada.headers)
    assert entries.status_code == 200, entries.text
    page = entries.json()
    assert_schema("LedgerEntryList", page)
    assert page["has_more"] is False and page["next_cursor"] is None
    assert [
        (e["transaction_id"], e["direction"], e["amount"], e["balance_after"], e["wallet_id"], e["currency"])
        for e in page["data"]
    ] == [
        (wd["id"], "DEBIT", 1_000, 6_500, wallet["id"], "USD"),
        (txf["id"], "DEBIT", 2_500, 7_500, wallet["id"], "USD"),
        (dep["id"], "CREDIT", 10_000, 10_000, wallet["id"], "USD"),
    ]
    ids = [e["id"] for e in page["data"]]
    assert ids == sorted(ids, reverse=True)

    bob_entries = await client.get(f"{API}/wallets/{bob_wallet['id']}/entries", headers=bob.headers)
    assert bob_entries.status_code == 200, bob_entries.text
    assert_schema("LedgerEntryList", bob_entries.json())
    assert [
        (e["transaction_id"], e["direction"], e["amount"], e["balance_after"])
        for e in bob_entries.json()["data"]
    ] == [(txf["id"], "CREDIT", 2_500, 2_500)]
