-- Announcements: immediate and scheduled pushes, their receipts, API keys (SQLite).

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL,
    -- SHA-256 of the key: the key itself is shown once and never stored
    key_hash     TEXT NOT NULL UNIQUE,
    created_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);

CREATE TABLE schedules (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    title       TEXT,
    body        TEXT NOT NULL,
    body_html   TEXT NOT NULL,
    severity    TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'urgent')),
    target_kind TEXT NOT NULL CHECK (target_kind IN ('all', 'room', 'user', 'agents', 'visitors')),
    -- no foreign key: a deleted room or user must make the next occurrence
    -- fail visibly, not silently delete or retarget the schedule
    target_id   INTEGER,
    -- the first due time (UTC) and the IANA zone its recurrence keeps local time in
    at          TEXT NOT NULL,
    zone        TEXT NOT NULL,
    -- JSON of protocol::Repeat, NULL for a one-off
    repeat      TEXT,
    until       TEXT,
    -- who may send it: an admin's account or an API key (checked again at fire time)
    author_id   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    api_key_id  INTEGER REFERENCES api_keys(id),
    status      TEXT NOT NULL CHECK (status IN ('scheduled', 'sent', 'cancelled', 'failed')),
    next_run    TEXT,
    last_run    TEXT,
    last_error  TEXT,
    -- bumped by every edit: the scheduler claims an occurrence only for the
    -- revision it read, so an edit racing a firing wins or loses whole
    revision    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
-- what the scheduler asks for: the earliest due schedules
CREATE INDEX schedules_due ON schedules(next_run) WHERE status = 'scheduled';

-- One row per due time of a schedule. The unique key is what makes an
-- occurrence fire at most once, whoever claims it.
CREATE TABLE occurrences (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
    due_at      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('firing', 'sent', 'missed', 'failed')),
    fired_at    TEXT NOT NULL,
    late        INTEGER NOT NULL DEFAULT 0,
    reason      TEXT,
    UNIQUE (schedule_id, due_at)
);

CREATE TABLE announcements (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    title         TEXT,
    body_html     TEXT NOT NULL,
    severity      TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'urgent')),
    target_kind   TEXT NOT NULL CHECK (target_kind IN ('all', 'room', 'user', 'agents', 'visitors')),
    target_id     INTEGER,
    author_id     INTEGER REFERENCES users(id) ON DELETE SET NULL,
    api_key_id    INTEGER REFERENCES api_keys(id),
    schedule_id   INTEGER REFERENCES schedules(id) ON DELETE SET NULL,
    occurrence_id INTEGER UNIQUE REFERENCES occurrences(id) ON DELETE SET NULL,
    due_at        TEXT,
    sent_at       TEXT NOT NULL,
    late          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX announcements_schedule ON announcements(schedule_id);

-- Who got an announcement (live or from the inbox), saw it, dismissed it.
CREATE TABLE announcement_receipts (
    announcement_id INTEGER NOT NULL REFERENCES announcements(id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    delivered_at    TEXT NOT NULL,
    seen_at         TEXT,
    dismissed_at    TEXT,
    PRIMARY KEY (announcement_id, user_id)
);
CREATE INDEX announcement_receipts_user ON announcement_receipts(user_id);
