-- An account keeps every identity it was ever linked to: a link ends when the
-- owner withdraws the account or the identity is shredded, and the account
-- may be identified again later. At most one link per account is live.
CREATE TABLE account_identities_history (
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    identity_id BIGINT NOT NULL REFERENCES identities (id),
    linked_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP,
    PRIMARY KEY (account_id, identity_id)
);
INSERT INTO account_identities_history (account_id, identity_id, linked_at, withdrawn_at)
    SELECT account_id, identity_id, linked_at, withdrawn_at FROM account_identities;
DROP TABLE account_identities;
ALTER TABLE account_identities_history RENAME TO account_identities;
CREATE INDEX account_identities_by_identity ON account_identities (identity_id);
CREATE UNIQUE INDEX account_identities_one_live ON account_identities (account_id) WHERE withdrawn_at IS NULL;
