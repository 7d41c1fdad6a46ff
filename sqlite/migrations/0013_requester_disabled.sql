-- A requester can be disabled (`hitd requester disable`): its access key,
-- secret and console sessions are refused everywhere until it is enabled
-- again. Its HITs, money and history stay as they are.
ALTER TABLE requesters ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
