-- Invite links for SWITCHBOARD_REGISTRATION=invite (PostgreSQL).

CREATE TABLE invites (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- SHA-256 of the token: the link is shown once, when the invite is made
    token_hash TEXT NOT NULL UNIQUE,
    max_uses   BIGINT NOT NULL CHECK (max_uses >= 1),
    -- taken in the same transaction as the account it admits, and never past
    -- max_uses: the CHECK is the last word if two sign-ups race for the last use
    uses       BIGINT NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
    expires_at TIMESTAMPTZ NOT NULL,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
