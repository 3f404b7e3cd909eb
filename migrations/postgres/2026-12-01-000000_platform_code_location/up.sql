-- Where on the platform its users find their claim code, for the owners' claim page.
ALTER TABLE platforms ADD COLUMN code_location TEXT;
