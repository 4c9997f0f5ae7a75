"""Rate limits of the real app on PostgreSQL (in-process limiter): per address on every request but probes
and /metrics, per user on money-moving routes, sign-in throttling per address and per account; the headers,
the 429 problem and its metrics; and who the client is behind (trusted) proxies."""

from __future__ import annotations

import ipaddress
import logging
import uuid

import httpx
import pytest

from paybridge.application.ports.rate_limit import Rate
from tests.integration.security.conftest import AppClient
from tests.support.metrics import sample, scrape_client

pytestmark = pytest.mark.integration

WALLETS = "/api/v1/wallets"
TRANSFERS = "/api/v1/transfers"
TOKEN = "/api/v1/auth/token"
PROBES = ("/live", "/ready", "/health", "/health/detailed", "/metrics")
PASSWORD = "correct horse battery"


def assert_rate_limited(response: httpx.Response, limit: int) -> dict[str, object]:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert (body["status"], body["code"], body["title"]) == (429, "rate_limited", "Too many requests")
    assert body["type"] == "https://paybridge.dev/problems/rate_limited"
    assert body["request_id"] == response.headers["x-request-id"]
    assert 1 <= int(response.headers["retry-after"]) <= 3600
    assert response.headers["ratelimit-limit"] == str(limit)
    assert response.headers["ratelimit-remaining"] == "0"
    assert int(response.headers["ratelimit-reset"]) >= 1
    assert response.headers["x-content-type-options"] == "nosniff"
    return body


async def register(http: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    """A new user's email and bearer headers."""
    email = f"rl-{uuid.uuid4().hex[:12]}@example.com"
    created = await http.post("/api/v1/users", json={"email": email, "full_name": "R", "password": PASSWORD})
    assert created.status_code == 201, created.text
    issued = await http.post(TOKEN, json={"email": email, "password": PASSWORD})
    assert issued.status_code == 200, issued.text
    return email, {"Authorization": f"Bearer {issued.json()['access_token']}"}


async def test_per_address_limit_headers_and_the_429_problem(app_client: AppClient) -> None:
    async with app_client(rate_per_ip=Rate(3, 60)) as h:
        answers = [await h.http.get(WALLETS) for _ in range(3)]
        assert [r.status_code for r in answers] == [401, 401, 401]  # counted whatever the answer
        assert [r.headers["ratelimit-remaining"] for r in answers] == ["2", "1", "0"]
        assert {r.headers["ratelimit-limit"] for r in answers} == {"3"}
        assert {r.headers["ratelimit-policy"] for r in answers} == {"3;w=60"}
        assert [int(r.headers["ratelimit-reset"]) for r in answers] == [20, 40, 60]
        assert "retry-after" not in answers[0].headers
        refused = await h.http.get(WALLETS)
        assert_rate_limited(refused, 3)
        assert int(refused.headers["retry-after"]) == 20  # one interval: 60 s / 3
        assert_rate_limited(await h.http.post("/api/v1/users", json={}), 3)  # every API route
        assert_rate_limited(await h.http.get("/no/such/route"), 3)

        samples = await scrape_client(h.http)
        requests = "paybridge_http_requests_total"
        assert sample(samples, requests, method="GET", path=WALLETS, status="429") == 1  # labelled by route
        assert sample(samples, requests, method="POST", path="/api/v1/users", status="429") == 1
        assert sample(samples, requests, method="GET", path="unmatched", status="429") == 1
        assert sample(samples, "paybridge_rate_limited_total", limit="ip") == 3


async def test_probes_and_metrics_are_never_limited(app_client: AppClient) -> None:
    async with app_client(rate_per_ip=Rate(1, 3600)) as h:
        await h.http.get(WALLETS)
        assert (await h.http.get(WALLETS)).status_code == 429
        for _ in range(3):
            for path in PROBES:
                response = await h.http.get(path)
                assert response.status_code == 200, (path, response.text)
                assert "ratelimit-limit" not in response.headers


async def test_each_address_has_its_own_quota(app_client: AppClient) -> None:
    async with app_client(rate_per_ip=Rate(2, 60)) as h:
        for _ in range(2):
            await h.http.get(WALLETS)
        assert (await h.http.get(WALLETS)).status_code == 429
        async with h.connect(("203.0.113.8", 1234)) as other:
            assert (await other.get(WALLETS)).status_code == 401
        async with h.connect(("2001:db8:7:7::1", 1)) as v6, h.connect(("2001:db8:7:7::2", 1)) as same_64:
            assert (await v6.get(WALLETS)).status_code == 401
            assert (await same_64.get(WALLETS)).status_code == 401
            assert (await v6.get(WALLETS)).status_code == 429  # one /64 is one client


async def test_x_forwarded_for_is_not_believed_by_default(app_client: AppClient) -> None:
    async with app_client(rate_per_ip=Rate(2, 60), client=("203.0.113.50", 1)) as h:
        statuses = [
            (await h.http.get(WALLETS, headers={"X-Forwarded-For": f"198.51.100.{n}"})).status_code
            for n in range(6)
        ]
        assert statuses == [401, 401, 429, 429, 429, 429]


async def test_a_trusted_proxy_names_the_client(
    app_client: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    proxies = (ipaddress.ip_network("10.0.0.0/8"),)
    async with app_client(rate_per_ip=Rate(2, 60), trusted_proxies=proxies, client=("10.1.2.3", 1)) as h:

        async def get(forwarded: str) -> int:
            return (await h.http.get(WALLETS, headers={"X-Forwarded-For": forwarded})).status_code

        assert [await get("198.51.100.1"), await get("198.51.100.1")] == [401, 401]
        assert await get("198.51.100.1") == 429
        assert await get("6.6.6.6, 198.51.100.1") == 429  # what the client claimed on the left is ignored
        assert await get("198.51.100.1, 10.9.9.9") == 429  # a chain of trusted proxies is walked
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="paybridge.access"):
            assert await get("198.51.100.2") == 401  # another client behind the same proxy
        [access] = [r for r in caplog.records if r.name == "paybridge.access"]
        assert access.__dict__["client_ip"] == "198.51.100.2"
        async with h.connect(("203.0.113.9", 1)) as direct:  # not a proxy: its header is not believed
            for _ in range(2):
                await direct.get(WALLETS, headers={"X-Forwarded-For": "198.51.100.3"})
            assert (await direct.get(WALLETS, headers={"X-Forwarded-For": "198.51.100.4"})).status_code == 429


async def test_per_user_limit_on_money_moving_routes(app_client: AppClient) -> None:
    async with app_client(rate_per_user=Rate(2, 60)) as h:
        _, ada = await register(h.http)
        _, bob = await register(h.http)

        async def transfer(
            headers: dict[str, str], client: httpx.AsyncClient | None = None
        ) -> httpx.Response:
            body = {
                "source_wallet_id": str(uuid.uuid4()),
                "destination_wallet_id": str(uuid.uuid4()),
                "amount": 100,
                "currency": "USD",
            }
            http = client or h.http
            return await http.post(
                TRANSFERS, json=body, headers={**headers, "Idempotency-Key": str(uuid.uuid4())}
            )

        first, second = await transfer(ada), await transfer(ada)
        assert first.status_code != 429 and second.status_code != 429
        assert (first.headers["ratelimit-limit"], first.headers["ratelimit-remaining"]) == ("2", "1")
        assert_rate_limited(await transfer(ada), 2)
        async with h.connect(("203.0.113.77", 1)) as elsewhere:  # the limit follows the user, not the address
            assert_rate_limited(await transfer(ada, elsewhere), 2)
        assert (await transfer(bob)).status_code != 429  # every user has a quota of their own
        assert (await h.http.get(WALLETS, headers=ada)).status_code == 200  # reading is not moving money
        assert (await h.http.post(TRANSFERS, json={})).status_code == 401  # no user: refused by the route
        samples = await scrape_client(h.http)
        assert sample(samples, "paybridge_rate_limited_total", limit="user") == 2
        assert (
            sample(samples, "paybridge_http_requests_total", method="POST", path=TRANSFERS, status="429") == 2
        )


async def test_sign_in_is_throttled_per_account(app_client: AppClient) -> None:
    async with app_client(login_rate_per_account=Rate(3, 60)) as h:
        email, _ = await register(h.http)  # one successful sign-in: 2 attempts left
        for _ in range(2):
            wrong = await h.http.post(TOKEN, json={"email": email, "password": "wrong password"})
            assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_credentials"
        right = await h.http.post(TOKEN, json={"email": email.upper(), "password": PASSWORD})
        assert_rate_limited(right, 3)  # even the right password waits: the account is throttled
        assert right.json()["detail"] == "too many sign-in attempts; wait before trying again"
        assert int(right.headers["retry-after"]) == 20
        other, _ = await register(h.http)  # other accounts are not affected
        samples = await scrape_client(h.http)
        failures = "paybridge_auth_login_failures_total"
        assert sample(samples, failures, reason="invalid_credentials") == 2
        assert sample(samples, failures, reason="rate_limited") == 1
        assert sample(samples, "paybridge_rate_limited_total", limit="login_account") == 1
        assert other


async def test_sign_in_is_throttled_per_address(app_client: AppClient) -> None:
    async with app_client(login_rate_per_ip=Rate(3, 60)) as h:
        for n in range(3):
            guess = {"email": f"nobody-{n}-{uuid.uuid4().hex[:6]}@example.com", "password": "guess 1234"}
            assert (await h.http.post(TOKEN, json=guess)).status_code == 401
        refused = await h.http.post(TOKEN, json={"email": "someone@example.com", "password": "guess 1234"})
        assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
        async with h.connect(("203.0.113.10", 1)) as elsewhere:
            other = await elsewhere.post(TOKEN, json={"email": "someone@example.com", "password": "x" * 8})
            assert other.status_code == 401
        samples = await scrape_client(h.http)
        assert sample(samples, "paybridge_auth_login_failures_total", reason="invalid_credentials") == 4
        assert sample(samples, "paybridge_rate_limited_total", limit="login_ip") == 1


async def test_the_429_is_documented_where_limits_apply(app_client: AppClient) -> None:
    async with app_client() as h:
        spec = (await h.http.get("/openapi.json")).json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            documented = "429" in operation["responses"]
            assert documented == (path not in PROBES), f"{method.upper()} {path}"
            if documented:
                assert "Retry-After" in operation["responses"]["429"]["headers"]
