-- The audit log (SQLite): who did what to accounts, rooms, invites, keys and
-- schedules, when and from where. Append-only: the triggers refuse any update
-- or delete, whoever asks.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    -- who acted (NULL: nobody logged in, e.g. a failed login or a sign-up);
    -- the name as it was, kept even if the account goes
    actor_id  INTEGER,
    actor     TEXT,
    action    TEXT NOT NULL,
    -- what it was done to, as a short text ("user 7 (bob)", "room 3 (#ops)")
    target    TEXT,
    detail    TEXT,
    ip        TEXT
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
