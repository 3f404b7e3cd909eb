-- Every write of what a status read shows (status, assurance, handle,
-- deadline, below_since, status_changed_at, seq) gives the account the next
-- version, under the feed lock, so versions commit in order: each node's
-- in-memory mirror of the statuses follows them. Unique, so a writer that
-- skipped the lock fails instead of being missed.
ALTER TABLE accounts ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
UPDATE accounts SET version = id;
CREATE UNIQUE INDEX accounts_version ON accounts (version);
