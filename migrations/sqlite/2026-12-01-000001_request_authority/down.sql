ALTER TABLE access_requests DROP COLUMN authority;
