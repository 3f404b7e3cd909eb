-- Each registrar check of a declaration against evidence (DESIGN §7): who,
-- why, which fields were compared, whether the check confirms the declaration
-- (every declared field checked and matching) and whether it contradicts it
-- (a field that does not match), and whether it compared anything declared.
-- The values typed are never stored.
CREATE TABLE review_checks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    identity_id BIGINT NOT NULL REFERENCES identities (id),
    official_id BIGINT NOT NULL REFERENCES officials (id),
    purpose TEXT NOT NULL,
    fields TEXT NOT NULL,
    confirms BOOLEAN NOT NULL,
    contradicts BOOLEAN NOT NULL,
    compared BOOLEAN NOT NULL,
    checked_at TIMESTAMP NOT NULL,
    audit_seq BIGINT NOT NULL
);
CREATE INDEX review_checks_by_official ON review_checks (official_id, checked_at);
CREATE INDEX review_checks_by_identity ON review_checks (identity_id, official_id);
