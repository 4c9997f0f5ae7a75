CREATE INDEX exchange_quotes_expires_at_idx ON exchange_quotes (expires_at);
DROP INDEX exchange_quotes_unused_expires_at_idx;
