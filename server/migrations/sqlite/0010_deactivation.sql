-- Deactivated accounts (SQLite): when an admin deactivated the account; NULL
-- while it is active. The row stays so the name stays on old messages.
ALTER TABLE users ADD COLUMN deactivated_at TEXT;
