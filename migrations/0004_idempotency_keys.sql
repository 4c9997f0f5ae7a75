-- depends: 0003_transactions_ledger
-- Idempotency keys, scoped to the authenticated principal. A key is claimed and its outcome stored in
-- the same database transaction as the money movement it protects.
CREATE TABLE idempotency_keys (
    principal_id   uuid        NOT NULL,
    key            text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    fingerprint    text        NOT NULL,
    outcome        jsonb       NOT NULL,
    transaction_id uuid,
    created_at     timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (principal_id, key)
);

CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at);
