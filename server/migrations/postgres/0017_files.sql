-- Attachments (PostgreSQL). The bytes live in the file store (files/storage.rs);
-- a row says what they are, who uploaded them and which message holds them.
-- An upload is unattached until a send names it (attached_at NULL). Deleting
-- its message (or its conversation) sets the message column NULL: the file
-- is gone for readers at once, and the sweep removes its bytes and its row.
CREATE TABLE files (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    size               BIGINT NOT NULL,
    content_type       TEXT NOT NULL,
    width              INTEGER,
    height             INTEGER,
    has_thumbnail      BOOLEAN NOT NULL DEFAULT FALSE,
    -- Who uploaded it: an account, or a visitor by their cookie's key.
    uploader_id        BIGINT REFERENCES users(id) ON DELETE SET NULL,
    uploader_key       TEXT,
    uploaded_at        TIMESTAMPTZ NOT NULL,
    attached_at        TIMESTAMPTZ,
    message_id         BIGINT REFERENCES messages(id) ON DELETE SET NULL,
    support_message_id BIGINT REFERENCES support_messages(id) ON DELETE SET NULL,
    position           INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX files_message ON files(message_id) WHERE message_id IS NOT NULL;
CREATE INDEX files_support_message ON files(support_message_id)
    WHERE support_message_id IS NOT NULL;
-- The sweep's two questions: unattached and old, or attached and orphaned.
CREATE INDEX files_unattached ON files(uploaded_at) WHERE attached_at IS NULL;
CREATE INDEX files_orphaned ON files(id)
    WHERE attached_at IS NOT NULL AND message_id IS NULL AND support_message_id IS NULL;
