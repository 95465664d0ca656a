-- One index for the sweeper instead of two: on the time a handoff ended (done)
-- or will end (its expiry), the first condition of every sweep. A pass now
-- writes one sweep index entry instead of two. Neither old index can serve a
-- lookup by id any more, which PostgreSQL could otherwise pick in a plan made
-- before the table had statistics (store/mod.rs, `by_id`).
DROP INDEX handoffs_by_expiry;
DROP INDEX handoffs_by_completion;
CREATE INDEX handoffs_by_end ON handoffs ((COALESCE(completed_at, expires_at)));
