ALTER TABLE identities DROP COLUMN lang;
ALTER TABLE identities DROP COLUMN email_confirmed_at;
DROP TABLE owner_tokens;
DROP TABLE pending_identifications;
