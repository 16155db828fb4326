-- Pinned messages: a room's short list of messages kept at hand (its
-- header lists them). A message is pinned once; deleting it unpins it.
CREATE TABLE message_pins (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    room_id    INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    pinned_by  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    pinned_at  TEXT NOT NULL
);
CREATE INDEX message_pins_room ON message_pins (room_id, pinned_at);
