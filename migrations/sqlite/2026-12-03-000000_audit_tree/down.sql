DROP TABLE tree_head_cosignatures;
DROP TABLE tree_heads;
DROP TABLE audit_tree;
ALTER TABLE audit_log DROP COLUMN salt;
