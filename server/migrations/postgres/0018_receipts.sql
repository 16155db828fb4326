-- Read receipts: whether a person lets others see how far they have read
-- (their read marker, room_members.last_read_id). On by default, as in the
-- chat products people know; each person can turn it off in their profile.
ALTER TABLE users ADD COLUMN send_receipts BOOLEAN NOT NULL DEFAULT TRUE;
