CREATE TABLE account_identities_single (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    identity_id BIGINT NOT NULL REFERENCES identities (id),
    linked_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP
);
-- Keeps each account's newest link.
INSERT INTO account_identities_single (account_id, identity_id, linked_at, withdrawn_at)
    SELECT account_id, identity_id, linked_at, withdrawn_at FROM account_identities a
    WHERE linked_at = (SELECT MAX(linked_at) FROM account_identities b WHERE b.account_id = a.account_id);
DROP TABLE account_identities;
ALTER TABLE account_identities_single RENAME TO account_identities;
CREATE INDEX account_identities_by_identity ON account_identities (identity_id);
