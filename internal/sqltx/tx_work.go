package sqltx

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/hitd/hitd"
)

// This file holds the Tx methods for workers, assignments, money and the
// worker inbox.

func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ms(t)
}

func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// collect scans every row of a query with scan.
func collect[T any](rows *sql.Rows, err error, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func scanHITs(rows *sql.Rows, err error) ([]*hitd.HIT, error) { return collect(rows, err, scanHIT) }

func (t *txn) ListReviewableHITs(ctx context.Context, q hitd.ReviewableQuery) ([]*hitd.HIT, error) {
	// hitd.HIT.StatusAt: Reviewable is not Reviewing, nothing pending,
	// expired or full, and no HIT-level review policy waiting to run on
	// its work (hitd.HIT.PolicyPending); such a HIT is Reviewing instead.
	const reviewable = `reviewing = 0 AND pending = 0 AND (expires_at <= ? OR submitted + completed >= max_assignments)`
	const policyPending = `hit_review_policy IS NOT NULL AND hit_policy_done = 0 AND submitted + completed > 0`
	where := `requester_id = ? AND seq > ? AND disposed = 0 AND (reviewing = 1 OR (` + reviewable + ` AND ` + policyPending + `))`
	if !q.Reviewing {
		where = `requester_id = ? AND seq > ? AND disposed = 0 AND ` + reviewable + ` AND NOT (` + policyPending + `)`
	}
	args := []any{q.RequesterID, q.AfterSeq, ms(q.Now)}
	if q.HITTypeID != "" {
		where += ` AND hit_type_id = ?`
		args = append(args, q.HITTypeID)
	}
	args = append(args, q.Limit)
	return scanHITs(t.query(ctx, `SELECT `+hitCols+` FROM hits INDEXED BY hits_live_by_requester WHERE `+where+` ORDER BY seq LIMIT ?`, args...))
}

func (t *txn) OverfundedHITs(ctx context.Context, now time.Time, limit int) ([]*hitd.HIT, error) {
	return scanHITs(t.query(ctx, `SELECT `+hitCols+` FROM hits INDEXED BY hits_overfunded
		WHERE funded > 0 AND funded > pending + submitted AND expires_at <= ? ORDER BY expires_at LIMIT ?`, ms(now), limit))
}

// --- workers, sessions, invites ---

const workerCols = `id, username, password_hash, country, subdivision, earnings_cents, submitted, approved, rejected, created_at, adult, masters, disabled`

func scanWorker(row interface{ Scan(...any) error }) (*hitd.Worker, error) {
	var w hitd.Worker
	var created, adult, masters, disabled int64
	err := row.Scan(&w.ID, &w.Username, &w.PasswordHash, &w.Country, &w.Subdivision, &w.Earnings, &w.Submitted, &w.Approved, &w.Rejected, &created, &adult, &masters, &disabled)
	if err != nil {
		return nil, noRows(err)
	}
	w.CreationTime, w.Adult, w.Masters, w.Disabled = fromMS(created), adult == 1, masters == 1, disabled == 1
	return &w, nil
}

func (t *txn) InsertWorker(ctx context.Context, w *hitd.Worker) error {
	_, err := t.exec(ctx, `INSERT INTO workers (`+workerCols+`, username_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.ID, w.Username, w.PasswordHash, w.Country, w.Subdivision, int64(w.Earnings), w.Submitted, w.Approved, w.Rejected,
		ms(w.CreationTime), boolInt(w.Adult), boolInt(w.Masters), boolInt(w.Disabled), strings.ToLower(w.Username))
	if t.d.IsUnique(err) {
		return hitd.ErrDuplicate
	}
	return err
}

func (t *txn) UpdateWorker(ctx context.Context, w *hitd.Worker) error {
	res, err := t.exec(ctx, `UPDATE workers SET password_hash = ?, country = ?, subdivision = ?, earnings_cents = ?,
		submitted = ?, approved = ?, rejected = ?, adult = ?, masters = ?, disabled = ? WHERE id = ?`,
		w.PasswordHash, w.Country, w.Subdivision, int64(w.Earnings), w.Submitted, w.Approved, w.Rejected,
		boolInt(w.Adult), boolInt(w.Masters), boolInt(w.Disabled), w.ID)
	return affectedOne(res, err)
}

func (t *txn) WorkerByID(ctx context.Context, id string) (*hitd.Worker, error) {
	return scanWorker(t.queryRow(ctx, `SELECT `+workerCols+` FROM workers WHERE id = ?`, id))
}

func (t *txn) WorkerByUsername(ctx context.Context, username string) (*hitd.Worker, error) {
	return scanWorker(t.queryRow(ctx, `SELECT `+workerCols+` FROM workers WHERE username_key = ?`, strings.ToLower(username)))
}

func (t *txn) ListWorkers(ctx context.Context) ([]*hitd.Worker, error) {
	rows, err := t.query(ctx, `SELECT `+workerCols+` FROM workers ORDER BY created_at, id`)
	return collect(rows, err, scanWorker)
}

func (t *txn) InsertSession(ctx context.Context, s *hitd.Session) error {
	_, err := t.exec(ctx, `INSERT INTO sessions (token_hash, worker_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		s.TokenHash, s.WorkerID, ms(s.CreationTime), ms(s.Expiration))
	if t.d.IsUnique(err) {
		return hitd.ErrDuplicate
	}
	return err
}

func (t *txn) SessionByTokenHash(ctx context.Context, hash []byte) (*hitd.Session, error) {
	var s hitd.Session
	var created, expires int64
	err := t.queryRow(ctx, `SELECT token_hash, worker_id, created_at, expires_at FROM sessions WHERE token_hash = ?`, hash).
		Scan(&s.TokenHash, &s.WorkerID, &created, &expires)
	if err != nil {
		return nil, noRows(err)
	}
	s.CreationTime, s.Expiration = fromMS(created), fromMS(expires)
	return &s, nil
}

func (t *txn) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := t.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, hash)
	return err
}

func (t *txn) InsertInvite(ctx context.Context, inv *hitd.Invite) error {
	_, err := t.exec(ctx, `INSERT INTO invites (code_hash, created_at, used_by) VALUES (?, ?, ?)`, inv.CodeHash, ms(inv.CreationTime), inv.UsedBy)
	if t.d.IsUnique(err) {
		return hitd.ErrDuplicate
	}
	return err
}

func (t *txn) UseInvite(ctx context.Context, hash []byte, workerID string, notBefore time.Time) (bool, error) {
	res, err := t.exec(ctx, `UPDATE invites SET used_by = ? WHERE code_hash = ? AND used_by = '' AND created_at >= ?`, workerID, hash, ms(notBefore))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// --- browsing ---

// openHIT is the condition for a HIT with a free slot; it matches the
// hits_open_by_type partial index.
const openHIT = `h.disposed = 0 AND h.reviewing = 0 AND h.max_assignments > h.pending + h.submitted + h.completed`

// notHeldBy excludes HITs the worker holds a live assignment of, and the
// HITs of requesters who blocked the worker. It takes the WorkerId twice.
const notHeldBy = ` AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.hit_id = h.id AND a.worker_id = ? AND a.status NOT IN ('Returned', 'Abandoned'))
	AND NOT EXISTS (SELECT 1 FROM worker_blocks b WHERE b.requester_id = h.requester_id AND b.worker_id = ?)`

// likePattern escapes a keyword for LIKE ... ESCAPE '\'.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}

func (t *txn) HITGroups(ctx context.Context, q hitd.HITGroupQuery) ([]*hitd.HITGroup, error) {
	where := openHIT + ` AND h.expires_at > ?`
	args := []any{ms(q.Now)}
	if q.WorkerID != "" {
		where += notHeldBy
		args = append(args, q.WorkerID, q.WorkerID)
	}
	if q.Keyword != "" {
		p := likePattern(q.Keyword)
		where += ` AND (ht.title ` + t.d.CaseInsensitiveLike + ` ? ESCAPE '\' OR ht.description ` + t.d.CaseInsensitiveLike + ` ? ESCAPE '\' OR ht.keywords ` + t.d.CaseInsensitiveLike + ` ? ESCAPE '\')`
		args = append(args, p, p, p)
	}
	order := `latest DESC, ht.id`
	switch q.Sort {
	case hitd.SortReward:
		order = `ht.reward_cents DESC, latest DESC, ht.id`
	case hitd.SortAvailable:
		order = `n DESC, latest DESC, ht.id`
	}
	args = append(args, q.Limit, q.Offset)
	rows, err := t.query(ctx, `SELECT ht.id, ht.title, ht.description, ht.keywords, ht.requester_id, r.name, ht.reward_cents,
		ht.assignment_duration, count(*) AS n, max(h.created_at) AS latest, min(h.expires_at)
		FROM hits h JOIN hit_types ht ON ht.id = h.hit_type_id JOIN requesters r ON r.id = ht.requester_id
		WHERE `+where+` GROUP BY ht.id, r.name ORDER BY `+order+` LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hitd.HITGroup
	for rows.Next() {
		var g hitd.HITGroup
		var latest, earliest int64
		if err := rows.Scan(&g.HITTypeID, &g.Title, &g.Description, &g.Keywords, &g.RequesterID, &g.RequesterName, &g.Reward,
			&g.AssignmentDurationInSeconds, &g.HITsAvailable, &latest, &earliest); err != nil {
			return nil, err
		}
		g.LatestCreation, g.EarliestExpiration = fromMS(latest), fromMS(earliest)
		out = append(out, &g)
	}
	return out, rows.Err()
}

func (t *txn) OpenHITs(ctx context.Context, q hitd.OpenHITQuery) ([]*hitd.HIT, error) {
	where := `h.hit_type_id = ? AND ` + openHIT + ` AND h.expires_at > ?`
	args := []any{q.HITTypeID, ms(q.Now)}
	if q.WorkerID != "" {
		where += notHeldBy
		args = append(args, q.WorkerID, q.WorkerID)
	}
	args = append(args, q.Limit)
	return scanHITs(t.query(ctx, `SELECT `+qualified("h", hitCols)+` FROM hits h WHERE `+where+` ORDER BY h.seq LIMIT ?`, args...))
}

// qualified prefixes every column of a column list with a table alias.
func qualified(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// --- assignments ---

const assignmentCols = `seq, id, hit_id, hit_type_id, requester_id, worker_id, status, accepted_at, deadline, auto_approval_delay,
	submitted_at, auto_approve_at, approved_at, rejected_at, answer, feedback`

func scanAssignment(row interface{ Scan(...any) error }) (*hitd.Assignment, error) {
	var a hitd.Assignment
	var status string
	var accepted, deadline int64
	var submitted, autoAt, approved, rejected sql.NullInt64
	err := row.Scan(&a.Seq, &a.ID, &a.HITID, &a.HITTypeID, &a.RequesterID, &a.WorkerID, &status, &accepted, &deadline,
		&a.AutoApprovalDelayInSeconds, &submitted, &autoAt, &approved, &rejected, &a.Answer, &a.RequesterFeedback)
	if err != nil {
		return nil, noRows(err)
	}
	a.Status = hitd.AssignmentStatus(status)
	a.AcceptTime, a.Deadline = fromMS(accepted), fromMS(deadline)
	a.SubmitTime, a.AutoApprovalTime = fromNullMS(submitted), fromNullMS(autoAt)
	a.ApprovalTime, a.RejectionTime = fromNullMS(approved), fromNullMS(rejected)
	return &a, nil
}

func scanAssignments(rows *sql.Rows, err error) ([]*hitd.Assignment, error) {
	return collect(rows, err, scanAssignment)
}

// InsertAssignment relies on the assignments_live_per_worker index, not on
// a prior read, to refuse a second live assignment: ON CONFLICT … DO
// NOTHING reports it without an error, so the transaction stays usable
// (on PostgreSQL a failed statement would abort it) and the caller may
// look the existing assignment up.
func (t *txn) InsertAssignment(ctx context.Context, a *hitd.Assignment) error {
	err := t.queryRow(ctx, `INSERT INTO assignments (id, hit_id, hit_type_id, requester_id, worker_id, status, accepted_at,
		deadline, auto_approval_delay, submitted_at, auto_approve_at, approved_at, rejected_at, due_at, answer, feedback)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (hit_id, worker_id) WHERE status NOT IN ('Returned', 'Abandoned') DO NOTHING RETURNING seq`,
		a.ID, a.HITID, a.HITTypeID, a.RequesterID, a.WorkerID, string(a.Status), ms(a.AcceptTime), ms(a.Deadline),
		a.AutoApprovalDelayInSeconds, nullMS(a.SubmitTime), nullMS(a.AutoApprovalTime), nullMS(a.ApprovalTime),
		nullMS(a.RejectionTime), nullMS(a.DueAt()), a.Answer, a.RequesterFeedback).Scan(&a.Seq)
	if errors.Is(err, sql.ErrNoRows) || t.d.IsUnique(err) {
		return hitd.ErrDuplicate
	}
	return err
}

func (t *txn) UpdateAssignment(ctx context.Context, a *hitd.Assignment) error {
	res, err := t.exec(ctx, `UPDATE assignments SET status = ?, submitted_at = ?, auto_approve_at = ?, approved_at = ?,
		rejected_at = ?, due_at = ?, answer = ?, feedback = ? WHERE id = ?`,
		string(a.Status), nullMS(a.SubmitTime), nullMS(a.AutoApprovalTime), nullMS(a.ApprovalTime), nullMS(a.RejectionTime),
		nullMS(a.DueAt()), a.Answer, a.RequesterFeedback, a.ID)
	if t.d.IsUnique(err) {
		return hitd.ErrDuplicate
	}
	return affectedOne(res, err)
}

func (t *txn) Assignment(ctx context.Context, id string) (*hitd.Assignment, error) {
	return scanAssignment(t.queryRow(ctx, `SELECT `+assignmentCols+` FROM assignments WHERE id = ?`, id))
}

func (t *txn) LiveAssignment(ctx context.Context, hitID, workerID string) (*hitd.Assignment, error) {
	return scanAssignment(t.queryRow(ctx, `SELECT `+assignmentCols+` FROM assignments
		WHERE hit_id = ? AND worker_id = ? AND status NOT IN ('Returned', 'Abandoned')`, hitID, workerID))
}

// assignmentWhere builds the WHERE clause of an AssignmentQuery.
func assignmentWhere(q hitd.AssignmentQuery) (string, []any) {
	var conds []string
	var args []any
	if q.HITID != "" {
		conds, args = append(conds, `hit_id = ?`), append(args, q.HITID)
	}
	if q.WorkerID != "" {
		conds, args = append(conds, `worker_id = ?`), append(args, q.WorkerID)
	}
	if q.RequesterID != "" {
		conds, args = append(conds, `requester_id = ?`), append(args, q.RequesterID)
	}
	if len(q.Statuses) > 0 {
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(q.Statuses)), ", ")
		conds = append(conds, `status IN (`+marks+`)`)
		for _, s := range q.Statuses {
			args = append(args, string(s))
		}
	}
	if q.AfterSeq > 0 {
		if q.Descending {
			conds, args = append(conds, `seq < ?`), append(args, q.AfterSeq)
		} else {
			conds, args = append(conds, `seq > ?`), append(args, q.AfterSeq)
		}
	}
	if len(conds) == 0 {
		return "1", args
	}
	return strings.Join(conds, " AND "), args
}

func (t *txn) ListAssignments(ctx context.Context, q hitd.AssignmentQuery) ([]*hitd.Assignment, error) {
	where, args := assignmentWhere(q)
	order := "seq"
	if q.Descending {
		order = "seq DESC"
	}
	args = append(args, q.Limit)
	return scanAssignments(t.query(ctx, `SELECT `+assignmentCols+` FROM assignments WHERE `+where+` ORDER BY `+order+` LIMIT ?`, args...))
}

func (t *txn) CountAssignments(ctx context.Context, q hitd.AssignmentQuery) (int, error) {
	where, args := assignmentWhere(q)
	var n int
	err := t.queryRow(ctx, `SELECT count(*) FROM assignments WHERE `+where, args...).Scan(&n)
	return n, err
}

func (t *txn) DueAssignments(ctx context.Context, now time.Time, limit int) ([]*hitd.Assignment, error) {
	return scanAssignments(t.query(ctx, `SELECT `+assignmentCols+` FROM assignments INDEXED BY assignments_due
		WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at LIMIT ?`, ms(now), limit))
}

func (t *txn) HasWorkedFor(ctx context.Context, requesterID, workerID string) (bool, error) {
	var n int
	err := t.queryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM assignments WHERE requester_id = ? AND worker_id = ? LIMIT 1) AS worked`,
		requesterID, workerID).Scan(&n)
	return n > 0, err
}

// --- money ---

func (t *txn) InsertLedgerEntries(ctx context.Context, entries []hitd.LedgerEntry) error {
	for i := range entries {
		e := &entries[i]
		if err := t.queryRow(ctx, `INSERT INTO ledger (at, kind, from_account, to_account, amount_cents, ref, requester_id, reason)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
			ms(e.Time), string(e.Kind), e.From, e.To, int64(e.Amount), e.Ref, e.RequesterID, e.Reason).Scan(&e.Seq); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) InsertBonus(ctx context.Context, b *hitd.BonusPayment) error {
	err := t.queryRow(ctx, `INSERT INTO bonuses (id, requester_id, worker_id, assignment_id, hit_id, amount_cents, fee_cents, reason, granted_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		b.ID, b.RequesterID, b.WorkerID, b.AssignmentID, b.HITID, int64(b.Amount), int64(b.Fee), b.Reason, ms(b.GrantTime)).Scan(&b.Seq)
	if t.d.IsUnique(err) {
		return hitd.ErrDuplicate
	}
	return err
}

func (t *txn) ListBonuses(ctx context.Context, q hitd.BonusQuery) ([]*hitd.BonusPayment, error) {
	where, args := `requester_id = ? AND seq > ?`, []any{q.RequesterID, q.AfterSeq}
	if q.HITID != "" {
		where, args = where+` AND hit_id = ?`, append(args, q.HITID)
	}
	if q.AssignmentID != "" {
		where, args = where+` AND assignment_id = ?`, append(args, q.AssignmentID)
	}
	args = append(args, q.Limit)
	rows, err := t.query(ctx, `SELECT seq, id, requester_id, worker_id, assignment_id, hit_id, amount_cents, fee_cents, reason, granted_at
		FROM bonuses WHERE `+where+` ORDER BY seq LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hitd.BonusPayment
	for rows.Next() {
		var b hitd.BonusPayment
		var granted int64
		if err := rows.Scan(&b.Seq, &b.ID, &b.RequesterID, &b.WorkerID, &b.AssignmentID, &b.HITID, &b.Amount, &b.Fee, &b.Reason, &granted); err != nil {
			return nil, err
		}
		b.GrantTime = fromMS(granted)
		out = append(out, &b)
	}
	return out, rows.Err()
}

func (t *txn) AuditMoney(ctx context.Context) (*hitd.MoneyAudit, error) {
	var m hitd.MoneyAudit
	if err := t.queryRow(ctx, `SELECT
		(SELECT coalesce(sum(balance_cents), 0) FROM requesters),
		(SELECT coalesce(sum(reserved_cents), 0) FROM hits),
		(SELECT coalesce(sum(earnings_cents), 0) FROM workers),
		(SELECT coalesce(sum(amount_cents), 0) FROM ledger WHERE to_account = 'fees'),
		(SELECT coalesce(sum(CASE WHEN from_account = 'external' THEN amount_cents ELSE -amount_cents END), 0)
			FROM ledger WHERE from_account = 'external' OR to_account = 'external')`).
		Scan(&m.RequesterBalances, &m.Reserves, &m.WorkerEarnings, &m.Fees, &m.Deposits); err != nil {
		return nil, err
	}
	// Every account's stored balance against the sum of its entries.
	rows, err := t.query(ctx, `WITH flows AS (
			SELECT to_account AS account, amount_cents AS amount FROM ledger
			UNION ALL SELECT from_account, -amount_cents FROM ledger),
		books AS (SELECT account, sum(amount) AS amount FROM flows GROUP BY account),
		stored AS (
			SELECT 'requester:' || id AS account, balance_cents AS amount FROM requesters
			UNION ALL SELECT 'hit:' || id, reserved_cents FROM hits
			UNION ALL SELECT 'worker:' || id, earnings_cents FROM workers)
		SELECT s.account, s.amount, coalesce(b.amount, 0) FROM stored s LEFT JOIN books b ON b.account = s.account
		WHERE s.amount != coalesce(b.amount, 0)
		UNION ALL
		SELECT b.account, 0, b.amount FROM books b
		WHERE b.account NOT IN ('fees', 'external') AND b.account NOT IN (SELECT account FROM stored) AND b.amount != 0
		ORDER BY 1 LIMIT 100`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var account string
		var stored, books int64
		if err := rows.Scan(&account, &stored, &books); err != nil {
			return nil, err
		}
		m.Mismatches = append(m.Mismatches, account+": stored "+hitd.Cents(stored).String()+", ledger "+hitd.Cents(books).String())
	}
	return &m, rows.Err()
}

// --- inbox ---

func (t *txn) InsertMessages(ctx context.Context, msgs []*hitd.WorkerMessage) error {
	for _, m := range msgs {
		if _, err := t.exec(ctx, `INSERT INTO messages (id, worker_id, requester_id, requester_name, subject, body, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, m.ID, m.WorkerID, m.RequesterID, m.RequesterName, m.Subject, m.MessageText, ms(m.CreationTime)); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) ListMessages(ctx context.Context, workerID string, limit int) ([]*hitd.WorkerMessage, error) {
	rows, err := t.query(ctx, `SELECT id, worker_id, requester_id, requester_name, subject, body, created_at
		FROM messages WHERE worker_id = ? ORDER BY seq DESC LIMIT ?`, workerID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*hitd.WorkerMessage
	for rows.Next() {
		var m hitd.WorkerMessage
		var created int64
		if err := rows.Scan(&m.ID, &m.WorkerID, &m.RequesterID, &m.RequesterName, &m.Subject, &m.MessageText, &created); err != nil {
			return nil, err
		}
		m.CreationTime = fromMS(created)
		out = append(out, &m)
	}
	return out, rows.Err()
}
