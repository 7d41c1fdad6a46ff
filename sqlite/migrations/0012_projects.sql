-- The requester console's projects and batches (issue 11), and a ledger
-- that can be listed per requester.

-- A project is a HIT type's properties plus a layout (hit_layouts row,
-- whose HTML the project edits) and the per-HIT settings of its batches.
CREATE TABLE projects (
    seq                   INTEGER PRIMARY KEY AUTOINCREMENT,
    id                    TEXT NOT NULL UNIQUE,
    requester_id          TEXT NOT NULL REFERENCES requesters (id),
    name                  TEXT NOT NULL,
    title                 TEXT NOT NULL,
    description           TEXT NOT NULL,
    keywords              TEXT NOT NULL,
    reward_cents          INTEGER NOT NULL,
    max_assignments       INTEGER NOT NULL,
    lifetime_seconds      INTEGER NOT NULL,
    duration_seconds      INTEGER NOT NULL,
    auto_approval_seconds INTEGER NOT NULL,
    qualification_reqs    TEXT, -- JSON array, NULL for none
    layout_id             TEXT NOT NULL REFERENCES hit_layouts (id),
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    deleted               INTEGER NOT NULL
) STRICT;
CREATE INDEX projects_by_requester ON projects (requester_id, seq);

-- A batch is an uploaded input file: a draft until it is published, when
-- each row becomes one HIT of hit_type_id.
CREATE TABLE batches (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    requester_id    TEXT NOT NULL REFERENCES requesters (id),
    project_id      TEXT NOT NULL REFERENCES projects (id),
    name            TEXT NOT NULL,
    status          TEXT NOT NULL,
    input_columns   TEXT NOT NULL, -- JSON array of the header's names
    row_count       INTEGER NOT NULL,
    hit_type_id     TEXT NOT NULL,
    max_assignments INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    published_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX batches_by_requester ON batches (requester_id, seq);
CREATE INDEX batches_by_project ON batches (project_id, seq);

CREATE TABLE batch_rows (
    batch_id     TEXT NOT NULL REFERENCES batches (id),
    row_index    INTEGER NOT NULL, -- 0-based, in file order
    line         INTEGER NOT NULL, -- the spreadsheet row, for messages
    hit_id       TEXT NOT NULL,    -- '' until published
    input_values TEXT NOT NULL,    -- JSON array, one per batches.columns
    PRIMARY KEY (batch_id, row_index)
) STRICT, WITHOUT ROWID;
CREATE INDEX batch_rows_by_hit ON batch_rows (hit_id) WHERE hit_id <> '';

-- Every ledger entry belongs to the requester whose money it moves.
ALTER TABLE ledger ADD COLUMN requester_id TEXT NOT NULL DEFAULT '';
UPDATE ledger SET requester_id = CASE
    WHEN from_account LIKE 'requester:%' THEN substr(from_account, 11)
    WHEN to_account LIKE 'requester:%' THEN substr(to_account, 11)
    WHEN from_account LIKE 'hit:%' THEN coalesce((SELECT requester_id FROM hits WHERE hits.id = substr(ledger.from_account, 5)), '')
    ELSE '' END;
CREATE INDEX ledger_by_requester ON ledger (requester_id, seq);
