-- The audit log (PostgreSQL): who did what to accounts, rooms, invites, keys
-- and schedules, when and from where. Append-only: the trigger refuses any
-- update or delete, whoever asks.
CREATE TABLE audit_log (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        TIMESTAMPTZ NOT NULL,
    -- who acted (NULL: nobody logged in, e.g. a failed login or a sign-up);
    -- the name as it was, kept even if the account goes
    actor_id  BIGINT,
    actor     TEXT,
    action    TEXT NOT NULL,
    -- what it was done to, as a short text ("user 7 (bob)", "room 3 (#ops)")
    target    TEXT,
    detail    TEXT,
    ip        TEXT
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
