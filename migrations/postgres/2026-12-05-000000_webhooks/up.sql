-- Platforms' webhook endpoints (Standard Webhooks). The signing secret of
-- an endpoint is derived from the key file's token key and a random nonce
-- kept here: the database alone cannot sign. During a rotation the previous
-- nonce keeps signing beside the new one until previous_until.
CREATE TABLE webhook_endpoints (
    id BIGSERIAL PRIMARY KEY,
    platform_id BIGINT NOT NULL REFERENCES platforms (id),
    url TEXT NOT NULL,
    scheme TEXT NOT NULL,
    secret_nonce BYTEA NOT NULL,
    previous_nonce BYTEA,
    previous_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    -- Since when every attempt failed (NULL after a success).
    failing_since TIMESTAMP,
    disabled_at TIMESTAMP,
    disabled_reason TEXT
);
CREATE INDEX webhook_endpoints_by_platform ON webhook_endpoints (platform_id);

-- The outbox: one row per status change and endpoint, written in the
-- transaction that records the change. next_attempt_at is NULL once the
-- event was delivered or given up; while a node sends it, it is the end of
-- that node's lease.
CREATE TABLE webhook_deliveries (
    id BIGSERIAL PRIMARY KEY,
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints (id),
    platform_id BIGINT NOT NULL REFERENCES platforms (id),
    seq BIGINT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP,
    attempts INTEGER NOT NULL,
    last_attempt_at TIMESTAMP,
    last_status INTEGER,
    last_error TEXT,
    delivered_at TIMESTAMP,
    failed_at TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_deliveries_by_platform ON webhook_deliveries (platform_id, id);
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id);
