-- An account keeps every identity it was ever linked to: a link ends when the
-- owner withdraws the account or the identity is shredded, and the account
-- may be identified again later. At most one link per account is live.
ALTER TABLE account_identities DROP CONSTRAINT account_identities_pkey;
ALTER TABLE account_identities ADD PRIMARY KEY (account_id, identity_id);
CREATE UNIQUE INDEX account_identities_one_live ON account_identities (account_id) WHERE withdrawn_at IS NULL;
