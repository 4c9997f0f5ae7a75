"""`/metrics` as an endpoint: the bearer-token restriction, switching metrics off or off the API port, the
OpenAPI entry, and containers that each own their registry. The in-memory storage is enough here: none of
this depends on the database."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.applications import Starlette

from paybridge.adapters.postgres.session import NullQueryObserver
from paybridge.adapters.prometheus.metrics import PrometheusMetrics
from paybridge.application.ports.metrics import NullHttpMetrics, NullMetrics, NullSecurityMetrics
from paybridge.entrypoints.http.app import create_app
from tests.support.containers import make_container
from tests.support.metrics import app_client, sample, scrape_client

pytestmark = pytest.mark.integration

TOKEN = "metrics-scraper-token-0123456789"
REQUESTS = "paybridge_http_requests_total"


def _middleware_names(app: Starlette) -> list[str]:
    return [getattr(middleware.cls, "__name__", "") for middleware in app.user_middleware]


async def test_a_configured_token_is_required() -> None:
    async with app_client(make_container("memory", metrics_token=TOKEN)) as http:
        missing = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
        basic = await http.get("/metrics", headers={"Authorization": f"Basic {TOKEN}"})
        right = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        samples = await scrape_client(http, token=TOKEN)

    assert (missing.status_code, wrong.status_code, basic.status_code) == (401, 401, 401)
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert (missing.json()["code"], wrong.json()["code"]) == ("unauthenticated", "invalid_token")
    assert TOKEN not in missing.text + wrong.text
    assert right.status_code == 200
    assert right.headers["content-type"].startswith("text/plain")
    assert "paybridge_http_requests_in_flight" in right.text
    assert sample(samples, REQUESTS) == 0  # refused scrapes are scrapes too: not counted


async def test_without_a_token_metrics_are_open() -> None:
    async with app_client(make_container("memory")) as http:
        assert (await http.get("/metrics")).status_code == 200


async def test_disabled_metrics_wire_null_objects_and_no_endpoint() -> None:
    container = make_container("memory", metrics_enabled=False)
    assert isinstance(container.metrics(), NullMetrics)
    assert isinstance(container.http_metrics(), NullHttpMetrics)
    assert container.metrics_exporter() is None
    database = make_container("postgres", "postgresql://unused@127.0.0.1/unused", metrics_enabled=False)
    assert isinstance(database.database().observer, NullQueryObserver)
    app = create_app(container)
    assert isinstance(container.security_metrics(), NullSecurityMetrics)
    assert _middleware_names(app) == ["RequestContextMiddleware", "RateLimitMiddleware"]
    async with app_client(container) as http:
        response = await http.get("/metrics")
        spec = (await http.get("/openapi.json")).json()
    assert response.status_code == 404
    assert "/metrics" not in spec["paths"]


async def test_enabled_metrics_share_one_object_behind_every_port() -> None:
    container = make_container("postgres", "postgresql://unused@127.0.0.1/unused")
    metrics = container.metrics()
    assert isinstance(metrics, PrometheusMetrics)
    assert container.http_metrics() is metrics
    assert container.security_metrics() is metrics
    assert container.database().observer is metrics
    exporter = container.metrics_exporter()
    assert exporter is not None and exporter.metrics is metrics
    # outermost first: the metrics middleware sees what the request-context middleware and the rate limits answer
    assert _middleware_names(create_app(container)) == [
        "MetricsMiddleware",
        "RequestContextMiddleware",
        "RateLimitMiddleware",
    ]


async def test_metrics_can_be_kept_off_the_api_port() -> None:
    async with app_client(make_container("memory", metrics_on_api_port=False)) as http:
        assert (await http.get("/metrics")).status_code == 404
        assert (await http.get("/live")).status_code == 200


async def test_the_endpoint_is_described_in_openapi() -> None:
    async with app_client(make_container("memory")) as http:
        spec = (await http.get("/openapi.json")).json()
    operation: dict[str, Any] = spec["paths"]["/metrics"]["get"]
    assert operation["operationId"] == "metrics"
    assert "text/plain" in operation["responses"]["200"]["content"]
    assert "401" in operation["responses"]


async def test_each_container_owns_its_registry() -> None:
    first, second = make_container("memory"), make_container("memory")
    assert first.metrics() is not second.metrics()
    async with app_client(first) as one, app_client(second) as two:
        for _ in range(3):
            assert (await one.get("/live")).status_code == 200
        assert (await two.get("/live")).status_code == 200
        samples_one, samples_two = await scrape_client(one), await scrape_client(two)
    assert sample(samples_one, REQUESTS, method="GET", path="/live", status="200") == 3
    assert sample(samples_two, REQUESTS, method="GET", path="/live", status="200") == 1
