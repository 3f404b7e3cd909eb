-- The audit log as a Merkle tree (C2SP tlog-tiles). Each entry gets a
-- random salt, private like the entry: the public leaf is a commitment to
-- the entry under its salt, so that low-entropy entries cannot be guessed
-- from their hashes. Salts of entries written before this migration are
-- drawn when the entry first joins the tree. The salt is not part of the
-- chain hash: stored entries keep their hashes.
ALTER TABLE audit_log ADD COLUMN salt BLOB;

-- An owner's record page lists the entries about their record, with a proof of each.
CREATE INDEX audit_log_by_subject ON audit_log (subject, seq);

-- The tree's stored hashes, indexed as Go's tlog package and C2SP
-- tlog-tiles clients do (each leaf and each completed subtree, in order).
CREATE TABLE audit_tree (
    idx BIGINT PRIMARY KEY NOT NULL,
    hash BLOB NOT NULL
);

-- Every signed tree head (C2SP tlog-checkpoint), as its signed note.
CREATE TABLE tree_heads (
    size BIGINT PRIMARY KEY NOT NULL,
    root BLOB NOT NULL,
    note TEXT NOT NULL,
    signed_at TIMESTAMP NOT NULL
);

-- Witnesses' cosignatures of tree heads (C2SP tlog-cosignature), one
-- signature line per witness and head; a head is published once a quorum
-- of the configured witnesses has cosigned it.
CREATE TABLE tree_head_cosignatures (
    size BIGINT NOT NULL REFERENCES tree_heads (size),
    witness TEXT NOT NULL,
    line TEXT NOT NULL,
    PRIMARY KEY (size, witness)
);
