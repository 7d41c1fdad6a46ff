-- Per-requester credentials for delivering SQS/SNS notifications (the
-- requester's own AWS-compatible account, not hitd's).
CREATE TABLE notify_credentials (
    requester_id      TEXT PRIMARY KEY REFERENCES requesters (id),
    access_key_id     TEXT NOT NULL,
    secret_access_key TEXT NOT NULL,
    region            TEXT NOT NULL
) STRICT, WITHOUT ROWID;
