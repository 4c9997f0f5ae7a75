"""Scenario 5: list latency at 10^4 and 10^6 rows of history, and the plans of the list queries.

For each size, a dedicated pair of users (not among the wallets the load uses) gets `rows` transfers between
their two wallets, bulk-inserted with SQL that keeps every ledger rule — two entries per transfer summing to
zero, one published outbox event each, `balance_after` the running balance, the wallet balances unchanged at the end (an even number of
alternating transfers). For speed the rows go in with triggers off (session_replication_role = replica,
when the role may; else with the deferred checks on, ~3x slower) and are then checked set-wise against the
same rules the triggers enforce. The list queries are then taken from the app itself (bench/transfer_sql.py
records them) and run under EXPLAIN (ANALYZE, BUFFERS).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql
from psycopg.adapt import Transformer

from bench.ceiling_a import literal, type_names
from bench.seed import SeededWallet, seed
from bench.transfer_sql import Call, Sent, capture_requests
from paybridge.adapters.postgres.database import session_options
from paybridge.config import Settings

BALANCE = 10**15
BATCH = 100_000

_TRANSACTIONS = """
INSERT INTO transactions (id, type, status, amount, currency, source_wallet_id, destination_wallet_id,
                          initiated_by, metadata, created_at, completed_at)
SELECT md5(%(salt)s || i)::uuid, 'TRANSFER', 'COMPLETED', 1, 'USD',
       CASE WHEN i %% 2 = 1 THEN %(w)s::uuid ELSE %(x)s::uuid END,
       CASE WHEN i %% 2 = 1 THEN %(x)s::uuid ELSE %(w)s::uuid END,
       CASE WHEN i %% 2 = 1 THEN %(wu)s::uuid ELSE %(xu)s::uuid END,
       '{}'::jsonb, %(base)s::timestamptz + i * interval '1 microsecond',
       %(base)s::timestamptz + i * interval '1 microsecond'
  FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i
 ORDER BY i
"""
# Debit first, then credit (as the posting statement orders them); W and X both start at BALANCE (seeded
# deposits, just before): odd transfers W -> X, even ones X -> W; timestamps follow the deposits, 1 us apart.
_ENTRIES = """
INSERT INTO ledger_entries (transaction_id, wallet_id, amount, currency, balance_after, created_at)
SELECT md5(%(salt)s || i)::uuid,
       CASE WHEN (i %% 2 = 1) = (leg = 1) THEN %(w)s::uuid ELSE %(x)s::uuid END,
       CASE WHEN leg = 1 THEN -1 ELSE 1 END, 'USD',
       CASE WHEN i %% 2 = 1 THEN (CASE WHEN leg = 1 THEN %(b)s - 1 ELSE %(b)s + 1 END) ELSE %(b)s END,
       %(base)s::timestamptz + i * interval '1 microsecond'
  FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i, (VALUES (1), (2)) AS legs(leg)
 ORDER BY i, leg
"""


# Each transfer's announcement, already published (as if the relay had sent it): the audit's rule.
_EVENTS = """
INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, payload, created_at, published_at)
SELECT md5('event-' || %(salt)s || i)::uuid, 'transaction', md5(%(salt)s || i)::uuid::text, 'transfer.completed',
       jsonb_build_object('transaction_id', md5(%(salt)s || i)::uuid, 'amount', 1, 'currency', 'USD'),
       %(base)s::timestamptz + i * interval '1 microsecond', %(base)s::timestamptz + i * interval '1 microsecond'
  FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS i
"""


@dataclass(frozen=True)
class History:
    rows: int
    owner: SeededWallet  # W: the wallet whose history is listed
    other: SeededWallet  # X: the counterparty

    def paths(self) -> dict[str, str]:
        return {
            "transactions": "/api/v1/transactions?limit=20",
            "entries": f"/api/v1/wallets/{self.owner.wallet_id}/entries?limit=20",
        }


def seed_history(url: str, rows: int) -> History:
    if rows % 2:
        raise ValueError("an even number of transfers keeps the balances where they started")
    owner, other = seed(url, 2, BALANCE)
    params = {
        "salt": f"history-{owner.wallet_id}-",
        "w": owner.wallet_id,
        "x": other.wallet_id,
        "wu": owner.user_id,
        "xu": other.user_id,
        "b": BALANCE,
        "base": datetime.now(UTC) + timedelta(seconds=1),
    }
    with psycopg.connect(url) as conn:
        try:
            conn.execute("SET session_replication_role = replica")
            conn.commit()
        except psycopg.errors.InsufficientPrivilege:
            conn.rollback()
        for lo in range(1, rows + 1, BATCH):
            batch = {**params, "lo": lo, "hi": min(lo + BATCH - 1, rows)}
            conn.execute(_TRANSACTIONS, batch)
            conn.execute(_ENTRIES, batch)
            conn.execute(_EVENTS, batch)
            conn.commit()  # the deferred checks (entries balance, two entries per transaction) run here
        conn.execute("SET session_replication_role = DEFAULT")
        _verify(conn, owner, other, rows)
        conn.commit()
        # Vacuumed and analysed now, so autovacuum does not wake up for these inserts in the middle of the
        # measured cases (it did: minutes of a backend's CPU during the first round).
        conn.autocommit = True
        for table in ("transactions", "ledger_entries", "outbox"):
            conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(table)))
    return History(rows, owner, other)


def _verify(
    conn: psycopg.Connection[tuple[object, ...]], owner: SeededWallet, other: SeededWallet, rows: int
) -> None:
    """The rules the ledger triggers enforce, checked over the inserted history in one pass."""
    ids = (owner.wallet_id, other.wallet_id)
    found = conn.execute(
        """SELECT count(*), count(*) FILTER (WHERE entries <> 2 OR total <> 0 OR bad_currency)
             FROM (SELECT t.id, count(e.id) AS entries, coalesce(sum(e.amount), 0) AS total,
                          bool_or(e.currency <> w.currency) AS bad_currency
                     FROM transactions t
                     JOIN ledger_entries e ON e.transaction_id = t.id
                     JOIN wallets w ON w.id = e.wallet_id
                    WHERE t.type = 'TRANSFER' AND t.source_wallet_id = ANY(%(ids)s::uuid[])
                      AND t.destination_wallet_id = ANY(%(ids)s::uuid[])
                    GROUP BY t.id) AS per_transaction""",
        {"ids": list(ids)},
    ).fetchone()
    last = conn.execute(
        """SELECT count(*) FROM wallets w
            WHERE w.id = ANY(%(ids)s::uuid[])
              AND w.balance = (SELECT e.balance_after FROM ledger_entries e WHERE e.wallet_id = w.id
                                ORDER BY e.id DESC LIMIT 1)
              AND w.balance = (SELECT sum(e.amount) FROM ledger_entries e WHERE e.wallet_id = w.id)""",
        {"ids": list(ids)},
    ).fetchone()
    if found is None or last is None or found[0] != rows or found[1] != 0 or last[0] != 2:
        raise RuntimeError(
            f"history breaks the ledger rules: {found} transfers/bad, {last} wallets consistent"
        )


def _plans(conn: psycopg.Connection[Any], statement: Sent) -> str:
    """The custom plan (the first 5 executions on a connection, planned for these values) and the generic
    plan (what psycopg's prepared statement may switch to from the 6th: PostgreSQL keeps it unless its
    estimated cost is clearly above the custom plans')."""
    custom = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement.text, statement.params).fetchall()
    tx = Transformer(conn)
    arguments = ", ".join(literal(tx, value) for value in statement.values)
    conn.execute("SET plan_cache_mode = force_generic_plan")
    conn.execute(f"PREPARE scale_list({', '.join(type_names(conn, statement.types))}) AS {statement.query}")
    try:
        generic = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) EXECUTE scale_list({arguments})").fetchall()
    finally:
        conn.execute("DEALLOCATE scale_list")
        conn.execute("RESET plan_cache_mode")
    return "\n".join(
        [
            "-- custom plan (these values):",
            *(str(row[0]) for row in custom),
            "",
            "-- generic plan (plan_cache_mode = force_generic_plan):",
            *(str(row[0]) for row in generic),
        ]
    )


def explain(url: str, history: History) -> dict[str, str]:
    """The list statement each endpoint sent and its EXPLAIN (ANALYZE, BUFFERS), by endpoint."""
    return explain_paths(url, history.owner.token, history.paths())


def explain_paths(url: str, token: str, paths: dict[str, str]) -> dict[str, str]:
    """The list statement each GET of `paths` (name -> path, sent with `token`) made the app send, and its
    EXPLAIN (ANALYZE, BUFFERS), by name."""
    calls = [Call("GET", path, token) for path in paths.values()]
    recorded = asyncio.run(capture_requests(url, calls))
    plans: dict[str, str] = {}
    # the app's session settings (JIT off), with plan_cache_mode set per plan below
    options = session_options(Settings().db_statement_timeout_ms)
    with psycopg.connect(url, autocommit=True, options=options) as conn:
        for name, recording in zip(paths, recorded, strict=True):
            lists = [s for s in recording.statements if "ORDER BY" in s.text and "LIMIT" in s.text]
            if not lists:
                raise RuntimeError(f"no list statement recorded for {name}")
            plans[name] = " ".join(lists[-1].text.split()) + "\n\n" + _plans(conn, lists[-1])
    return plans
