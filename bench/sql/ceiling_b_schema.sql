-- Ceiling B's own tables (schema ceiling_b, beside PayBridge's in the bench database): a fixed naive transfer
-- that never changes with PayBridge, so its TPS measures the machine and figures from different days compare.
-- bench/run.py fills ceiling_b.wallets with ids 1..N (the same N as the API's wallets).
DROP SCHEMA IF EXISTS ceiling_b CASCADE;
CREATE SCHEMA ceiling_b;
CREATE TABLE ceiling_b.wallets (
    id         bigint      PRIMARY KEY,
    balance    bigint      NOT NULL CHECK (balance >= 0),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE ceiling_b.transactions (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source      bigint      NOT NULL REFERENCES ceiling_b.wallets (id),
    destination bigint      NOT NULL REFERENCES ceiling_b.wallets (id),
    amount      bigint      NOT NULL CHECK (amount > 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE ceiling_b.outbox (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payload    jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
