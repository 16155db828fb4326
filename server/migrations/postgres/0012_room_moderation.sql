-- Room settings and moderation (PostgreSQL): a topic, archiving, mutes and bans.
ALTER TABLE rooms ADD COLUMN topic TEXT NOT NULL DEFAULT '';
-- When it was archived (read-only, out of the sidebar); NULL while open.
ALTER TABLE rooms ADD COLUMN archived_at TIMESTAMPTZ;
-- Mutes and bans are kept apart from memberships, so leaving a room and
-- joining it again neither lifts nor forgets them. A mute whose `until` has
-- passed is over.
CREATE TABLE room_mutes (
    room_id  BIGINT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    muted_until TIMESTAMPTZ NOT NULL,
    muted_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    PRIMARY KEY (room_id, user_id)
);
CREATE TABLE room_bans (
    room_id   BIGINT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    banned_at TIMESTAMPTZ NOT NULL,
    banned_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    PRIMARY KEY (room_id, user_id)
);
