"""ops/grafana/paybridge.json: every panel's PromQL reads only metrics PayBridge really exports (a live app's
/metrics, the relay's and the audit's registries) or the shipped recording rules, and parses (asked of a
real Prometheus: its query API answers 400 to an expression it cannot parse); the panels cover what an
operator of the service needs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client import generate_latest

from paybridge.adapters.prometheus.audit_metrics import PrometheusAuditMetrics
from paybridge.adapters.prometheus.relay_metrics import PrometheusRelayMetrics
from tests.ops.conftest import MonitoredApi
from tests.ops.promql import exposed_names, metric_names
from tests.ops.tools import OPS
from tests.support.containers import make_container
from tests.support.metrics import app_client

pytestmark = pytest.mark.integration
DASHBOARD = OPS / "grafana" / "paybridge.json"


def panels(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in items:
        yield panel
        yield from panels(panel.get("panels", []))


def expressions() -> list[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [
        (panel["title"], target["expr"])
        for panel in panels(dashboard["panels"])
        for target in panel.get("targets", [])
    ]


def recorded_names() -> set[str]:
    groups = yaml.safe_load((OPS / "prometheus" / "recording.yml").read_text())["groups"]
    return {rule["record"] for group in groups for rule in group["rules"]}


@pytest.fixture(scope="module")
async def exported(migrated_database_url: str, monitored_api: MonitoredApi) -> set[str]:
    async with app_client(make_container("postgres", migrated_database_url)) as http:
        response = await http.get("/metrics")
        assert response.status_code == 200
        app = exposed_names(response.text)
    async with httpx.AsyncClient(timeout=10.0) as client:  # the real server's metrics listener
        live = exposed_names((await client.get(monitored_api.metrics_url)).text)
    assert live <= app, f"the live server exports names the app does not: {live - app}"
    relay = exposed_names(PrometheusRelayMetrics().render()[0].decode())
    audit = exposed_names(generate_latest(PrometheusAuditMetrics().registry).decode())
    return app | relay | audit


def test_the_dashboard_is_a_grafana_dashboard_with_unique_panels() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"] == "PayBridge" and dashboard["schemaVersion"] >= 30
    ids = [panel["id"] for panel in panels(dashboard["panels"])]
    assert len(ids) == len(set(ids))
    for panel in panels(dashboard["panels"]):
        if panel["type"] != "row":
            assert panel["targets"] and panel["datasource"]["uid"] == "${datasource}", panel["title"]
            assert {"h", "w", "x", "y"} <= set(panel["gridPos"])


def test_every_expression_reads_only_exported_metrics(exported: set[str]) -> None:
    known = exported | recorded_names()
    unknown = {
        (title, name) for title, expr in expressions() for name in metric_names(expr) if name not in known
    }
    assert unknown == set()


def test_every_expression_parses(monitored_api: MonitoredApi) -> None:
    prometheus = monitored_api.prometheus
    assert prometheus.api("query", query="sum(rate(paybridge_http_requests_total[5m]) by").status_code == 400
    failures = {}
    for title, expr in expressions():
        response = prometheus.api("query", query=expr)
        if response.status_code != 200:
            failures[title] = response.json().get("error")
    assert failures == {}


def test_the_panels_cover_what_an_operator_needs() -> None:
    used = {name for _, expr in expressions() for name in metric_names(expr)}
    assert {
        "paybridge_http_requests_total",
        "paybridge_http_request_duration_seconds_bucket",
        "paybridge_http_requests_in_flight",
        "paybridge_db_connections",
        "paybridge_db_query_duration_seconds_bucket",
        "paybridge_business_transactions_total",
        "paybridge_business_transactions_rejected_total",
        "paybridge_outbox_pending",
        "paybridge_outbox_oldest_pending_age_seconds",
        "paybridge_outbox_dead",
        "paybridge_db_retries_total",
    } <= used
    latency = [expr for _, expr in expressions() if "paybridge_http_request_duration_seconds_bucket" in expr]
    assert all(any(f"histogram_quantile({q}," in expr for expr in latency) for q in ("0.5", "0.95", "0.99"))
    assert any('status=~"5.."' in expr for _, expr in expressions())


def test_metric_names_are_extracted_from_promql() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (le, path) (rate(a_bucket{path!~"/x|y", b="{c}"}[5m] offset 1m)))'
        " / on (job) group_left b_total > bool 1e3 or time() - c:recorded"
    )
    assert metric_names(expr) == {"a_bucket", "b_total", "c:recorded"}
