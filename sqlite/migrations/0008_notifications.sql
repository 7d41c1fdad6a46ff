-- Notification settings per HIT type and the durable outbox (issue 6).
CREATE TABLE notification_settings (
    hit_type_id  TEXT PRIMARY KEY REFERENCES hit_types (id),
    requester_id TEXT NOT NULL,
    spec         TEXT NOT NULL, -- JSON NotificationSpecification
    active       INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- One row per message to deliver, written in the transaction of the change
-- it reports; delivered at least once.
CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    requester_id TEXT NOT NULL,
    spec         TEXT NOT NULL, -- JSON NotificationSpecification at the time of the event
    event        TEXT NOT NULL, -- JSON Event
    status       TEXT NOT NULL, -- Pending, Delivered, Dead
    attempts     INTEGER NOT NULL,
    next_attempt INTEGER NOT NULL,
    last_error   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER
) STRICT;
CREATE INDEX outbox_due ON outbox (next_attempt) WHERE status = 'Pending';
CREATE INDEX outbox_by_status ON outbox (status, seq);

-- HITExpired is sent once per expiry; extending a HIT re-arms it.
ALTER TABLE hits ADD COLUMN expiry_notified INTEGER NOT NULL DEFAULT 0;
CREATE INDEX hits_expiry_due ON hits (expires_at) WHERE expiry_notified = 0 AND disposed = 0;
