-- Threads: a reply names its parent (a message of the same room that is not
-- itself a reply). No foreign key: deleting a parent deletes its replies in
-- the same transaction, each recorded as a change for resuming clients.
-- `also_in_room`: the reply was also sent to the room, so room history shows
-- it. A parent keeps its reply count and last reply time, kept up to date in
-- the transaction that adds or deletes a reply.
ALTER TABLE messages ADD COLUMN thread_id INTEGER;
ALTER TABLE messages ADD COLUMN also_in_room BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE messages ADD COLUMN reply_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN last_reply_at TEXT;
CREATE INDEX messages_thread ON messages (thread_id, id) WHERE thread_id IS NOT NULL;
