-- Private rooms, room roles and direct messages (SQLite).
-- Every existing room stays public, every membership a plain member, and the
-- member who created a room its owner.
ALTER TABLE rooms ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public'
    CHECK (visibility IN ('public', 'private'));
ALTER TABLE rooms ADD COLUMN kind TEXT NOT NULL DEFAULT 'room'
    CHECK (kind IN ('room', 'dm'));
-- A DM's participants, as their sorted ids joined by commas: the same people
-- always make the same key, so two concurrent opens cannot make two DMs.
-- NULL for rooms (UNIQUE lets any number of NULLs through).
ALTER TABLE rooms ADD COLUMN dm_key TEXT;
CREATE UNIQUE INDEX rooms_dm_key ON rooms(dm_key);
-- What lists are ordered and paged by: a room's `name_key`; a DM's lower-cased
-- name (its participants' usernames). A DM's own `name_key` is an internal
-- value no room name can take (it starts with a control character), so DMs
-- never make a room name look taken.
ALTER TABLE rooms ADD COLUMN sort_key TEXT NOT NULL DEFAULT '';
UPDATE rooms SET sort_key = name_key;
CREATE INDEX rooms_sort ON rooms(sort_key, id);

ALTER TABLE room_members ADD COLUMN role TEXT NOT NULL DEFAULT 'member'
    CHECK (role IN ('owner', 'moderator', 'member'));
UPDATE room_members SET role = 'owner'
 WHERE user_id = (SELECT created_by FROM rooms WHERE rooms.id = room_members.room_id);
