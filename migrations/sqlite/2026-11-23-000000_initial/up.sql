-- The whole data model (DESIGN §3–§8). The PostgreSQL migration of the same
-- name is this file with BIGINT identity keys, BYTEA for BLOB and the same
-- constraints. Status-like columns hold fixed codes, checked here.

CREATE TABLE platforms (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    -- HMAC of the API token; NULL while no token is valid.
    token_digest BLOB UNIQUE,
    token_issued_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    platform_id BIGINT NOT NULL REFERENCES platforms (id),
    account_ref TEXT NOT NULL,
    handle TEXT NOT NULL,
    follower_count BIGINT NOT NULL CHECK (follower_count >= 0),
    observed_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('required', 'verified', 'overdue', 'not_required')),
    assurance TEXT CHECK (assurance IN ('declared', 'registrar_checked', 'signed')),
    -- When the follower count last went over the threshold; the deadline is fixed from it.
    crossed_at TIMESTAMP,
    deadline TIMESTAMP,
    -- Start of the current stretch at or below the threshold (hysteresis clock).
    below_since TIMESTAMP,
    claim_code_digest BLOB UNIQUE,
    claim_code_expires_at TIMESTAMP,
    status_changed_at TIMESTAMP NOT NULL,
    -- Sequence number of the latest status change (status_changes.seq).
    seq BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (platform_id, account_ref)
);
-- The time-driven jobs find due accounts without a table scan. Not partial
-- indexes: SQLite uses those only for literal values, never bound parameters.
CREATE INDEX accounts_by_status_deadline ON accounts (status, deadline);
CREATE INDEX accounts_by_below_since ON accounts (below_since);

-- The change feed: one row per status change, in commit order.
CREATE TABLE status_changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    platform_id BIGINT NOT NULL REFERENCES platforms (id),
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    account_ref TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('required', 'verified', 'overdue', 'not_required')),
    assurance TEXT CHECK (assurance IN ('declared', 'registrar_checked', 'signed')),
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX status_changes_by_platform ON status_changes (platform_id, seq);
CREATE INDEX status_changes_by_account ON status_changes (account_id, seq);

-- One person or entity. Identifiers exist only as a blind index and as
-- ciphertext in identity_fields; shredding clears the index and the wrapped key.
CREATE TABLE identities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The owner's receipt number: random, public, no meaning.
    reference TEXT NOT NULL UNIQUE,
    owner_type TEXT NOT NULL CHECK (owner_type IN ('resident', 'non_resident', 'legal_entity')),
    blind_index BLOB UNIQUE,
    key_id INTEGER,
    wrapped_data_key BLOB,
    management_key_digest BLOB UNIQUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    shredded_at TIMESTAMP,
    CHECK ((shredded_at IS NULL) = (wrapped_data_key IS NOT NULL AND key_id IS NOT NULL AND blind_index IS NOT NULL))
);
CREATE INDEX identities_by_key_id ON identities (key_id) WHERE key_id IS NOT NULL;

-- One ciphertext per field, so a disclosure decrypts only the approved fields.
CREATE TABLE identity_fields (
    identity_id BIGINT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    field TEXT NOT NULL CHECK (field IN ('iin', 'bin', 'document_type', 'document_number', 'country', 'surname',
                                         'given_name', 'patronymic', 'legal_name', 'birth_date', 'email')),
    ciphertext BLOB NOT NULL,
    PRIMARY KEY (identity_id, field)
);

CREATE TABLE account_identities (
    account_id BIGINT PRIMARY KEY REFERENCES accounts (id),
    identity_id BIGINT NOT NULL REFERENCES identities (id),
    linked_at TIMESTAMP NOT NULL,
    withdrawn_at TIMESTAMP
);
CREATE INDEX account_identities_by_identity ON account_identities (identity_id);

CREATE TABLE officials (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    -- The TOTP secret, sealed under master key version totp_key_id.
    totp_key_id INTEGER NOT NULL,
    totp_secret BLOB NOT NULL,
    -- The last TOTP time step accepted, so a code is never accepted twice.
    last_totp_step BIGINT,
    roles TEXT NOT NULL,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    disabled_at TIMESTAMP
);
CREATE INDEX officials_by_totp_key_id ON officials (totp_key_id);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    official_id BIGINT NOT NULL REFERENCES officials (id),
    token_digest BLOB NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX sessions_by_official ON sessions (official_id);

CREATE TABLE access_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_id BIGINT NOT NULL REFERENCES officials (id),
    target_platform_id BIGINT REFERENCES platforms (id),
    target_account_ref TEXT,
    target_identifier_type TEXT CHECK (target_identifier_type IN ('iin', 'bin', 'document')),
    target_blind_index BLOB,
    legal_basis TEXT NOT NULL
        CHECK (legal_basis IN ('court_decision', 'criminal_investigation', 'prosecutor_request', 'administrative_case')),
    basis_document_number TEXT NOT NULL,
    basis_document_date DATE NOT NULL,
    basis_document_issuer TEXT NOT NULL,
    justification TEXT NOT NULL,
    -- Comma-separated field codes, as in identity_fields.field.
    fields TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'denied', 'expired')),
    created_at TIMESTAMP NOT NULL,
    decided_by BIGINT REFERENCES officials (id),
    decided_at TIMESTAMP,
    decision_reason TEXT,
    notify_owner_after TIMESTAMP,
    valid_until TIMESTAMP,
    openings INTEGER NOT NULL DEFAULT 0,
    CHECK ((target_platform_id IS NOT NULL AND target_account_ref IS NOT NULL
            AND target_identifier_type IS NULL AND target_blind_index IS NULL)
        OR (target_platform_id IS NULL AND target_account_ref IS NULL
            AND target_identifier_type IS NOT NULL AND target_blind_index IS NOT NULL)),
    -- Four eyes: nobody decides their own request.
    CHECK (decided_by IS NULL OR decided_by <> requester_id)
);
CREATE INDEX access_requests_by_state ON access_requests (state, created_at);
CREATE INDEX access_requests_by_requester ON access_requests (requester_id, created_at);
CREATE INDEX access_requests_by_created_at ON access_requests (created_at);

-- Each opening of an approved request, per identity it revealed.
CREATE TABLE disclosures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id BIGINT NOT NULL REFERENCES access_requests (id),
    identity_id BIGINT NOT NULL REFERENCES identities (id),
    opened_by BIGINT NOT NULL REFERENCES officials (id),
    opened_at TIMESTAMP NOT NULL,
    audit_seq BIGINT NOT NULL
);
CREATE INDEX disclosures_by_identity ON disclosures (identity_id, opened_at);
CREATE INDEX disclosures_by_request ON disclosures (request_id);

-- Append-only, hash-chained (DESIGN §8). seq is gapless: previous + 1.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash BLOB NOT NULL,
    hash BLOB NOT NULL
);

-- Ed25519 signatures over (seq, hash) of the audit chain.
CREATE TABLE checkpoints (
    seq BIGINT PRIMARY KEY REFERENCES audit_log (seq),
    hash BLOB NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    public_key BLOB NOT NULL,
    signature BLOB NOT NULL
);
