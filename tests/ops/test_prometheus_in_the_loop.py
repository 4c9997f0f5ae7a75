"""A real Prometheus scraping a real `paybridge serve` and evaluating the shipped alert rules (with `for:`
shortened to 5 s): the request series carry route templates, and when the database becomes unavailable the
API's 503s make HighErrorRate go pending and then fire."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest
from psycopg import sql

from tests.ops.conftest import API_JOB, MonitoredApi
from tests.support.postgres import url_for_database

pytestmark = [pytest.mark.integration, pytest.mark.slow]
UUID_LIKE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


@contextmanager
def database_unavailable(database_url: str) -> Iterator[None]:
    """No new connection to the database is accepted and the open ones are cut: the pool's next checkout
    fails, so requests answer 503 after the pool timeout. Undone on exit."""
    name = urlsplit(database_url).path.lstrip("/")
    with psycopg.connect(url_for_database(database_url, "postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        try:
            yield
        finally:
            admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(sql.Identifier(name)))


def register(http: httpx.Client) -> httpx.Response:
    body = {
        "email": f"p-{uuid.uuid4().hex[:12]}@example.com",
        "full_name": "Prom",
        "password": "a long password 1",
    }
    return http.post("/api/v1/users", json=body)


async def burst(base_url: str, count: int) -> list[int]:
    async with httpx.AsyncClient(base_url=base_url, timeout=15.0) as http:

        async def one() -> int:
            body = {
                "email": f"b-{uuid.uuid4().hex[:12]}@example.com",
                "full_name": "B",
                "password": "a long password 1",
            }
            return (await http.post("/api/v1/users", json=body)).status_code

        return list(await asyncio.gather(*(one() for _ in range(count))))


def test_prometheus_scrapes_route_templates_and_fires_high_error_rate_on_503s(
    monitored_api: MonitoredApi,
) -> None:
    server, prometheus = monitored_api.server, monitored_api.prometheus
    with httpx.Client(base_url=server.base_url, timeout=15.0) as http:
        for _ in range(8):
            assert register(http).status_code == 201
        email = f"t-{uuid.uuid4().hex[:12]}@example.com"
        assert (
            http.post(
                "/api/v1/users", json={"email": email, "full_name": "T", "password": "a long password 1"}
            ).status_code
            == 201
        )
        token = http.post(
            "/api/v1/auth/token", json={"email": email, "password": "a long password 1"}
        ).json()["access_token"]
        missing = http.get(f"/api/v1/wallets/{uuid.uuid4()}", headers={"authorization": f"Bearer {token}"})
        assert missing.status_code == 404

    def scraped_paths() -> set[str] | None:
        series = prometheus.query(f'sum by (path, status) (paybridge_http_requests_total{{job="{API_JOB}"}})')
        paths = {item["metric"]["path"] for item in series}
        return paths if "/api/v1/wallets/{wallet_id}" in paths else None

    paths = prometheus.wait_for("request series with route templates", scraped_paths)
    assert {"/api/v1/users", "/api/v1/auth/token", "/api/v1/wallets/{wallet_id}"} <= paths
    assert not any(UUID_LIKE.search(path) for path in paths), paths

    with database_unavailable(monitored_api.database_url):
        statuses = asyncio.run(burst(server.base_url, 20))
        assert set(statuses) == {503}, statuses
        seen: set[str] = set()

        def error_rate_alert() -> str | None:
            asyncio.run(burst(server.base_url, 5))  # keep the 5xx coming while Prometheus evaluates
            states = {a["state"] for a in prometheus.alerts() if a["labels"]["alertname"] == "HighErrorRate"}
            seen.update(states)
            return "firing" if "firing" in states else None

        prometheus.wait_for("HighErrorRate firing", error_rate_alert, timeout=90.0)
    assert "firing" in seen
    firing = next(a for a in prometheus.alerts() if a["labels"]["alertname"] == "HighErrorRate")
    assert firing["labels"]["severity"] == "critical" and firing["labels"]["job"] == API_JOB
    ratio = prometheus.query(f'job:paybridge_http_errors:ratio_rate5m{{job="{API_JOB}"}}')
    assert ratio and float(ratio[0]["value"][1]) > 0.05
    five_xx = prometheus.query('sum(paybridge_http_requests_total{path="/api/v1/users", status="503"})')
    assert float(five_xx[0]["value"][1]) >= 20
