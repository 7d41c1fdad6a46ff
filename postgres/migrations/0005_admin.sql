-- Admin commands (issue 13), as SQLite's migration 0014.

-- Access keys a requester rotated out (`hitd requester rotate-key`). The
-- current key stays in requesters; a retired key works until expires_at
-- (exclusive, unix ms) and is kept afterwards, so it is never handed out
-- again and `hitd requester keys` can show when it ended.
CREATE TABLE retired_keys (
    access_key_id     TEXT PRIMARY KEY,
    requester_id      TEXT NOT NULL REFERENCES requesters (id),
    secret_access_key TEXT NOT NULL,
    retired_at        BIGINT NOT NULL,
    expires_at        BIGINT NOT NULL
);
CREATE INDEX retired_keys_by_requester ON retired_keys (requester_id, retired_at);

-- A worker can be disabled (`hitd worker disable`).
ALTER TABLE workers ADD COLUMN disabled BIGINT NOT NULL DEFAULT 0;
CREATE INDEX sessions_by_worker ON sessions (worker_id); -- to end a disabled worker's sessions

-- Why an operator moved money; '' for every other entry.
ALTER TABLE ledger ADD COLUMN reason TEXT NOT NULL DEFAULT '';
