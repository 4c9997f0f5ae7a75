"""The wallet lifecycle and balance history over HTTP on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from paybridge.bootstrap import Container
from tests.integration.conftest import deposit, open_wallet, register, register_admin
from tests.support.containers import outbox_events
from tests.support.http_checks import assert_problem, assert_schema
from tests.support.invariants import assert_ledger_invariants

pytestmark = [pytest.mark.integration, pytest.mark.contract]

API = "/api/v1"


async def test_suspend_activate_close(client: httpx.AsyncClient, app_container: Container) -> None:
    admin = await register_admin(client, app_container)
    alice, bob = await register(client), await register(client)
    a, b = await open_wallet(client, alice), await open_wallet(client, bob)
    await deposit(client, admin, a["id"], 500)
    admin_wallets = f"{API}/admin/wallets"

    assert_problem(
        await client.post(f"{admin_wallets}/{a['id']}/suspend", json={}, headers=alice.headers),
        403,
        "admin_required",
    )
    suspended = await client.post(
        f"{admin_wallets}/{b['id']}/suspend", json={"reason": "review"}, headers=admin.headers
    )
    assert suspended.status_code == 200, suspended.text
    assert_schema("Wallet", suspended.json())
    assert suspended.json()["status"] == "SUSPENDED"
    send = {"source_wallet_id": a["id"], "destination_wallet_id": b["id"], "amount": 100, "currency": "USD"}
    assert_problem(
        await client.post(f"{API}/transfers", json=send, headers=alice.idem()), 422, "wallet_not_active"
    )
    activated = await client.post(f"{admin_wallets}/{b['id']}/activate", json={}, headers=admin.headers)
    assert activated.json()["status"] == "ACTIVE"
    assert (await client.post(f"{API}/transfers", json=send, headers=alice.idem())).status_code == 201

    assert_problem(
        await client.post(f"{admin_wallets}/{a['id']}/close", json={}, headers=admin.headers),
        422,
        "wallet_not_empty",
    )
    emptied = await client.post(
        f"{API}/withdrawals",
        json={"wallet_id": a["id"], "amount": 400, "currency": "USD"},
        headers=alice.idem(),
    )
    assert emptied.status_code == 201, emptied.text
    closed = await client.post(
        f"{admin_wallets}/{a['id']}/close", json={"reason": "bye"}, headers=admin.headers
    )
    assert closed.status_code == 200 and closed.json()["status"] == "CLOSED"
    assert_problem(
        await client.post(f"{admin_wallets}/{a['id']}/activate", json={}, headers=admin.headers),
        422,
        "wallet_closed",
    )
    assert_problem(
        await client.post(
            f"{admin_wallets}/00000000-0000-7000-8000-000000000000/suspend", json={}, headers=admin.headers
        ),
        404,
        "wallet_not_found",
    )
    kinds = [e["event_type"] for e in outbox_events(app_container) if e["aggregate_id"] == b["id"]]
    assert kinds == ["wallet.created", "wallet.suspended", "wallet.activated"]
    closing = [e for e in outbox_events(app_container) if e["aggregate_id"] == a["id"]][-1]
    assert closing["event_type"] == "wallet.closed" and closing["payload"]["reason"] == "bye"
    assert_ledger_invariants(app_container)


async def test_balance_history(client: httpx.AsyncClient, app_container: Container) -> None:
    admin = await register_admin(client, app_container)
    alice = await register(client)
    a = await open_wallet(client, alice)
    before = datetime.now(UTC)
    await deposit(client, admin, a["id"], 900)
    middle = datetime.now(UTC)
    await client.post(
        f"{API}/withdrawals",
        json={"wallet_id": a["id"], "amount": 300, "currency": "USD"},
        headers=alice.idem(),
    )
    path = f"{API}/wallets/{a['id']}/balance"

    def at(moment: datetime) -> dict[str, str]:
        return {"at": moment.isoformat()}

    past = await client.get(path, params=at(before), headers=alice.headers)
    assert past.status_code == 200, past.text
    assert_schema("Balance", past.json())
    assert past.json()["balance"] == 0
    assert (await client.get(path, params=at(middle), headers=alice.headers)).json()["balance"] == 900
    now = await client.get(path, headers=alice.headers)
    assert now.json()["balance"] == 600
    offset = await client.get(path, params={"at": "2999-01-01T02:00:00+02:00"}, headers=admin.headers)
    assert offset.json() == {
        "wallet_id": a["id"],
        "currency": "USD",
        "balance": 600,
        "at": "2999-01-01T00:00:00Z",
    }
    for bad in ("yesterday", "2026-01-01", "2026-01-01T00:00:00"):
        assert_problem(
            await client.get(path, params={"at": bad}, headers=alice.headers), 400, "validation_error", "at"
        )
    stranger = await register(client)
    assert_problem(await client.get(path, headers=stranger.headers), 404, "wallet_not_found")
