-- Full-text search (SQLite). `terms` is the line of words a message is found
-- by, made by the server (search/terms.rs: English stems, CJK pairs) because
-- no SQLite tokenizer splits Chinese; NULL until the server has made it
-- (messages stored before this migration are indexed at start-up).
ALTER TABLE messages ADD COLUMN terms TEXT;

-- An external-content index over `messages.terms`: the words are not stored
-- twice. The tokenizer only splits the server's terms on spaces again (they
-- are letters, digits and marks), keeping accents as PostgreSQL does.
CREATE VIRTUAL TABLE message_search USING fts5(
    terms,
    content = 'messages',
    content_rowid = 'id',
    tokenize = "unicode61 remove_diacritics 0 categories 'L* N* Co M*'"
);

-- Kept in step by triggers, in the transaction that changes the message.
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages
WHEN new.terms IS NOT NULL BEGIN
    INSERT INTO message_search (rowid, terms) VALUES (new.id, new.terms);
END;

CREATE TRIGGER messages_search_delete AFTER DELETE ON messages
WHEN old.terms IS NOT NULL BEGIN
    INSERT INTO message_search (message_search, rowid, terms)
    VALUES ('delete', old.id, old.terms);
END;

CREATE TRIGGER messages_search_update AFTER UPDATE OF terms ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, terms)
    SELECT 'delete', old.id, old.terms WHERE old.terms IS NOT NULL;
    INSERT INTO message_search (rowid, terms)
    SELECT new.id, new.terms WHERE new.terms IS NOT NULL;
END;
