"""The public HTTP API end to end on PostgreSQL: the happy path with every success body checked against its
documented schema, authentication, ownership (foreign resources are "not found"), request/correlation ids,
security headers, the probes, unknown routes and methods, and keyset pagination."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from jsonschema import Draft202012Validator

from paybridge.bootstrap import Container
from paybridge.entrypoints.http.response_schemas import RESPONSES
from paybridge.entrypoints.http.schema_parts import list_of
from tests.integration.conftest import Actor, deposit, open_wallet, register, register_admin
from tests.support.containers import TEST_JWT_SECRET

pytestmark = [pytest.mark.integration, pytest.mark.contract]

API = "/api/v1"
PROBLEM_TYPE_BASE = "https://paybridge.dev/problems/"
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
LIST_ITEMS = {
    "WalletList": "Wallet",
    "TransactionList": "Transaction",
    "LedgerEntryList": "LedgerEntry",
    "HoldList": "Hold",
}


# --------------------------------------------------------------------------------------------- helpers


def _schema(name: str) -> dict[str, Any]:
    """The documented schema of a response body; list schemas resolve `#/components/schemas/X` against a
    root document that carries RESPONSES under components/schemas, as the OpenAPI description does."""
    base = list_of(LIST_ITEMS[name]) if name in LIST_ITEMS else RESPONSES[name]
    return {**base, "components": {"schemas": RESPONSES}}


def _timestamps(value: Any, path: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key.endswith("_at") and isinstance(item, str):
                found.append((f"{path}{key}", item))
            found.extend(_timestamps(item, f"{path}{key}."))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_timestamps(item, f"{path}{index}."))
    return found


def assert_schema(name: str, body: Any) -> None:
    """`body` validates against RESPONSES[name] (or list_of(item)), has exactly the documented fields, and
    its timestamps are RFC 3339 UTC with a `Z` suffix."""
    validator = Draft202012Validator(_schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(body)]
    assert errors == [], f"{name} body does not match its schema: {errors}"
    if name in LIST_ITEMS:
        assert set(body) == {"data", "next_cursor", "has_more"}
        documented = set(RESPONSES[LIST_ITEMS[name]]["properties"])
        for item in body["data"]:
            assert set(item) == documented, f"undocumented or missing fields in {item}"
    else:
        assert set(body) == set(RESPONSES[name]["properties"]), f"undocumented or missing fields in {body}"
    for where, stamp in _timestamps(body):
        assert stamp.endswith("Z"), f"{where}={stamp!r} is not UTC with a Z suffix"
        assert datetime.fromisoformat(stamp).utcoffset() == timedelta(0), where


def assert_problem(
    response: httpx.Response, status: int, code: str, field: str | None = None
) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    errors = [e.message for e in Draft202012Validator(RESPONSES["Problem"]).iter_errors(body)]
    assert errors == [], errors
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == PROBLEM_TYPE_BASE + code
    assert body["request_id"] == response.headers["x-request-id"]
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


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


async def _wallet(http: httpx.AsyncClient, actor: Actor, wallet_id: str) -> dict[str, Any]:
    response = await http.get(f"{API}/wallets/{wallet_id}", headers=actor.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


_WALLET = {
    "id": "0190f0e2-7a3c-7d4e-8f00-000000000001",
    "user_id": "0190f0e2-7a3c-7d4e-8f00-000000000002",
    "currency": "USD",
    "status": "ACTIVE",
    "balance": 0,
    "held": 0,
    "available": 0,
    "version": 0,
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("Wallet", {**_WALLET, "balance": "0"}),
        ("Wallet", {**_WALLET, "balance": -1}),
        ("Wallet", {**_WALLET, "id": "not-a-uuid"}),
        ("Wallet", {**_WALLET, "internal": True}),
        ("Wallet", {k: v for k, v in _WALLET.items() if k != "version"}),
        ("Wallet", {**_WALLET, "created_at": "2026-01-01T01:00:00+01:00"}),
        ("WalletList", {"data": [{**_WALLET, "status": "OPEN"}], "next_cursor": None, "has_more": False}),
        ("WalletList", {"data": [_WALLET], "next_cursor": None}),
    ],
    ids=[
        "string-balance",
        "negative",
        "bad-uuid",
        "extra-field",
        "missing-field",
        "not-utc",
        "bad-item",
        "no-has-more",
    ],
)
def test_schema_check_rejects_drift(name: str, body: dict[str, Any]) -> None:
    """The response check used throughout does fail on bodies that drift from the documented schema."""
    assert_schema(
        name, {"data": [_WALLET], "next_cursor": None, "has_more": False} if name == "WalletList" else _WALLET
    )
    with pytest.raises(AssertionError):
        assert_schema(name, body)


# ----------------------------------------------------------------------------------------- walkthrough


async def test_full_walkthrough_with_documented_bodies(
    client: httpx.AsyncClient, app_container: Container
) -> None:
    email = f"Ada-{uuid.uuid4().hex[:10]}@Example.COM"
    password = "correct horse battery staple"

    created = await client.post(
        f"{API}/users", json={"email": email, "full_name": "Ada Lovelace", "password": password}
    )
    assert created.status_code == 201, created.text
    user = created.json()
    assert_schema("User", user)
    assert user["email"] == email.lower()
    assert user["full_name"] == "Ada Lovelace"
    assert user["role"] == "user"
    assert user["kyc_status"] == "UNVERIFIED"
    assert "password" not in created.text and password not in created.text
    assert created.headers["location"] == f"{API}/users/{user['id']}"

    issued = await client.post(f"{API}/auth/token", json={"email": email, "password": password})
    assert issued.status_code == 200, issued.text
    token = issued.json()
    assert_schema("Token", token)
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == app_container.settings().jwt_ttl_seconds
    claims = jwt.decode(
        token["access_token"], TEST_JWT_SECRET, algorithms=["HS256"], audience="paybridge-api"
    )
    assert claims["sub"] == user["id"]
    assert claims["iss"] == "paybridge"
    assert claims["role"] == "user"
    ada = Actor(user["id"], user["email"], {"Authorization": f"Bearer {token['access_token']}"})

    me = await client.get(f"{API}/users/me", headers=ada.headers)
    assert me.status_code == 200, me.text
    assert_schema("User", me.json())
    assert me.json() == user

    opened = await client.post(f"{API}/wallets", json={"currency": "USD"}, headers=ada.headers)
    assert opened.status_code == 201, opened.text
    wallet = opened.json()
    assert_schema("Wallet", wallet)
    assert (wallet["user_id"], wallet["currency"], wallet["status"]) == (user["id"], "USD", "ACTIVE")
    assert (wallet["balance"], wallet["version"]) == (0, 0)
    assert opened.headers["location"] == f"{API}/wallets/{wallet['id']}"

    listed = await client.get(f"{API}/wallets", headers=ada.headers)
    assert listed.status_code == 200, listed.text
    assert_schema("WalletList", listed.json())
    assert listed.json() == {"data": [wallet], "next_cursor": None, "has_more": False}

    bob = await register(client)
    bob_wallet = await open_wallet(client, bob, "USD")
    admin = await register_admin(client, app_container)

    # sending money needs a verified identity (KYC): Ada submits, an administrator verifies
    submitted = await client.post(f"{API}/users/me/kyc", json={}, headers=ada.headers)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json() == {**user, "kyc_status": "PENDING"}
    decided = await client.post(
        f"{API}/admin/users/{ada.id}/kyc", json={"decision": "VERIFIED"}, headers=admin.headers
    )
    assert decided.status_code == 200, decided.text
    assert_schema("User", decided.json())
    assert decided.json() == {**user, "kyc_status": "VERIFIED"}

    deposited = await client.post(
        f"{API}/deposits",
        json={
            "wallet_id": wallet["id"],
            "amount": 10_000,
            "currency": "USD",
            "reference": "wire-001",
            "description": "payroll",
            "metadata": {"source": "walkthrough"},
        },
        headers=admin.idem(),
    )
    assert deposited.status_code == 201, deposited.text
    dep = deposited.json()
    assert_schema("Transaction", dep)
    assert (dep["type"], dep["status"], dep["amount"], dep["currency"]) == (
        "DEPOSIT",
        "COMPLETED",
        10_000,
        "USD",
    )
    assert (dep["source_wallet_id"], dep["destination_wallet_id"]) == (None, wallet["id"])
    assert (dep["reference"], dep["description"], dep["metadata"]) == (
        "wire-001",
        "payroll",
        {"source": "walkthrough"},
    )
    assert dep["completed_at"] is not None
    assert deposited.headers["location"] == f"{API}/transactions/{dep['id']}"
    assert "idempotent-replayed" not in deposited.headers

    transferred = await client.post(
        f"{API}/transfers",
        json={
            "source_wallet_id": wallet["id"],
            "destination_wallet_id": bob_wallet["id"],
            "amount": 2_500,
            "currency": "USD",
            "description": "rent",
        },
        headers=ada.idem(),
    )
    assert transferred.status_code == 201, transferred.text
    txf = transferred.json()
    assert_schema("Transaction", txf)
    assert (txf["type"], txf["status"], txf["amount"]) == ("TRANSFER", "COMPLETED", 2_500)
    assert (txf["source_wallet_id"], txf["destination_wallet_id"]) == (wallet["id"], bob_wallet["id"])
    assert (txf["reference"], txf["description"], txf["metadata"]) == (None, "rent", {})

    withdrawn = await client.post(
        f"{API}/withdrawals",
        json={"wallet_id": wallet["id"], "amount": 1_000, "currency": "USD"},
        headers=ada.idem(),
    )
    assert withdrawn.status_code == 201, withdrawn.text
    wd = withdrawn.json()
    assert_schema("Transaction", wd)
    assert (wd["type"], wd["source_wallet_id"], wd["destination_wallet_id"]) == (
        "WITHDRAWAL",
        wallet["id"],
        None,
    )

    mine = await _wallet(client, ada, wallet["id"])
    assert_schema("Wallet", mine)
    assert (mine["balance"], mine["version"]) == (6_500, 3)
    assert (await _wallet(client, bob, bob_wallet["id"]))["balance"] == 2_500

    history = await client.get(f"{API}/transactions", headers=ada.headers)
    assert history.status_code == 200, history.text
    assert_schema("TransactionList", history.json())
    assert history.json() == {"data": [wd, txf, dep], "next_cursor": None, "has_more": False}

    transfers_only = await client.get(f"{API}/transactions", params={"type": "transfer"}, headers=ada.headers)
    assert transfers_only.status_code == 200, transfers_only.text
    assert [t["id"] for t in transfers_only.json()["data"]] == [txf["id"]]

    for actor in (ada, bob):
        shown = await client.get(f"{API}/transactions/{txf['id']}", headers=actor.headers)
        assert shown.status_code == 200, shown.text
        assert_schema("Transaction", shown.json())
        assert shown.json() == txf

    entries = await client.get(f"{API}/wallets/{wallet['id']}/entries", headers=ada.headers)
    assert entries.status_code == 200, entries.text
    page = entries.json()
    assert_schema("LedgerEntryList", page)
    assert page["has_more"] is False and page["next_cursor"] is None
    assert [
        (e["transaction_id"], e["direction"], e["amount"], e["balance_after"], e["wallet_id"], e["currency"])
        for e in page["data"]
    ] == [
        (wd["id"], "DEBIT", 1_000, 6_500, wallet["id"], "USD"),
        (txf["id"], "DEBIT", 2_500, 7_500, wallet["id"], "USD"),
        (dep["id"], "CREDIT", 10_000, 10_000, wallet["id"], "USD"),
    ]
    ids = [e["id"] for e in page["data"]]
    assert ids == sorted(ids, reverse=True)

    bob_entries = await client.get(f"{API}/wallets/{bob_wallet['id']}/entries", headers=bob.headers)
    assert bob_entries.status_code == 200, bob_entries.text
    assert_schema("LedgerEntryList", bob_entries.json())
    assert [
        (e["transaction_id"], e["direction"], e["amount"], e["balance_after"])
        for e in bob_entries.json()["data"]
    ] == [(txf["id"], "CREDIT", 2_500, 2_500)]


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
    assert (await _wallet(client, bob, bob_wallet["id"]))["balance"] == 5_000
    assert (await _wallet(client, ada, ada_wallet["id"]))["balance"] == 700


async def test_only_admins_deposit(client: httpx.AsyncClient) -> None:
    ada = await register(client)
    wallet = await open_wallet(client, ada)
    response = await client.post(
        f"{API}/deposits",
        json={"wallet_id": wallet["id"], "amount": 1_000, "currency": "USD"},
        headers=ada.idem(),
    )
    assert_problem(response, 403, "admin_required")
    after = await _wallet(client, ada, wallet["id"])
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


# ---------------------------------------------------------------------------- request ids and headers


@pytest.mark.parametrize(
    "request_id",
    ["req-123", "a" * 128, "trace.id:x@y/z+=_-9", str(uuid.uuid4())],
    ids=["simple", "128-chars", "punctuation", "uuid"],
)
@pytest.mark.parametrize("path", ["/live", f"{API}/no-such-thing"], ids=["success", "problem"])
async def test_sane_request_id_is_echoed(client: httpx.AsyncClient, request_id: str, path: str) -> None:
    response = await client.get(path, headers={"X-Request-ID": request_id})
    assert response.headers["x-request-id"] == request_id
    assert response.headers["x-correlation-id"] == request_id
    if response.status_code >= 400:
        assert response.json()["request_id"] == request_id


@pytest.mark.parametrize(
    "request_id",
    ["a" * 129, "x" * 200, "has space", "semi;colon", "new\tline", 'quote"d', "<script>"],
    ids=["129-chars", "200-chars", "space", "semicolon", "tab", "quote", "markup"],
)
async def test_insane_request_id_is_replaced(client: httpx.AsyncClient, request_id: str) -> None:
    response = await client.get(f"{API}/no-such-thing", headers={"X-Request-ID": request_id})
    echoed = response.headers["x-request-id"]
    assert echoed != request_id
    assert GENERATED_ID.match(echoed), echoed
    assert_problem(response, 404, "route_not_found")
    assert response.json()["request_id"] == echoed


async def test_request_id_is_generated_per_request(client: httpx.AsyncClient) -> None:
    first = await client.get(f"{API}/users/me")
    second = await client.get(f"{API}/users/me")
    ids = {first.headers["x-request-id"], second.headers["x-request-id"]}
    assert len(ids) == 2
    for response in (first, second):
        assert GENERATED_ID.match(response.headers["x-request-id"])
        assert (
            assert_problem(response, 401, "unauthenticated")["request_id"] == response.headers["x-request-id"]
        )


@pytest.mark.parametrize(
    ("sent", "expected"),
    [("corr-42", "corr-42"), (None, "request"), ("bad value", "request"), ("c" * 200, "request")],
    ids=["echoed", "defaulted", "insane-space", "insane-long"],
)
async def test_correlation_id_is_echoed_or_defaults_to_the_request_id(
    client: httpx.AsyncClient, sent: str | None, expected: str
) -> None:
    headers = {"X-Request-ID": "req-for-correlation"}
    if sent is not None:
        headers["X-Correlation-ID"] = sent
    response = await client.get("/live", headers=headers)
    assert response.status_code == 200
    want = "req-for-correlation" if expected == "request" else expected
    assert response.headers["x-correlation-id"] == want


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/live", 200),
        ("GET", "/ready", 200),
        ("GET", "/openapi.json", 200),
        ("GET", f"{API}/users/me", 401),
        ("GET", f"{API}/nowhere", 404),
        ("DELETE", f"{API}/wallets", 405),
        ("POST", f"{API}/users", 415),
    ],
)
async def test_security_headers_on_every_response(
    client: httpx.AsyncClient, method: str, path: str, status: int
) -> None:
    response = await client.request(method, path)
    assert response.status_code == status, response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


# -------------------------------------------------------------------------------- routing and probes


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"{API}/nope"),
        ("GET", "/"),
        ("POST", f"{API}/payments"),
        ("GET", f"{API}/wallets/not-a-uuid"),
        ("GET", f"{API}/transactions/12345"),
        ("GET", "/api/v2/wallets"),
    ],
)
async def test_unknown_route_is_a_problem(client: httpx.AsyncClient, method: str, path: str) -> None:
    response = await client.request(method, path)
    assert_problem(response, 404, "route_not_found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", f"{API}/wallets", {"GET", "POST"}),
        ("PUT", f"{API}/wallets", {"GET", "POST"}),
        ("GET", f"{API}/transfers", {"POST"}),
        ("DELETE", f"{API}/users/me", {"GET"}),
        ("POST", "/live", {"GET"}),
        ("PATCH", f"{API}/transactions/{uuid.uuid4()}", {"GET"}),
    ],
)
async def test_wrong_method_is_a_405_problem_with_allow(
    client: httpx.AsyncClient, method: str, path: str, allowed: set[str]
) -> None:
    response = await client.request(method, path)
    assert_problem(response, 405, "method_not_allowed")
    advertised = {m.strip() for m in response.headers["allow"].split(",")} - {"HEAD"}
    assert advertised == allowed, f"Allow: {response.headers['allow']}"


async def test_liveness(client: httpx.AsyncClient) -> None:
    response = await client.get("/live")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert_schema("Liveness", response.json())
    assert response.json() == {"status": "alive"}


async def test_readiness(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    assert_schema("Readiness", response.json())
    body = response.json()
    assert body["ready"] is True
    assert body["checks"]["database"] == "healthy"
    assert body["checks"] == {"database": "healthy", "migrations": "up to date"}, body


# ------------------------------------------------------------------------------------------ pagination


async def _funded_with_five(client: httpx.AsyncClient, container: Container) -> tuple[Actor, str, list[str]]:
    admin = await register_admin(client, container)
    ada = await register(client)
    wallet = await open_wallet(client, ada)
    ids = [(await deposit(client, admin, wallet["id"], 100 + n))["id"] for n in range(1, 6)]
    return ada, wallet["id"], ids


async def _walk(
    client: httpx.AsyncClient, actor: Actor, path: str, params: dict[str, Any], schema: str
) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(10):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(path, params=query, headers=actor.headers)
        assert response.status_code == 200, response.text
        page: dict[str, Any] = response.json()
        assert_schema(schema, page)
        pages.append(page)
        cursor = page["next_cursor"]
        assert page["has_more"] is (cursor is not None)
        if cursor is None:
            return pages
    raise AssertionError("pagination never ended")


@pytest.mark.parametrize("by_wallet", [False, True], ids=["all-own", "by-wallet"])
async def test_transactions_keyset_pagination(
    client: httpx.AsyncClient, app_container: Container, by_wallet: bool
) -> None:
    ada, wallet_id, ids = await _funded_with_five(client, app_container)
    params: dict[str, Any] = {"limit": 2, **({"wallet_id": wallet_id} if by_wallet else {})}
    pages = await _walk(client, ada, f"{API}/transactions", params, "TransactionList")
    assert [len(p["data"]) for p in pages] == [2, 2, 1]
    assert [p["has_more"] for p in pages] == [True, True, False]
    seen = [t["id"] for p in pages for t in p["data"]]
    assert seen == list(reversed(ids))
    assert [t["amount"] for p in pages for t in p["data"]] == [105, 104, 103, 102, 101]

    whole = await client.get(f"{API}/transactions", params={"limit": 5}, headers=ada.headers)
    assert whole.json()["has_more"] is False and whole.json()["next_cursor"] is None
    assert [t["id"] for t in whole.json()["data"]] == seen


async def test_entries_keyset_pagination_carries_running_balance(
    client: httpx.AsyncClient, app_container: Container
) -> None:
    ada, wallet_id, ids = await _funded_with_five(client, app_container)
    pages = await _walk(client, ada, f"{API}/wallets/{wallet_id}/entries", {"limit": 2}, "LedgerEntryList")
    assert [len(p["data"]) for p in pages] == [2, 2, 1]
    entries = [e for p in pages for e in p["data"]]
    assert [e["transaction_id"] for e in entries] == list(reversed(ids))
    assert [e["balance_after"] for e in entries] == [515, 410, 306, 203, 101]


async def test_wallets_keyset_pagination(client: httpx.AsyncClient) -> None:
    ada = await register(client)
    opened = [(await open_wallet(client, ada, code))["id"] for code in ("USD", "EUR", "GBP")]
    pages = await _walk(client, ada, f"{API}/wallets", {"limit": 2}, "WalletList")
    assert [[w["id"] for w in p["data"]] for p in pages] == [opened[:0:-1], opened[:1]]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!!",
        "not-base64-$$$",
        base64.urlsafe_b64encode(b"pb1:abc").decode(),
        base64.urlsafe_b64encode(b"xx1:12").decode(),
        base64.urlsafe_b64encode(b"pb1:-5").decode(),
        "A" * 65,
        base64.urlsafe_b64encode(b"\xff\xfe\xfd").decode(),
        base64.urlsafe_b64encode("pb1:\u00b2".encode()).decode(),
        base64.urlsafe_b64encode("pb1:\u2460".encode()).decode(),
    ],
    ids=[
        "punctuation",
        "dollars",
        "non-digit",
        "wrong-prefix",
        "negative",
        "too-long",
        "not-utf8",
        "superscript-two",
        "circled-one",
    ],
)
@pytest.mark.parametrize("path", ["transactions", "wallets", "entries", "holds"])
async def test_invalid_cursor_is_a_400(client: httpx.AsyncClient, cursor: str, path: str) -> None:
    ada = await register(client)
    wallet = await open_wallet(client, ada)
    url = f"{API}/wallets/{wallet['id']}/entries" if path == "entries" else f"{API}/{path}"
    response = await client.get(url, params={"cursor": cursor}, headers=ada.headers)
    assert_problem(response, 400, "validation_error", field="cursor")


@pytest.mark.parametrize(
    "limit",
    ["0", "101", "abc", "-1", "1.5", "1e2", " 5", "99999999999999999999", "\u00b2", "\u2460"],
    ids=["0", "101", "abc", "-1", "1.5", "1e2", "space-5", "huge", "superscript-two", "circled-one"],
)
@pytest.mark.parametrize("path", ["transactions", "wallets", "entries", "holds"])
async def test_invalid_limit_is_a_400(client: httpx.AsyncClient, limit: str, path: str) -> None:
    ada = await register(client)
    wallet = await open_wallet(client, ada)
    url = f"{API}/wallets/{wallet['id']}/entries" if path == "entries" else f"{API}/{path}"
    response = await client.get(url, params={"limit": limit}, headers=ada.headers)
    assert_problem(response, 400, "validation_error", field="limit")


@pytest.mark.parametrize("limit", ["1", "100"])
async def test_limit_bounds_are_accepted(client: httpx.AsyncClient, limit: str) -> None:
    ada = await register(client)
    await open_wallet(client, ada)
    response = await client.get(f"{API}/wallets", params={"limit": limit}, headers=ada.headers)
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]) == 1


@pytest.mark.parametrize(
    ("path", "name", "good"),
    [
        ("transactions", "wallet_id", None),
        ("transactions", "type", "TRANSFER"),
        ("transactions", "limit", "5"),
        ("transactions", "cursor", None),
        ("wallets", "limit", "5"),
        ("wallets", "cursor", None),
        ("entries", "limit", "5"),
        ("entries", "cursor", None),
        ("balance", "at", "2999-01-01T00:00:00Z"),
        ("holds", "wallet_id", None),
        ("holds", "status", "PENDING"),
        ("holds", "limit", "5"),
    ],
)
@pytest.mark.parametrize("shape", ["empty", "repeated"])
async def test_empty_or_repeated_query_parameters_are_a_400(
    client: httpx.AsyncClient, app_container: Container, path: str, name: str, good: str | None, shape: str
) -> None:
    """`?wallet_id=` is not "no filter" and `?limit=5&limit=6` is not "either": both are refused, never guessed."""
    ada = await register(client)
    wallet = await open_wallet(client, ada)
    url = {
        "entries": f"{API}/wallets/{wallet['id']}/entries",
        "balance": f"{API}/wallets/{wallet['id']}/balance",
    }.get(path, f"{API}/{path}")
    value = good or wallet["id"]
    if name == "cursor":  # a real cursor: the first page of two wallets / entries / transactions
        admin = await register_admin(client, app_container)
        await open_wallet(client, ada, currency="EUR")
        for _ in range(2):
            await deposit(client, admin, wallet["id"], 100)
        first = await client.get(url, params={"limit": 1}, headers=ada.headers)
        value = first.json()["next_cursor"]
        assert value
    accepted = await client.get(url, params={name: value}, headers=ada.headers)
    assert accepted.status_code == 200, accepted.text
    query: list[tuple[str, str | int | float | bool | None]] = (
        [(name, "")] if shape == "empty" else [(name, str(value)), (name, str(value))]
    )
    assert_problem(
        await client.get(url, params=query, headers=ada.headers), 400, "validation_error", field=name
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [({"wallet_id": "not-a-uuid"}, "wallet_id"), ({"type": "REFUND"}, "type")],
    ids=["bad-wallet-id", "bad-type"],
)
async def test_invalid_transaction_filters_are_a_400(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    ada = await register(client)
    response = await client.get(f"{API}/transactions", params=params, headers=ada.headers)
    assert_problem(response, 400, "validation_error", field=field)
