DROP INDEX account_identities_one_live;
-- Keeps each account's newest link.
DELETE FROM account_identities a
    WHERE linked_at < (SELECT MAX(linked_at) FROM account_identities b WHERE b.account_id = a.account_id);
ALTER TABLE account_identities DROP CONSTRAINT account_identities_pkey;
ALTER TABLE account_identities ADD PRIMARY KEY (account_id);
