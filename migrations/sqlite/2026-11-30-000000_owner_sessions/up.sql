-- Owners' /my sessions, kept server-side so that signing out, or replacing a
-- lost management key, ends them at once.
CREATE TABLE owner_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    identity_id BIGINT NOT NULL REFERENCES identities (id),
    token_digest BLOB NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP
);
CREATE INDEX owner_sessions_by_identity ON owner_sessions (identity_id) WHERE ended_at IS NULL;
