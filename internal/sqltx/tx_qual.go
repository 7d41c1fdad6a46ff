package sqltx

import (
	"context"
	"database/sql"

	"github.com/hitd/hitd"
)

// This file holds the Tx methods for qualification types, workers'
// qualifications and worker blocks.

const qualTypeCols = `seq, id, requester_id, name, description, keywords, status, test, answer_key, test_duration, retry_delay,
	auto_granted, auto_granted_value, created_at, deleted`

func scanQualType(row interface{ Scan(...any) error }) (*hitd.QualificationType, error) {
	var q hitd.QualificationType
	var status string
	var retry sql.NullInt64
	var auto, deleted, created int64
	err := row.Scan(&q.Seq, &q.ID, &q.RequesterID, &q.Name, &q.Description, &q.Keywords, &status, &q.Test, &q.AnswerKey,
		&q.TestDurationInSeconds, &retry, &auto, &q.AutoGrantedValue, &created, &deleted)
	if err != nil {
		return nil, noRows(err)
	}
	q.Status = hitd.QualificationTypeStatus(status)
	if retry.Valid {
		q.RetryDelayInSeconds = &retry.Int64
	}
	q.AutoGranted, q.Deleted, q.CreationTime = auto == 1, deleted == 1, fromMS(created)
	return &q, nil
}

func nullInt(v *int64) any {
	if v == nil {
		return nil
	}
	return *v
}

func (t *txn) InsertQualificationType(ctx context.Context, q *hitd.QualificationType) error {
	err := t.queryRow(ctx, `INSERT INTO qualification_types (id, requester_id, name, description, keywords, status, test,
		answer_key, test_duration, retry_delay, auto_granted, auto_granted_value, created_at, deleted)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		q.ID, q.RequesterID, q.Name, q.Description, q.Keywords, string(q.Status), q.Test, q.AnswerKey, q.TestDurationInSeconds,
		nullInt(q.RetryDelayInSeconds), boolInt(q.AutoGranted), q.AutoGrantedValue, ms(q.CreationTime), boolInt(q.Deleted)).Scan(&q.Seq)
	if t.d.IsUnique(err) {
		return hitd.ErrDuplicate
	}
	return err
}

func (t *txn) UpdateQualificationType(ctx context.Context, q *hitd.QualificationType) error {
	res, err := t.exec(ctx, `UPDATE qualification_types SET description = ?, keywords = ?, status = ?, test = ?, answer_key = ?,
		test_duration = ?, retry_delay = ?, auto_granted = ?, auto_granted_value = ?, deleted = ? WHERE id = ?`,
		q.Description, q.Keywords, string(q.Status), q.Test, q.AnswerKey, q.TestDurationInSeconds, nullInt(q.RetryDelayInSeconds),
		boolInt(q.AutoGranted), q.AutoGrantedValue, boolInt(q.Deleted), q.ID)
	if t.d.IsUnique(err) {
		return hitd.ErrDuplicate
	}
	return affectedOne(res, err)
}

func (t *txn) QualificationType(ctx context.Context, id string) (*hitd.QualificationType, error) {
	return scanQualType(t.queryRow(ctx, `SELECT `+qualTypeCols+` FROM qualification_types WHERE id = ?`, id))
}

func (t *txn) ListQualificationTypes(ctx context.Context, q hitd.QualTypeQuery) ([]*hitd.QualificationType, error) {
	where, args := `deleted = 0 AND seq > ?`, []any{q.AfterSeq}
	if q.RequesterID != "" {
		where, args = where+` AND requester_id = ?`, append(args, q.RequesterID)
	}
	if q.OnlyActive {
		where += ` AND status = 'Active'`
	}
	if q.Query != "" {
		p := likePattern(q.Query)
		where += ` AND (name ` + t.d.CaseInsensitiveLike + ` ? ESCAPE '\' OR description ` + t.d.CaseInsensitiveLike + ` ? ESCAPE '\' OR keywords ` + t.d.CaseInsensitiveLike + ` ? ESCAPE '\')`
		args = append(args, p, p, p)
	}
	args = append(args, q.Limit)
	rows, err := t.query(ctx, `SELECT `+qualTypeCols+` FROM qualification_types WHERE `+where+` ORDER BY seq LIMIT ?`, args...)
	return collect(rows, err, scanQualType)
}

const qualCols = `seq, type_id, worker_id, integer_value, status, granted_at`

func scanQual(row interface{ Scan(...any) error }) (*hitd.Qualification, error) {
	var q hitd.Qualification
	var status string
	var granted int64
	if err := row.Scan(&q.Seq, &q.TypeID, &q.WorkerID, &q.IntegerValue, &status, &granted); err != nil {
		return nil, noRows(err)
	}
	q.Status, q.GrantTime = hitd.QualificationStatus(status), fromMS(granted)
	return &q, nil
}

func (t *txn) PutQualification(ctx context.Context, q *hitd.Qualification) error {
	return t.queryRow(ctx, `INSERT INTO qualifications (type_id, worker_id, integer_value, status, granted_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (type_id, worker_id) DO UPDATE SET integer_value = excluded.integer_value, status = excluded.status,
		granted_at = excluded.granted_at RETURNING seq`,
		q.TypeID, q.WorkerID, q.IntegerValue, string(q.Status), ms(q.GrantTime)).Scan(&q.Seq)
}

func (t *txn) Qualification(ctx context.Context, typeID, workerID string) (*hitd.Qualification, error) {
	return scanQual(t.queryRow(ctx, `SELECT `+qualCols+` FROM qualifications WHERE type_id = ? AND worker_id = ?`, typeID, workerID))
}

func (t *txn) ListQualifications(ctx context.Context, q hitd.QualificationQuery) ([]*hitd.Qualification, error) {
	where, args := `type_id = ? AND seq > ?`, []any{q.TypeID, q.AfterSeq}
	if q.Status != "" {
		where, args = where+` AND status = ?`, append(args, string(q.Status))
	}
	args = append(args, q.Limit)
	rows, err := t.query(ctx, `SELECT `+qualCols+` FROM qualifications WHERE `+where+` ORDER BY seq LIMIT ?`, args...)
	return collect(rows, err, scanQual)
}

func (t *txn) WorkerQualifications(ctx context.Context, workerID string) ([]*hitd.Qualification, error) {
	rows, err := t.query(ctx, `SELECT `+qualified("q", qualCols)+` FROM qualifications q
		JOIN qualification_types qt ON qt.id = q.type_id WHERE q.worker_id = ? AND qt.deleted = 0 ORDER BY q.seq`, workerID)
	return collect(rows, err, scanQual)
}

func (t *txn) PutWorkerBlock(ctx context.Context, b *hitd.WorkerBlock) error {
	return t.queryRow(ctx, `INSERT INTO worker_blocks (requester_id, worker_id, reason, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (requester_id, worker_id) DO UPDATE SET reason = excluded.reason RETURNING seq`,
		b.RequesterID, b.WorkerID, b.Reason, ms(b.CreationTime)).Scan(&b.Seq)
}

func (t *txn) DeleteWorkerBlock(ctx context.Context, requesterID, workerID string) error {
	_, err := t.exec(ctx, `DELETE FROM worker_blocks WHERE requester_id = ? AND worker_id = ?`, requesterID, workerID)
	return err
}

func (t *txn) ListWorkerBlocks(ctx context.Context, requesterID string, afterSeq int64, limit int) ([]*hitd.WorkerBlock, error) {
	rows, err := t.query(ctx, `SELECT seq, requester_id, worker_id, reason, created_at FROM worker_blocks
		WHERE requester_id = ? AND seq > ? ORDER BY seq LIMIT ?`, requesterID, afterSeq, limit)
	return collect(rows, err, func(row interface{ Scan(...any) error }) (*hitd.WorkerBlock, error) {
		var b hitd.WorkerBlock
		var created int64
		if err := row.Scan(&b.Seq, &b.RequesterID, &b.WorkerID, &b.Reason, &created); err != nil {
			return nil, err
		}
		b.CreationTime = fromMS(created)
		return &b, nil
	})
}

func (t *txn) IsBlocked(ctx context.Context, requesterID, workerID string) (bool, error) {
	var n int
	err := t.queryRow(ctx, `SELECT count(*) FROM worker_blocks WHERE requester_id = ? AND worker_id = ?`, requesterID, workerID).Scan(&n)
	return n > 0, err
}

const qualRequestCols = `seq, id, type_id, requester_id, worker_id, status, answer, started_at, test_deadline, submitted_at, reason`

func scanQualRequest(row interface{ Scan(...any) error }) (*hitd.QualificationRequest, error) {
	var r hitd.QualificationRequest
	var status string
	var started int64
	var deadline, submitted sql.NullInt64
	if err := row.Scan(&r.Seq, &r.ID, &r.TypeID, &r.RequesterID, &r.WorkerID, &status, &r.Answer, &started, &deadline, &submitted, &r.Reason); err != nil {
		return nil, noRows(err)
	}
	r.Status, r.StartTime = hitd.QualificationRequestStatus(status), fromMS(started)
	r.TestDeadline, r.SubmitTime = fromNullMS(deadline), fromNullMS(submitted)
	return &r, nil
}

func (t *txn) InsertQualRequest(ctx context.Context, r *hitd.QualificationRequest) error {
	err := t.queryRow(ctx, `INSERT INTO qualification_requests (id, type_id, requester_id, worker_id, status, answer, started_at,
		test_deadline, submitted_at, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		r.ID, r.TypeID, r.RequesterID, r.WorkerID, string(r.Status), r.Answer, ms(r.StartTime), nullMS(r.TestDeadline),
		nullMS(r.SubmitTime), r.Reason).Scan(&r.Seq)
	if t.d.IsUnique(err) {
		return hitd.ErrDuplicate
	}
	return err
}

func (t *txn) UpdateQualRequest(ctx context.Context, r *hitd.QualificationRequest) error {
	res, err := t.exec(ctx, `UPDATE qualification_requests SET status = ?, answer = ?, submitted_at = ?, reason = ? WHERE id = ?`,
		string(r.Status), r.Answer, nullMS(r.SubmitTime), r.Reason, r.ID)
	return affectedOne(res, err)
}

func (t *txn) QualRequest(ctx context.Context, id string) (*hitd.QualificationRequest, error) {
	return scanQualRequest(t.queryRow(ctx, `SELECT `+qualRequestCols+` FROM qualification_requests WHERE id = ?`, id))
}

func (t *txn) LastQualRequest(ctx context.Context, typeID, workerID string) (*hitd.QualificationRequest, error) {
	return scanQualRequest(t.queryRow(ctx, `SELECT `+qualRequestCols+` FROM qualification_requests
		WHERE type_id = ? AND worker_id = ? ORDER BY seq DESC LIMIT 1`, typeID, workerID))
}

func (t *txn) ListQualRequests(ctx context.Context, q hitd.QualRequestQuery) ([]*hitd.QualificationRequest, error) {
	where, args := `requester_id = ? AND status = ? AND seq > ?`, []any{q.RequesterID, string(q.Status), q.AfterSeq}
	if q.TypeID != "" {
		where, args = where+` AND type_id = ?`, append(args, q.TypeID)
	}
	args = append(args, q.Limit)
	rows, err := t.query(ctx, `SELECT `+qualRequestCols+` FROM qualification_requests WHERE `+where+` ORDER BY seq LIMIT ?`, args...)
	return collect(rows, err, scanQualRequest)
}
