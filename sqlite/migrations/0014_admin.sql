-- Admin commands (issue 13).

-- Access keys a requester rotated out (`hitd requester rotate-key`). The
-- current key stays in requesters (access_key_id, secret_access_key); a
-- retired key works until expires_at (exclusive, unix ms) and is kept
-- afterwards, so it is never handed out again and `hitd requester keys` can
-- show when it ended. Requesters created before this migration have no
-- retired keys: there is nothing to move.
CREATE TABLE retired_keys (
    access_key_id     TEXT PRIMARY KEY,
    requester_id      TEXT NOT NULL REFERENCES requesters (id),
    secret_access_key TEXT NOT NULL,
    retired_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX retired_keys_by_requester ON retired_keys (requester_id, retired_at);

-- A worker can be disabled (`hitd worker disable`): they cannot sign in,
-- their sessions and worker-API tokens are refused, and they cannot accept
-- or submit. Their assignments and earnings stay as they are.
ALTER TABLE workers ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
CREATE INDEX sessions_by_worker ON sessions (worker_id); -- to end a disabled worker's sessions

-- Why an operator moved money (`hitd requester adjust-balance --reason`,
-- `hitd requester deposit --reason`); '' for every other entry.
ALTER TABLE ledger ADD COLUMN reason TEXT NOT NULL DEFAULT '';
