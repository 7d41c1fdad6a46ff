-- Qualification types, workers' qualifications and worker blocks (issue 5).

CREATE TABLE qualification_types (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT NOT NULL UNIQUE,
    requester_id      TEXT NOT NULL REFERENCES requesters (id),
    name              TEXT NOT NULL,
    description       TEXT NOT NULL,
    keywords          TEXT NOT NULL,
    status            TEXT NOT NULL,
    test              TEXT NOT NULL,
    answer_key        TEXT NOT NULL,
    test_duration     INTEGER NOT NULL,
    retry_delay       INTEGER, -- NULL: no retake
    auto_granted      INTEGER NOT NULL,
    auto_granted_value INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    deleted           INTEGER NOT NULL
) STRICT;
-- A requester's live types have distinct names.
CREATE UNIQUE INDEX qualification_types_name ON qualification_types (requester_id, name) WHERE deleted = 0;

CREATE TABLE qualifications (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    type_id       TEXT NOT NULL REFERENCES qualification_types (id),
    worker_id     TEXT NOT NULL REFERENCES workers (id),
    integer_value INTEGER NOT NULL,
    status        TEXT NOT NULL,
    granted_at    INTEGER NOT NULL,
    UNIQUE (type_id, worker_id)
) STRICT;
CREATE INDEX qualifications_by_worker ON qualifications (worker_id);

CREATE TABLE worker_blocks (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    requester_id TEXT NOT NULL REFERENCES requesters (id),
    worker_id    TEXT NOT NULL,
    reason       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (requester_id, worker_id)
) STRICT;
CREATE INDEX worker_blocks_by_worker ON worker_blocks (worker_id);
