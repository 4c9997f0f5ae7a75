"""The SQL fragments the posting statement is assembled from (`posting_sql.post_sql`), in statement order:
the idempotency key (express) or the legs, the wallets locked in id order, the planned changes, the posting's
conditions, the decision and wallet updates, the transaction, hold, reversal and quote writes, and the tail
(ledger entries, outbox events, idempotency record, the result row)."""

from __future__ import annotations

from typing import LiteralString

KEY: LiteralString = """
WITH idem AS (
    SELECT pg_try_advisory_xact_lock(%(idem_lock)s) AS taken, i.fingerprint, i.outcome, i.transaction_id,
           i.created_at, i.expires_at
      FROM (SELECT 1) AS one
      LEFT JOIN idempotency_keys i ON i.principal_id = %(idem_principal_id)s AND i.key = %(idem_key)s
), legs AS ("""

LEGS: LiteralString = """
WITH legs AS ("""

LEGS_BODY: LiteralString = """
    SELECT l.*
      FROM unnest(%(wallet_ids)s::uuid[], %(currencies)s::text[], %(deltas)s::bigint[],
                  %(held_deltas)s::bigint[], %(charges)s::bigint[], %(charge_days)s::date[],
                  %(charge_months)s::date[], %(daily_defaults)s::numeric[], %(monthly_defaults)s::numeric[])
           AS l(wallet_id, currency, delta, held_delta, charge, charge_day, charge_month, daily_default,
                monthly_default)
), locked AS (
    SELECT w.id, w.kind, w.user_id, w.status, w.balance, w.held, w.currency, w.daily_limit,
           w.monthly_limit, w.usage_day, w.usage_day_amount, w.usage_month, w.usage_month_amount
      FROM wallets w
     WHERE w.id = ANY(%(wallet_ids)s::uuid[])"""

# Express: no wallet is locked when the key is taken by another request or already has an outcome.
KEY_FREE: LiteralString = """
       AND (SELECT i.taken AND i.fingerprint IS NULL FROM idem i)"""

LOCKED_TAIL: LiteralString = """
     ORDER BY w.id
       FOR UPDATE
), planned AS (
    SELECT k.id, l.delta, l.held_delta, l.currency, l.charge,
           k.balance + l.delta AS balance_after, k.held + l.held_delta AS held_after,
           k.currency = l.currency AS currency_ok,
           (k.status = 'ACTIVE' OR (l.delta = 0 AND l.held_delta <= 0)) AS status_ok,
           (k.kind = 'SYSTEM' OR (k.balance + l.delta - (k.held + l.held_delta) >= 0
                                  AND k.held + l.held_delta >= 0)) AS funds_ok,
           coalesce(k.daily_limit, l.daily_default) AS daily_limit,
           coalesce(k.monthly_limit, l.monthly_default) AS monthly_limit,
           CASE WHEN l.charge = 0 OR k.usage_day = l.charge_day THEN k.usage_day
                WHEN l.charge > 0 THEN l.charge_day
                ELSE k.usage_day END AS usage_day,
           CASE WHEN l.charge = 0 THEN k.usage_day_amount
                WHEN k.usage_day = l.charge_day THEN greatest(k.usage_day_amount + l.charge, 0)
                WHEN l.charge > 0 THEN l.charge
                ELSE k.usage_day_amount END AS usage_day_amount,
           CASE WHEN l.charge = 0 OR k.usage_month = l.charge_month THEN k.usage_month
                WHEN l.charge > 0 THEN l.charge_month
                ELSE k.usage_month END AS usage_month,
           CASE WHEN l.charge = 0 THEN k.usage_month_amount
                WHEN k.usage_month = l.charge_month THEN greatest(k.usage_month_amount + l.charge, 0)
                WHEN l.charge > 0 THEN l.charge
                ELSE k.usage_month_amount END AS usage_month_amount
      FROM locked k
      JOIN legs l ON l.wallet_id = k.id
), conditions AS (
    SELECT """

KYC: LiteralString = """EXISTS (SELECT 1 FROM users u
                   WHERE u.id = %(verified_actor)s::uuid AND u.kyc_status = 'VERIFIED') AS actor_verified,"""
HOLD_PENDING: LiteralString = """
           EXISTS (SELECT 1 FROM holds h
                    WHERE h.id = %(settles_hold)s::uuid AND h.status = 'PENDING') AS hold_pending,"""
REVERSAL_FITS: LiteralString = """
           EXISTS (SELECT 1 FROM transactions o
                    WHERE o.id = %(reversal_of)s::uuid
                      AND o.reversed_amount + %(reversal_amount)s::bigint <= o.amount) AS reversal_fits,"""
QUOTE_USABLE: LiteralString = """
           EXISTS (SELECT 1 FROM exchange_quotes q
                    WHERE q.id = %(quote_id)s::uuid AND q.transaction_id IS NULL) AS quote_unused,
           EXISTS (SELECT 1 FROM exchange_quotes q
                    WHERE q.id = %(quote_id)s::uuid AND q.expires_at > %(now)s) AS quote_unexpired"""

PRESUMED: LiteralString = """,
           EXISTS (SELECT 1 FROM locked k
                    WHERE k.id = %(presumed_wallet)s::uuid AND k.user_id = %(presumed_owner)s::uuid
                      AND (k.held = 0
                           OR NOT EXISTS (SELECT 1 FROM holds h
                                           WHERE h.wallet_id = k.id AND h.status = 'PENDING'
                                             AND h.expires_at <= %(now)s)))
           AND NOT EXISTS (SELECT 1 FROM locked k
                            WHERE k.kind <> 'USER' AND k.id IS DISTINCT FROM %(presumed_system)s::uuid)
           AS presumed"""

DECISION: LiteralString = """
), decision AS (
    SELECT (SELECT count(*) = cardinality(%(wallet_ids)s::uuid[])
                   AND coalesce(bool_and(p.currency_ok AND p.status_ok AND p.funds_ok
                                         AND (p.charge <= 0
                                              OR ((p.daily_limit IS NULL OR p.usage_day_amount <= p.daily_limit)
                                                  AND (p.monthly_limit IS NULL
                                                       OR p.usage_month_amount <= p.monthly_limit)))),
                                false)
              FROM planned p)
           AND c.actor_verified AND c.hold_pending AND c.reversal_fits AND c.quote_unused
           AND c.quote_unexpired AND c.presumed AS ok
      FROM conditions c
), moved AS (
    UPDATE wallets w
       -- Absolute values computed from the row as `locked` read it under the lock (current), not
       -- `w.balance + delta` on the version this statement's snapshot started from: a credit committed by
       -- another transaction just before we took the lock would otherwise be checked against stale values.
       SET balance = p.balance_after, held = p.held_after,
           usage_day = p.usage_day, usage_day_amount = p.usage_day_amount,
           usage_month = p.usage_month, usage_month_amount = p.usage_month_amount,
           version = w.version + 1, updated_at = %(now)s
      FROM planned p
     WHERE w.id = p.id AND (SELECT ok FROM decision)
 RETURNING w.id, w.balance"""

NEW_TRANSACTION: LiteralString = """
), txn AS (
    INSERT INTO transactions (id, type, status, amount, currency, source_wallet_id, destination_wallet_id,
                              initiated_by, reference, description, metadata, created_at, completed_at,
                              original_transaction_id, counter_amount, counter_currency, exchange_rate)
    SELECT %(id)s, %(type)s, %(status)s, %(amount)s, %(currency)s, %(source_wallet_id)s,
           %(destination_wallet_id)s, %(initiated_by)s, %(reference)s, %(description)s, %(metadata)s,
           %(now)s, %(completed_at)s, %(reversal_of)s::uuid, %(counter_amount)s, %(counter_currency)s,
           %(exchange_rate)s::numeric
     WHERE (SELECT ok FROM decision)"""

FINISHED_TRANSACTION: LiteralString = """
), finished AS (
    UPDATE transactions t
       SET status = %(status)s, amount = %(amount)s, completed_at = %(completed_at)s
     WHERE t.id = %(id)s AND (SELECT ok FROM decision)"""

HOLD_PLACED: LiteralString = """
), hold_placed AS (
    INSERT INTO holds (id, wallet_id, destination_wallet_id, amount, currency, status, captured_amount,
                       expires_at, created_at, updated_at)
    SELECT %(id)s, %(hold_wallet_id)s, %(hold_destination_wallet_id)s, %(hold_amount)s, %(currency)s,
           %(hold_status)s, %(hold_captured_amount)s, %(hold_expires_at)s, %(now)s, %(now)s
     WHERE (SELECT ok FROM decision)"""

HOLD_SETTLED: LiteralString = """
), hold_settled AS (
    UPDATE holds h
       SET status = %(hold_status)s, captured_amount = %(hold_captured_amount)s, updated_at = %(now)s
     WHERE h.id = %(settles_hold)s::uuid AND h.status = 'PENDING' AND (SELECT ok FROM decision)"""

REVERSED: LiteralString = """
), reversed AS (
    UPDATE transactions o
       SET reversed_amount = o.reversed_amount + %(reversal_amount)s::bigint
     WHERE o.id = %(reversal_of)s::uuid AND (SELECT ok FROM decision)"""

QUOTED: LiteralString = """
), quoted AS (
    UPDATE exchange_quotes q
       SET transaction_id = %(id)s
     WHERE q.id = %(quote_id)s::uuid AND (SELECT ok FROM decision)"""

TAIL: LiteralString = """
), entries AS (
    INSERT INTO ledger_entries (transaction_id, wallet_id, amount, currency, balance_after, created_at)
    SELECT %(id)s, m.id, p.delta, p.currency, m.balance, %(now)s
      FROM moved m
      JOIN planned p ON p.id = m.id
     WHERE p.delta <> 0
     ORDER BY p.delta, m.id
), events AS (
    INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, payload, correlation_id, created_at)
    SELECT e.id, e.aggregate_type, e.aggregate_id, e.event_type, e.payload, %(correlation_id)s, %(now)s
      FROM unnest(%(event_ids)s::uuid[], %(event_aggregate_types)s::text[], %(event_aggregate_ids)s::text[],
                  %(event_types)s::text[], %(event_payloads)s::jsonb[])
           AS e(id, aggregate_type, aggregate_id, event_type, payload)
     WHERE (SELECT ok FROM decision)
), idempotency AS (
    INSERT INTO idempotency_keys (principal_id, key, fingerprint, outcome, transaction_id, created_at,
                                  expires_at)
    SELECT %(idem_principal_id)s, %(idem_key)s, %(idem_fingerprint)s, %(idem_outcome)s, %(id)s, %(now)s,
           %(idem_expires_at)s
     WHERE %(idem_key)s::text IS NOT NULL AND (SELECT ok FROM decision)
)
SELECT d.ok, c.actor_verified, c.hold_pending, c.reversal_fits, c.quote_unused, c.quote_unexpired,
       CASE WHEN NOT d.ok THEN (SELECT coalesce(json_agg(json_build_object(
                   'id', k.id, 'kind', k.kind, 'status', k.status, 'currency', k.currency,
                   'balance', k.balance::text, 'held', k.held::text,
                   'daily_limit', k.daily_limit::text, 'monthly_limit', k.monthly_limit::text,
                   'usage_day', k.usage_day, 'usage_day_amount', k.usage_day_amount::text,
                   'usage_month', k.usage_month, 'usage_month_amount', k.usage_month_amount::text)),
                        '[]'::json)
          FROM locked k) END"""

RESULT: LiteralString = """
  FROM decision d, conditions c
"""

KEY_RESULT: LiteralString = """,
       i.taken, i.fingerprint, i.outcome, i.transaction_id, i.created_at, i.expires_at
  FROM decision d, conditions c, idem i
"""
