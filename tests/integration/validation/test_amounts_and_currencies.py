"""Hostile amounts and currencies in money-movement and wallet bodies: each a 400 that changes nothing,
and a check that the unchanged-database guard itself notices a change."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from tests.integration.conftest import World
from tests.integration.validation.conftest import MISSING, MONEY, post_unchanged, with_changes
from tests.support.http_checks import assert_problem

pytestmark = [pytest.mark.integration, pytest.mark.contract]


async def test_the_unchanged_guard_notices_a_change(client: httpx.AsyncClient, world: World) -> None:
    """The guard the tests of this folder rely on does fail when a request changes the database."""
    with pytest.raises(AssertionError, match="changed the database"):
        await post_unchanged(client, world, "transfers", json=world.body("transfers"))


# --------------------------------------------------------------------------------------------- amounts

AMOUNTS = [
    pytest.param(10.5, id="float"),
    pytest.param(10.0, id="integral-float"),
    pytest.param("10", id="string"),
    pytest.param("1e3", id="string-exponent"),
    pytest.param(0, id="zero"),
    pytest.param(-1, id="negative"),
    pytest.param(10**18 + 1, id="above-max"),
    pytest.param(2**63, id="above-bigint"),
    pytest.param(True, id="true"),
    pytest.param(False, id="false"),
    pytest.param(None, id="null"),
    pytest.param([100], id="array"),
    pytest.param({"value": 100}, id="object"),
    pytest.param(MISSING, id="missing"),
]


@pytest.mark.parametrize("amount", AMOUNTS)
@pytest.mark.parametrize("endpoint", MONEY)
async def test_bad_amount(client: httpx.AsyncClient, world: World, endpoint: str, amount: Any) -> None:
    body = with_changes(world.body(endpoint), {"amount": amount})
    response = await post_unchanged(client, world, endpoint, json=body)
    assert_problem(response, 400, "validation_error", field="amount")


@pytest.mark.parametrize(
    "raw",
    [b"1e3", b"100.0", b"1E2", b"100000000000000000000000000000", b"-0"],
    ids=["exponent", "decimal-point", "upper-exponent", "huge", "negative-zero"],
)
@pytest.mark.parametrize("endpoint", MONEY)
async def test_bad_amount_literal(client: httpx.AsyncClient, world: World, endpoint: str, raw: bytes) -> None:
    body = world.body(endpoint)
    body["amount"] = "__AMOUNT__"
    content = orjson.dumps(body).replace(b'"__AMOUNT__"', raw)
    headers = {**world.headers(endpoint), "Content-Type": "application/json"}
    response = await post_unchanged(client, world, endpoint, content=content, headers=headers)
    assert_problem(response, 400, "validation_error", field="amount")


# ------------------------------------------------------------------------------------------ currencies

CURRENCIES = [
    pytest.param("XYZ", {"unsupported_currency"}, id="unknown-XYZ"),
    pytest.param("ABCDE", {"unsupported_currency"}, id="unknown-5-letters"),
    pytest.param("XAU", {"unsupported_currency"}, id="gold-not-a-currency"),
    pytest.param("usd", {"validation_error"}, id="lower-case"),
    pytest.param("Usd", {"validation_error"}, id="mixed-case"),
    pytest.param("US", {"validation_error"}, id="too-short"),
    pytest.param("USDOLL", {"validation_error"}, id="too-long"),
    pytest.param(" USD", {"validation_error"}, id="leading-space"),
    # Python's `$` also matches before a final newline, so jsonschema lets "USD\n" through the pattern
    # and the currency table refuses it; ECMA-262 (what JSON Schema specifies) would refuse it earlier.
    pytest.param("USD\n", {"validation_error", "unsupported_currency"}, id="trailing-newline"),
    pytest.param("", {"validation_error"}, id="empty"),
    pytest.param(840, {"validation_error"}, id="numeric"),
    pytest.param(None, {"validation_error"}, id="null"),
    pytest.param(MISSING, {"validation_error"}, id="missing"),
]


@pytest.mark.parametrize(("currency", "codes"), CURRENCIES)
@pytest.mark.parametrize("endpoint", [*MONEY, "wallets"])
async def test_bad_currency(
    client: httpx.AsyncClient, world: World, endpoint: str, currency: Any, codes: set[str]
) -> None:
    body = with_changes(world.body(endpoint), {"currency": currency})
    response = await post_unchanged(client, world, endpoint, json=body)
    code = response.json().get("code")
    assert code in codes, response.text
    assert_problem(response, 400, code, field="currency")
