"""The money path's one statement. Kept in its own module so the benchmark can run exactly this SQL.

In one round trip and one statement it locks every wallet of the posting in id order (a fixed order, so
opposing transfers cannot deadlock), re-checks each leg under the lock, and only when all pass: applies the
balance changes, writes the transaction, the ledger entries (with balance_after), the outbox events and the
idempotency record. When a check fails nothing is written and the locked wallets' states come back.
"""

from __future__ import annotations

POST_SQL = """
WITH legs AS (
    SELECT l.wallet_id, l.delta
      FROM unnest(%(wallet_ids)s::uuid[], %(deltas)s::bigint[]) AS l(wallet_id, delta)
), locked AS (
    SELECT w.id, w.kind, w.status, w.balance, w.currency
      FROM wallets w
     WHERE w.id = ANY(%(wallet_ids)s::uuid[])
     ORDER BY w.id
       FOR UPDATE
), verdict AS (
    SELECT count(*) = cardinality(%(wallet_ids)s::uuid[])
           AND coalesce(bool_and(k.status = 'ACTIVE' AND k.currency = %(currency)s
                                 AND (k.kind = 'SYSTEM' OR k.balance + l.delta >= 0)), false) AS ok
      FROM locked k
      JOIN legs l ON l.wallet_id = k.id
), moved AS (
    UPDATE wallets w
       SET balance = w.balance + l.delta, version = w.version + 1, updated_at = %(now)s
      FROM legs l
     WHERE w.id = l.wallet_id AND (SELECT ok FROM verdict)
 RETURNING w.id, w.balance
), txn AS (
    INSERT INTO transactions (id, type, status, amount, currency, source_wallet_id, destination_wallet_id,
                              initiated_by, reference, description, metadata, created_at, completed_at)
    SELECT %(id)s, %(type)s, %(status)s, %(amount)s, %(currency)s, %(source_wallet_id)s,
           %(destination_wallet_id)s, %(initiated_by)s, %(reference)s, %(description)s, %(metadata)s,
           %(now)s, %(completed_at)s
     WHERE (SELECT ok FROM verdict)
), entries AS (
    INSERT INTO ledger_entries (transaction_id, wallet_id, amount, currency, balance_after, created_at)
    SELECT %(id)s, m.id, l.delta, %(currency)s, m.balance, %(now)s
      FROM moved m
      JOIN legs l ON l.wallet_id = m.id
     ORDER BY l.delta, m.id
), events AS (
    INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, payload, correlation_id, created_at)
    SELECT e.id, e.aggregate_type, e.aggregate_id, e.event_type, e.payload, %(correlation_id)s, %(now)s
      FROM unnest(%(event_ids)s::uuid[], %(event_aggregate_types)s::text[], %(event_aggregate_ids)s::text[],
                  %(event_types)s::text[], %(event_payloads)s::jsonb[])
           AS e(id, aggregate_type, aggregate_id, event_type, payload)
     WHERE (SELECT ok FROM verdict)
), idempotency AS (
    INSERT INTO idempotency_keys (principal_id, key, fingerprint, outcome, transaction_id, created_at,
                                  expires_at)
    SELECT %(idem_principal_id)s, %(idem_key)s, %(idem_fingerprint)s, %(idem_outcome)s, %(id)s, %(now)s,
           %(idem_expires_at)s
     WHERE %(idem_key)s::text IS NOT NULL AND (SELECT ok FROM verdict)
)
SELECT v.ok,
       (SELECT coalesce(json_agg(json_build_object('id', k.id, 'kind', k.kind, 'status', k.status,
                                                   'balance', k.balance::text, 'currency', k.currency)),
                        '[]'::json)
          FROM locked k)
  FROM verdict v
"""
