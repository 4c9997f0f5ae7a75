"""The ledger-audit port: what `AuditLedger` asks of the storage, and where it reports the outcome.

An auditor reads everything from **one consistent snapshot** (money moving while it reads must never look
like an imbalance) and answers with raw findings; the use case turns them into a verdict. Amounts are
integers in minor units. Each list of findings holds at most `AuditScope.sample_limit` examples, while the
matching `*_count` tells how many there are in total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class AuditScope:
    """`outbox_retention_seconds`: published events older than this may have been purged by the relay, so a
    transaction created before that horizon is allowed to have no event left (never more than one)."""

    outbox_retention_seconds: float = 604_800.0
    sample_limit: int = 20


@dataclass(frozen=True, slots=True)
class BalanceMismatch:
    wallet_id: str
    currency: str
    balance: int
    entries_total: int


@dataclass(frozen=True, slots=True)
class UnbalancedTransaction:
    transaction_id: str
    currency: str
    entries_total: int


@dataclass(frozen=True, slots=True)
class NegativeBalance:
    wallet_id: str
    currency: str
    balance: int


@dataclass(frozen=True, slots=True)
class HoldMismatch:
    wallet_id: str
    currency: str
    balance: int
    held: int


@dataclass(frozen=True, slots=True)
class OutboxMismatch:
    transaction_id: str
    events: int


@dataclass(frozen=True, slots=True)
class LedgerFindings:
    """What one snapshot of the ledger shows.

    `currency_totals`: Σ of every balance (user wallets and system accounts) per currency; 0 when money is
    conserved. `holds_column`: the column holding reserved funds, or None when the schema tracks no holds
    (then `hold_mismatches` is empty and the check does not apply)."""

    currency_totals: Mapping[str, int]
    balance_mismatches: Sequence[BalanceMismatch] = ()
    balance_mismatch_count: int = 0
    unbalanced_transactions: Sequence[UnbalancedTransaction] = ()
    unbalanced_transaction_count: int = 0
    negative_balances: Sequence[NegativeBalance] = ()
    negative_balance_count: int = 0
    holds_column: str | None = None
    hold_mismatches: Sequence[HoldMismatch] = ()
    hold_mismatch_count: int = 0
    outbox_mismatches: Sequence[OutboxMismatch] = ()
    outbox_mismatch_count: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)


class LedgerAuditor(Protocol):
    async def inspect(self, scope: AuditScope) -> LedgerFindings:
        """Findings from one consistent read-only snapshot. Raises storage errors."""
        ...


class AuditMetrics(Protocol):
    def audit_completed(
        self, currency_totals: Mapping[str, int], violations: Mapping[str, int], finished_at: float
    ) -> None:
        """Publish the outcome: Σ balances per currency, violations per check, the run's Unix time."""
        ...
