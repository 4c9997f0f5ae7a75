"""Idempotency-Key semantics over HTTP on PostgreSQL: replays, key reuse, per-principal scope, stored business
errors, a key still in progress (409 + Retry-After) and an exhausted storage conflict (503 + Retry-After)
that stores nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, LiteralString
from uuid import UUID

import httpx
import psycopg
import pytest

from paybridge.adapters.postgres.express import PostgresExpressLedger
from paybridge.adapters.postgres.idempotency import advisory_lock_key
from paybridge.adapters.postgres.ledger import PostgresLedger
from paybridge.application.ports.storage import ExpressOutcome, IdempotencyRecord, PostingRefused, Presumption
from paybridge.bootstrap import Container
from paybridge.domain.errors import ConcurrencyConflict
from paybridge.domain.transactions import Posting
from tests.integration.conftest import Actor, deposit, open_wallet, register, register_admin

pytestmark = [pytest.mark.integration, pytest.mark.contract]

API = "/api/v1"


@dataclass
class World:
    url: str
    admin: Actor
    ada: Actor
    bob: Actor
    ada_wallet: str
    bob_wallet: str

    def actor(self, endpoint: str) -> Actor:
        return self.admin if endpoint == "deposits" else self.ada

    def body(self, endpoint: str, amount: int = 100) -> dict[str, Any]:
        if endpoint == "transfers":
            return {
                "source_wallet_id": self.ada_wallet,
                "destination_wallet_id": self.bob_wallet,
                "amount": amount,
                "currency": "USD",
            }
        return {"wallet_id": self.ada_wallet, "amount": amount, "currency": "USD"}


@pytest.fixture
async def world(client: httpx.AsyncClient, app_container: Container) -> AsyncIterator[World]:
    url = app_container.settings().database_url
    assert url is not None
    admin = await register_admin(client, app_container)
    ada = await register(client)
    bob = await register(client)
    ada_wallet = await open_wallet(client, ada)
    bob_wallet = await open_wallet(client, bob)
    await deposit(client, admin, ada_wallet["id"], 10_000)
    yield World(url, admin, ada, bob, ada_wallet["id"], bob_wallet["id"])


async def _scalar(url: str, sql: LiteralString, params: tuple[Any, ...]) -> Any:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cursor = await conn.execute(sql, params)
        row = await cursor.fetchone()
    assert row is not None
    return row[0]


async def transactions_of(url: str, wallet_id: str) -> int:
    count: int = await _scalar(
        url,
        "SELECT count(*) FROM transactions WHERE source_wallet_id = %s OR destination_wallet_id = %s",
        (wallet_id, wallet_id),
    )
    return count


async def stored_key(url: str, principal_id: str, key: str) -> bool:
    found: bool = await _scalar(
        url,
        "SELECT EXISTS (SELECT 1 FROM idempotency_keys WHERE principal_id = %s AND key = %s)",
        (principal_id, key),
    )
    return found


async def balance(client: httpx.AsyncClient, actor: Actor, wallet_id: str) -> int:
    response = await client.get(f"{API}/wallets/{wallet_id}", headers=actor.headers)
    assert response.status_code == 200, response.text
    value: int = response.json()["balance"]
    return value


def _without_request_id(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "request_id"}


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
    assert _without_request_id(replayed.json()) == _without_request_id(refused.json())
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
    assert _without_request_id(again.json()) == _without_request_id(first.json())


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


# ----------------------------------------------------------------------------------------- in progress


async def test_key_in_progress_is_409_with_retry_after(client: httpx.AsyncClient, world: World) -> None:
    key = f"busy-{uuid.uuid4()}"
    lock = advisory_lock_key(UUID(world.ada.id), key)
    body = world.body("transfers")
    before = await transactions_of(world.url, world.ada_wallet)

    async with await psycopg.AsyncConnection.connect(world.url, autocommit=True) as holder:
        await holder.execute("SELECT pg_advisory_lock(%s)", (lock,))
        try:
            busy = await client.post(f"{API}/transfers", json=body, headers=world.ada.idem(key))
            # Another principal's identical key is a different lock.
            other = await client.post(
                f"{API}/transfers",
                json={
                    **body,
                    "source_wallet_id": world.bob_wallet,
                    "destination_wallet_id": world.ada_wallet,
                },
                headers=world.bob.idem(key),
            )
        finally:
            cursor = await holder.execute("SELECT pg_advisory_unlock(%s)", (lock,))
            unlocked = await cursor.fetchone()
        assert unlocked == (True,)

    assert busy.status_code == 409, busy.text
    assert busy.headers["content-type"] == "application/problem+json"
    assert busy.json()["code"] == "idempotency_in_progress"
    assert int(busy.headers["retry-after"]) >= 1
    assert other.status_code == 422, other.text  # bob's wallet is empty: his own key was free
    assert other.json()["code"] == "insufficient_funds"
    assert await transactions_of(world.url, world.ada_wallet) == before
    assert not await stored_key(world.url, world.ada.id, key)

    done = await client.post(f"{API}/transfers", json=body, headers=world.ada.idem(key))
    assert done.status_code == 201, done.text
    assert "idempotent-replayed" not in done.headers
    assert await transactions_of(world.url, world.ada_wallet) == before + 1


# ---------------------------------------------------------------------------------- storage conflicts


async def test_exhausted_concurrency_conflict_is_503_and_stores_nothing(
    client: httpx.AsyncClient, world: World, app_container: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = f"conflict-{uuid.uuid4()}"
    body = world.body("transfers", amount=300)
    before = await transactions_of(world.url, world.ada_wallet)
    attempts: list[str] = []

    async def always_conflicting(
        self: PostgresLedger, posting: Posting, idempotency: IdempotencyRecord | None
    ) -> PostingRefused | None:
        attempts.append(str(posting.transaction.id))
        raise ConcurrencyConflict("simulated serialization failure", reason="serialization")

    async def express_conflicting(
        self: PostgresExpressLedger, posting: Posting, record: IdempotencyRecord, presumed: Presumption
    ) -> ExpressOutcome:
        attempts.append(str(posting.transaction.id))
        raise ConcurrencyConflict("simulated serialization failure", reason="serialization")

    with monkeypatch.context() as patch:  # each attempt fails on its first step, express or planned
        patch.setattr(PostgresLedger, "post", always_conflicting)
        patch.setattr(PostgresExpressLedger, "post", express_conflicting)
        failed = await client.post(f"{API}/transfers", json=body, headers=world.ada.idem(key))

    assert failed.status_code == 503, failed.text
    assert failed.headers["content-type"] == "application/problem+json"
    assert failed.json()["code"] == "concurrency_conflict"
    assert int(failed.headers["retry-after"]) >= 1
    assert "reason" not in failed.json()
    assert len(attempts) == app_container.settings().db_max_retries + 1
    assert not await stored_key(world.url, world.ada.id, key)
    assert await transactions_of(world.url, world.ada_wallet) == before
    assert await balance(client, world.ada, world.ada_wallet) == 10_000

    retried = await client.post(f"{API}/transfers", json=body, headers=world.ada.idem(key))
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers
    assert retried.json()["id"] not in attempts
    assert await stored_key(world.url, world.ada.id, key)
    assert await transactions_of(world.url, world.ada_wallet) == before + 1
    assert await balance(client, world.ada, world.ada_wallet) == 9_700
