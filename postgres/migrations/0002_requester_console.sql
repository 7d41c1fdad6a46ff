-- The requester console's accounts (issue 11), as SQLite's migration 0011:
-- a requester signs in with its secret access key or a console password
-- (bcrypt; empty: none set), and an admin requester may manage the server
-- from the console.
ALTER TABLE requesters
    ADD COLUMN console_password_hash BYTEA NOT NULL DEFAULT ''::bytea,
    ADD COLUMN is_admin BIGINT NOT NULL DEFAULT 0;

-- Console sessions keep only the SHA-256 of their token, like workers'.
CREATE TABLE requester_sessions (
    token_hash   BYTEA PRIMARY KEY,
    requester_id TEXT NOT NULL REFERENCES requesters (id),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
