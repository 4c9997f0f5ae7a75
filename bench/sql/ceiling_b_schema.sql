-- Ceiling B's own tables (schema ceiling_b, beside PayBridge's in the bench database), shaped like PayBridge's
-- wallets / transactions / outbox (uuid keys, the same indexes) but frozen here: a naive transfer that never
-- changes with PayBridge, so its TPS measures the machine and figures from different days compare.
-- bench/run.py fills ceiling_b.wallets with wallets 1..N (the same N as the API's); ceiling_b.wallet_id(n) is
-- wallet n's id, computed (so the transfer needs no lookup statement).
DROP SCHEMA IF EXISTS ceiling_b CASCADE;
CREATE SCHEMA ceiling_b;
CREATE FUNCTION ceiling_b.wallet_id(n bigint) RETURNS uuid
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN md5('ceiling-b-wallet-' || n)::uuid;
CREATE TABLE ceiling_b.wallets (
    id         uuid          PRIMARY KEY,
    seq        bigint        GENERATED ALWAYS AS IDENTITY UNIQUE,
    user_id    uuid          NOT NULL,
    currency   text          NOT NULL,
    status     text          NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED', 'CLOSED')),
    balance    numeric(38,0) NOT NULL CHECK (balance >= 0),
    version    bigint        NOT NULL DEFAULT 0,
    created_at timestamptz   NOT NULL DEFAULT now(),
    updated_at timestamptz   NOT NULL DEFAULT now(),
    UNIQUE (id, currency)
);
CREATE TABLE ceiling_b.transactions (
    id                    uuid        PRIMARY KEY,
    seq                   bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    type                  text        NOT NULL,
    status                text        NOT NULL,
    amount                bigint      NOT NULL CHECK (amount > 0),
    currency              text        NOT NULL,
    source_wallet_id      uuid        REFERENCES ceiling_b.wallets (id),
    destination_wallet_id uuid        REFERENCES ceiling_b.wallets (id),
    metadata              jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at            timestamptz NOT NULL,
    completed_at          timestamptz
);
CREATE INDEX ON ceiling_b.transactions (source_wallet_id, seq DESC);
CREATE INDEX ON ceiling_b.transactions (destination_wallet_id, seq DESC);
CREATE INDEX ON ceiling_b.transactions (type, seq DESC);
CREATE TABLE ceiling_b.outbox (
    id             uuid        PRIMARY KEY,
    seq            bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    aggregate_type text        NOT NULL,
    aggregate_id   text        NOT NULL,
    event_type     text        NOT NULL,
    payload        jsonb       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    published_at   timestamptz
);
CREATE INDEX ON ceiling_b.outbox (seq) WHERE published_at IS NULL;
CREATE INDEX ON ceiling_b.outbox (aggregate_type, aggregate_id, seq);
