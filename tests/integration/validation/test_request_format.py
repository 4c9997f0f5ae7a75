"""Requests refused for their form before their content is considered: unknown fields, malformed JSON,
wrong content types, oversized bodies and bad Idempotency-Keys (each a 4xx that changes nothing)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest

from tests.integration.conftest import World
from tests.integration.validation.conftest import JSON_ENDPOINTS, MONEY, post_unchanged
from tests.support.http_checks import API, assert_problem

pytestmark = [pytest.mark.integration, pytest.mark.contract]

MAX_BODY = 64 * 1024


# ------------------------------------------------------------------------------------- unknown fields

UNKNOWN = [
    pytest.param({"admin": True}, "admin", id="admin"),
    pytest.param({"status": "COMPLETED"}, "status", id="status"),
    pytest.param({"Amount": 5}, "Amount", id="case-variant"),
    pytest.param({"__proto__": {}}, "__proto__", id="proto"),
    pytest.param({"": 1}, "", id="empty-name"),
]


@pytest.mark.parametrize(("extra", "field"), UNKNOWN)
@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
async def test_unknown_fields_are_refused(
    client: httpx.AsyncClient, world: World, endpoint: str, extra: dict[str, Any], field: str
) -> None:
    body = {**world.body(endpoint), **extra}
    response = await post_unchanged(client, world, endpoint, json=body)
    problem = assert_problem(response, 400, "validation_error", field=field)
    assert [e["message"] for e in problem["errors"] if e["field"] == field] == ["is not a known field"]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"role": "admin"}, "role"),
        ({"kyc_status": "VERIFIED"}, "kyc_status"),
        ({"id": str(uuid.uuid4())}, "id"),
    ],
    ids=["role", "kyc", "id"],
)
async def test_registration_cannot_choose_privileged_fields(
    client: httpx.AsyncClient, world: World, extra: dict[str, Any], field: str
) -> None:
    body = {**world.body("users"), **extra}
    response = await post_unchanged(client, world, "users", json=body)
    assert_problem(response, 400, "validation_error", field=field)


# ------------------------------------------------------------------------------------- malformed bodies

MALFORMED = [
    pytest.param(b"{", id="truncated"),
    pytest.param(b"{'amount': 1}", id="single-quotes"),
    pytest.param(b"", id="empty"),
    pytest.param(b"not json", id="text"),
    pytest.param(b'{"amount": NaN}', id="nan"),
    pytest.param(b'{"amount": Infinity}', id="infinity"),
    pytest.param(b'{"a": 1,}', id="trailing-comma"),
    pytest.param(b"\xef\xbb\xbf{}", id="bom"),
    pytest.param(b'{"a": "\xff"}', id="invalid-utf8"),
    pytest.param(b'{"a": "\\ud800"}', id="lone-surrogate"),
    pytest.param(b"[]", id="empty-array"),
    pytest.param(b'[{"amount": 1}]', id="array-of-object"),
    pytest.param(b'"a string"', id="string"),
    pytest.param(b"42", id="number"),
    pytest.param(b"null", id="null"),
    pytest.param(b"true", id="true"),
]


@pytest.mark.parametrize("raw", MALFORMED)
@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
async def test_malformed_json_is_refused(
    client: httpx.AsyncClient, world: World, endpoint: str, raw: bytes
) -> None:
    headers = {**world.headers(endpoint), "Content-Type": "application/json"}
    response = await post_unchanged(client, world, endpoint, content=raw, headers=headers)
    assert_problem(response, 400, "malformed_json")


# ---------------------------------------------------------------------------------------- content type

CONTENT_TYPES = [
    pytest.param("text/plain", id="text-plain"),
    pytest.param(None, id="missing"),
    pytest.param("application/x-www-form-urlencoded", id="form"),
    pytest.param("multipart/form-data; boundary=x", id="multipart"),
    pytest.param("text/json", id="text-json"),
    pytest.param("application/jsonp", id="jsonp"),
    pytest.param("application/xml", id="xml"),
]


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
async def test_wrong_content_type_is_415(
    client: httpx.AsyncClient, world: World, endpoint: str, content_type: str | None
) -> None:
    headers = world.headers(endpoint)
    if content_type is not None:
        headers["Content-Type"] = content_type
    content = orjson.dumps(world.body(endpoint))
    response = await post_unchanged(client, world, endpoint, content=content, headers=headers)
    assert_problem(response, 415, "unsupported_media_type")


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON"]
)
async def test_json_content_type_variants_are_accepted(
    client: httpx.AsyncClient, world: World, content_type: str
) -> None:
    headers = {**world.ada.idem(), "Content-Type": content_type}
    response = await client.post(
        f"{API}/transfers", content=orjson.dumps(world.body("transfers")), headers=headers
    )
    assert response.status_code == 201, response.text


# ----------------------------------------------------------------------------------------- body size


def _padded(body: dict[str, Any], size: int) -> bytes:
    """`body` as JSON, padded with insignificant whitespace to exactly `size` bytes (still valid JSON)."""
    raw = orjson.dumps(body)
    assert len(raw) < size
    return raw[:-1] + b" " * (size - len(raw)) + b"}"


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
async def test_body_over_limit_with_content_length_is_413(
    client: httpx.AsyncClient, world: World, endpoint: str
) -> None:
    content = _padded(world.body(endpoint), MAX_BODY + 1)
    headers = {**world.headers(endpoint), "Content-Type": "application/json"}
    response = await post_unchanged(client, world, endpoint, content=content, headers=headers)
    assert_problem(response, 413, "payload_too_large")


@pytest.mark.parametrize("endpoint", JSON_ENDPOINTS)
async def test_body_over_limit_streamed_in_chunks_is_413(
    client: httpx.AsyncClient, world: World, endpoint: str
) -> None:
    content = _padded(world.body(endpoint), 3 * MAX_BODY)
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(content), 4096):
            sent.append(start)
            yield content[start : start + 4096]

    headers = {**world.headers(endpoint), "Content-Type": "application/json"}
    response = await post_unchanged(client, world, endpoint, content=chunks(), headers=headers)
    assert_problem(response, 413, "payload_too_large")
    assert sent, "the body was never streamed"


async def test_body_at_the_limit_is_accepted(client: httpx.AsyncClient, world: World) -> None:
    content = _padded(world.body("transfers"), MAX_BODY)
    headers = {**world.ada.idem(), "Content-Type": "application/json"}
    response = await client.post(f"{API}/transfers", content=content, headers=headers)
    assert response.status_code == 201, response.text


# ------------------------------------------------------------------------------------ idempotency keys

BAD_KEYS = [
    pytest.param("k" * 256, "idempotency_key_invalid", id="256-chars"),
    pytest.param("has space", "idempotency_key_invalid", id="space"),
    pytest.param(" leading", "idempotency_key_invalid", id="leading-space"),
    pytest.param("tab\there", "idempotency_key_invalid", id="tab"),
    pytest.param("ключ".encode(), "idempotency_key_invalid", id="non-ascii-utf8"),
    pytest.param("caf\xe9".encode("latin-1"), "idempotency_key_invalid", id="non-ascii-latin1"),
    pytest.param("", "idempotency_key_invalid", id="empty"),
    pytest.param(None, "idempotency_key_missing", id="missing"),
]


@pytest.mark.parametrize(("key", "code"), BAD_KEYS)
@pytest.mark.parametrize("endpoint", MONEY)
async def test_bad_idempotency_key(
    client: httpx.AsyncClient, world: World, endpoint: str, key: str | bytes | None, code: str
) -> None:
    actor = world.admin if endpoint == "deposits" else world.ada
    headers: dict[str, Any] = dict(actor.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    body = world.body(endpoint)
    response = await post_unchanged(client, world, endpoint, json=body, headers=headers)
    assert_problem(response, 400, code, field=None if key is None else "Idempotency-Key")


async def test_longest_idempotency_key_is_accepted(client: httpx.AsyncClient, world: World) -> None:
    key = "~" + "K" * 253 + "!"
    response = await client.post(
        f"{API}/transfers", json=world.body("transfers"), headers=world.ada.idem(key)
    )
    assert response.status_code == 201, response.text
