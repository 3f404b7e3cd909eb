DROP INDEX webhook_deliveries_by_endpoint;
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id);
ALTER TABLE webhook_endpoints DROP COLUMN next_round_at;
ALTER TABLE webhook_endpoints DROP COLUMN leased_until;
