package sqltx

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/hitd/hitd"
)

// This file holds the Tx methods for notification settings and the outbox.

func (t *txn) PutNotificationSettings(ctx context.Context, n *hitd.NotificationSettings) error {
	spec, err := json.Marshal(n.Spec)
	if err != nil {
		return err
	}
	_, err = t.exec(ctx, `INSERT INTO notification_settings (hit_type_id, requester_id, spec, active) VALUES (?, ?, ?, ?)
		ON CONFLICT (hit_type_id) DO UPDATE SET spec = excluded.spec, active = excluded.active`,
		n.HITTypeID, n.RequesterID, string(spec), boolInt(n.Active))
	return err
}

func (t *txn) NotificationSettings(ctx context.Context, hitTypeID string) (*hitd.NotificationSettings, error) {
	var n hitd.NotificationSettings
	var spec string
	var active int64
	err := t.queryRow(ctx, `SELECT hit_type_id, requester_id, spec, active FROM notification_settings WHERE hit_type_id = ?`, hitTypeID).
		Scan(&n.HITTypeID, &n.RequesterID, &spec, &active)
	if err != nil {
		return nil, noRows(err)
	}
	n.Active = active == 1
	return &n, json.Unmarshal([]byte(spec), &n.Spec)
}

const outboxCols = `seq, id, requester_id, spec, event, status, attempts, next_attempt, last_error, created_at, delivered_at`

// outboxEvent is an Event as its JSON column stores it.
type outboxEvent struct {
	EventType      string    `json:"EventType"`
	EventTimestamp time.Time `json:"EventTimestamp"`
	HITId          string    `json:"HITId,omitempty"`
	AssignmentId   string    `json:"AssignmentId,omitempty"`
	HITTypeId      string    `json:"HITTypeId,omitempty"`
}

func scanOutbox(row interface{ Scan(...any) error }) (*hitd.OutboxItem, error) {
	var o hitd.OutboxItem
	var spec, event string
	var next, created int64
	var delivered sql.NullInt64
	if err := row.Scan(&o.Seq, &o.ID, &o.RequesterID, &spec, &event, &o.Status, &o.Attempts, &next, &o.LastError, &created, &delivered); err != nil {
		return nil, noRows(err)
	}
	var e outboxEvent
	if err := json.Unmarshal([]byte(event), &e); err != nil {
		return nil, err
	}
	o.Event = hitd.Event(e)
	o.NextAttempt, o.CreatedAt, o.DeliveredAt = fromMS(next), fromMS(created), fromNullMS(delivered)
	return &o, json.Unmarshal([]byte(spec), &o.Spec)
}

func (t *txn) InsertOutbox(ctx context.Context, items []*hitd.OutboxItem) error {
	for _, o := range items {
		spec, err := json.Marshal(o.Spec)
		if err != nil {
			return err
		}
		event, err := json.Marshal(outboxEvent(o.Event))
		if err != nil {
			return err
		}
		if err := t.queryRow(ctx, `INSERT INTO outbox (id, requester_id, spec, event, status, attempts, next_attempt, last_error, created_at, delivered_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`, o.ID, o.RequesterID, string(spec), string(event), o.Status, o.Attempts,
			ms(o.NextAttempt), o.LastError, ms(o.CreatedAt), nullMS(o.DeliveredAt)).Scan(&o.Seq); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) UpdateOutbox(ctx context.Context, o *hitd.OutboxItem) error {
	res, err := t.exec(ctx, `UPDATE outbox SET status = ?, attempts = ?, next_attempt = ?, last_error = ?, delivered_at = ? WHERE id = ?`,
		o.Status, o.Attempts, ms(o.NextAttempt), o.LastError, nullMS(o.DeliveredAt), o.ID)
	return affectedOne(res, err)
}

func (t *txn) DueOutbox(ctx context.Context, now time.Time, limit int) ([]*hitd.OutboxItem, error) {
	rows, err := t.query(ctx, `SELECT `+outboxCols+` FROM outbox INDEXED BY outbox_due
		WHERE status = 'Pending' AND next_attempt <= ? ORDER BY next_attempt, seq LIMIT ?`, ms(now), limit)
	return collect(rows, err, scanOutbox)
}

func (t *txn) ListOutbox(ctx context.Context, status string, limit int) ([]*hitd.OutboxItem, error) {
	rows, err := t.query(ctx, `SELECT `+outboxCols+` FROM outbox WHERE status = ? ORDER BY seq DESC LIMIT ?`, status, limit)
	return collect(rows, err, scanOutbox)
}

func (t *txn) ExpiringHITs(ctx context.Context, now time.Time, limit int) ([]*hitd.HIT, error) {
	return scanHITs(t.query(ctx, `SELECT `+hitCols+` FROM hits INDEXED BY hits_expiry_due
		WHERE expiry_notified = 0 AND disposed = 0 AND expires_at <= ? ORDER BY expires_at LIMIT ?`, ms(now), limit))
}

func (t *txn) PutNotifyCredentials(ctx context.Context, c *hitd.NotifyCredentials) error {
	_, err := t.exec(ctx, `INSERT INTO notify_credentials (requester_id, access_key_id, secret_access_key, region) VALUES (?, ?, ?, ?)
		ON CONFLICT (requester_id) DO UPDATE SET access_key_id = excluded.access_key_id, secret_access_key = excluded.secret_access_key,
		region = excluded.region`, c.RequesterID, c.AccessKeyID, c.SecretAccessKey, c.Region)
	return err
}

func (t *txn) NotifyCredentials(ctx context.Context, requesterID string) (*hitd.NotifyCredentials, error) {
	var c hitd.NotifyCredentials
	err := t.queryRow(ctx, `SELECT requester_id, access_key_id, secret_access_key, region FROM notify_credentials WHERE requester_id = ?`,
		requesterID).Scan(&c.RequesterID, &c.AccessKeyID, &c.SecretAccessKey, &c.Region)
	return &c, noRows(err)
}

func (t *txn) OutboxItem(ctx context.Context, id string) (*hitd.OutboxItem, error) {
	return scanOutbox(t.queryRow(ctx, `SELECT `+outboxCols+` FROM outbox WHERE id = ?`, id))
}
