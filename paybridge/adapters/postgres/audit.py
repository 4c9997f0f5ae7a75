"""`PostgresLedgerAuditor`: the ledger audit's queries, all in one REPEATABLE READ READ ONLY transaction, so
every check sees the same snapshot while money keeps moving (no false alarm from a transfer committing
between two queries). It opens its own connection (no pool) with a statement timeout suited to full scans;
run it against a replica when the primary is busy: it only reads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, LiteralString, TypeVar

import psycopg
from psycopg import sql

from paybridge.application.ports.audit import (
    AuditScope,
    BalanceMismatch,
    HoldMismatch,
    LedgerFindings,
    NegativeBalance,
    OutboxMismatch,
    UnbalancedTransaction,
)

# Column names a holds feature may give the wallets table for reserved funds (the first one found is used);
# checked on user wallets (system accounts hold nothing and may be negative).
HOLDS_COLUMNS = ("held", "held_amount", "held_balance", "hold_amount", "on_hold")
T = TypeVar("T")

_TOTALS: LiteralString = "SELECT currency, sum(balance) FROM wallets GROUP BY currency ORDER BY currency"
_COUNTS: LiteralString = (
    "SELECT (SELECT count(*) FROM wallets), (SELECT count(*) FROM transactions),"
    " (SELECT count(*) FROM ledger_entries), (SELECT count(*) FROM outbox)"
)
_BALANCES: LiteralString = """
SELECT w.id::text, w.currency, w.balance, coalesce(e.total, 0), count(*) OVER ()
  FROM wallets w
  LEFT JOIN (SELECT wallet_id, sum(amount) AS total FROM ledger_entries GROUP BY wallet_id) e
         ON e.wallet_id = w.id
 WHERE w.balance <> coalesce(e.total, 0)
 ORDER BY w.id
 LIMIT %(limit)s
"""
_UNBALANCED: LiteralString = """
SELECT transaction_id::text, currency, sum(amount), count(*) OVER ()
  FROM ledger_entries
 GROUP BY transaction_id, currency
HAVING sum(amount) <> 0
 ORDER BY transaction_id
 LIMIT %(limit)s
"""
_NEGATIVE: LiteralString = """
SELECT id::text, currency, balance, count(*) OVER ()
  FROM wallets
 WHERE kind = 'USER' AND balance < 0
 ORDER BY id
 LIMIT %(limit)s
"""
# The event that announces each transaction: its `*.completed` event (aggregate "transaction", the
# transaction's id) for deposits, withdrawals, transfers and exchanges; `hold.created` (aggregate "hold", the
# hold's id = its HOLD transaction's id) for a hold; `transaction.reversed` (aggregate: the ORIGINAL
# transaction, so reversals reach consumers in order) naming the REVERSAL transaction in its payload. Later
# lifecycle events (hold.captured, …) are not announcements. A transaction created before the retention
# horizon may have lost its published event to the relay's purge: none is allowed there, two never are.
_OUTBOX: LiteralString = """
WITH announced AS (
    SELECT CASE WHEN event_type = 'transaction.reversed' THEN payload->>'reversal_transaction_id'
                ELSE aggregate_id END AS transaction_id,
           count(*) AS events
      FROM outbox
     WHERE (aggregate_type = 'transaction' AND event_type <> 'transaction.reversed')
        OR (aggregate_type = 'hold' AND event_type = 'hold.created')
        OR event_type = 'transaction.reversed'
     GROUP BY 1
)
SELECT t.id::text, coalesce(a.events, 0), count(*) OVER ()
  FROM transactions t
  LEFT JOIN announced a ON a.transaction_id = t.id::text
 WHERE coalesce(a.events, 0) > 1
    OR (coalesce(a.events, 0) = 0 AND t.created_at >= now() - make_interval(secs => %(retention)s))
 ORDER BY t.id
 LIMIT %(limit)s
"""
_HOLDS_COLUMN: LiteralString = """
SELECT column_name FROM information_schema.columns
 WHERE table_schema = current_schema() AND table_name = 'wallets' AND column_name = ANY(%(names)s)
"""
_HOLDS = """
SELECT id::text, currency, balance, {held}, count(*) OVER ()
  FROM wallets
 WHERE kind = 'USER' AND ({held} < 0 OR {held} > balance)
 ORDER BY id
 LIMIT %(limit)s
"""


class PostgresLedgerAuditor:
    def __init__(self, url: str, statement_timeout_seconds: float = 600.0) -> None:
        self._url = url
        self._timeout_ms = int(statement_timeout_seconds * 1000)

    async def inspect(self, scope: AuditScope) -> LedgerFindings:
        params = {"limit": scope.sample_limit, "retention": scope.outbox_retention_seconds}
        async with await psycopg.AsyncConnection.connect(
            self._url, options=f"-c statement_timeout={self._timeout_ms} -c TimeZone=UTC"
        ) as connection:
            # Every query below runs in this one transaction: one snapshot for the whole audit.
            await connection.set_isolation_level(psycopg.IsolationLevel.REPEATABLE_READ)
            await connection.set_read_only(True)
            try:

                async def rows(
                    query: LiteralString | sql.Composed, bound: bool = True
                ) -> list[tuple[Any, ...]]:
                    cursor = await connection.execute(query, params if bound else None)
                    return await cursor.fetchall()

                totals = {str(currency): int(total) for currency, total in await rows(_TOTALS, False)}
                wallets, transactions, entries, outbox = (await rows(_COUNTS, False))[0]
                balances = await rows(_BALANCES)
                unbalanced = await rows(_UNBALANCED)
                negative = await rows(_NEGATIVE)
                outbox_rows = await rows(_OUTBOX)
                column = await self._holds_column(connection)
                holds = (
                    [] if column is None else await rows(sql.SQL(_HOLDS).format(held=sql.Identifier(column)))
                )
            finally:
                await connection.rollback()
        return LedgerFindings(
            currency_totals=totals,
            balance_mismatches=_each(balances, lambda r: BalanceMismatch(r[0], r[1], int(r[2]), int(r[3]))),
            balance_mismatch_count=_total(balances),
            unbalanced_transactions=_each(unbalanced, lambda r: UnbalancedTransaction(r[0], r[1], int(r[2]))),
            unbalanced_transaction_count=_total(unbalanced),
            negative_balances=_each(negative, lambda r: NegativeBalance(r[0], r[1], int(r[2]))),
            negative_balance_count=_total(negative),
            holds_column=column,
            hold_mismatches=_each(holds, lambda r: HoldMismatch(r[0], r[1], int(r[2]), int(r[3]))),
            hold_mismatch_count=_total(holds),
            outbox_mismatches=_each(outbox_rows, lambda r: OutboxMismatch(r[0], int(r[1]))),
            outbox_mismatch_count=_total(outbox_rows),
            counts={
                "wallets": int(wallets),
                "transactions": int(transactions),
                "ledger_entries": int(entries),
                "outbox_events": int(outbox),
            },
        )

    @staticmethod
    async def _holds_column(connection: psycopg.AsyncConnection[Any]) -> str | None:
        cursor = await connection.execute(_HOLDS_COLUMN, {"names": list(HOLDS_COLUMNS)})
        found = {str(row[0]) for row in await cursor.fetchall()}
        return next((name for name in HOLDS_COLUMNS if name in found), None)


def _each(rows: Sequence[tuple[Any, ...]], make: Callable[[tuple[Any, ...]], T]) -> list[T]:
    return [make(row) for row in rows]


def _total(rows: Sequence[tuple[Any, ...]]) -> int:
    """The `count(*) OVER ()` column (last) of a LIMITed query: every match, not just the rows returned."""
    return int(rows[0][-1]) if rows else 0
