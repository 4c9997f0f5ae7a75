"""Registration and wallet opening refused (bad fields, a taken email, a second wallet in a currency),
business rules refused without moving money, and validation errors that never echo what was submitted."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.integration.conftest import World, open_wallet
from tests.integration.validation.conftest import MISSING, db_state, post_unchanged, with_changes
from tests.support.http_checks import API, assert_problem

pytestmark = [pytest.mark.integration, pytest.mark.contract]


# ------------------------------------------------------------------------------------------ registration

REGISTRATION = [
    pytest.param({"password": "short"}, "password", id="5-char-password"),
    pytest.param({"password": "seven77"}, "password", id="7-char-password"),
    pytest.param({"password": "p" * 257}, "password", id="257-char-password"),
    pytest.param({"password": 12345678}, "password", id="numeric-password"),
    pytest.param({"password": MISSING}, "password", id="missing-password"),
    pytest.param({"email": "not-an-email"}, "email", id="no-at"),
    pytest.param({"email": "a@b"}, "email", id="no-dot"),
    pytest.param({"email": "@example.com"}, "email", id="no-local-part"),
    pytest.param({"email": "a b@example.com"}, "email", id="space-in-email"),
    pytest.param({"email": "a@@example.com"}, "email", id="double-at"),
    pytest.param({"email": "x" * 250 + "@example.com"}, "email", id="too-long"),
    pytest.param({"email": MISSING}, "email", id="missing-email"),
    pytest.param({"full_name": ""}, "full_name", id="empty-name"),
    pytest.param({"full_name": "   "}, "full_name", id="blank-name"),
    pytest.param({"full_name": "n" * 201}, "full_name", id="201-char-name"),
    pytest.param({"full_name": None}, "full_name", id="null-name"),
]


@pytest.mark.parametrize(("changes", "field"), REGISTRATION)
async def test_bad_registration(
    client: httpx.AsyncClient, world: World, changes: dict[str, Any], field: str
) -> None:
    body = with_changes(world.body("users"), changes)
    response = await post_unchanged(client, world, "users", json=body)
    assert_problem(response, 400, "validation_error", field=field)


@pytest.mark.parametrize(
    "variant",
    [str, str.upper, lambda e: e.capitalize(), lambda e: f"  {e}  "],
    ids=["same", "upper-case", "capitalised", "padded"],
)
async def test_duplicate_email_is_409(client: httpx.AsyncClient, world: World, variant: Any) -> None:
    body = {"email": variant(world.bob.email), "full_name": "Impostor", "password": "another password"}
    response = await post_unchanged(client, world, "users", json=body)
    assert_problem(response, 409, "email_taken")
    # The original account still logs in with its own password only.
    token = await client.post(
        f"{API}/auth/token", json={"email": world.bob.email, "password": "another password"}
    )
    assert_problem(token, 401, "invalid_credentials")


@pytest.mark.parametrize("currency", ["USD", "EUR"])
async def test_second_wallet_in_a_currency_is_409(
    client: httpx.AsyncClient, world: World, currency: str
) -> None:
    if currency == "EUR":
        await open_wallet(client, world.ada, "EUR")
    response = await post_unchanged(client, world, "wallets", json={"currency": currency})
    assert_problem(response, 409, "wallet_exists")


# ------------------------------------------------------------------------------- business-rule refusals


BUSINESS = [
    pytest.param("transfers", {"destination_wallet_id": "SELF"}, 422, "same_wallet", id="transfer-to-self"),
    pytest.param("transfers", {"currency": "EUR"}, 422, "currency_mismatch", id="transfer-wrong-currency"),
    pytest.param("transfers", {"amount": 10_001}, 422, "insufficient_funds", id="transfer-overdraft"),
    pytest.param(
        "transfers", {"destination_wallet_id": "RANDOM"}, 404, "wallet_not_found", id="transfer-nowhere"
    ),
    pytest.param("withdrawals", {"amount": 10_001}, 422, "insufficient_funds", id="withdraw-overdraft"),
    pytest.param("withdrawals", {"currency": "EUR"}, 422, "currency_mismatch", id="withdraw-wrong-currency"),
    pytest.param("deposits", {"currency": "EUR"}, 422, "currency_mismatch", id="deposit-wrong-currency"),
    pytest.param("deposits", {"wallet_id": "RANDOM"}, 404, "wallet_not_found", id="deposit-nowhere"),
]


@pytest.mark.parametrize(("endpoint", "changes", "status", "code"), BUSINESS)
async def test_business_refusals_move_no_money(
    client: httpx.AsyncClient, world: World, endpoint: str, changes: dict[str, Any], status: int, code: str
) -> None:
    replacements = {"SELF": world.ada_wallet, "RANDOM": str(uuid.uuid4())}
    body = {**world.body(endpoint), **{k: replacements.get(v, v) for k, v in changes.items()}}
    before = await db_state(world.url)
    response = await client.post(f"{API}/{endpoint}", json=body, headers=world.headers(endpoint))
    after = await db_state(world.url)
    assert_problem(response, status, code)
    # The refusal is remembered for its Idempotency-Key (one row). No money moves and no user wallet
    # changes; the per-currency settlement (system) account may be created on first use, so the count
    # and digest of all wallets are left out.
    assert after["idempotency_keys"] == before["idempotency_keys"] + 1
    for key in ("users", "transactions", "ledger_entries", "outbox_last_seq", "user_wallets_digest"):
        assert after[key] == before[key], key


async def test_validation_errors_never_echo_submitted_values(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/users", json={"email": "echo@example.com", "full_name": "Echo", "password": "sekrit1"}
    )
    assert response.status_code == 400
    assert "sekrit1" not in response.text
    assert {"field": "password", "message": "must be at least 8 characters long"} in response.json()["errors"]
