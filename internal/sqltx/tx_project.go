package sqltx

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/hitd/hitd"
)

// This file holds the Tx methods of the requester console: projects,
// batches and their rows, the per-requester ledger and worker statistics.

const projectCols = `seq, id, requester_id, name, title, description, keywords, reward_cents, max_assignments, lifetime_seconds,
	duration_seconds, auto_approval_seconds, qualification_reqs, layout_id, created_at, updated_at, deleted`

func scanProject(row interface{ Scan(...any) error }) (*hitd.Project, error) {
	var p hitd.Project
	var quals sql.NullString
	var created, updated, deleted int64
	err := row.Scan(&p.Seq, &p.ID, &p.RequesterID, &p.Name, &p.Title, &p.Description, &p.Keywords, &p.Reward, &p.MaxAssignments,
		&p.LifetimeInSeconds, &p.AssignmentDurationInSeconds, &p.AutoApprovalDelayInSeconds, &quals, &p.LayoutID,
		&created, &updated, &deleted)
	if err != nil {
		return nil, noRows(err)
	}
	if quals.Valid {
		if err := json.Unmarshal([]byte(quals.String), &p.QualificationRequirements); err != nil {
			return nil, fmt.Errorf("project %s: qualification requirements: %w", p.ID, err)
		}
	}
	p.CreationTime, p.UpdateTime, p.Deleted = fromMS(created), fromMS(updated), deleted == 1
	return &p, nil
}

func projectQuals(p *hitd.Project) (any, error) {
	if len(p.QualificationRequirements) == 0 {
		return nil, nil
	}
	return jsonText(p.QualificationRequirements)
}

func (t *txn) InsertProject(ctx context.Context, p *hitd.Project) error {
	quals, err := projectQuals(p)
	if err != nil {
		return err
	}
	err = t.queryRow(ctx, `INSERT INTO projects (id, requester_id, name, title, description, keywords, reward_cents, max_assignments,
		lifetime_seconds, duration_seconds, auto_approval_seconds, qualification_reqs, layout_id, created_at, updated_at, deleted)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		p.ID, p.RequesterID, p.Name, p.Title, p.Description, p.Keywords, int64(p.Reward), p.MaxAssignments, p.LifetimeInSeconds,
		p.AssignmentDurationInSeconds, p.AutoApprovalDelayInSeconds, quals, p.LayoutID, ms(p.CreationTime), ms(p.UpdateTime),
		boolInt(p.Deleted)).Scan(&p.Seq)
	if t.d.IsUnique(err) {
		return hitd.ErrDuplicate
	}
	return err
}

func (t *txn) UpdateProject(ctx context.Context, p *hitd.Project) error {
	quals, err := projectQuals(p)
	if err != nil {
		return err
	}
	res, err := t.exec(ctx, `UPDATE projects SET name = ?, title = ?, description = ?, keywords = ?, reward_cents = ?,
		max_assignments = ?, lifetime_seconds = ?, duration_seconds = ?, auto_approval_seconds = ?, qualification_reqs = ?,
		layout_id = ?, updated_at = ?, deleted = ? WHERE id = ?`,
		p.Name, p.Title, p.Description, p.Keywords, int64(p.Reward), p.MaxAssignments, p.LifetimeInSeconds,
		p.AssignmentDurationInSeconds, p.AutoApprovalDelayInSeconds, quals, p.LayoutID, ms(p.UpdateTime), boolInt(p.Deleted), p.ID)
	return affectedOne(res, err)
}

func (t *txn) Project(ctx context.Context, id string) (*hitd.Project, error) {
	return scanProject(t.queryRow(ctx, `SELECT `+projectCols+` FROM projects WHERE id = ?`, id))
}

func (t *txn) ListProjects(ctx context.Context, requesterID string) ([]*hitd.Project, error) {
	rows, err := t.query(ctx, `SELECT `+projectCols+` FROM projects INDEXED BY projects_by_requester
		WHERE requester_id = ? AND deleted = 0 ORDER BY seq`, requesterID)
	return collect(rows, err, scanProject)
}

const batchCols = `seq, id, requester_id, project_id, name, status, input_columns, row_count, hit_type_id, max_assignments,
	created_at, published_at`

func scanBatch(row interface{ Scan(...any) error }) (*hitd.Batch, error) {
	var b hitd.Batch
	var status, cols string
	var created, published int64
	err := row.Scan(&b.Seq, &b.ID, &b.RequesterID, &b.ProjectID, &b.Name, &status, &cols, &b.Rows, &b.HITTypeID,
		&b.MaxAssignments, &created, &published)
	if err != nil {
		return nil, noRows(err)
	}
	if err := json.Unmarshal([]byte(cols), &b.Columns); err != nil {
		return nil, fmt.Errorf("batch %s: columns: %w", b.ID, err)
	}
	b.Status, b.CreationTime = hitd.BatchStatus(status), fromMS(created)
	if published != 0 {
		b.PublishTime = fromMS(published)
	}
	return &b, nil
}

func publishMS(b *hitd.Batch) int64 {
	if b.PublishTime.IsZero() {
		return 0
	}
	return ms(b.PublishTime)
}

func (t *txn) InsertBatch(ctx context.Context, b *hitd.Batch) error {
	cols, err := json.Marshal(b.Columns)
	if err != nil {
		return err
	}
	err = t.queryRow(ctx, `INSERT INTO batches (id, requester_id, project_id, name, status, input_columns, row_count, hit_type_id,
		max_assignments, created_at, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		b.ID, b.RequesterID, b.ProjectID, b.Name, string(b.Status), string(cols), b.Rows, b.HITTypeID, b.MaxAssignments,
		ms(b.CreationTime), publishMS(b)).Scan(&b.Seq)
	if t.d.IsUnique(err) {
		return hitd.ErrDuplicate
	}
	return err
}

func (t *txn) UpdateBatch(ctx context.Context, b *hitd.Batch) error {
	res, err := t.exec(ctx, `UPDATE batches SET name = ?, status = ?, hit_type_id = ?, max_assignments = ?, published_at = ? WHERE id = ?`,
		b.Name, string(b.Status), b.HITTypeID, b.MaxAssignments, publishMS(b), b.ID)
	return affectedOne(res, err)
}

func (t *txn) Batch(ctx context.Context, id string) (*hitd.Batch, error) {
	return scanBatch(t.queryRow(ctx, `SELECT `+batchCols+` FROM batches WHERE id = ?`, id))
}

func (t *txn) ListBatches(ctx context.Context, requesterID, projectID string) ([]*hitd.Batch, error) {
	if projectID != "" {
		rows, err := t.query(ctx, `SELECT `+batchCols+` FROM batches INDEXED BY batches_by_project
			WHERE project_id = ? AND requester_id = ? ORDER BY seq DESC`, projectID, requesterID)
		return collect(rows, err, scanBatch)
	}
	rows, err := t.query(ctx, `SELECT `+batchCols+` FROM batches INDEXED BY batches_by_requester
		WHERE requester_id = ? ORDER BY seq DESC`, requesterID)
	return collect(rows, err, scanBatch)
}

func (t *txn) InsertBatchRows(ctx context.Context, rows []*hitd.BatchRow) error {
	for _, r := range rows {
		vals, err := json.Marshal(r.Values)
		if err != nil {
			return err
		}
		_, err = t.exec(ctx, `INSERT INTO batch_rows (batch_id, row_index, line, hit_id, input_values) VALUES (?, ?, ?, ?, ?)`,
			r.BatchID, r.Index, r.Line, r.HITID, string(vals))
		if t.d.IsUnique(err) {
			return hitd.ErrDuplicate
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) SetBatchRowHIT(ctx context.Context, batchID string, index int, hitID string) error {
	res, err := t.exec(ctx, `UPDATE batch_rows SET hit_id = ? WHERE batch_id = ? AND row_index = ?`, hitID, batchID, index)
	return affectedOne(res, err)
}

func scanBatchRow(row interface{ Scan(...any) error }) (*hitd.BatchRow, error) {
	var r hitd.BatchRow
	var vals string
	if err := row.Scan(&r.BatchID, &r.Index, &r.Line, &r.HITID, &vals); err != nil {
		return nil, noRows(err)
	}
	if err := json.Unmarshal([]byte(vals), &r.Values); err != nil {
		return nil, fmt.Errorf("batch %s row %d: %w", r.BatchID, r.Index, err)
	}
	return &r, nil
}

func (t *txn) BatchRows(ctx context.Context, batchID string) ([]*hitd.BatchRow, error) {
	rows, err := t.query(ctx, `SELECT batch_id, row_index, line, hit_id, input_values FROM batch_rows
		WHERE batch_id = ? ORDER BY row_index`, batchID)
	return collect(rows, err, scanBatchRow)
}

func (t *txn) BatchHITs(ctx context.Context, batchID string) ([]*hitd.HIT, error) {
	return scanHITs(t.query(ctx, `SELECT `+qualified("h", hitCols)+` FROM batch_rows b JOIN hits h ON h.id = b.hit_id
		WHERE b.batch_id = ? AND b.hit_id <> '' ORDER BY b.row_index`, batchID))
}

func (t *txn) BatchAssignments(ctx context.Context, batchID string) ([]*hitd.Assignment, error) {
	return scanAssignments(t.query(ctx, `SELECT `+qualified("a", assignmentCols)+` FROM batch_rows b
		JOIN assignments a ON a.hit_id = b.hit_id
		WHERE b.batch_id = ? AND b.hit_id <> '' ORDER BY b.row_index, a.seq`, batchID))
}

func scanLedger(row interface{ Scan(...any) error }) (hitd.LedgerEntry, error) {
	var e hitd.LedgerEntry
	var at int64
	var kind string
	err := row.Scan(&e.Seq, &at, &kind, &e.From, &e.To, &e.Amount, &e.Ref, &e.RequesterID, &e.Reason)
	e.Time, e.Kind = fromMS(at), hitd.LedgerKind(kind)
	return e, err
}

func (t *txn) ListLedger(ctx context.Context, q hitd.LedgerQuery) ([]hitd.LedgerEntry, error) {
	rows, err := t.query(ctx, `SELECT seq, at, kind, from_account, to_account, amount_cents, ref, requester_id, reason
		FROM ledger INDEXED BY ledger_by_requester WHERE requester_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		q.RequesterID, q.AfterSeq, q.Limit)
	return collect(rows, err, scanLedger)
}

func (t *txn) RequesterWorkerStats(ctx context.Context, requesterID string) ([]*hitd.WorkerStats, error) {
	rows, err := t.query(ctx, `SELECT worker_id, status, count(*), max(accepted_at) FROM assignments
		INDEXED BY assignments_by_requester_worker WHERE requester_id = ? GROUP BY worker_id, status`, requesterID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byWorker := map[string]*hitd.WorkerStats{}
	var out []*hitd.WorkerStats
	for rows.Next() {
		var id, status string
		var n, last int64
		if err := rows.Scan(&id, &status, &n, &last); err != nil {
			return nil, err
		}
		w := byWorker[id]
		if w == nil {
			w = &hitd.WorkerStats{WorkerID: id}
			byWorker[id] = w
			out = append(out, w)
		}
		switch hitd.AssignmentStatus(status) {
		case hitd.AssignmentAccepted:
			w.Accepted += int(n)
		case hitd.AssignmentSubmitted:
			w.Submitted += int(n)
		case hitd.AssignmentApproved:
			w.Approved += int(n)
		case hitd.AssignmentRejected:
			w.Rejected += int(n)
		case hitd.AssignmentReturned:
			w.Returned += int(n)
		case hitd.AssignmentAbandoned:
			w.Abandoned += int(n)
		}
		if at := fromMS(last); at.After(w.LastSeen) {
			w.LastSeen = at
		}
	}
	return out, rows.Err()
}
