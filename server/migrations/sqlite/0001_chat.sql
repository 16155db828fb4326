-- Accounts, sessions, rooms and messages (SQLite).
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT NOT NULL,
    -- lower-cased username: names are unique regardless of case
    username_key  TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('member', 'agent', 'admin')),
    created_at    TEXT NOT NULL
);

CREATE TABLE sessions (
    -- SHA-256 of the token: a leaked database does not leak live sessions
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE rooms (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL,
    name_key   TEXT NOT NULL UNIQUE,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE room_members (
    room_id      INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    last_read_id INTEGER NOT NULL DEFAULT 0,
    joined_at    TEXT NOT NULL,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX room_members_user ON room_members(user_id);

CREATE TABLE messages (
    -- AUTOINCREMENT: ids are never reused, even after the newest is deleted,
    -- so a client's `since` never skips a later message with a recycled id
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id    INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    author_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    client_id  TEXT NOT NULL,
    sent_at    TEXT NOT NULL,
    edited_at  TEXT
);
CREATE INDEX messages_room ON messages(room_id, id);
-- one stored message per (author, client_id): retries are deduplicated here
CREATE UNIQUE INDEX messages_client ON messages(author_id, client_id);
