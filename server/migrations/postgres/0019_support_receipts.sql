-- Read receipts in support: how far the visitor has read a conversation,
-- and how far its staff have (0: nothing yet).
ALTER TABLE support_conversations ADD COLUMN visitor_read_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE support_conversations ADD COLUMN staff_read_id BIGINT NOT NULL DEFAULT 0;
