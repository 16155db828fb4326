-- The customer-service desk (PostgreSQL). Routing decisions live here, not in
-- memory: after a restart the queue (conversations without an assignee, in id
-- order) and every re-routing deadline are exactly as they were.

-- Secrets the server generates once and keeps (the visitor-cookie key when
-- SWITCHBOARD_SECRET is not set), so visitors stay known across restarts.
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE support_visitors (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- the random key inside the signed visitor cookie
    cookie_key  TEXT NOT NULL UNIQUE,
    name        TEXT,
    email       TEXT,
    -- set only from a correctly signed identity
    external_id TEXT UNIQUE,
    verified    BOOLEAN NOT NULL DEFAULT FALSE,
    page        TEXT,
    user_agent  TEXT,
    first_seen TIMESTAMPTZ NOT NULL,
    last_seen TIMESTAMPTZ NOT NULL
);

CREATE TABLE support_conversations (
    id                BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    visitor_id        BIGINT NOT NULL REFERENCES support_visitors(id) ON DELETE CASCADE,
    -- the client_id of the visitor's `support.open`: one conversation per open
    open_client_id    TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('open', 'pending', 'resolved')),
    assignee_id       BIGINT REFERENCES users(id) ON DELETE SET NULL,
    -- when the assignee must have answered by, or be replaced (auto-assignment)
    reroute_at TIMESTAMPTZ,
    -- the agent it was taken from for not answering: routing skips them for it
    skip_agent_id     BIGINT REFERENCES users(id) ON DELETE SET NULL,
    -- identity snapshot at the start, as the visitor gave it or it was verified
    visitor_name      TEXT,
    visitor_email     TEXT,
    verified          BOOLEAN NOT NULL DEFAULT FALSE,
    page              TEXT,
    user_agent        TEXT,
    last_preview      TEXT,
    unanswered        BIGINT NOT NULL DEFAULT 0,
    waiting_since TIMESTAMPTZ,
    rating            SMALLINT CHECK (rating BETWEEN 1 AND 5),
    rating_comment    TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    first_response_at TIMESTAMPTZ,
    resolved_at TIMESTAMPTZ,
    UNIQUE (visitor_id, open_client_id)
);
CREATE INDEX support_conversations_queue ON support_conversations(assignee_id, status, id);
CREATE INDEX support_conversations_visitor ON support_conversations(visitor_id, id);

CREATE TABLE support_messages (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES support_conversations(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('visitor', 'agent', 'system', 'note')),
    author_id       BIGINT REFERENCES users(id) ON DELETE SET NULL,
    author_name     TEXT NOT NULL,
    -- 'v<visitor id>' or 'u<user id>' (NULL for system lines): with client_id,
    -- the key that makes a retried send store once
    author_key      TEXT,
    client_id       TEXT,
    body            TEXT NOT NULL,
    sent_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX support_messages_conversation ON support_messages(conversation_id, id);
CREATE UNIQUE INDEX support_messages_client ON support_messages(conversation_id, author_key, client_id);

-- Per-agent settings; an agent without a row has the default capacity.
CREATE TABLE support_agents (
    user_id  BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    capacity BIGINT NOT NULL CHECK (capacity >= 0)
);

CREATE TABLE support_canned_replies (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- One row: the business hours as the JSON of `BusinessHours` (validated on write).
CREATE TABLE support_settings (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    hours TEXT NOT NULL
);
