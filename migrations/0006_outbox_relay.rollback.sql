DROP INDEX outbox_dead_idx;
DROP INDEX outbox_published_at_idx;
ALTER TABLE outbox
    DROP COLUMN failed_at,
    DROP COLUMN next_attempt_at;
