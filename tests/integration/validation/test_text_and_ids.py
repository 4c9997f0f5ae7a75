"""Hostile text, metadata, references, wallet ids and NUL characters in write bodies: each a 400 naming the
field that changes nothing, while values at their limits are accepted."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.integration.conftest import World
from tests.integration.validation.conftest import MISSING, MONEY, db_state, post_unchanged, with_changes
from tests.support.http_checks import API, assert_problem

pytestmark = [pytest.mark.integration, pytest.mark.contract]


# -------------------------------------------------------------------------------------- text and metadata

TEXT_AND_METADATA = [
    pytest.param({"metadata": {f"k{n}": "v" for n in range(21)}}, "metadata", id="21-keys"),
    pytest.param({"metadata": {"k": "v" * 501}}, "metadata.k", id="501-char-value"),
    pytest.param({"metadata": {"k": 1}}, "metadata.k", id="non-string-value"),
    pytest.param({"metadata": {"k": None}}, "metadata.k", id="null-value"),
    pytest.param({"metadata": {"k": {"nested": "x"}}}, "metadata.k", id="nested-value"),
    pytest.param({"metadata": {"x" * 65: "v"}}, "metadata", id="65-char-key"),
    pytest.param({"metadata": {"": "v"}}, "metadata", id="empty-key"),
    pytest.param({"metadata": ["a", "b"]}, "metadata", id="array"),
    pytest.param({"metadata": "k=v"}, "metadata", id="string"),
    pytest.param({"description": "d" * 501}, "description", id="501-char-description"),
    pytest.param({"description": 5}, "description", id="numeric-description"),
]


@pytest.mark.parametrize(("changes", "field"), TEXT_AND_METADATA)
@pytest.mark.parametrize("endpoint", MONEY)
async def test_bad_text_or_metadata(
    client: httpx.AsyncClient, world: World, endpoint: str, changes: dict[str, Any], field: str
) -> None:
    body = with_changes(world.body(endpoint), changes)
    response = await post_unchanged(client, world, endpoint, json=body)
    assert_problem(response, 400, "validation_error", field=field)


@pytest.mark.parametrize(
    "reference",
    [pytest.param("", id="empty"), pytest.param("r" * 256, id="256-chars"), pytest.param(7, id="int")],
)
@pytest.mark.parametrize("endpoint", ["deposits", "withdrawals"])
async def test_bad_reference(client: httpx.AsyncClient, world: World, endpoint: str, reference: Any) -> None:
    body = {**world.body(endpoint), "reference": reference}
    response = await post_unchanged(client, world, endpoint, json=body)
    assert_problem(response, 400, "validation_error", field="reference")


async def test_transfers_have_no_reference_field(client: httpx.AsyncClient, world: World) -> None:
    body = {**world.body("transfers"), "reference": "ref"}
    response = await post_unchanged(client, world, "transfers", json=body)
    assert_problem(response, 400, "validation_error", field="reference")


async def test_metadata_at_its_limits_is_accepted(client: httpx.AsyncClient, world: World) -> None:
    metadata = {f"{n:02d}" + "k" * 62: "v" * 500 for n in range(20)}
    body = {**world.body("transfers"), "metadata": metadata, "description": "d" * 500}
    response = await client.post(f"{API}/transfers", json=body, headers=world.ada.idem())
    assert response.status_code == 201, response.text
    assert response.json()["metadata"] == metadata


# ---------------------------------------------------------------------------------------- wallet ids

BAD_UUIDS = [
    pytest.param("not-a-uuid", id="text"),
    pytest.param("", id="empty"),
    pytest.param("12345678123456781234567812345678", id="no-dashes"),
    pytest.param("zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", id="not-hex"),
    pytest.param("123e4567-e89b-12d3-a456-42661417400", id="one-short"),
    pytest.param("123e4567-e89b-12d3-a456-4266141740000", id="one-long"),
    pytest.param(" 123e4567-e89b-12d3-a456-426614174000", id="leading-space"),
    pytest.param("urn:uuid:123e4567-e89b-12d3-a456-426614174000", id="urn"),
    pytest.param(12345, id="number"),
    pytest.param(None, id="null"),
    pytest.param(MISSING, id="missing"),
]


@pytest.mark.parametrize("value", BAD_UUIDS)
@pytest.mark.parametrize(
    ("endpoint", "field"),
    [
        ("transfers", "source_wallet_id"),
        ("transfers", "destination_wallet_id"),
        ("deposits", "wallet_id"),
        ("withdrawals", "wallet_id"),
    ],
)
async def test_bad_wallet_id(
    client: httpx.AsyncClient, world: World, endpoint: str, field: str, value: Any
) -> None:
    body = with_changes(world.body(endpoint), {field: value})
    response = await post_unchanged(client, world, endpoint, json=body)
    assert_problem(response, 400, "validation_error", field=field)


# ---------------------------------------------------------------------------------------- NUL characters

NUL_TEXT = [
    pytest.param("users", {"full_name": "Ada\u0000Lovelace"}, "full_name", id="users-full_name"),
    pytest.param("users", {"email": "ada\u0000@example.com"}, "email", id="users-email"),
    pytest.param("transfers", {"description": "rent\u0000"}, "description", id="transfers-description"),
    pytest.param("transfers", {"metadata": {"k": "v\u0000"}}, "metadata", id="transfers-metadata-value"),
    pytest.param("transfers", {"metadata": {"k\u0000": "v"}}, "metadata", id="transfers-metadata-key"),
    pytest.param("deposits", {"reference": "wire\u0000"}, "reference", id="deposits-reference"),
    pytest.param("deposits", {"description": "\u0000"}, "description", id="deposits-description"),
    pytest.param("withdrawals", {"metadata": {"k": "\u0000"}}, "metadata", id="withdrawals-metadata"),
    pytest.param("withdrawals", {"reference": "\u0000ref"}, "reference", id="withdrawals-reference"),
]


@pytest.mark.parametrize(("endpoint", "changes", "field"), NUL_TEXT)
async def test_nul_characters_in_text_are_a_400(
    client: httpx.AsyncClient, world: World, endpoint: str, changes: dict[str, Any], field: str
) -> None:
    """PostgreSQL text and jsonb cannot hold U+0000; such input must be refused as invalid, not crash."""
    body = {**world.body(endpoint), **changes}
    response = await post_unchanged(client, world, endpoint, json=body)
    problem = assert_problem(response, 400, "validation_error")
    fields = [e["field"] for e in problem.get("errors", [])]
    assert any(f.startswith(field) for f in fields), f"no error names {field!r}: {fields}"


async def test_nul_character_in_login_email_is_refused(client: httpx.AsyncClient, world: World) -> None:
    before = await db_state(world.url)
    response = await client.post(
        f"{API}/auth/token", json={"email": world.ada.email + "\u0000", "password": "correct horse battery"}
    )
    assert response.status_code in (400, 401), response.text
    assert_problem(
        response,
        response.status_code,
        "validation_error" if response.status_code == 400 else "invalid_credentials",
    )
    assert await db_state(world.url) == before
