DROP TABLE ledger_entries;
DROP FUNCTION ledger_entries_reject_change();
DROP FUNCTION ledger_entries_assert_balanced();
DROP TABLE transactions;
DROP FUNCTION transactions_assert_has_entries();
