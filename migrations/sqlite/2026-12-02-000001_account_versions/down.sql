DROP INDEX accounts_version;
ALTER TABLE accounts DROP COLUMN version;
