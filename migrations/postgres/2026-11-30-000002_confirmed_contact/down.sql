DROP INDEX access_requests_owner_untold;
ALTER TABLE access_requests DROP COLUMN owner_told_at;
ALTER TABLE identities DROP COLUMN lang;
ALTER TABLE identities DROP COLUMN email_confirmed_at;
DROP TABLE owner_tokens;
DROP TABLE pending_identifications;
