"""The ledger's invariants, checked against what storage holds (either adapter). Call `assert_ledger_invariants`
at the end of any test that moved money:

- per currency, the balances of all wallets *including system accounts* sum to zero (money is conserved);
- every wallet's balance equals the sum of its ledger entries, and its latest entry's balance_after;
- every transaction's entries sum to zero per currency;
- held is never negative, and `available = balance - held` is never negative for user wallets;
- a wallet's held equals the sum of its PENDING holds;
- a transaction's reversed_amount equals the sum of its REVERSAL transactions and never exceeds its amount.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import psycopg

from paybridge.adapters.memory.state import InMemoryState
from paybridge.bootstrap import Container
from paybridge.domain.holds import HoldStatus
from paybridge.domain.transactions import TransactionType


@dataclass
class LedgerFacts:
    wallets: dict[str, dict[str, Any]] = field(default_factory=dict)
    """id -> {currency, kind, balance, held}"""
    entries: list[tuple[int, str, str, str, int, int]] = field(default_factory=list)
    """(id, transaction_id, wallet_id, currency, amount, balance_after)"""
    pending_holds: dict[str, int] = field(default_factory=dict)
    """wallet id -> sum of its PENDING holds"""
    transactions: dict[str, tuple[int, int]] = field(default_factory=dict)
    """id -> (amount, reversed_amount)"""
    reversals: dict[str, int] = field(default_factory=dict)
    """original id -> sum of its REVERSAL amounts"""


def _memory_facts(state: InMemoryState) -> LedgerFacts:
    facts = LedgerFacts()
    for w in state.wallets.values():
        facts.wallets[str(w.id)] = {
            "currency": w.currency.code,
            "kind": w.kind.value,
            "balance": w.balance,
            "held": w.held,
        }
    facts.entries = [
        (e.id, str(e.transaction_id), str(e.wallet_id), e.currency.code, e.amount, e.balance_after)
        for e in state.entries
    ]
    pending: dict[str, int] = defaultdict(int)
    for hold in state.holds.values():
        if hold.status is HoldStatus.PENDING:
            pending[str(hold.wallet_id)] += hold.amount.amount
    facts.pending_holds = dict(pending)
    reversals: dict[str, int] = defaultdict(int)
    for t in state.transactions.values():
        facts.transactions[str(t.id)] = (t.amount.amount, t.reversed_amount)
        if t.type is TransactionType.REVERSAL and t.original_transaction_id is not None:
            reversals[str(t.original_transaction_id)] += t.amount.amount
    facts.reversals = dict(reversals)
    return facts


def _postgres_facts(url: str) -> LedgerFacts:
    facts = LedgerFacts()
    with psycopg.connect(url) as conn:
        for wallet_id, currency, kind, balance, held in conn.execute(
            "SELECT id::text, currency, kind, balance, held FROM wallets"
        ):
            facts.wallets[wallet_id] = {
                "currency": currency,
                "kind": kind,
                "balance": int(balance),
                "held": int(held),
            }
        facts.entries = [
            (int(r[0]), r[1], r[2], r[3], int(r[4]), int(r[5]))
            for r in conn.execute(
                "SELECT id, transaction_id::text, wallet_id::text, currency, amount, balance_after"
                " FROM ledger_entries"
            )
        ]
        facts.pending_holds = {
            r[0]: int(r[1])
            for r in conn.execute(
                "SELECT wallet_id::text, sum(amount) FROM holds WHERE status = 'PENDING' GROUP BY wallet_id"
            )
        }
        facts.transactions = {
            r[0]: (int(r[1]), int(r[2]))
            for r in conn.execute("SELECT id::text, amount, reversed_amount FROM transactions")
        }
        facts.reversals = {
            r[0]: int(r[1])
            for r in conn.execute(
                "SELECT original_transaction_id::text, sum(amount) FROM transactions"
                " WHERE type = 'REVERSAL' GROUP BY original_transaction_id"
            )
        }
    return facts


def ledger_facts(container: Container) -> LedgerFacts:
    if container.storage_kind() == "memory":
        return _memory_facts(container.memory_database().state)
    url = container.settings().database_url
    assert url is not None
    return _postgres_facts(url)


def assert_ledger_invariants(container: Container) -> LedgerFacts:
    facts = ledger_facts(container)
    totals: dict[str, int] = defaultdict(int)
    for wallet in facts.wallets.values():
        totals[wallet["currency"]] += wallet["balance"]
    assert {c: t for c, t in totals.items() if t} == {}, f"money not conserved per currency: {dict(totals)}"

    sums: dict[str, int] = defaultdict(int)
    latest: dict[str, tuple[int, int]] = {}
    per_transaction: dict[tuple[str, str], int] = defaultdict(int)
    for entry_id, txn_id, wallet_id, currency, amount, balance_after in facts.entries:
        sums[wallet_id] += amount
        per_transaction[(txn_id, currency)] += amount
        if wallet_id not in latest or entry_id > latest[wallet_id][0]:
            latest[wallet_id] = (entry_id, balance_after)
    assert {k: v for k, v in per_transaction.items() if v} == {}, "a transaction's entries do not balance"
    for wallet_id, wallet in facts.wallets.items():
        assert wallet["balance"] == sums.get(wallet_id, 0), f"wallet {wallet_id}: balance != sum of entries"
        if wallet_id in latest:
            assert wallet["balance"] == latest[wallet_id][1], f"wallet {wallet_id}: stale balance_after"
        assert wallet["held"] >= 0, f"wallet {wallet_id}: negative held"
        if wallet["kind"] == "USER":
            assert wallet["balance"] - wallet["held"] >= 0, f"wallet {wallet_id}: available below zero"
        assert wallet["held"] == facts.pending_holds.get(wallet_id, 0), f"wallet {wallet_id}: held != holds"
    for txn_id, (amount, reversed_amount) in facts.transactions.items():
        assert 0 <= reversed_amount <= amount, f"transaction {txn_id}: reversed beyond its amount"
        assert reversed_amount == facts.reversals.get(txn_id, 0), f"transaction {txn_id}: reversals drift"
    return facts
