-- DisableHIT (legacy API): a disabled HIT is disposed at once, and the
-- assignments still in progress are approved when they are submitted.
ALTER TABLE hits ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
