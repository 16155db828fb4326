-- Invite links for SWITCHBOARD_REGISTRATION=invite (SQLite).

CREATE TABLE invites (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    -- SHA-256 of the token: the link is shown once, when the invite is made
    token_hash TEXT NOT NULL UNIQUE,
    max_uses   INTEGER NOT NULL CHECK (max_uses >= 1),
    -- taken in the same transaction as the account it admits, and never past
    -- max_uses: the CHECK is the last word if two sign-ups race for the last use
    uses       INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
    expires_at TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
