-- What a support system line says, as JSON (`SystemEvent`), so clients show it
-- in the reader's language; `body` keeps the English sentence.
ALTER TABLE support_messages ADD COLUMN event TEXT;
