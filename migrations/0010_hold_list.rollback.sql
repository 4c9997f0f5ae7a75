-- Drops the hold list's position and indexes; the holds themselves are untouched.
DROP INDEX holds_status_seq_idx;
DROP INDEX holds_destination_status_seq_idx;
DROP INDEX holds_wallet_status_seq_idx;
ALTER TABLE holds DROP COLUMN seq;
