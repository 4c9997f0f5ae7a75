"""Reversals over HTTP on PostgreSQL: partial reversals until used up, the original's reversed_amount, who may
reverse, and idempotent replays."""

from __future__ import annotations

import httpx
import pytest

from paybridge.bootstrap import Container
from tests.integration.conftest import deposit, open_wallet, register, register_admin
from tests.support.http_checks import assert_problem, assert_schema
from tests.support.invariants import assert_ledger_invariants

pytestmark = [pytest.mark.integration, pytest.mark.contract]

API = "/api/v1"


async def test_reverse_a_transfer_in_parts(client: httpx.AsyncClient, app_container: Container) -> None:
    admin = await register_admin(client, app_container)
    alice, bob = await register(client), await register(client)
    a, b = await open_wallet(client, alice), await open_wallet(client, bob)
    await deposit(client, admin, a["id"], 5_000)
    sent = await client.post(
        f"{API}/transfers",
        json={
            "source_wallet_id": a["id"],
            "destination_wallet_id": b["id"],
            "amount": 3_000,
            "currency": "USD",
        },
        headers=alice.idem(),
    )
    original = sent.json()
    assert original["reversed_amount"] == 0 and original["original_transaction_id"] is None

    path = f"{API}/transactions/{original['id']}/reverse"
    headers = alice.idem()
    first = await client.post(path, json={"amount": 1_000, "reason": "typo"}, headers=headers)
    assert first.status_code == 201, first.text
    reversal = first.json()
    assert_schema("Transaction", reversal)
    assert (reversal["type"], reversal["amount"], reversal["original_transaction_id"]) == (
        "REVERSAL",
        1_000,
        original["id"],
    )
    assert (reversal["source_wallet_id"], reversal["destination_wallet_id"]) == (b["id"], a["id"])
    assert first.headers["location"] == f"{API}/transactions/{reversal['id']}"
    replay = await client.post(path, json={"amount": 1_000, "reason": "typo"}, headers=headers)
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"
    assert replay.json() == reversal

    shown = (await client.get(f"{API}/transactions/{original['id']}", headers=bob.headers)).json()
    assert_schema("Transaction", shown)
    assert shown["reversed_amount"] == 1_000
    assert_problem(
        await client.post(path, json={"reason": "mine"}, headers=bob.idem()), 403, "reversal_not_permitted"
    )
    body = assert_problem(
        await client.post(path, json={"amount": 2_001, "reason": "x"}, headers=admin.idem()),
        422,
        "reversal_exceeds_amount",
    )
    assert body["remaining"] == 2_000
    rest = await client.post(path, json={"reason": "all of it"}, headers=admin.idem())
    assert rest.status_code == 201 and rest.json()["amount"] == 2_000
    assert_problem(
        await client.post(path, json={"reason": "again"}, headers=admin.idem()),
        422,
        "reversal_exceeds_amount",
    )
    assert_problem(
        await client.post(path, json={"amount": 5}, headers=admin.idem()), 400, "validation_error", "reason"
    )
    assert (await client.get(f"{API}/transactions/{original['id']}", headers=alice.headers)).json()[
        "reversed_amount"
    ] == 3_000
    reversals = await client.get(f"{API}/transactions", params={"type": "REVERSAL"}, headers=alice.headers)
    assert len(reversals.json()["data"]) == 2
    assert_ledger_invariants(app_container)
