-- Edits and deletes, replayable after a reconnect (PostgreSQL).
--
-- Each room counts its changes: an edit or delete takes the next number with
-- `UPDATE rooms SET last_change = last_change + 1 … RETURNING` in the same
-- transaction as the change. That row lock is held until commit, so within a
-- room change ids are dense and become visible in order (a sequence would not
-- do: two transactions could take 5 and 6 and commit 6 first, and a reader
-- that saw 6 would skip 5 for ever). The lock does not block ingest: inserting
-- a message only takes a key-share lock on its room.
ALTER TABLE rooms ADD COLUMN last_change BIGINT NOT NULL DEFAULT 0;

-- One row per changed message, holding its newest change (see the SQLite
-- migration). No foreign key to messages: a deleted message keeps its row.
CREATE TABLE message_changes (
    message_id BIGINT PRIMARY KEY,
    room_id    BIGINT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    change_id  BIGINT NOT NULL
);
CREATE UNIQUE INDEX message_changes_room ON message_changes(room_id, change_id);
