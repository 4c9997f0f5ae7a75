"""`AuditLedger`: check the ledger's invariants on one consistent snapshot and explain every violation.

The invariants (each a named check; the names are stable — reports, metrics and alerts use them):

- `currency_sum_zero`: per currency, the balances of every wallet *including system accounts* sum to 0;
- `wallet_balance_matches_entries`: every wallet's balance equals the sum of its ledger entries;
- `transaction_entries_sum_zero`: every transaction's entries sum to 0 per currency;
- `no_negative_user_balance`: no user wallet is below zero (system accounts may be);
- `holds_consistent`: where the schema tracks held funds, 0 <= held <= balance;
- `one_outbox_event_per_transaction`: every committed transaction has exactly one outbox event announcing
  it (`deposit.completed`, …, `hold.created`, or the `transaction.reversed` naming a reversal); one older
  than the relay's retention may have none left, as published events are purged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from paybridge.application.ports.audit import AuditMetrics, AuditScope, LedgerAuditor, LedgerFindings
from paybridge.application.ports.system import Clock

logger = logging.getLogger(__name__)

CHECKS: dict[str, str] = {
    "currency_sum_zero": "per currency, all balances (system accounts included) sum to zero",
    "wallet_balance_matches_entries": "every wallet's balance equals the sum of its ledger entries",
    "transaction_entries_sum_zero": "every transaction's ledger entries sum to zero",
    "no_negative_user_balance": "no user wallet has a negative balance",
    "holds_consistent": "held funds are between zero and the wallet's balance",
    "one_outbox_event_per_transaction": "every committed transaction has exactly one outbox event announcing it",
}


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    description: str
    ok: bool
    violations: int
    examples: Sequence[dict[str, Any]] = ()
    applicable: bool = True


@dataclass(frozen=True, slots=True)
class AuditReport:
    checked_at: str
    checks: Sequence[CheckResult]
    currency_totals: dict[str, int]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    def violations(self) -> dict[str, int]:
        return {check.name: check.violations for check in self.checks}

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked_at": self.checked_at,
            "violations": sum(check.violations for check in self.checks),
            "currency_totals": self.currency_totals,
            "counts": self.counts,
            "checks": [{**asdict(check), "examples": list(check.examples)} for check in self.checks],
        }


def build_report(findings: LedgerFindings, checked_at: str) -> AuditReport:
    imbalanced = [
        {"currency": currency, "total": total}
        for currency, total in sorted(findings.currency_totals.items())
        if total != 0
    ]
    holds_apply = findings.holds_column is not None
    results = [
        _check("currency_sum_zero", len(imbalanced), imbalanced),
        _check(
            "wallet_balance_matches_entries",
            findings.balance_mismatch_count,
            [asdict(item) for item in findings.balance_mismatches],
        ),
        _check(
            "transaction_entries_sum_zero",
            findings.unbalanced_transaction_count,
            [asdict(item) for item in findings.unbalanced_transactions],
        ),
        _check(
            "no_negative_user_balance",
            findings.negative_balance_count,
            [asdict(item) for item in findings.negative_balances],
        ),
        _check(
            "holds_consistent",
            findings.hold_mismatch_count,
            [asdict(item) for item in findings.hold_mismatches],
            applicable=holds_apply,
        ),
        _check(
            "one_outbox_event_per_transaction",
            findings.outbox_mismatch_count,
            [asdict(item) for item in findings.outbox_mismatches],
        ),
    ]
    return AuditReport(
        checked_at=checked_at,
        checks=results,
        currency_totals=dict(sorted(findings.currency_totals.items())),
        counts=dict(findings.counts),
    )


def _check(
    name: str, violations: int, examples: Sequence[dict[str, Any]], applicable: bool = True
) -> CheckResult:
    return CheckResult(name, CHECKS[name], violations == 0, violations, tuple(examples), applicable)


class AuditLedger:
    def __init__(self, auditor: LedgerAuditor, clock: Clock, metrics: AuditMetrics | None = None) -> None:
        self._auditor = auditor
        self._clock = clock
        self._metrics = metrics

    async def __call__(self, scope: AuditScope | None = None) -> AuditReport:
        """Audits the ledger; the report's `ok` is False when any check found a violation. Raises storage
        errors (the audit could not run: that is not a clean ledger)."""
        now = self._clock.now()
        findings = await self._auditor.inspect(scope or AuditScope())
        report = build_report(findings, now.isoformat())
        if report.ok:
            logger.info("ledger audit passed", extra={"counts": report.counts})
        else:
            logger.error("ledger audit found violations", extra={"violations": report.violations()})
        if self._metrics is not None:
            self._metrics.audit_completed(report.currency_totals, report.violations(), now.timestamp())
        return report
