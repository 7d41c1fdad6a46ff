-- Review policy results and actions (issue 6).

-- hit_policy_done: the HIT-level policy has run since the HIT last became
-- reviewable (reset when a policy extends the HIT).
ALTER TABLE hits ADD COLUMN hit_policy_done INTEGER NOT NULL DEFAULT 0;
CREATE INDEX hits_hit_policy_due ON hits (seq) WHERE hit_review_policy IS NOT NULL AND hit_policy_done = 0 AND disposed = 0;

CREATE TABLE review_results (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    hit_id       TEXT NOT NULL,
    level        TEXT NOT NULL, -- Assignment or HIT
    action_id    TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    question_id  TEXT NOT NULL,
    key          TEXT NOT NULL,
    value        TEXT NOT NULL
) STRICT;
CREATE INDEX review_results_by_hit ON review_results (hit_id, level, seq);

CREATE TABLE review_actions (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    hit_id        TEXT NOT NULL,
    level         TEXT NOT NULL,
    action_id     TEXT NOT NULL UNIQUE,
    action_name   TEXT NOT NULL,
    target_id     TEXT NOT NULL,
    target_type   TEXT NOT NULL,
    status        TEXT NOT NULL,
    complete_time INTEGER,
    result        TEXT NOT NULL,
    error_code    TEXT NOT NULL
) STRICT;
CREATE INDEX review_actions_by_hit ON review_actions (hit_id, level, seq);
