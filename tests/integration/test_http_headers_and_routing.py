"""Request and correlation ids, security headers, unknown routes and methods, and the probes, over HTTP on
PostgreSQL."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.support.http_checks import API, assert_problem, assert_schema

pytestmark = [pytest.mark.integration, pytest.mark.contract]

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


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
