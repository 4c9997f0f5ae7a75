"""Business refusals stored under their Idempotency-Key over HTTP on PostgreSQL: an insufficient-funds or
not-found outcome replays (even after funding), while a validation failure does not consume the key."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.integration.conftest import World, deposit
from tests.integration.idempotency.conftest import balance, stored_key, transactions_of, without_request_id
from tests.support.http_checks import API

pytestmark = [pytest.mark.integration, pytest.mark.contract]


# -------------------------------------------------------------------------------- stored business errors


@pytest.mark.parametrize("endpoint", ["withdrawals", "transfers"])
async def test_insufficient_funds_replays_even_after_funding(
    client: httpx.AsyncClient, world: World, endpoint: str
) -> None:
    key = f"nsf-{uuid.uuid4()}"
    body = world.body(endpoint, amount=15_000)
    refused = await client.post(f"{API}/{endpoint}", json=body, headers=world.ada.idem(key))
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "insufficient_funds"
    assert "idempotent-replayed" not in refused.headers

    await deposit(client, world.admin, world.ada_wallet, 10_000)
    before = await transactions_of(world.url, world.ada_wallet)

    replayed = await client.post(f"{API}/{endpoint}", json=body, headers=world.ada.idem(key))
    assert replayed.status_code == 422, replayed.text
    assert replayed.headers["content-type"] == "application/problem+json"
    assert replayed.headers["idempotent-replayed"] == "true"
    assert without_request_id(replayed.json()) == without_request_id(refused.json())
    assert replayed.json()["request_id"] == replayed.headers["x-request-id"]
    assert await transactions_of(world.url, world.ada_wallet) == before
    assert await balance(client, world.ada, world.ada_wallet) == 20_000

    fresh = await client.post(f"{API}/{endpoint}", json=body, headers=world.ada.idem())
    assert fresh.status_code == 201, fresh.text
    assert await balance(client, world.ada, world.ada_wallet) == 5_000


async def test_not_found_outcome_replays(client: httpx.AsyncClient, world: World) -> None:
    key = f"nf-{uuid.uuid4()}"
    body = {**world.body("transfers"), "destination_wallet_id": str(uuid.uuid4())}
    first = await client.post(f"{API}/transfers", json=body, headers=world.ada.idem(key))
    assert first.status_code == 404, first.text
    assert first.json()["code"] == "wallet_not_found"
    again = await client.post(f"{API}/transfers", json=body, headers=world.ada.idem(key))
    assert again.status_code == 404, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert without_request_id(again.json()) == without_request_id(first.json())


async def test_validation_failures_do_not_consume_the_key(client: httpx.AsyncClient, world: World) -> None:
    key = f"invalid-first-{uuid.uuid4()}"
    invalid = await client.post(
        f"{API}/transfers", json={**world.body("transfers"), "amount": 0}, headers=world.ada.idem(key)
    )
    assert invalid.status_code == 400, invalid.text
    assert not await stored_key(world.url, world.ada.id, key)
    valid = await client.post(f"{API}/transfers", json=world.body("transfers"), headers=world.ada.idem(key))
    assert valid.status_code == 201, valid.text
    assert "idempotent-replayed" not in valid.headers
