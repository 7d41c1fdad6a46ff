package sqltx

import (
	"context"
	"database/sql"
	"time"

	"github.com/hitd/hitd"
)

// This file holds the Tx methods for review policy results and actions.

func (t *txn) InsertReviewResults(ctx context.Context, rs []*hitd.ReviewResult) error {
	for _, r := range rs {
		if err := t.queryRow(ctx, `INSERT INTO review_results (hit_id, level, action_id, subject_id, subject_type, question_id, key, value)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`, r.HITID, r.Level, r.ActionID, r.SubjectID, r.SubjectType, r.QuestionID, r.Key, r.Value).Scan(&r.Seq); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) InsertReviewActions(ctx context.Context, as []*hitd.ReviewAction) error {
	for _, a := range as {
		if err := t.queryRow(ctx, `INSERT INTO review_actions (hit_id, level, action_id, action_name, target_id, target_type, status,
			complete_time, result, error_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			a.HITID, a.Level, a.ActionID, a.ActionName, a.TargetID, a.TargetType, a.Status, nullMS(a.CompleteTime), a.Result, a.ErrorCode).Scan(&a.Seq); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) ListReviewResults(ctx context.Context, q hitd.ReviewQuery) ([]*hitd.ReviewResult, error) {
	rows, err := t.query(ctx, `SELECT seq, hit_id, level, action_id, subject_id, subject_type, question_id, key, value
		FROM review_results WHERE hit_id = ? AND level = ? AND seq > ? ORDER BY seq LIMIT ?`, q.HITID, q.Level, q.AfterSeq, q.Limit)
	return collect(rows, err, func(row interface{ Scan(...any) error }) (*hitd.ReviewResult, error) {
		var r hitd.ReviewResult
		err := row.Scan(&r.Seq, &r.HITID, &r.Level, &r.ActionID, &r.SubjectID, &r.SubjectType, &r.QuestionID, &r.Key, &r.Value)
		return &r, err
	})
}

func (t *txn) ListReviewActions(ctx context.Context, q hitd.ReviewQuery) ([]*hitd.ReviewAction, error) {
	rows, err := t.query(ctx, `SELECT seq, hit_id, level, action_id, action_name, target_id, target_type, status, complete_time, result, error_code
		FROM review_actions WHERE hit_id = ? AND level = ? AND seq > ? ORDER BY seq LIMIT ?`, q.HITID, q.Level, q.AfterSeq, q.Limit)
	return collect(rows, err, func(row interface{ Scan(...any) error }) (*hitd.ReviewAction, error) {
		var a hitd.ReviewAction
		var done sql.NullInt64
		err := row.Scan(&a.Seq, &a.HITID, &a.Level, &a.ActionID, &a.ActionName, &a.TargetID, &a.TargetType, &a.Status, &done, &a.Result, &a.ErrorCode)
		a.CompleteTime = fromNullMS(done)
		return &a, err
	})
}

func (t *txn) HITsDueForReview(ctx context.Context, now time.Time, limit int) ([]*hitd.HIT, error) {
	return scanHITs(t.query(ctx, `SELECT `+hitCols+` FROM hits INDEXED BY hits_hit_policy_due
		WHERE hit_review_policy IS NOT NULL AND hit_policy_done = 0 AND disposed = 0
		  AND pending = 0 AND submitted + completed > 0 AND (expires_at <= ? OR submitted + completed >= max_assignments)
		ORDER BY seq LIMIT ?`, ms(now), limit))
}
