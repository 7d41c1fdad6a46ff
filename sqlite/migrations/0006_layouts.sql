-- HIT layouts: requesters' HTML templates with ${name} placeholders.
-- Deleting one sets deleted; HITs made from it keep their rendered Question.
CREATE TABLE hit_layouts (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    requester_id TEXT NOT NULL REFERENCES requesters (id),
    name         TEXT NOT NULL,
    html         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    deleted      INTEGER NOT NULL
) STRICT;
CREATE INDEX hit_layouts_live_by_requester ON hit_layouts (requester_id, seq) WHERE deleted = 0;
