-- A requester can be disabled (`hitd requester disable`), as SQLite's
-- migration 0013: its access key, secret and console sessions are refused
-- everywhere until it is enabled again. Its HITs, money and history stay.
ALTER TABLE requesters ADD COLUMN disabled BIGINT NOT NULL DEFAULT 0;
