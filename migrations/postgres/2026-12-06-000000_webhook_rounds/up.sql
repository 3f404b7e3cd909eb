-- Deliveries go out in rounds per endpoint: a node leases the endpoint (not
-- single deliveries) and sends it a few due events. leased_until is the end
-- of that lease while a round runs (NULL otherwise); next_round_at is when
-- the endpoint may take its next round: when the last one ended, or later
-- while an endpoint that does not answer rests. Endpoints take rounds
-- oldest next_round_at first: in turn. A delivery's next_attempt_at is now
-- only when it is due, no longer a lease.
ALTER TABLE webhook_endpoints ADD COLUMN leased_until TIMESTAMP;
ALTER TABLE webhook_endpoints ADD COLUMN next_round_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
-- An endpoint's due deliveries, oldest first: one index range per round.
DROP INDEX webhook_deliveries_by_endpoint;
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, next_attempt_at);
