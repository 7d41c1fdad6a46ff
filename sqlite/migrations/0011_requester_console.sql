-- The requester console's accounts (issue 11): a requester signs in with
-- its secret access key or a console password (bcrypt; empty: none set),
-- and an admin requester may manage the server from the console.
ALTER TABLE requesters ADD COLUMN console_password_hash BLOB NOT NULL DEFAULT x'';
ALTER TABLE requesters ADD COLUMN is_admin INTEGER NOT NULL DEFAULT 0;

-- Console sessions keep only the SHA-256 of their token, like workers'.
CREATE TABLE requester_sessions (
    token_hash   BLOB PRIMARY KEY,
    requester_id TEXT NOT NULL REFERENCES requesters (id),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
