-- An identification waiting for the code mailed to confirm it. Nothing is
-- linked, and no record is created, until the code is entered: for a new
-- identifier the code goes to the address typed, for one already on file to
-- that record's own address. Kept after the code expires only to remind the
-- owner of the account's deadline, until the account no longer needs it.
CREATE TABLE pending_identifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL UNIQUE REFERENCES accounts (id),
    -- The claim it continues: a new claim code voids it.
    claim_code_digest BLOB NOT NULL,
    blind_index BLOB NOT NULL,
    -- The record on file with the same identifier, which the code went to.
    existing_identity_id BIGINT REFERENCES identities (id),
    -- The declaration (with the address typed), sealed under master key version key_id.
    key_id INTEGER NOT NULL,
    declaration BLOB NOT NULL,
    lang TEXT NOT NULL CHECK (lang IN ('kk', 'ru', 'en')),
    code_digest BLOB NOT NULL,
    code_expires_at TIMESTAMP NOT NULL,
    codes_sent INTEGER NOT NULL,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX pending_identifications_by_key_id ON pending_identifications (key_id);

-- Single-use proofs mailed to a record's confirmed address: a link to report
-- a new link as not the owner's, a link to replace a lost management key, a
-- code confirming a new contact address (sent to that address). Stored as
-- digests; `value` is what the proof will set (the new address), sealed.
CREATE TABLE owner_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    identity_id BIGINT NOT NULL REFERENCES identities (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('link_report', 'key_reset', 'email_change')),
    token_digest BLOB NOT NULL UNIQUE,
    account_id BIGINT REFERENCES accounts (id),
    key_id INTEGER,
    value BLOB,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    CHECK ((value IS NULL) = (key_id IS NULL))
);
CREATE INDEX owner_tokens_by_identity ON owner_tokens (identity_id, purpose) WHERE used_at IS NULL;
CREATE INDEX owner_tokens_by_key_id ON owner_tokens (key_id) WHERE key_id IS NOT NULL;

-- When the owner proved the contact address by entering a code sent to it.
ALTER TABLE identities ADD COLUMN email_confirmed_at TIMESTAMP;
-- The language the owner reads mail in.
ALTER TABLE identities ADD COLUMN lang TEXT NOT NULL DEFAULT 'kk' CHECK (lang IN ('kk', 'ru', 'en'));

-- When the owner was mailed that this request's disclosure became visible
-- to them. Requests disclosed before owners had mail count as told.
ALTER TABLE access_requests ADD COLUMN owner_told_at TIMESTAMP;
UPDATE access_requests SET owner_told_at = CURRENT_TIMESTAMP
    WHERE EXISTS (SELECT 1 FROM disclosures WHERE disclosures.request_id = access_requests.id);
CREATE INDEX access_requests_owner_untold ON access_requests (notify_owner_after) WHERE owner_told_at IS NULL;
