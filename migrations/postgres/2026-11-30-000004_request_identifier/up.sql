-- The identifier a request by identifier searches for, sealed under master
-- key version target_key_id, so that the approver sees what they approve
-- (DESIGN §7). Deleted when the identity it names is shredded.
ALTER TABLE access_requests ADD COLUMN target_key_id INTEGER;
ALTER TABLE access_requests ADD COLUMN target_identifier BYTEA;
CREATE INDEX access_requests_by_target_key_id ON access_requests (target_key_id) WHERE target_key_id IS NOT NULL;
