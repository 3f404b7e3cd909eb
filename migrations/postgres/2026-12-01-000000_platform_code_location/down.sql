ALTER TABLE platforms DROP COLUMN code_location;
