"""Composition of `paybridge audit`: the ledger audit on PostgreSQL, optionally reporting to Prometheus.

Like `paybridge.bootstrap`, a module that may know adapters; the CLI gets an `AuditRuntime` from here:

    runtime = build_audit(database_url)
    report = await runtime.audit(AuditScope())      # raises when the audit cannot run
    runtime.push_metrics("http://pushgateway:9091")  # optional: the gauges for the alerts
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from paybridge.adapters.clock import SystemClock
from paybridge.adapters.postgres.audit import PostgresLedgerAuditor
from paybridge.adapters.prometheus.audit_metrics import PrometheusAuditMetrics
from paybridge.application.use_cases.audit import AuditLedger


@dataclass
class AuditRuntime:
    audit: AuditLedger
    metrics: PrometheusAuditMetrics
    database: str
    """The audited database's URL without its password, for the report."""

    def push_metrics(self, gateway: str) -> None:
        self.metrics.push(gateway)


def without_password(url: str) -> str:
    """`url` with any password replaced by `***` (user, host, port, database and options kept)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))


def build_audit(database_url: str, statement_timeout_seconds: float = 600.0) -> AuditRuntime:
    metrics = PrometheusAuditMetrics()
    auditor = PostgresLedgerAuditor(database_url, statement_timeout_seconds)
    return AuditRuntime(AuditLedger(auditor, SystemClock(), metrics), metrics, without_password(database_url))
