"""An Idempotency-Key still in progress (409 + Retry-After) and an exhausted storage conflict (503 +
Retry-After) over HTTP on PostgreSQL: neither stores anything, and the same key then succeeds."""

from __future__ import annotations

import uuid
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
from tests.integration.conftest import World
from tests.integration.idempotency.conftest import balance, stored_key, transactions_of
from tests.support.http_checks import API

pytestmark = [pytest.mark.integration, pytest.mark.contract]


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
