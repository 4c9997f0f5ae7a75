-- Rolling back refuses (a check violation) once holds, reversals or exchanges were written: ledger entries are
-- append-only, so their transactions cannot be removed, and the old type/status checks would not hold.
DROP INDEX ledger_entries_wallet_created_idx;
DROP TABLE exchange_quotes;
DROP TABLE exchange_rates;
DROP TABLE holds;

ALTER TABLE wallets
    DROP CONSTRAINT wallets_closed_are_empty,
    DROP CONSTRAINT wallets_usage_non_negative,
    DROP CONSTRAINT wallets_limits_non_negative,
    DROP CONSTRAINT wallets_held_within_balance,
    DROP CONSTRAINT wallets_held_non_negative,
    DROP COLUMN usage_month_amount,
    DROP COLUMN usage_month,
    DROP COLUMN usage_day_amount,
    DROP COLUMN usage_day,
    DROP COLUMN monthly_limit,
    DROP COLUMN daily_limit,
    DROP COLUMN held;

DROP TRIGGER transactions_have_entries ON transactions;
CREATE CONSTRAINT TRIGGER transactions_have_entries
    AFTER INSERT ON transactions
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION transactions_assert_has_entries();

DROP INDEX transactions_original_idx;
ALTER TABLE transactions
    DROP CONSTRAINT transactions_counter_amount_check,
    DROP CONSTRAINT transactions_exchange_details,
    DROP CONSTRAINT transactions_reversal_linked,
    DROP CONSTRAINT transactions_reversed_within_amount,
    DROP COLUMN exchange_rate,
    DROP COLUMN counter_currency,
    DROP COLUMN counter_amount,
    DROP COLUMN original_transaction_id,
    DROP COLUMN reversed_amount,
    DROP CONSTRAINT transactions_status_check,
    ADD CONSTRAINT transactions_status_check CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED', 'CANCELLED')),
    DROP CONSTRAINT transactions_type_check,
    ADD CONSTRAINT transactions_type_check CHECK (type IN ('DEPOSIT', 'WITHDRAWAL', 'TRANSFER'));
