package sqltx

import (
	"context"
	"time"

	"github.com/hitd/hitd"
)

// This file holds hitd.AdminTx: retired access keys, a requester's
// reserves, and ending a worker's sessions.

const retiredKeyCols = `access_key_id, secret_access_key, requester_id, retired_at, expires_at`

func scanRetiredKey(row interface{ Scan(...any) error }) (*hitd.RetiredKey, error) {
	var k hitd.RetiredKey
	var retired, expires int64
	if err := row.Scan(&k.AccessKeyID, &k.SecretAccessKey, &k.RequesterID, &retired, &expires); err != nil {
		return nil, noRows(err)
	}
	k.RetiredAt, k.Expires = fromMS(retired), fromMS(expires)
	return &k, nil
}

func (t *txn) InsertRetiredKey(ctx context.Context, k *hitd.RetiredKey) error {
	_, err := t.exec(ctx, `INSERT INTO retired_keys (`+retiredKeyCols+`) VALUES (?, ?, ?, ?, ?)`,
		k.AccessKeyID, k.SecretAccessKey, k.RequesterID, ms(k.RetiredAt), ms(k.Expires))
	if t.d.IsUnique(err) {
		return hitd.ErrDuplicate
	}
	return err
}

func (t *txn) RetiredKey(ctx context.Context, accessKeyID string) (*hitd.RetiredKey, error) {
	return scanRetiredKey(t.queryRow(ctx, `SELECT `+retiredKeyCols+` FROM retired_keys WHERE access_key_id = ?`, accessKeyID))
}

func (t *txn) ListRetiredKeys(ctx context.Context, requesterID string) ([]*hitd.RetiredKey, error) {
	if requesterID == "" {
		rows, err := t.query(ctx, `SELECT `+retiredKeyCols+` FROM retired_keys ORDER BY retired_at, access_key_id`)
		return collect(rows, err, scanRetiredKey)
	}
	rows, err := t.query(ctx, `SELECT `+retiredKeyCols+` FROM retired_keys WHERE requester_id = ? ORDER BY retired_at, access_key_id`, requesterID)
	return collect(rows, err, scanRetiredKey)
}

func (t *txn) ExpireRetiredKey(ctx context.Context, accessKeyID string, expires time.Time) error {
	res, err := t.exec(ctx, `UPDATE retired_keys SET expires_at = ? WHERE access_key_id = ?`, ms(expires), accessKeyID)
	return affectedOne(res, err)
}

func (t *txn) ReservedFunds(ctx context.Context, requesterID string) (hitd.Cents, error) {
	// Deleted HITs are included: one may hold money until the scheduler
	// releases it (OverfundedHITs).
	var c int64
	err := t.queryRow(ctx, `SELECT coalesce(sum(reserved_cents), 0) FROM hits WHERE requester_id = ?`, requesterID).Scan(&c)
	return hitd.Cents(c), err
}

func (t *txn) DeleteWorkerSessions(ctx context.Context, workerID string) error {
	_, err := t.exec(ctx, `DELETE FROM sessions WHERE worker_id = ?`, workerID)
	return err
}
