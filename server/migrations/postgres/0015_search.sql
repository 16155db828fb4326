-- Full-text search (PostgreSQL). `terms` is the line of words a message is
-- found by, made by the server (search/terms.rs: English stems, CJK pairs),
-- so both databases find the same messages; NULL until the server has made
-- it (messages stored before this migration are indexed at start-up).
ALTER TABLE messages ADD COLUMN terms TEXT;

-- The 'simple' configuration only lowercases and splits on spaces again:
-- stemming and CJK splitting were done by the server. Searches use the same
-- expression, so this index serves them.
CREATE INDEX messages_search ON messages USING gin (to_tsvector('simple', terms));
