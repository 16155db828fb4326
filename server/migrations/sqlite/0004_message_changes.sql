-- Edits and deletes, replayable after a reconnect (SQLite).
--
-- Each room counts its changes: an edit or delete takes the next number from
-- rooms.last_change in the same write transaction as the change itself. The
-- counter row is the room's lock, so change ids are dense and committed in
-- order within a room; a client that resumes with `changes_since` gets every
-- later change, and a gap in what it saw live means it missed one.
ALTER TABLE rooms ADD COLUMN last_change INTEGER NOT NULL DEFAULT 0;

-- One row per changed message, holding its newest change: a replay sends the
-- message's current state, so its earlier changes are never needed again. No
-- foreign key to messages: a deleted message keeps its row, which is how the
-- replay knows to say `deleted`.
CREATE TABLE message_changes (
    message_id INTEGER PRIMARY KEY,
    room_id    INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    change_id  INTEGER NOT NULL
);
CREATE UNIQUE INDEX message_changes_room ON message_changes(room_id, change_id);
