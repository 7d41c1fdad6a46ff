-- Requesters: accounts that post work. Secrets are kept as given: SigV4
-- verification needs them to compute the expected signature.
CREATE TABLE requesters (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    access_key_id     TEXT NOT NULL UNIQUE,
    secret_access_key TEXT NOT NULL,
    balance_cents     INTEGER NOT NULL,
    is_root           INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL -- unix milliseconds, UTC
) STRICT;
CREATE UNIQUE INDEX requesters_one_root ON requesters (is_root) WHERE is_root = 1;

-- HIT types: IDs are derived from the properties, so an identical
-- registration is an insert that finds its row already there.
CREATE TABLE hit_types (
    id                         TEXT PRIMARY KEY,
    requester_id               TEXT NOT NULL REFERENCES requesters (id),
    title                      TEXT NOT NULL,
    description                TEXT NOT NULL,
    keywords                   TEXT NOT NULL,
    reward_cents               INTEGER NOT NULL,
    assignment_duration        INTEGER NOT NULL,
    auto_approval_delay        INTEGER NOT NULL,
    qualification_requirements TEXT NOT NULL, -- JSON array
    created_at                 INTEGER NOT NULL
) STRICT;

-- HITs. seq orders listings and pagination (keyset, never OFFSET);
-- AUTOINCREMENT so a seq is never reused and a NextToken stays valid.
CREATE TABLE hits (
    seq                      INTEGER PRIMARY KEY AUTOINCREMENT,
    id                       TEXT NOT NULL UNIQUE,
    hit_type_id              TEXT NOT NULL REFERENCES hit_types (id),
    requester_id             TEXT NOT NULL REFERENCES requesters (id),
    question                 TEXT NOT NULL,
    layout_id                TEXT NOT NULL,
    layout_parameters        TEXT NOT NULL, -- JSON array
    max_assignments          INTEGER NOT NULL,
    lifetime                 INTEGER NOT NULL,
    created_at               INTEGER NOT NULL,
    expires_at               INTEGER NOT NULL,
    annotation               TEXT NOT NULL,
    unique_request_token     TEXT NOT NULL,
    assignment_review_policy TEXT, -- JSON object or NULL
    hit_review_policy        TEXT, -- JSON object or NULL
    review_status            TEXT NOT NULL,
    reviewing                INTEGER NOT NULL,
    disposed                 INTEGER NOT NULL,
    pending                  INTEGER NOT NULL,
    submitted                INTEGER NOT NULL,
    completed                INTEGER NOT NULL
) STRICT;
CREATE INDEX hits_live_by_requester ON hits (requester_id, seq) WHERE disposed = 0;

-- UniqueRequestTokens, remembered for 24 hours (expired rows are replaced
-- on reuse).
CREATE TABLE request_tokens (
    requester_id TEXT NOT NULL,
    scope        TEXT NOT NULL,
    token        TEXT NOT NULL,
    result_id    TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (requester_id, scope, token)
) STRICT, WITHOUT ROWID;
