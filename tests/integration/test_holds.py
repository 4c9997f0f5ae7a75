"""Holds over HTTP on PostgreSQL: place → capture / void / expire, documented bodies, idempotent replays,
problem answers, and 100 concurrent captures of one hold of which exactly one succeeds."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from dependency_injector import providers

from paybridge.application.use_cases.holds import PlaceHoldCommand
from paybridge.application.use_cases.move_money import DepositCommand
from paybridge.bootstrap import Container, start, stop
from paybridge.domain.users import Role
from tests.integration.conftest import Actor, deposit, open_wallet, register, register_admin
from tests.support.containers import FakeClock, make_container
from tests.support.http_checks import assert_problem, assert_schema
from tests.support.invariants import assert_ledger_invariants
from tests.support.kyc import new_principal

pytestmark = [pytest.mark.integration, pytest.mark.contract]

API = "/api/v1"


async def place(
    http: httpx.AsyncClient, actor: Actor, wallet_id: str, amount: int, **extra: Any
) -> httpx.Response:
    body = {"wallet_id": wallet_id, "amount": amount, "currency": "USD", **extra}
    return await http.post(f"{API}/holds", json=body, headers=actor.idem())


async def wallet_of(http: httpx.AsyncClient, actor: Actor, wallet_id: str) -> dict[str, Any]:
    response = await http.get(f"{API}/wallets/{wallet_id}", headers=actor.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_place_capture_and_replay(client: httpx.AsyncClient, app_container: Container) -> None:
    admin = await register_admin(client, app_container)
    alice, bob = await register(client), await register(client)
    a = await open_wallet(client, alice)
    b = await open_wallet(client, bob)
    await deposit(client, admin, a["id"], 10_000)

    placed = await place(client, alice, a["id"], 4_000, destination_wallet_id=b["id"], ttl_seconds=600)
    assert placed.status_code == 201, placed.text
    hold = placed.json()
    assert_schema("Hold", hold)
    assert (hold["status"], hold["amount"], hold["captured_amount"]) == ("PENDING", 4_000, None)
    assert placed.headers["location"] == f"{API}/holds/{hold['id']}"
    wallet = await wallet_of(client, alice, a["id"])
    assert_schema("Wallet", wallet)
    assert (wallet["balance"], wallet["held"], wallet["available"]) == (10_000, 4_000, 6_000)
    pending = await client.get(f"{API}/transactions/{hold['id']}", headers=alice.headers)
    assert_schema("Transaction", pending.json())
    assert (pending.json()["type"], pending.json()["status"]) == ("HOLD", "PENDING")

    refused = await client.post(
        f"{API}/withdrawals",
        json={"wallet_id": a["id"], "amount": 6_001, "currency": "USD"},
        headers=alice.idem(),
    )
    assert_problem(refused, 422, "insufficient_funds")

    key = f"capture-{uuid.uuid4()}"
    captured = await client.post(
        f"{API}/holds/{hold['id']}/capture", json={"amount": 2_500}, headers=bob.idem(key)
    )
    assert captured.status_code == 200, captured.text
    assert_schema("Hold", captured.json())
    assert (captured.json()["status"], captured.json()["captured_amount"]) == ("CAPTURED", 2_500)
    replayed = await client.post(
        f"{API}/holds/{hold['id']}/capture", json={"amount": 2_500}, headers=bob.idem(key)
    )
    assert replayed.status_code == 200 and replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json() == captured.json()
    again = await client.post(f"{API}/holds/{hold['id']}/capture", json={}, headers=bob.idem())
    body = assert_problem(again, 422, "hold_not_pending")
    assert body["hold_status"] == "CAPTURED"

    wallet = await wallet_of(client, alice, a["id"])
    assert (wallet["balance"], wallet["held"], wallet["available"]) == (7_500, 0, 7_500)
    assert (await wallet_of(client, bob, b["id"]))["balance"] == 2_500
    done = (await client.get(f"{API}/transactions/{hold['id']}", headers=bob.headers)).json()
    assert (done["status"], done["amount"]) == ("COMPLETED", 2_500)
    assert_ledger_invariants(app_container)


async def test_void_expiry_and_problems(client: httpx.AsyncClient, app_container: Container) -> None:
    admin = await register_admin(client, app_container)
    alice, stranger = await register(client), await register(client)
    unverified = await register(client, verified=False)
    a = await open_wallet(client, alice)
    u = await open_wallet(client, unverified)
    await deposit(client, admin, a["id"], 1_000)
    await deposit(client, admin, u["id"], 1_000)

    assert_problem(await place(client, unverified, u["id"], 1), 422, "kyc_required")
    assert_problem(
        await place(client, alice, a["id"], 1, ttl_seconds=5, expires_at="2030-01-01T00:00:00Z"),
        400,
        "invalid_hold_expiry",
    )
    assert_problem(await place(client, alice, a["id"], 1, expires_at="tomorrow"), 400, "validation_error")
    assert_problem(
        await place(client, alice, a["id"], 1, ttl_seconds=0), 400, "validation_error", "ttl_seconds"
    )
    assert_problem(await place(client, alice, a["id"], 1_001), 422, "insufficient_funds")
    no_key = await client.post(
        f"{API}/holds", json={"wallet_id": a["id"], "amount": 1, "currency": "USD"}, headers=alice.headers
    )
    assert_problem(no_key, 400, "idempotency_key_missing")

    hold = (await place(client, alice, a["id"], 300)).json()
    assert_problem(
        await client.get(f"{API}/holds/{hold['id']}", headers=stranger.headers), 404, "hold_not_found"
    )
    assert_problem(
        await client.get(f"{API}/holds/{uuid.uuid4()}", headers=alice.headers), 404, "hold_not_found"
    )
    too_much = await client.post(
        f"{API}/holds/{hold['id']}/capture", json={"amount": 301}, headers=alice.idem()
    )
    assert_problem(too_much, 422, "capture_exceeds_hold")
    voided = await client.post(
        f"{API}/holds/{hold['id']}/void", json={"reason": "cancelled"}, headers=alice.idem()
    )
    assert voided.status_code == 200, voided.text
    assert voided.json()["status"] == "VOIDED"
    assert (await wallet_of(client, alice, a["id"]))["available"] == 1_000

    soon = (await place(client, alice, a["id"], 200, expires_at=_in(seconds=1))).json()
    assert soon["status"] == "PENDING"
    await asyncio.sleep(1.2)
    late = await client.post(f"{API}/holds/{soon['id']}/capture", json={}, headers=alice.idem())
    assert_problem(late, 422, "hold_expired")
    shown = await client.get(f"{API}/holds/{soon['id']}", headers=alice.headers)
    assert shown.json()["status"] == "EXPIRED"
    txn = await client.get(f"{API}/transactions/{soon['id']}", headers=alice.headers)
    assert txn.json()["status"] == "EXPIRED"
    assert_ledger_invariants(app_container)


def _in(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


async def test_the_sweeper_releases_expired_holds(migrated_database_url: str) -> None:
    clock = FakeClock()
    container = make_container("postgres", migrated_database_url)
    container.clock.override(providers.Object(clock))
    await start(container)
    try:
        alice, admin = await new_principal(container), await new_principal(container, Role.ADMIN)
        wallet = await container.open_wallet()(alice, "USD")
        await container.deposit_money()(admin, DepositCommand(wallet.id, 100, "USD"), "d")
        hold = (
            await container.place_hold()(alice, PlaceHoldCommand(wallet.id, 100, "USD", ttl_seconds=5), "h")
        ).hold
        assert hold is not None
        clock.advance(seconds=6)
        assert await container.expire_due_holds()() >= 1
        assert (await container.get_hold()(alice, hold.id)).status.value == "EXPIRED"
        assert_ledger_invariants(container)
    finally:
        await stop(container)


async def test_one_hundred_concurrent_captures_succeed_once(
    client: httpx.AsyncClient, app_container: Container
) -> None:
    admin = await register_admin(client, app_container)
    alice, bob = await register(client), await register(client)
    a = await open_wallet(client, alice)
    b = await open_wallet(client, bob)
    await deposit(client, admin, a["id"], 7_000)
    hold = (await place(client, alice, a["id"], 7_000, destination_wallet_id=b["id"])).json()

    responses = await asyncio.gather(
        *(
            client.post(
                f"{API}/holds/{hold['id']}/capture", json={}, headers=(bob if i % 2 else admin).idem()
            )
            for i in range(100)
        )
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [422] * 99, [r.text for r in responses if r.status_code not in (200, 422)][:3]
    assert {r.json()["code"] for r in responses if r.status_code == 422} == {"hold_not_pending"}
    assert (await wallet_of(client, bob, b["id"]))["balance"] == 7_000
    wallet = await wallet_of(client, alice, a["id"])
    assert (wallet["balance"], wallet["held"]) == (0, 0)
    entries = (await client.get(f"{API}/wallets/{b['id']}/entries", headers=bob.headers)).json()["data"]
    assert [(e["transaction_id"], e["amount"]) for e in entries] == [(hold["id"], 7_000)]
    assert_ledger_invariants(app_container)
