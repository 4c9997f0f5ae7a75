"""GET /api/v1/holds through the app on PostgreSQL: the caller's holds newest first in documented pages,
the wallet and status filters, what an administrator sees, the problems a bad query gets, and a hold past
its expiry listed as EXPIRED. (Authentication: test_http_auth.py; bad cursors and limits:
test_http_pagination.py; who may list whose holds: the authorization matrix.)"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from paybridge.bootstrap import Container
from paybridge.domain.holds import HoldStatus
from paybridge.entrypoints.http.schema_parts import HOLD_STATUSES
from tests.integration.conftest import Actor, deposit, open_wallet, register, register_admin
from tests.integration.test_holds import place
from tests.support.http_checks import assert_problem, assert_schema
from tests.support.invariants import assert_ledger_invariants

pytestmark = [pytest.mark.integration, pytest.mark.contract]

API = "/api/v1"


async def placed(http: httpx.AsyncClient, actor: Actor, wallet_id: str, amount: int, **extra: Any) -> str:
    response = await place(http, actor, wallet_id, amount, **extra)
    assert response.status_code == 201, response.text
    hold_id: str = response.json()["id"]
    return hold_id


async def listed(http: httpx.AsyncClient, actor: Actor, **params: Any) -> dict[str, Any]:
    response = await http.get(f"{API}/holds", params=params, headers=actor.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert_schema("HoldList", body)
    return body


def ids(body: dict[str, Any]) -> list[str]:
    return [h["id"] for h in body["data"]]


async def test_pages_newest_first_and_filters(client: httpx.AsyncClient, app_container: Container) -> None:
    admin = await register_admin(client, app_container)
    alice, bob = await register(client), await register(client)
    a, b = await open_wallet(client, alice), await open_wallet(client, bob)
    e = await open_wallet(client, alice, "EUR")
    await deposit(client, admin, a["id"], 10_000)
    holds = [await placed(client, alice, a["id"], 100 + n) for n in range(4)]
    to_bob = await placed(client, alice, a["id"], 500, destination_wallet_id=b["id"])
    captured = await client.post(f"{API}/holds/{holds[1]}/capture", json={}, headers=alice.idem())
    assert captured.status_code == 200, captured.text
    voided = await client.post(f"{API}/holds/{holds[2]}/void", json={}, headers=alice.idem())
    assert voided.status_code == 200, voided.text

    pages, cursor = [], None
    while True:
        page = await listed(client, alice, limit=2, **({"cursor": cursor} if cursor else {}))
        pages.append(page)
        cursor = page["next_cursor"]
        assert page["has_more"] is (cursor is not None)
        if cursor is None:
            break
    assert [len(p["data"]) for p in pages] == [2, 2, 1]
    assert [i for p in pages for i in ids(p)] == [to_bob, *reversed(holds)]
    assert [h["amount"] for p in pages for h in p["data"]] == [500, 103, 102, 101, 100]
    whole = await listed(client, alice, limit=5)
    assert (whole["has_more"], whole["next_cursor"]) == (False, None)
    assert whole["data"][0] == (await client.get(f"{API}/holds/{to_bob}", headers=bob.headers)).json()

    assert ids(await listed(client, bob)) == [to_bob]  # the payee sees the hold made out to their wallet
    assert ids(await listed(client, bob, wallet_id=b["id"])) == [to_bob]
    assert ids(await listed(client, alice, wallet_id=a["id"], limit=100)) == ids(whole)
    assert ids(await listed(client, alice, wallet_id=e["id"])) == []
    assert ids(await listed(client, alice, status="PENDING")) == [to_bob, holds[3], holds[0]]
    assert ids(await listed(client, alice, status="captured")) == [holds[1]]  # any case, as `type`
    voided_page = await listed(client, alice, status="VOIDED", wallet_id=a["id"])
    assert [(h["id"], h["status"]) for h in voided_page["data"]] == [(holds[2], "VOIDED")]
    assert ids(await listed(client, bob, status="EXPIRED")) == []
    everyone = await listed(client, admin, limit=5)  # the newest holds anywhere: these
    assert ids(everyone) == [to_bob, *reversed(holds)]
    assert ids(await listed(client, admin, wallet_id=b["id"])) == [to_bob]
    assert_ledger_invariants(app_container)


async def test_a_bad_query_is_a_problem_and_another_users_wallet_is_not_found(
    client: httpx.AsyncClient, app_container: Container
) -> None:
    admin = await register_admin(client, app_container)
    alice, bob = await register(client), await register(client)
    a, b = await open_wallet(client, alice), await open_wallet(client, bob)
    await deposit(client, admin, b["id"], 1_000)
    bobs = await placed(client, bob, b["id"], 300)

    async def get(actor: Actor, **params: str) -> httpx.Response:
        return await client.get(f"{API}/holds", params=params, headers=actor.headers)

    body = assert_problem(await get(alice, status="REFUNDED"), 400, "validation_error", field="status")
    assert body["errors"] == [
        {"field": "status", "message": "must be one of PENDING, CAPTURED, VOIDED, EXPIRED"}
    ]
    assert_problem(await get(alice, status="COMPLETED"), 400, "validation_error", field="status")
    assert_problem(await get(alice, wallet_id="not-a-uuid"), 400, "validation_error", field="wallet_id")
    foreign = assert_problem(await get(alice, wallet_id=b["id"]), 404, "wallet_not_found")
    missing = assert_problem(await get(alice, wallet_id=str(uuid.uuid4())), 404, "wallet_not_found")
    assert foreign["title"] == missing["title"]
    assert_problem(await get(alice, limit="0", wallet_id=a["id"]), 400, "validation_error", field="limit")
    assert bobs not in ids(await listed(client, alice))
    assert_problem(await client.get(f"{API}/holds"), 401, "unauthenticated")


async def test_a_hold_past_its_expiry_is_listed_expired(
    client: httpx.AsyncClient, app_container: Container
) -> None:
    admin = await register_admin(client, app_container)
    alice = await register(client)
    a = await open_wallet(client, alice)
    await deposit(client, admin, a["id"], 1_000)
    soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    hold = await placed(client, alice, a["id"], 400, expires_at=soon)
    assert [h["status"] for h in (await listed(client, alice))["data"]] == ["PENDING"]
    await asyncio.sleep(1.2)

    assert ids(await listed(client, alice, status="PENDING")) == []  # released while listed
    assert [(h["id"], h["status"]) for h in (await listed(client, alice))["data"]] == [(hold, "EXPIRED")]
    wallet = (await client.get(f"{API}/wallets/{a['id']}", headers=alice.headers)).json()
    assert (wallet["held"], wallet["available"]) == (0, 1_000)
    assert_ledger_invariants(app_container)


async def test_the_description_documents_the_list(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    operation = spec["paths"]["/api/v1/holds"]["get"]
    assert operation["operationId"] == "list_holds"
    parameters = {p["name"]: p["schema"] for p in operation["parameters"]}
    assert set(parameters) == {"limit", "cursor", "wallet_id", "status"}
    assert parameters["status"]["enum"] == HOLD_STATUSES == [s.value for s in HoldStatus]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HoldList"
    }
    assert {"400", "401", "404"} <= set(operation["responses"])
