-- Owner mail, queued in the transaction of the event that causes it and
-- sent by a background worker. The recipient and the message's values are
-- sealed under a master key version; once a message is sent or dropped they
-- are deleted and only this delivery record stays.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The record the message is about, if any: its unsent mail goes when it is shredded.
    identity_id BIGINT REFERENCES identities (id),
    kind TEXT NOT NULL,
    -- At most one message per event, e.g. 'deadline-7d:42:2026-12-07'.
    dedupe_key TEXT UNIQUE,
    key_id INTEGER,
    payload BLOB,
    created_at TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    -- A code is worthless after this: the message is dropped unsent.
    expires_at TIMESTAMP,
    attempts INTEGER NOT NULL DEFAULT 0,
    -- The SMTP reply class and code of the last failure; never an address.
    last_error TEXT,
    sent_at TIMESTAMP,
    dropped_at TIMESTAMP,
    CHECK ((payload IS NULL) = (key_id IS NULL)),
    CHECK ((payload IS NULL) = (sent_at IS NOT NULL OR dropped_at IS NOT NULL))
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE payload IS NOT NULL;
CREATE INDEX outbox_by_identity ON outbox (identity_id) WHERE payload IS NOT NULL;
CREATE INDEX outbox_by_key_id ON outbox (key_id) WHERE key_id IS NOT NULL;
