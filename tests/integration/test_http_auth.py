"""Authentication and ownership over HTTP on PostgreSQL: the token endpoint, bearer tokens (missing, forged,
expired, unsigned), and foreign resources answered as "not found"; deposits and the whole view are
administrators' only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from paybridge.bootstrap import Container
from tests.integration.conftest import deposit, get_wallet, open_wallet, register, register_admin
from tests.support.containers import TEST_JWT_SECRET
from tests.support.http_checks import API, assert_problem, assert_schema

pytestmark = [pytest.mark.integration, pytest.mark.contract]


def make_token(
    user_id: str,
    *,
    expires_in: timedelta = timedelta(minutes=10),
    not_before: timedelta = timedelta(minutes=-5),
    issuer: str = "paybridge",
    audience: str = "paybridge-api",
    secret: str = TEST_JWT_SECRET,
    role: str = "user",
    drop: str | None = None,
) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": user_id,
        "role": role,
        "iat": now - timedelta(hours=1),
        "nbf": now + not_before,
        "exp": now + expires_in,
        "jti": str(uuid.uuid4()),
        "iss": issuer,
        "aud": audience,
    }
    if drop is not None:
        del claims[drop]
    return jwt.encode(claims, secret, algorithm="HS256")


# --------------------------------------------------------------------------------------------- tokens


async def test_token_endpoint_rejects_wrong_credentials_alike(client: httpx.AsyncClient) -> None:
    ada = await register(client, password="the right password")
    wrong_password = await client.post(
        f"{API}/auth/token", json={"email": ada.email, "password": "the wrong password"}
    )
    unknown_email = await client.post(
        f"{API}/auth/token", json={"email": f"nobody-{uuid.uuid4().hex}@example.com", "password": "whatever1"}
    )
    first = assert_problem(wrong_password, 401, "invalid_credentials")
    second = assert_problem(unknown_email, 401, "invalid_credentials")
    assert first["detail"] == second["detail"]
    assert wrong_password.headers["www-authenticate"].startswith("Bearer")


# -------------------------------------------------------------------------------------- authentication

PROTECTED = [
    ("GET", f"{API}/users/me"),
    ("GET", f"{API}/wallets"),
    ("POST", f"{API}/wallets"),
    ("POST", f"{API}/transfers"),
    ("POST", f"{API}/withdrawals"),
    ("POST", f"{API}/deposits"),
    ("GET", f"{API}/transactions"),
    ("GET", f"{API}/transactions/{uuid.uuid4()}"),
    ("GET", f"{API}/holds"),
    ("GET", f"{API}/wallets/{uuid.uuid4()}"),
    ("GET", f"{API}/wallets/{uuid.uuid4()}/entries"),
]


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "unauthenticated"),
        ("", "unauthenticated"),
        ("Bearer", "unauthenticated"),
        ("Bearer    ", "unauthenticated"),
        ("Basic dXNlcjpwYXNz", "unauthenticated"),
        ("Bearer garbage", "invalid_token"),
        ("Bearer a.b.c", "invalid_token"),
    ],
    ids=["missing", "empty", "scheme-only", "blank-token", "basic", "garbage", "three-dots"],
)
@pytest.mark.parametrize(("method", "path"), PROTECTED, ids=[f"{m} {p}" for m, p in PROTECTED])
async def test_protected_endpoints_need_a_valid_bearer_token(
    client: httpx.AsyncClient, method: str, path: str, authorization: str | None, code: str
) -> None:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = await client.request(method, path, headers=headers, json={"currency": "USD"})
    assert_problem(response, 401, code)
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("tweak", "status"),
    [
        ({}, 200),
        ({"expires_in": timedelta(minutes=-10)}, 401),
        ({"issuer": "someone-else"}, 401),
        ({"audience": "another-api"}, 401),
        ({"secret": "not-the-secret-" + "x" * 40}, 401),
        ({"not_before": timedelta(minutes=10)}, 401),
        ({"role": "superuser"}, 401),
        ({"drop": "jti"}, 401),
        ({"drop": "exp"}, 401),
    ],
    ids=[
        "valid",
        "expired",
        "wrong-issuer",
        "wrong-audience",
        "wrong-secret",
        "not-yet-valid",
        "bad-role",
        "no-jti",
        "no-exp",
    ],
)
async def test_forged_or_expired_tokens_are_refused(
    client: httpx.AsyncClient, tweak: dict[str, Any], status: int
) -> None:
    ada = await register(client)
    token = make_token(ada.id, **tweak)
    response = await client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {token}"})
    if status == 200:
        assert response.status_code == 200, response.text
        assert response.json()["id"] == ada.id
    else:
        assert_problem(response, 401, "invalid_token")
        assert response.headers["www-authenticate"].startswith("Bearer")


async def test_unsigned_token_is_refused(client: httpx.AsyncClient) -> None:
    ada = await register(client)
    claims = jwt.decode(
        ada.headers["Authorization"].removeprefix("Bearer "), options={"verify_signature": False}
    )
    claims["role"] = "admin"
    unsigned = jwt.encode(claims, "", algorithm="none")  # "" is no key (None no longer type-checks)
    response = await client.get(f"{API}/users/me", headers={"Authorization": f"Bearer {unsigned}"})
    assert_problem(response, 401, "invalid_token")


async def test_me_returns_the_caller(client: httpx.AsyncClient) -> None:
    ada = await register(client)
    bob = await register(client)
    for actor in (ada, bob):
        response = await client.get(f"{API}/users/me", headers=actor.headers)
        assert response.status_code == 200, response.text
        assert_schema("User", response.json())
        assert (response.json()["id"], response.json()["email"]) == (actor.id, actor.email)


# ------------------------------------------------------------------------------------------- ownership


async def test_foreign_resources_are_not_found(client: httpx.AsyncClient, app_container: Container) -> None:
    admin = await register_admin(client, app_container)
    ada = await register(client)
    bob = await register(client)
    ada_wallet = await open_wallet(client, ada)
    bob_wallet = await open_wallet(client, bob)
    bob_deposit = await deposit(client, admin, bob_wallet["id"], 5_000)
    await deposit(client, admin, ada_wallet["id"], 700)

    not_found = await client.get(f"{API}/wallets/{bob_wallet['id']}", headers=ada.headers)
    body = assert_problem(not_found, 404, "wallet_not_found")
    random = await client.get(f"{API}/wallets/{uuid.uuid4()}", headers=ada.headers)
    assert assert_problem(random, 404, "wallet_not_found")["title"] == body["title"]

    entries = await client.get(f"{API}/wallets/{bob_wallet['id']}/entries", headers=ada.headers)
    assert_problem(entries, 404, "wallet_not_found")

    withdrawal = await client.post(
        f"{API}/withdrawals",
        json={"wallet_id": bob_wallet["id"], "amount": 100, "currency": "USD"},
        headers=ada.idem(),
    )
    assert_problem(withdrawal, 404, "wallet_not_found")

    transfer = await client.post(
        f"{API}/transfers",
        json={
            "source_wallet_id": bob_wallet["id"],
            "destination_wallet_id": ada_wallet["id"],
            "amount": 100,
            "currency": "USD",
        },
        headers=ada.idem(),
    )
    assert_problem(transfer, 404, "wallet_not_found")

    foreign_txn = await client.get(f"{API}/transactions/{bob_deposit['id']}", headers=ada.headers)
    assert_problem(foreign_txn, 404, "transaction_not_found")

    foreign_list = await client.get(
        f"{API}/transactions", params={"wallet_id": bob_wallet["id"]}, headers=ada.headers
    )
    assert_problem(foreign_list, 404, "wallet_not_found")

    own_list = await client.get(f"{API}/transactions", headers=ada.headers)
    assert own_list.status_code == 200, own_list.text
    assert bob_deposit["id"] not in [t["id"] for t in own_list.json()["data"]]
    own_wallets = await client.get(f"{API}/wallets", headers=ada.headers)
    assert [w["id"] for w in own_wallets.json()["data"]] == [ada_wallet["id"]]

    # Nothing moved: both wallets hold what was deposited.
    assert (await get_wallet(client, bob, bob_wallet["id"]))["balance"] == 5_000
    assert (await get_wallet(client, ada, ada_wallet["id"]))["balance"] == 700


async def test_only_admins_deposit(client: httpx.AsyncClient) -> None:
    ada = await register(client)
    wallet = await open_wallet(client, ada)
    response = await client.post(
        f"{API}/deposits",
        json={"wallet_id": wallet["id"], "amount": 1_000, "currency": "USD"},
        headers=ada.idem(),
    )
    assert_problem(response, 403, "admin_required")
    after = await get_wallet(client, ada, wallet["id"])
    assert (after["balance"], after["version"]) == (0, 0)
    history = await client.get(f"{API}/transactions", headers=ada.headers)
    assert history.json()["data"] == []


async def test_admin_sees_every_wallet_and_transaction(
    client: httpx.AsyncClient, app_container: Container
) -> None:
    admin = await register_admin(client, app_container)
    ada = await register(client)
    wallet = await open_wallet(client, ada, "EUR")
    txn = await deposit(client, admin, wallet["id"], 1_234, "EUR")

    shown = await client.get(f"{API}/wallets/{wallet['id']}", headers=admin.headers)
    assert shown.status_code == 200, shown.text
    assert_schema("Wallet", shown.json())
    assert (shown.json()["id"], shown.json()["balance"]) == (wallet["id"], 1_234)

    entries = await client.get(f"{API}/wallets/{wallet['id']}/entries", headers=admin.headers)
    assert entries.status_code == 200, entries.text
    assert [e["transaction_id"] for e in entries.json()["data"]] == [txn["id"]]

    got = await client.get(f"{API}/transactions/{txn['id']}", headers=admin.headers)
    assert got.status_code == 200, got.text
    assert got.json() == txn

    everything = await client.get(f"{API}/wallets", params={"limit": 100}, headers=admin.headers)
    assert everything.status_code == 200, everything.text
    assert_schema("WalletList", everything.json())
    assert wallet["id"] in [w["id"] for w in everything.json()["data"]]
