-- Profiles (SQLite): what people call themselves, a status line, their time
-- zone and an avatar. The login name (`username`) never changes and stays
-- what messages and mentions are keyed by; these only change how it shows.
ALTER TABLE users ADD COLUMN display_name TEXT;
ALTER TABLE users ADD COLUMN status_text TEXT;
-- An IANA name (Europe/Berlin), checked by the server.
ALTER TABLE users ADD COLUMN time_zone TEXT;
-- Bumped at every new avatar: its URL carries it, so a browser caches each
-- image for good and a new one is a new URL. NULL: no avatar (initials).
ALTER TABLE users ADD COLUMN avatar_version INTEGER;

-- The avatar itself, already resized (128 px, PNG, a few KB): kept in the
-- database, so every node of a cluster serves it without shared files.
CREATE TABLE avatars (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    image      BLOB NOT NULL,
    updated_at TEXT NOT NULL
);
