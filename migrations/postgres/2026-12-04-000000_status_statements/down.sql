DROP TABLE status_heads;
DROP TABLE status_keys;
ALTER TABLE accounts DROP COLUMN statement_signature;
ALTER TABLE accounts DROP COLUMN statement_key;
ALTER TABLE status_changes DROP COLUMN statement_signature;
ALTER TABLE status_changes DROP COLUMN statement_key;
ALTER TABLE status_changes DROP COLUMN deadline;
