-- Ceiling B: the naive transfer as seven statements (pgbench -M prepared -D n=<wallets>), on the fixed
-- PayBridge-shaped tables of ceiling_b_schema.sql. The machine's yardstick: API ÷ ceiling B compares across
-- days and boxes. No ledger entries, idempotency, limits or KYC: that is ceiling A's business.
\set a random(1, :n)
\set b 1 + (:a + random(0, :n - 2)) % :n
BEGIN;
SELECT id, balance, status FROM ceiling_b.wallets WHERE id IN (ceiling_b.wallet_id(:a), ceiling_b.wallet_id(:b)) ORDER BY id FOR UPDATE;
UPDATE ceiling_b.wallets SET balance = balance - 1, version = version + 1, updated_at = now() WHERE id = ceiling_b.wallet_id(:a);
UPDATE ceiling_b.wallets SET balance = balance + 1, version = version + 1, updated_at = now() WHERE id = ceiling_b.wallet_id(:b);
INSERT INTO ceiling_b.transactions (id, type, status, amount, currency, source_wallet_id, destination_wallet_id, created_at, completed_at) VALUES (gen_random_uuid(), 'TRANSFER', 'COMPLETED', 1, 'USD', ceiling_b.wallet_id(:a), ceiling_b.wallet_id(:b), now(), now());
INSERT INTO ceiling_b.outbox (id, aggregate_type, aggregate_id, event_type, payload) VALUES (gen_random_uuid(), 'transaction', gen_random_uuid()::text, 'transfer.completed', jsonb_build_object('source_wallet_id', ceiling_b.wallet_id(:a), 'destination_wallet_id', ceiling_b.wallet_id(:b), 'amount', 1, 'currency', 'USD', 'type', 'TRANSFER', 'status', 'COMPLETED', 'occurred_at', now()));
COMMIT;
