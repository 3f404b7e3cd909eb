-- The body that asked for a disclosure, from a fixed list, as its owner is told of it.
ALTER TABLE access_requests ADD COLUMN authority TEXT;
