"""Metrics of `paybridge serve --workers 2` over TCP: a scrape of any worker, and of the separate
`--metrics-bind` listener, shows the totals of both workers."""

from __future__ import annotations

import httpx

from tests.support.metrics import sample, scrape, total
from tests.support.server import free_port, run_server, server_env

REQUESTS = 60


def _send_live(base_url: str, requests: int) -> None:
    """GET /live on a fresh connection each time, so the kernel spreads them over both workers."""
    for _ in range(requests):
        with httpx.Client(base_url=base_url, timeout=5.0) as http:
            assert http.get("/live").status_code == 200


def test_two_workers_report_the_sum_of_their_requests(migrated_database_url: str) -> None:
    env = server_env(migrated_database_url)
    with run_server(env, "--workers", "2") as server:
        before = sample(
            scrape(f"{server.base_url}/metrics"),
            "paybridge_http_requests_total",
            method="GET",
            path="/live",
            status="200",
        )
        _send_live(server.base_url, REQUESTS)
        scrapes = [scrape(f"{server.base_url}/metrics") for _ in range(4)]  # likely served by both workers
    for samples in scrapes:
        counted = sample(samples, "paybridge_http_requests_total", method="GET", path="/live", status="200")
        assert counted - before == REQUESTS
        assert sample(samples, "paybridge_http_requests_in_flight") >= 0
        assert total(samples, "paybridge_db_connections", state="max") == 2 * 8  # pool max per worker x 2


def test_metrics_bind_serves_the_aggregate_and_keeps_the_api_port_clean(migrated_database_url: str) -> None:
    port = free_port()
    env = server_env(migrated_database_url, PAYBRIDGE_METRICS_TOKEN="scrape-token-123")
    with run_server(env, "--workers", "2", "--metrics-bind", f"127.0.0.1:{port}") as server:
        _send_live(server.base_url, 20)
        listener = f"http://127.0.0.1:{port}/metrics"
        assert httpx.get(listener, timeout=5).status_code == 401
        samples = scrape(listener, token="scrape-token-123")
        on_api_port = httpx.get(
            f"{server.base_url}/metrics", headers={"Authorization": "Bearer scrape-token-123"}
        )
    assert sample(samples, "paybridge_http_requests_total", method="GET", path="/live", status="200") >= 20
    assert on_api_port.status_code == 404
