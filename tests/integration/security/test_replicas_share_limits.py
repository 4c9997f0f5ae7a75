"""Two `paybridge serve` processes — two replicas — sharing one Redis: the per-address limit holds for the
pair (what both allow together equals the limit), and each counts its own 429s in its metrics. Without
Redis each process counts alone and together they allow twice the limit: why production sets
PAYBRIDGE_REDIS_URL."""

from __future__ import annotations

import httpx
import pytest

from tests.support.metrics import sample, scrape
from tests.support.redis_server import unique_prefix
from tests.support.server import run_server, server_env

pytestmark = pytest.mark.integration

LIMIT = 6


def alternate(first: str, second: str, requests: int) -> list[int]:
    statuses = []
    with httpx.Client(timeout=10) as http:
        for n in range(requests):
            statuses.append(http.get(f"{(first, second)[n % 2]}/api/v1/wallets").status_code)
    return statuses


def test_two_servers_on_one_redis_share_the_limit(migrated_database_url: str, redis_url: str) -> None:
    env = server_env(
        migrated_database_url,
        PAYBRIDGE_REDIS_URL=redis_url,
        PAYBRIDGE_REDIS_KEY_PREFIX=unique_prefix(),
        PAYBRIDGE_RATE_LIMIT_PER_IP=f"{LIMIT}/minute",
    )
    with run_server(env) as one, run_server(env) as two:
        statuses = alternate(one.base_url, two.base_url, 3 * LIMIT)
        assert statuses.count(401) == LIMIT, statuses  # allowed through to the route (no token: 401)
        assert statuses.count(429) == 2 * LIMIT, statuses
        refused = [
            sample(scrape(f"{server.base_url}/metrics"), "paybridge_http_requests_total", **labels)
            for server in (one, two)
            for labels in [{"method": "GET", "path": "/api/v1/wallets", "status": "429"}]
        ]
        assert sum(refused) == 2 * LIMIT and all(refused), refused  # both replicas refused some
        assert "Redis unavailable" not in one.log() + two.log()


def test_without_redis_each_server_counts_alone(migrated_database_url: str) -> None:
    env = server_env(migrated_database_url, PAYBRIDGE_RATE_LIMIT_PER_IP=f"{LIMIT}/minute")
    with run_server(env) as one, run_server(env) as two:
        statuses = alternate(one.base_url, two.base_url, 3 * LIMIT)
        assert statuses.count(401) == 2 * LIMIT, statuses
