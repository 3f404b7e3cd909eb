-- Officials' failed logins in the last 24 hours, counted every minute for
-- the insider alerts, without reading the whole log.
CREATE INDEX audit_log_by_action_time ON audit_log (action, occurred_at);
