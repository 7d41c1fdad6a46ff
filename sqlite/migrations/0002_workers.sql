-- Workers, assignments and money (issue 4).

-- Each HIT's reserve: funded slots × (reward + fee). Existing HITs are
-- funded in full from their requester's balance below; the scheduler
-- releases the slots of any that have expired.
ALTER TABLE hits ADD COLUMN funded INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hits ADD COLUMN reserved_cents INTEGER NOT NULL DEFAULT 0;
CREATE INDEX hits_overfunded ON hits (expires_at) WHERE funded > pending + submitted;
-- HITs with a free slot, by type: what workers browse and accept from.
CREATE INDEX hits_open_by_type ON hits (hit_type_id, seq)
    WHERE disposed = 0 AND reviewing = 0 AND max_assignments > pending + submitted + completed;

CREATE TABLE workers (
    id             TEXT PRIMARY KEY,
    username       TEXT NOT NULL,
    username_key   TEXT NOT NULL UNIQUE, -- lower(username): usernames are unique regardless of case
    password_hash  BLOB NOT NULL,        -- bcrypt
    country        TEXT NOT NULL,
    subdivision    TEXT NOT NULL,
    earnings_cents INTEGER NOT NULL,
    submitted      INTEGER NOT NULL,
    approved       INTEGER NOT NULL,
    rejected       INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
) STRICT;

-- Sessions and invites keep only the SHA-256 of their secret.
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    worker_id  TEXT NOT NULL REFERENCES workers (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE invites (
    code_hash  BLOB PRIMARY KEY,
    created_at INTEGER NOT NULL,
    used_by    TEXT NOT NULL DEFAULT ''
) STRICT, WITHOUT ROWID;

CREATE TABLE assignments (
    seq                 INTEGER PRIMARY KEY AUTOINCREMENT,
    id                  TEXT NOT NULL UNIQUE,
    hit_id              TEXT NOT NULL REFERENCES hits (id),
    hit_type_id         TEXT NOT NULL,
    requester_id        TEXT NOT NULL,
    worker_id           TEXT NOT NULL REFERENCES workers (id),
    status              TEXT NOT NULL,
    accepted_at         INTEGER NOT NULL,
    deadline            INTEGER NOT NULL,
    auto_approval_delay INTEGER NOT NULL,
    submitted_at        INTEGER,
    auto_approve_at     INTEGER,
    approved_at         INTEGER,
    rejected_at         INTEGER,
    due_at              INTEGER, -- deadline while Accepted, auto_approve_at while Submitted, else NULL
    answer              TEXT NOT NULL,
    feedback            TEXT NOT NULL
) STRICT;
-- A worker holds at most one live assignment of a HIT.
CREATE UNIQUE INDEX assignments_live_per_worker ON assignments (hit_id, worker_id)
    WHERE status NOT IN ('Returned', 'Abandoned');
CREATE INDEX assignments_by_hit ON assignments (hit_id, seq);
CREATE INDEX assignments_by_worker ON assignments (worker_id, seq);
CREATE INDEX assignments_by_requester_worker ON assignments (requester_id, worker_id);
CREATE INDEX assignments_due ON assignments (due_at) WHERE due_at IS NOT NULL;

CREATE TABLE bonuses (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    requester_id  TEXT NOT NULL,
    worker_id     TEXT NOT NULL,
    assignment_id TEXT NOT NULL,
    hit_id        TEXT NOT NULL,
    amount_cents  INTEGER NOT NULL,
    fee_cents     INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    granted_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX bonuses_by_hit ON bonuses (hit_id, seq);
CREATE INDEX bonuses_by_assignment ON bonuses (assignment_id, seq);

-- Every movement of money, append-only. Accounts: requester:<id>,
-- hit:<id>, worker:<id>, fees, external.
CREATE TABLE ledger (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    at           INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    from_account TEXT NOT NULL,
    to_account   TEXT NOT NULL,
    amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),
    ref          TEXT NOT NULL
) STRICT;

CREATE TABLE messages (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    worker_id      TEXT NOT NULL,
    requester_id   TEXT NOT NULL,
    requester_name TEXT NOT NULL,
    subject        TEXT NOT NULL,
    body           TEXT NOT NULL,
    created_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX messages_by_worker ON messages (worker_id, seq);

-- Bring existing data into the books: balances so far were deposits;
-- live HITs reserve their slots now.
INSERT INTO ledger (at, kind, from_account, to_account, amount_cents, ref)
    SELECT created_at, 'deposit', 'external', 'requester:' || id, balance_cents, '' FROM requesters WHERE balance_cents > 0;
UPDATE hits SET funded = max_assignments,
    reserved_cents = max_assignments * (SELECT t.reward_cents + max(1, (t.reward_cents * (CASE WHEN hits.max_assignments >= 10 THEN 40 ELSE 20 END) + 99) / 100)
                                        FROM hit_types t WHERE t.id = hits.hit_type_id)
    WHERE disposed = 0;
INSERT INTO ledger (at, kind, from_account, to_account, amount_cents, ref)
    SELECT created_at, 'reserve', 'requester:' || requester_id, 'hit:' || id, reserved_cents, id FROM hits WHERE reserved_cents > 0;
UPDATE requesters SET balance_cents = balance_cents - coalesce((SELECT sum(reserved_cents) FROM hits WHERE hits.requester_id = requesters.id), 0);
