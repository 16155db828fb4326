-- Pinned messages: a room's short list of messages kept at hand (its
-- header lists them). A message is pinned once; deleting it unpins it.
CREATE TABLE message_pins (
    message_id BIGINT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    room_id    BIGINT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    pinned_by  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    pinned_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX message_pins_room ON message_pins (room_id, pinned_at);
