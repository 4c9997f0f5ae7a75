-- depends: 0001_users
-- Wallets are the ledger's accounts. USER wallets belong to a user (one per currency) and can never go
-- below zero; SYSTEM accounts (e.g. the per-currency external settlement account) have no owner and may
-- go negative: they mirror money that exists outside PayBridge.
CREATE TABLE wallets (
    id          uuid          PRIMARY KEY,
    seq         bigint        GENERATED ALWAYS AS IDENTITY UNIQUE,
    kind        text          NOT NULL DEFAULT 'USER' CHECK (kind IN ('USER', 'SYSTEM')),
    user_id     uuid          REFERENCES users (id),
    system_code text,
    currency    text          NOT NULL CHECK (currency ~ '^[A-Z]{3,5}$'),
    status      text          NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED', 'CLOSED')),
    balance     numeric(38,0) NOT NULL DEFAULT 0,
    version     bigint        NOT NULL DEFAULT 0,
    created_at  timestamptz   NOT NULL,
    updated_at  timestamptz   NOT NULL,
    CONSTRAINT wallets_balance_non_negative CHECK (kind = 'SYSTEM' OR balance >= 0),
    CONSTRAINT wallets_owner_matches_kind CHECK (
        (kind = 'USER' AND user_id IS NOT NULL AND system_code IS NULL)
        OR (kind = 'SYSTEM' AND user_id IS NULL AND system_code IS NOT NULL)
    ),
    CONSTRAINT wallets_id_currency_key UNIQUE (id, currency)
);

CREATE UNIQUE INDEX wallets_user_currency_key ON wallets (user_id, currency) WHERE kind = 'USER';
CREATE INDEX wallets_user_seq_idx ON wallets (user_id, seq DESC) WHERE kind = 'USER';
CREATE UNIQUE INDEX wallets_system_code_currency_key ON wallets (system_code, currency) WHERE kind = 'SYSTEM';
