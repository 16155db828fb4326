-- The sessions page and admin password resets (SQLite).
-- What a person sees of each of their sessions: the browser it was started
-- from (User-Agent as sent, cut short), the IP it logged in from, and when it
-- was last used (refreshed at most every few minutes, not on every request).
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN ip TEXT;
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;

-- One-time password reset links an admin makes for an account: stored by
-- the SHA-256 of their token, deleted when used or replaced (the audit log
-- keeps the history). At most one per account.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL UNIQUE REFERENCES users(id) ON DELETE CASCADE,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
