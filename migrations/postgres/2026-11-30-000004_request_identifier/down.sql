DROP INDEX access_requests_by_target_key_id;
ALTER TABLE access_requests DROP COLUMN target_identifier;
ALTER TABLE access_requests DROP COLUMN target_key_id;
