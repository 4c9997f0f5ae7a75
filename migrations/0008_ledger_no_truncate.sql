-- depends: 0007_payment_flows
-- Ledger entries are append-only: the row trigger of 0003 refuses UPDATE and DELETE, but TRUNCATE fires no
-- row triggers. A statement-level BEFORE TRUNCATE trigger closes that gap.
CREATE TRIGGER ledger_entries_no_truncate
    BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_reject_change();
