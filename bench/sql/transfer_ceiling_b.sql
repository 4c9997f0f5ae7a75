-- Ceiling B: the naive transfer as seven statements (pgbench -M prepared -D n=<wallets>), on the fixed
-- tables of ceiling_b_schema.sql. The machine's yardstick: API ÷ ceiling B compares across days and boxes.
\set a random(1, :n)
\set b 1 + (:a + random(0, :n - 2)) % :n
BEGIN;
SELECT id, balance FROM ceiling_b.wallets WHERE id IN (:a, :b) ORDER BY id FOR UPDATE;
UPDATE ceiling_b.wallets SET balance = balance - 1, updated_at = now() WHERE id = :a;
UPDATE ceiling_b.wallets SET balance = balance + 1, updated_at = now() WHERE id = :b;
INSERT INTO ceiling_b.transactions (source, destination, amount) VALUES (:a, :b, 1);
INSERT INTO ceiling_b.outbox (payload) VALUES (jsonb_build_object('source', :a::bigint, 'destination', :b::bigint, 'amount', 1));
COMMIT;
