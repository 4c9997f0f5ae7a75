-- depends: 0006_outbox_relay
-- Payment flows: holds (authorize -> capture / void / expire), reversals, currency exchange, outgoing limits
-- and the wallet lifecycle. Every invariant the application relies on is also a constraint here.

-- Transactions: new types (HOLD, REVERSAL, EXCHANGE) and status (EXPIRED); how much of a transaction has been
-- reversed; which transaction a REVERSAL reverses; what an EXCHANGE bought at which rate.
ALTER TABLE transactions
    DROP CONSTRAINT transactions_type_check,
    ADD CONSTRAINT transactions_type_check
        CHECK (type IN ('DEPOSIT', 'WITHDRAWAL', 'TRANSFER', 'HOLD', 'REVERSAL', 'EXCHANGE')),
    DROP CONSTRAINT transactions_status_check,
    ADD CONSTRAINT transactions_status_check
        CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED')),
    ADD COLUMN reversed_amount         bigint  NOT NULL DEFAULT 0,
    ADD COLUMN original_transaction_id uuid    REFERENCES transactions (id),
    ADD COLUMN counter_amount          bigint,
    ADD COLUMN counter_currency        text,
    ADD COLUMN exchange_rate           numeric,
    ADD CONSTRAINT transactions_reversed_within_amount CHECK (reversed_amount BETWEEN 0 AND amount),
    ADD CONSTRAINT transactions_reversal_linked
        CHECK ((type = 'REVERSAL') = (original_transaction_id IS NOT NULL)),
    ADD CONSTRAINT transactions_exchange_details CHECK (
        (type = 'EXCHANGE') = (counter_amount IS NOT NULL AND counter_currency IS NOT NULL
                               AND exchange_rate IS NOT NULL)
    ),
    ADD CONSTRAINT transactions_counter_amount_check
        CHECK (counter_amount > 0 AND counter_amount <= 1000000000000000000 AND exchange_rate > 0);

CREATE INDEX transactions_original_idx ON transactions (original_transaction_id)
    WHERE original_transaction_id IS NOT NULL;

-- A transaction may now become COMPLETED after it was inserted (a captured hold): the "completed means at
-- least two entries" check runs on status changes too, still at commit.
DROP TRIGGER transactions_have_entries ON transactions;
CREATE CONSTRAINT TRIGGER transactions_have_entries
    AFTER INSERT OR UPDATE OF status ON transactions
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION transactions_assert_has_entries();

-- Wallets: money reserved by pending holds (`held`; available = balance - held, never below zero for user
-- wallets), per-wallet overrides of the currency's outgoing limits (NULL: the configured default) and the
-- outgoing usage counters of the current UTC day and month, updated under the wallet's row lock by the same
-- statement that debits it. Closed wallets are empty. (PostgreSQL checks constraints in name order: a negative
-- balance is still reported as wallets_balance_non_negative.)
ALTER TABLE wallets
    ADD COLUMN held               numeric(38,0) NOT NULL DEFAULT 0,
    ADD COLUMN daily_limit        numeric(38,0),
    ADD COLUMN monthly_limit      numeric(38,0),
    ADD COLUMN usage_day          date,
    ADD COLUMN usage_day_amount   numeric(38,0) NOT NULL DEFAULT 0,
    ADD COLUMN usage_month        date,
    ADD COLUMN usage_month_amount numeric(38,0) NOT NULL DEFAULT 0,
    ADD CONSTRAINT wallets_held_non_negative CHECK (held >= 0),
    ADD CONSTRAINT wallets_held_within_balance CHECK (kind = 'SYSTEM' OR balance - held >= 0),
    ADD CONSTRAINT wallets_limits_non_negative CHECK (daily_limit >= 0 AND monthly_limit >= 0),
    ADD CONSTRAINT wallets_usage_non_negative CHECK (usage_day_amount >= 0 AND usage_month_amount >= 0),
    ADD CONSTRAINT wallets_closed_are_empty CHECK (status <> 'CLOSED' OR (balance = 0 AND held = 0));

-- Holds: an authorization on a wallet. Its id is the id of its HOLD transaction (PENDING, no entries until
-- captured; COMPLETED when captured, CANCELLED when voided, EXPIRED when released at expiry).
CREATE TABLE holds (
    id                    uuid        PRIMARY KEY REFERENCES transactions (id),
    wallet_id             uuid        NOT NULL,
    destination_wallet_id uuid        REFERENCES wallets (id),
    amount                bigint      NOT NULL CHECK (amount > 0 AND amount <= 1000000000000000000),
    currency              text        NOT NULL,
    status                text        NOT NULL CHECK (status IN ('PENDING', 'CAPTURED', 'VOIDED', 'EXPIRED')),
    captured_amount       bigint      CHECK (captured_amount > 0 AND captured_amount <= amount),
    expires_at            timestamptz NOT NULL,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    CONSTRAINT holds_captured_amount_iff_captured CHECK ((status = 'CAPTURED') = (captured_amount IS NOT NULL)),
    CONSTRAINT holds_wallet_currency_fkey FOREIGN KEY (wallet_id, currency) REFERENCES wallets (id, currency),
    CONSTRAINT holds_distinct_wallets CHECK (destination_wallet_id IS DISTINCT FROM wallet_id)
);

CREATE INDEX holds_due_idx ON holds (expires_at) WHERE status = 'PENDING';
CREATE INDEX holds_wallet_pending_idx ON holds (wallet_id, expires_at) WHERE status = 'PENDING';

-- Exchange rates, maintained by administrators: 1 major unit of `base_currency` buys `rate` major units of
-- `quote_currency`. Exact decimals, never floats.
CREATE TABLE exchange_rates (
    base_currency  text        NOT NULL CHECK (base_currency ~ '^[A-Z]{3,5}$'),
    quote_currency text        NOT NULL CHECK (quote_currency ~ '^[A-Z]{3,5}$'),
    rate           numeric     NOT NULL CHECK (rate > 0),
    updated_at     timestamptz NOT NULL,
    updated_by     uuid        REFERENCES users (id),
    CONSTRAINT exchange_rates_pkey PRIMARY KEY (base_currency, quote_currency),
    CONSTRAINT exchange_rates_distinct_currencies CHECK (base_currency <> quote_currency)
);

-- Quotes lock a rate for one user for a short time; an exchange uses a quote at most once.
CREATE TABLE exchange_quotes (
    id                   uuid        PRIMARY KEY,
    user_id              uuid        NOT NULL REFERENCES users (id),
    source_currency      text        NOT NULL,
    destination_currency text        NOT NULL,
    rate                 numeric     NOT NULL CHECK (rate > 0),
    created_at           timestamptz NOT NULL,
    expires_at           timestamptz NOT NULL,
    transaction_id       uuid        UNIQUE REFERENCES transactions (id),
    CONSTRAINT exchange_quotes_distinct_currencies CHECK (source_currency <> destination_currency)
);

CREATE INDEX exchange_quotes_expires_at_idx ON exchange_quotes (expires_at);

-- Balance history (`GET /wallets/{id}/balance?at=`): the latest entry of a wallet at or before a time.
CREATE INDEX ledger_entries_wallet_created_idx ON ledger_entries (wallet_id, created_at DESC, id DESC);
