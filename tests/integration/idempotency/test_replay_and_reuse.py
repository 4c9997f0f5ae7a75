"""Idempotency-Key replays and reuse over HTTP on PostgreSQL: the same key and body replay the outcome, the
same key with another body or operation is a 422, and keys are scoped per principal."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.integration.conftest import World, deposit
from tests.integration.idempotency.conftest import balance, stored_key, transactions_of
from tests.support.http_checks import API

pytestmark = [pytest.mark.integration, pytest.mark.contract]

MONEY = ["deposits", "withdrawals", "transfers"]


# ------------------------------------------------------------------------------------------------ replay


@pytest.mark.parametrize("endpoint", MONEY)
async def test_same_key_and_body_replays_the_outcome(
    client: httpx.AsyncClient, world: World, endpoint: str
) -> None:
    actor = world.actor(endpoint)
    key = f"replay-{uuid.uuid4()}"
    body = world.body(endpoint, amount=250)
    before = await transactions_of(world.url, world.ada_wallet)
    ada_before = await balance(client, world.ada, world.ada_wallet)

    first = await client.post(f"{API}/{endpoint}", json=body, headers=actor.idem(key))
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers

    replays = [
        await client.post(f"{API}/{endpoint}", json=body, headers=actor.idem(key)),
        # The same request with the members in another order is the same request.
        await client.post(f"{API}/{endpoint}", json=dict(reversed(body.items())), headers=actor.idem(key)),
    ]
    for replay in replays:
        assert replay.status_code == 201, replay.text
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json() == first.json()
        assert replay.headers["location"] == first.headers["location"]

    assert await transactions_of(world.url, world.ada_wallet) == before + 1
    expected = {"deposits": 250, "withdrawals": -250, "transfers": -250}[endpoint]
    assert await balance(client, world.ada, world.ada_wallet) == ada_before + expected

    shown = await client.get(f"{API}/transactions/{first.json()['id']}", headers=world.ada.headers)
    assert shown.status_code == 200, shown.text
    assert shown.json() == first.json()


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 101},
        {"currency": "EUR"},
        {"description": "something else"},
        {"metadata": {"k": "v"}},
    ],
    ids=["amount", "currency", "description", "metadata"],
)
@pytest.mark.parametrize("endpoint", MONEY)
async def test_same_key_different_body_is_422(
    client: httpx.AsyncClient, world: World, endpoint: str, change: dict[str, Any]
) -> None:
    actor = world.actor(endpoint)
    key = f"reuse-{uuid.uuid4()}"
    first = await client.post(f"{API}/{endpoint}", json=world.body(endpoint), headers=actor.idem(key))
    assert first.status_code == 201, first.text
    before = await transactions_of(world.url, world.ada_wallet)
    ada_before = await balance(client, world.ada, world.ada_wallet)

    reused = await client.post(
        f"{API}/{endpoint}", json={**world.body(endpoint), **change}, headers=actor.idem(key)
    )
    assert reused.status_code == 422, reused.text
    assert reused.headers["content-type"] == "application/problem+json"
    assert reused.json()["code"] == "idempotency_key_reused"
    assert await transactions_of(world.url, world.ada_wallet) == before
    assert await balance(client, world.ada, world.ada_wallet) == ada_before

    # The original request still replays.
    again = await client.post(f"{API}/{endpoint}", json=world.body(endpoint), headers=actor.idem(key))
    assert again.status_code == 201, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()


async def test_same_key_on_another_operation_is_422(client: httpx.AsyncClient, world: World) -> None:
    key = f"cross-op-{uuid.uuid4()}"
    withdrawn = await client.post(
        f"{API}/withdrawals", json=world.body("withdrawals"), headers=world.ada.idem(key)
    )
    assert withdrawn.status_code == 201, withdrawn.text
    before = await transactions_of(world.url, world.ada_wallet)
    transferred = await client.post(
        f"{API}/transfers", json=world.body("transfers"), headers=world.ada.idem(key)
    )
    assert transferred.status_code == 422, transferred.text
    assert transferred.json()["code"] == "idempotency_key_reused"
    assert await transactions_of(world.url, world.ada_wallet) == before


async def test_same_key_for_another_principal_is_independent(client: httpx.AsyncClient, world: World) -> None:
    key = f"shared-{uuid.uuid4()}"
    await deposit(client, world.admin, world.bob_wallet, 1_000)
    ada_to_bob = await client.post(
        f"{API}/transfers",
        json={
            "source_wallet_id": world.ada_wallet,
            "destination_wallet_id": world.bob_wallet,
            "amount": 100,
            "currency": "USD",
        },
        headers=world.ada.idem(key),
    )
    bob_to_ada = await client.post(
        f"{API}/transfers",
        json={
            "source_wallet_id": world.bob_wallet,
            "destination_wallet_id": world.ada_wallet,
            "amount": 100,
            "currency": "USD",
        },
        headers=world.bob.idem(key),
    )
    # Bob sending Ada's exact request under the shared key is judged against Bob's own record (a different
    # request: 422), never replayed from Ada's outcome.
    bob_sends_adas_request = await client.post(
        f"{API}/transfers",
        json={
            "source_wallet_id": world.ada_wallet,
            "destination_wallet_id": world.bob_wallet,
            "amount": 100,
            "currency": "USD",
        },
        headers=world.bob.idem(key),
    )
    for response in (ada_to_bob, bob_to_ada):
        assert response.status_code == 201, response.text
        assert "idempotent-replayed" not in response.headers
    assert ada_to_bob.json()["id"] != bob_to_ada.json()["id"]
    assert bob_sends_adas_request.status_code == 422, bob_sends_adas_request.text
    assert bob_sends_adas_request.json()["code"] == "idempotency_key_reused"
    assert await stored_key(world.url, world.ada.id, key)
    assert await stored_key(world.url, world.bob.id, key)
    assert await balance(client, world.ada, world.ada_wallet) == 10_000
    assert await balance(client, world.bob, world.bob_wallet) == 1_000
