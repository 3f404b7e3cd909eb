DROP TABLE tree_head_cosignatures;
DROP TABLE tree_heads;
DROP TABLE audit_tree;
DROP INDEX audit_log_by_subject;
ALTER TABLE audit_log DROP COLUMN salt;
