-- Counts each official's disclosures of the last 24 hours (DESIGN §7 abuse brakes).
CREATE INDEX disclosures_by_official ON disclosures (opened_by, opened_at);
