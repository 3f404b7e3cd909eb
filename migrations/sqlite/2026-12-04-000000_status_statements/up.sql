-- Signed status statements: every change-feed row, and every account's
-- current status (its latest change), carry the Ed25519 signature made
-- when the change was recorded, and the id of the key that made it. The
-- statement is the row's own columns: reads encode only the signature.
ALTER TABLE status_changes ADD COLUMN deadline TIMESTAMP;
ALTER TABLE status_changes ADD COLUMN statement_key TEXT;
ALTER TABLE status_changes ADD COLUMN statement_signature BLOB;
ALTER TABLE accounts ADD COLUMN statement_key TEXT;
ALTER TABLE accounts ADD COLUMN statement_signature BLOB;

-- Every status-signing public key ever used, so that statements signed
-- before a rotation (or a master key's retirement) still verify.
CREATE TABLE status_keys (
    kid TEXT PRIMARY KEY NOT NULL,
    public_key BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Each platform's latest signed head statement: its newest change and when
-- that was so, signed at least every minute.
CREATE TABLE status_heads (
    platform_id BIGINT PRIMARY KEY NOT NULL REFERENCES platforms (id),
    seq BIGINT NOT NULL,
    issued_at TIMESTAMP NOT NULL,
    signature TEXT NOT NULL
);
