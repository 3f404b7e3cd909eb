ALTER TABLE identities DROP COLUMN registrar_checked_at;
