-- depends: 0002_wallets
-- Transactions and their double-entry ledger entries. The database, not only Python, guarantees that
-- every transaction's entries sum to zero per currency (deferred constraint trigger, checked at commit),
-- that an entry's currency is its wallet's currency (composite foreign key) and that entries are never
-- rewritten (append-only trigger).
CREATE TABLE transactions (
    id                    uuid        PRIMARY KEY,
    seq                   bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    type                  text        NOT NULL CHECK (type IN ('DEPOSIT', 'WITHDRAWAL', 'TRANSFER')),
    status                text        NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED', 'CANCELLED')),
    amount                bigint      NOT NULL CHECK (amount > 0 AND amount <= 1000000000000000000),
    currency              text        NOT NULL,
    source_wallet_id      uuid        REFERENCES wallets (id),
    destination_wallet_id uuid        REFERENCES wallets (id),
    initiated_by          uuid        REFERENCES users (id),
    reference             text,
    description           text,
    metadata              jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at            timestamptz NOT NULL,
    completed_at          timestamptz,
    CONSTRAINT transactions_distinct_wallets CHECK (source_wallet_id IS DISTINCT FROM destination_wallet_id)
);

CREATE INDEX transactions_source_seq_idx ON transactions (source_wallet_id, seq DESC)
    WHERE source_wallet_id IS NOT NULL;
CREATE INDEX transactions_destination_seq_idx ON transactions (destination_wallet_id, seq DESC)
    WHERE destination_wallet_id IS NOT NULL;
CREATE INDEX transactions_type_seq_idx ON transactions (type, seq DESC);

CREATE TABLE ledger_entries (
    id             bigint        GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id uuid          NOT NULL REFERENCES transactions (id),
    wallet_id      uuid          NOT NULL,
    amount         bigint        NOT NULL CHECK (amount <> 0),
    currency       text          NOT NULL,
    balance_after  numeric(38,0) NOT NULL,
    created_at     timestamptz   NOT NULL,
    CONSTRAINT ledger_entries_wallet_currency_fkey FOREIGN KEY (wallet_id, currency)
        REFERENCES wallets (id, currency)
);

CREATE INDEX ledger_entries_wallet_id_idx ON ledger_entries (wallet_id, id DESC);
CREATE INDEX ledger_entries_transaction_id_idx ON ledger_entries (transaction_id);

CREATE FUNCTION ledger_entries_assert_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    unbalanced text;
BEGIN
    SELECT currency INTO unbalanced
      FROM ledger_entries
     WHERE transaction_id = NEW.transaction_id
     GROUP BY currency
    HAVING sum(amount) <> 0
     LIMIT 1;
    IF unbalanced IS NOT NULL THEN
        RAISE EXCEPTION 'ledger entries of transaction % do not sum to zero in %', NEW.transaction_id, unbalanced
            USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_entries_balanced';
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER ledger_entries_balanced
    AFTER INSERT ON ledger_entries
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_assert_balanced();

CREATE FUNCTION transactions_assert_has_entries() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'COMPLETED'
       AND (SELECT count(*) FROM ledger_entries WHERE transaction_id = NEW.id) < 2 THEN
        RAISE EXCEPTION 'completed transaction % has fewer than two ledger entries', NEW.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'transactions_have_entries';
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER transactions_have_entries
    AFTER INSERT ON transactions
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION transactions_assert_has_entries();

CREATE FUNCTION ledger_entries_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are append-only'
        USING ERRCODE = 'restrict_violation', CONSTRAINT = 'ledger_entries_append_only';
END;
$$;

CREATE TRIGGER ledger_entries_append_only
    BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_reject_change();
