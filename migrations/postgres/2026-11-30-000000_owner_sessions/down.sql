DROP TABLE owner_sessions;
