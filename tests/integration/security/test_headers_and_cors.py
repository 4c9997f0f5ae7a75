"""Security headers on every kind of answer, HSTS only over TLS (directly or through a trusted proxy), and
CORS only for the configured origins (none by default: no CORS headers at all)."""

from __future__ import annotations

import ipaddress

import httpx
import pytest

from paybridge.application.ports.rate_limit import Rate
from tests.integration.security.conftest import AppClient

pytestmark = pytest.mark.integration

APP = "https://app.example.com"
EVIL = "https://evil.example"
ALWAYS = {
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
}


async def every_kind_of_answer(http: httpx.AsyncClient) -> dict[str, httpx.Response]:
    oversized = b'{"email": "' + b"x" * 70_000 + b'"}'
    return {
        "200 probe": await http.get("/live"),
        "200 metrics": await http.get("/metrics"),
        "200 openapi": await http.get("/openapi.json"),
        "401": await http.get("/api/v1/wallets"),
        "400": await http.post("/api/v1/users", json={}),
        "404": await http.get("/nowhere"),
        "405": await http.delete("/api/v1/wallets"),
        "413": await http.post(
            "/api/v1/users", content=oversized, headers={"content-type": "application/json"}
        ),
        "415": await http.post("/api/v1/users", content=b"x", headers={"content-type": "text/plain"}),
        "429": await http.get("/api/v1/wallets"),
    }


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_security_headers_on_every_answer(app_client: AppClient, scheme: str) -> None:
    async with app_client(rate_per_ip=Rate(7, 60)) as h, h.connect(("192.0.2.1", 1), scheme=scheme) as http:
        answers = await every_kind_of_answer(http)
    assert answers["429"].status_code == 429
    for kind, response in answers.items():
        assert kind.split()[0] == str(response.status_code), (kind, response.text)
        for name, value in ALWAYS.items():
            assert response.headers.get(name) == value, (kind, name)
        if scheme == "https":
            assert response.headers["strict-transport-security"] == "max-age=31536000", kind
        else:
            assert "strict-transport-security" not in response.headers, kind
        assert "access-control-allow-origin" not in response.headers


async def test_forwarded_proto_counts_only_from_a_trusted_proxy(app_client: AppClient) -> None:
    proxies = (ipaddress.ip_network("10.0.0.0/8"),)
    async with app_client(trusted_proxies=proxies, client=("10.0.0.1", 1)) as h:
        behind_tls = await h.http.get("/live", headers={"X-Forwarded-Proto": "https"})
        assert behind_tls.headers["strict-transport-security"] == "max-age=31536000"
        async with h.connect(("203.0.113.1", 1)) as direct:
            spoofed = await direct.get("/live", headers={"X-Forwarded-Proto": "https"})
            assert "strict-transport-security" not in spoofed.headers


async def test_no_cors_by_default(app_client: AppClient) -> None:
    async with app_client() as h:
        simple = await h.http.get("/api/v1/wallets", headers={"Origin": APP})
        assert not [name for name in simple.headers if name.startswith("access-control-")]
        preflight = await h.http.options(
            "/api/v1/transfers", headers={"Origin": APP, "Access-Control-Request-Method": "POST"}
        )
        assert preflight.status_code == 405
        assert not [name for name in preflight.headers if name.startswith("access-control-")]


async def test_cors_for_the_allowed_origins_only(app_client: AppClient) -> None:
    async with app_client(cors_origins=(APP,), rate_per_ip=Rate(2, 60)) as h:  # preflights are not counted
        preflight = await h.http.options(
            "/api/v1/transfers",
            headers={
                "Origin": APP,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
            },
        )
        assert preflight.status_code == 200, preflight.text
        assert preflight.headers["access-control-allow-origin"] == APP
        assert "POST" in preflight.headers["access-control-allow-methods"]
        allowed_headers = preflight.headers["access-control-allow-headers"].lower()
        assert {"authorization", "content-type", "idempotency-key"} <= set(
            allowed_headers.replace(" ", "").split(",")
        )
        assert "access-control-allow-credentials" not in preflight.headers  # bearer tokens, never cookies

        simple = await h.http.get("/api/v1/wallets", headers={"Origin": APP})
        assert simple.headers["access-control-allow-origin"] == APP
        assert "origin" in simple.headers["vary"].lower()
        exposed = simple.headers["access-control-expose-headers"].lower()
        for header in (
            "x-request-id",
            "retry-after",
            "ratelimit-remaining",
            "idempotent-replayed",
            "location",
        ):
            assert header in exposed

        foreign = await h.http.get("/api/v1/wallets", headers={"Origin": EVIL})
        assert "access-control-allow-origin" not in foreign.headers
        refused = await h.http.options(
            "/api/v1/transfers", headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"}
        )
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers

        throttled = await h.http.get("/api/v1/wallets", headers={"Origin": APP})
        assert throttled.status_code == 429
        assert throttled.headers["access-control-allow-origin"] == APP  # a browser can read its 429
