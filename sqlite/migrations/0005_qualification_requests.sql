-- Workers' requests for qualifications and their test attempts (issue 5).
CREATE TABLE qualification_requests (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    type_id       TEXT NOT NULL REFERENCES qualification_types (id),
    requester_id  TEXT NOT NULL,
    worker_id     TEXT NOT NULL REFERENCES workers (id),
    status        TEXT NOT NULL,
    answer        TEXT NOT NULL,
    started_at    INTEGER NOT NULL,
    test_deadline INTEGER,
    submitted_at  INTEGER,
    reason        TEXT NOT NULL
) STRICT;
CREATE INDEX qualification_requests_by_worker ON qualification_requests (type_id, worker_id, seq);
CREATE INDEX qualification_requests_by_requester ON qualification_requests (requester_id, status, seq);
