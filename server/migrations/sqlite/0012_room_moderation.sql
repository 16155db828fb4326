-- Room settings and moderation (SQLite): a topic, archiving, mutes and bans.
ALTER TABLE rooms ADD COLUMN topic TEXT NOT NULL DEFAULT '';
-- When it was archived (read-only, out of the sidebar); NULL while open.
ALTER TABLE rooms ADD COLUMN archived_at TEXT;
-- Mutes and bans are kept apart from memberships, so leaving a room and
-- joining it again neither lifts nor forgets them. A mute whose `until` has
-- passed is over (compared in the server, not as text here).
CREATE TABLE room_mutes (
    room_id  INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    muted_until TEXT NOT NULL,
    muted_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    PRIMARY KEY (room_id, user_id)
);
CREATE TABLE room_bans (
    room_id   INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    banned_at TEXT NOT NULL,
    banned_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    PRIMARY KEY (room_id, user_id)
);
