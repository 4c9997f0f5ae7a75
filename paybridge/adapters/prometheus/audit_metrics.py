"""`PrometheusAuditMetrics`: the ledger audit's gauges (the `AuditMetrics` port), for a batch job.

`paybridge audit` is a short-lived process (a Kubernetes CronJob), so nothing could scrape it: with
`--pushgateway URL` it pushes its gauges to a Prometheus Pushgateway under `job="paybridge-audit"`, replacing
the previous run's group, and Prometheus scrapes the gateway (`honor_labels: true`):

- `paybridge_ledger_imbalance{currency}`: Σ of all balances (system accounts included) per currency; 0 when
  money is conserved — the `LedgerImbalance` alert fires on anything else;
- `paybridge_audit_violations{check}`: violations found by each check of the audit;
- `paybridge_audit_last_run_timestamp_seconds`: when the audit ran (the `LedgerAuditStale` alert watches it).
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import CollectorRegistry, Gauge, generate_latest, push_to_gateway

AUDIT_JOB = "paybridge-audit"


class PrometheusAuditMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._imbalance = Gauge(
            "paybridge_ledger_imbalance",
            "Sum of all balances per currency, system accounts included (0 when money is conserved)",
            ["currency"],
            registry=self.registry,
        )
        self._violations = Gauge(
            "paybridge_audit_violations",
            "Violations found by the last ledger audit, per check",
            ["check"],
            registry=self.registry,
        )
        self._last_run = Gauge(
            "paybridge_audit_last_run_timestamp_seconds",
            "Unix time of the last ledger audit",
            registry=self.registry,
        )

    def audit_completed(
        self, currency_totals: Mapping[str, int], violations: Mapping[str, int], finished_at: float
    ) -> None:
        for currency, total in currency_totals.items():
            self._imbalance.labels(currency).set(total)
        for check, count in violations.items():
            self._violations.labels(check).set(count)
        self._last_run.set(finished_at)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def push(self, gateway: str, timeout_seconds: float = 10.0) -> None:
        """PUT the gauges to the Pushgateway at `gateway` (replaces the group of the previous run)."""
        push_to_gateway(gateway, job=AUDIT_JOB, registry=self.registry, timeout=timeout_seconds)
