-- Deliveries go out in rounds per endpoint: a node leases the endpoint (not
-- single deliveries) and sends it a few due events in order on one
-- connection. leased_until is the end of that lease while a round runs;
-- after it, when the endpoint may take its next round (when the last one
-- ended, or later after an endpoint that did not answer). Endpoints take
-- rounds oldest leased_until first: in turn. A delivery's next_attempt_at is
-- now only when it is due, no longer a lease.
ALTER TABLE webhook_endpoints ADD COLUMN leased_until TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
-- An endpoint's due deliveries, oldest first: one index range per round.
DROP INDEX webhook_deliveries_by_endpoint;
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, next_attempt_at);
