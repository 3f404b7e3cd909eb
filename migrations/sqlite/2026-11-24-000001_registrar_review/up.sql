-- When a registrar confirmed the identity (assurance registrar_checked, DESIGN §3).
ALTER TABLE identities ADD COLUMN registrar_checked_at TIMESTAMP;
