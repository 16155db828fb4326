-- Visitor rows only for visitors who wrote or were identified (PostgreSQL).
--
-- Visitor rows are now made when a visitor first writes (or is identified by
-- a signed identity), not for every cookie the support page hands out. Rows
-- made the old way for visitors who never wrote hold nothing worth keeping
-- (no identity, no conversation): remove them, so a flood of cookies from
-- before the change does not stay in the table.
DELETE FROM support_visitors
 WHERE external_id IS NULL
   AND NOT EXISTS (SELECT 1 FROM support_conversations c
                    WHERE c.visitor_id = support_visitors.id);
