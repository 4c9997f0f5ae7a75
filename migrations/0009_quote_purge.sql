-- depends: 0008_ledger_no_truncate
-- Expired exchange quotes are purged (PurgeExpiredQuotes, paybridge/application/use_cases/maintenance.py):
-- only quotes no exchange used, oldest expiry first, in bounded batches. Used quotes are kept for good, so
-- an index on every quote's expiry would make each batch walk past all of them first (they only grow). This
-- partial index holds the unused quotes alone — a quote leaves it when an exchange uses it — and replaces
-- the plain expiry index of 0007, which no query needs any more.
CREATE INDEX exchange_quotes_unused_expires_at_idx ON exchange_quotes (expires_at) WHERE transaction_id IS NULL;
DROP INDEX exchange_quotes_expires_at_idx;
