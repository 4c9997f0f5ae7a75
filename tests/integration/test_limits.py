"""Outgoing limits over HTTP on PostgreSQL: the configured currency default, an administrator's override,
422 limit_exceeded with the remaining allowance, concurrent withdrawals that cannot together exceed it, and
the allowance a reversal gives back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from paybridge.bootstrap import Container
from paybridge.entrypoints.http.app import create_app
from tests.integration.conftest import deposit, open_wallet, register, register_admin
from tests.support.containers import make_container
from tests.support.http_checks import assert_problem, assert_schema
from tests.support.invariants import assert_ledger_invariants

pytestmark = [pytest.mark.integration, pytest.mark.contract]

API = "/api/v1"


@pytest.fixture
async def limited(migrated_database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    container = make_container(
        "postgres", migrated_database_url, outgoing_limits="USD:daily=1000,monthly=3000"
    )
    app = create_app(container)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://paybridge.test") as http:
            yield http, container


async def test_limits_defaults_overrides_and_remaining(limited: tuple[httpx.AsyncClient, Container]) -> None:
    client, container = limited
    admin = await register_admin(client, container)
    alice = await register(client)
    a = await open_wallet(client, alice)
    await deposit(client, admin, a["id"], 10_000)

    shown = await client.get(f"{API}/wallets/{a['id']}/limits", headers=alice.headers)
    assert shown.status_code == 200, shown.text
    assert_schema("WalletLimits", shown.json())
    assert shown.json()["daily"] == {"limit": 1_000, "used": 0, "remaining": 1_000}
    assert shown.json()["own_limits"] == {"daily": None, "monthly": None}

    withdraw = {"wallet_id": a["id"], "currency": "USD"}
    ok = await client.post(f"{API}/withdrawals", json={**withdraw, "amount": 700}, headers=alice.idem())
    assert ok.status_code == 201, ok.text
    refused = await client.post(f"{API}/withdrawals", json={**withdraw, "amount": 301}, headers=alice.idem())
    body = assert_problem(refused, 422, "limit_exceeded")
    assert (body["limit"], body["remaining"], body["daily_remaining"], body["monthly_remaining"]) == (
        "daily",
        300,
        300,
        2_300,
    )

    assert_problem(
        await client.put(
            f"{API}/admin/wallets/{a['id']}/limits", json={"daily": 5, "monthly": None}, headers=alice.headers
        ),
        403,
        "admin_required",
    )
    raised = await client.put(
        f"{API}/admin/wallets/{a['id']}/limits", json={"daily": 2_000, "monthly": None}, headers=admin.headers
    )
    assert raised.status_code == 200, raised.text
    assert_schema("WalletLimits", raised.json())
    assert raised.json()["daily"] == {"limit": 2_000, "used": 700, "remaining": 1_300}
    assert raised.json()["own_limits"] == {"daily": 2_000, "monthly": None}
    ok = await client.post(f"{API}/withdrawals", json={**withdraw, "amount": 1_300}, headers=alice.idem())
    assert ok.status_code == 201, ok.text
    assert_problem(
        await client.put(
            f"{API}/admin/wallets/{a['id']}/limits",
            json={"daily": -1, "monthly": None},
            headers=admin.headers,
        ),
        400,
        "validation_error",
        "daily",
    )
    assert_ledger_invariants(container)


async def test_concurrent_withdrawals_cannot_exceed_the_limit(
    limited: tuple[httpx.AsyncClient, Container],
) -> None:
    client, container = limited
    admin = await register_admin(client, container)
    alice = await register(client)
    a = await open_wallet(client, alice)
    await deposit(client, admin, a["id"], 50_000)

    responses = await asyncio.gather(
        *(
            client.post(
                f"{API}/withdrawals",
                json={"wallet_id": a["id"], "amount": 90, "currency": "USD"},
                headers=alice.idem(),
            )
            for _ in range(40)
        )
    )
    statuses = [r.status_code for r in responses]
    assert statuses.count(201) == 11 and statuses.count(422) == 29, statuses  # 11 * 90 = 990 <= 1000
    assert {r.json()["code"] for r in responses if r.status_code == 422} == {"limit_exceeded"}
    wallet = (await client.get(f"{API}/wallets/{a['id']}", headers=alice.headers)).json()
    assert wallet["balance"] == 50_000 - 990
    assert_ledger_invariants(container)


async def test_a_reversal_gives_the_allowance_back(limited: tuple[httpx.AsyncClient, Container]) -> None:
    client, container = limited
    admin = await register_admin(client, container)
    alice, bob = await register(client), await register(client)
    a, b = await open_wallet(client, alice), await open_wallet(client, bob)
    await deposit(client, admin, a["id"], 10_000)
    sent = await client.post(
        f"{API}/transfers",
        json={
            "source_wallet_id": a["id"],
            "destination_wallet_id": b["id"],
            "amount": 800,
            "currency": "USD",
        },
        headers=alice.idem(),
    )
    assert sent.status_code == 201, sent.text
    withdrawn = await client.post(
        f"{API}/withdrawals",
        json={"wallet_id": a["id"], "amount": 200, "currency": "USD"},
        headers=alice.idem(),
    )
    assert withdrawn.status_code == 201, withdrawn.text
    limits = f"{API}/wallets/{a['id']}/limits"
    assert (await client.get(limits, headers=alice.headers)).json()["daily"]["remaining"] == 0

    reversed_by_sender = await client.post(
        f"{API}/transactions/{sent.json()['id']}/reverse",
        json={"amount": 300, "reason": "overpaid"},
        headers=alice.idem(),
    )
    assert reversed_by_sender.status_code == 201, reversed_by_sender.text
    shown = await client.get(limits, headers=alice.headers)
    assert shown.status_code == 200, shown.text
    assert_schema("WalletLimits", shown.json())
    assert shown.json()["daily"] == {"limit": 1_000, "used": 700, "remaining": 300}
    assert shown.json()["monthly"] == {"limit": 3_000, "used": 700, "remaining": 2_300}

    reversed_by_admin = await client.post(
        f"{API}/transactions/{withdrawn.json()['id']}/reverse",
        json={"reason": "bank returned it"},
        headers=admin.idem(),
    )
    assert reversed_by_admin.status_code == 201, reversed_by_admin.text
    assert (await client.get(limits, headers=alice.headers)).json()["daily"] == {
        "limit": 1_000,
        "used": 500,
        "remaining": 500,
    }
    bobs = (await client.get(f"{API}/wallets/{b['id']}/limits", headers=bob.headers)).json()
    assert bobs["daily"] == {"limit": 1_000, "used": 0, "remaining": 1_000}  # the reversal counted nothing
    again = await client.post(
        f"{API}/transfers",
        json={
            "source_wallet_id": a["id"],
            "destination_wallet_id": b["id"],
            "amount": 500,
            "currency": "USD",
        },
        headers=alice.idem(),
    )
    assert again.status_code == 201, again.text
    assert_ledger_invariants(container)
