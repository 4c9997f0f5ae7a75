-- depends: 0005_outbox
-- The outbox relay's bookkeeping. A row is claimable while it is unpublished, not parked as dead and due
-- (`next_attempt_at` NULL means "now": rows start that way, so inserts on the money path pay nothing extra).
-- A failed publish records `attempts`, `last_error` and the next attempt (exponential backoff with jitter,
-- computed by the relay); after the configured number of attempts the row is parked (`failed_at`).
-- None of the new indexes covers a freshly inserted row (published_at and failed_at are NULL), so the money
-- transaction's INSERT maintains no extra index.
ALTER TABLE outbox
    ADD COLUMN next_attempt_at timestamptz,
    ADD COLUMN failed_at       timestamptz;

-- Retention: the relay purges published rows older than the configured age, oldest first.
CREATE INDEX outbox_published_at_idx ON outbox (published_at) WHERE published_at IS NOT NULL;
-- `paybridge outbox list --dead` and the dead-letter gauge.
CREATE INDEX outbox_dead_idx ON outbox (seq) WHERE failed_at IS NOT NULL;

-- No NOTIFY trigger on outbox: PostgreSQL serialises the commits of transactions that NOTIFY, which cost the
-- money path ~13 % of its throughput. The API processes wake the relay (LISTEN paybridge_outbox) after
-- COMMIT instead, one NOTIFY per burst (paybridge/adapters/postgres/outbox_notifier.py).
