-- Reactions (PostgreSQL): who reacted to which message with which emoji. A
-- reaction is a change of its message (message_changes), so a client that
-- was away gets the message's reactions again on resume.
CREATE TABLE message_reactions (
    message_id BIGINT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    emoji      TEXT NOT NULL,
    reacted_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (message_id, emoji, user_id)
);
