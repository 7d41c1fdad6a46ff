// Package sqltx is hitd.Tx written once in SQL, for both SQL stores.
//
// hitd's queries are plain SQL that SQLite and PostgreSQL both run, so the
// row mapping — columns, scans, JSON columns, pagination — lives here once
// and the stores differ only where the databases do. A Dialect names those
// differences; each store (package sqlite, package postgres) owns its
// schema, migrations, connection pools, transaction isolation and retry, and
// passes its Dialect to New.
//
// Queries are written in SQLite's spelling (? placeholders, INDEXED BY
// planner hints); Dialect.Rewrite translates them for another database,
// once per distinct query text. Time is stored as unix milliseconds (UTC)
// in integer columns and booleans as 0/1, the same on both stores, so a
// deployment's rows copy between them unchanged.
//
// It must not hold rules (those are the Service's) or open connections.
package sqltx

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/hitd/hitd"
)

// Dialect is what differs between the SQL databases hitd runs on.
type Dialect struct {
	// IsUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
	IsUnique func(error) bool
	// CaseInsensitiveLike is the operator for keyword search: LIKE on
	// SQLite (case-insensitive for ASCII), ILIKE on PostgreSQL.
	CaseInsensitiveLike string
	// Rewrite, if set, turns a query in SQLite's spelling into this
	// database's. Its results are cached per query text.
	Rewrite func(query string) string

	mu        sync.RWMutex
	rewritten map[string]string
}

// sql returns q in the dialect's spelling.
func (d *Dialect) sql(q string) string {
	if d.Rewrite == nil {
		return q
	}
	d.mu.RLock()
	r, ok := d.rewritten[q]
	d.mu.RUnlock()
	if ok {
		return r
	}
	r = d.Rewrite(q)
	d.mu.Lock()
	if d.rewritten == nil {
		d.rewritten = map[string]string{}
	}
	d.rewritten[q] = r
	d.mu.Unlock()
	return r
}

// New returns the hitd.Tx view of tx.
func New(tx *sql.Tx, d *Dialect) hitd.Tx { return &txn{tx: tx, d: d} }

// NewCached is New with the cache of prepared statements of the *sql.DB
// that tx belongs to.
func NewCached(tx *sql.Tx, d *Dialect, stmts *Stmts) hitd.Tx { return &txn{tx: tx, d: d, stmts: stmts} }

// txn implements hitd.Tx on one *sql.Tx.
type txn struct {
	tx    *sql.Tx
	d     *Dialect
	stmts *Stmts
}

func (t *txn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	q = t.d.sql(q)
	if st := t.stmts.get(q); st != nil {
		return t.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, q, args...)
}

func (t *txn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	q = t.d.sql(q)
	if st := t.stmts.get(q); st != nil {
		return t.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, q, args...)
}

func (t *txn) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	q = t.d.sql(q)
	if st := t.stmts.get(q); st != nil {
		return t.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, q, args...)
}

func ms(t time.Time) int64     { return t.UnixMilli() }
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }
func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func noRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return hitd.ErrNoRows
	}
	return err
}

// jsonText encodes v as JSON text for a column; nil pointers become NULL.
func jsonText(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if string(b) == "null" {
		return nil, nil
	}
	return string(b), nil
}

const requesterCols = `id, name, access_key_id, secret_access_key, balance_cents, is_root, is_admin, console_password_hash, created_at, disabled`

func scanRequester(row interface{ Scan(...any) error }) (*hitd.Requester, error) {
	var r hitd.Requester
	var root, admin, created, disabled int64
	if err := row.Scan(&r.ID, &r.Name, &r.AccessKeyID, &r.SecretAccessKey, &r.Balance, &root, &admin, &r.ConsolePasswordHash, &created, &disabled); err != nil {
		return nil, noRows(err)
	}
	if len(r.ConsolePasswordHash) == 0 {
		r.ConsolePasswordHash = nil // none set: the same on both stores
	}
	r.Root, r.Admin, r.CreationTime, r.Disabled = root == 1, admin == 1, fromMS(created), disabled == 1
	return &r, nil
}

// blob is b for a NOT NULL BLOB column: nil becomes empty, not NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func (t *txn) InsertRequester(ctx context.Context, r *hitd.Requester) error {
	_, err := t.exec(ctx, `INSERT INTO requesters (`+requesterCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.Name, r.AccessKeyID, r.SecretAccessKey, int64(r.Balance), boolInt(r.Root), boolInt(r.Admin), blob(r.ConsolePasswordHash), ms(r.CreationTime),
		boolInt(r.Disabled))
	if t.d.IsUnique(err) {
		return hitd.ErrDuplicate
	}
	return err
}

func (t *txn) UpdateRequester(ctx context.Context, r *hitd.Requester) error {
	res, err := t.exec(ctx, `UPDATE requesters SET name = ?, access_key_id = ?, secret_access_key = ?, balance_cents = ?, is_root = ?,
		is_admin = ?, console_password_hash = ?, disabled = ? WHERE id = ?`,
		r.Name, r.AccessKeyID, r.SecretAccessKey, int64(r.Balance), boolInt(r.Root), boolInt(r.Admin), blob(r.ConsolePasswordHash), boolInt(r.Disabled), r.ID)
	if t.d.IsUnique(err) {
		return hitd.ErrDuplicate
	}
	return affectedOne(res, err)
}

func affectedOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return hitd.ErrNoRows
	}
	return nil
}

func (t *txn) RequesterByID(ctx context.Context, id string) (*hitd.Requester, error) {
	return scanRequester(t.queryRow(ctx, `SELECT `+requesterCols+` FROM requesters WHERE id = ?`, id))
}

func (t *txn) RequesterByAccessKey(ctx context.Context, key string) (*hitd.Requester, error) {
	return scanRequester(t.queryRow(ctx, `SELECT `+requesterCols+` FROM requesters WHERE access_key_id = ?`, key))
}

func (t *txn) RootRequester(ctx context.Context) (*hitd.Requester, error) {
	return scanRequester(t.queryRow(ctx, `SELECT `+requesterCols+` FROM requesters WHERE is_root = 1`))
}

func (t *txn) ListRequesters(ctx context.Context) ([]*hitd.Requester, error) {
	rows, err := t.query(ctx, `SELECT `+requesterCols+` FROM requesters ORDER BY created_at, id`)
	return collect(rows, err, scanRequester)
}

func (t *txn) InsertRequesterSession(ctx context.Context, s *hitd.RequesterSession) error {
	_, err := t.exec(ctx, `INSERT INTO requester_sessions (token_hash, requester_id, created_at, expires_at) VALUES (?, ?, ?, ?)`,
		s.TokenHash, s.RequesterID, ms(s.CreationTime), ms(s.Expiration))
	if t.d.IsUnique(err) {
		return hitd.ErrDuplicate
	}
	return err
}

func (t *txn) RequesterSessionByTokenHash(ctx context.Context, hash []byte) (*hitd.RequesterSession, error) {
	var s hitd.RequesterSession
	var created, expires int64
	err := t.queryRow(ctx, `SELECT token_hash, requester_id, created_at, expires_at FROM requester_sessions WHERE token_hash = ?`, hash).
		Scan(&s.TokenHash, &s.RequesterID, &created, &expires)
	if err != nil {
		return nil, noRows(err)
	}
	s.CreationTime, s.Expiration = fromMS(created), fromMS(expires)
	return &s, nil
}

func (t *txn) DeleteRequesterSession(ctx context.Context, hash []byte) error {
	_, err := t.exec(ctx, `DELETE FROM requester_sessions WHERE token_hash = ?`, hash)
	return err
}

func (t *txn) DeleteRequesterSessions(ctx context.Context, requesterID string) error {
	_, err := t.exec(ctx, `DELETE FROM requester_sessions WHERE requester_id = ?`, requesterID)
	return err
}

const hitTypeCols = `id, requester_id, title, description, keywords, reward_cents, assignment_duration, auto_approval_delay, qualification_requirements, created_at`

func (t *txn) InsertHITType(ctx context.Context, ht *hitd.HITType) (bool, error) {
	quals, err := json.Marshal(ht.QualificationRequirements)
	if err != nil {
		return false, err
	}
	if ht.QualificationRequirements == nil {
		quals = []byte("[]")
	}
	res, err := t.exec(ctx, `INSERT INTO hit_types (`+hitTypeCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		ht.ID, ht.RequesterID, ht.Title, ht.Description, ht.Keywords, int64(ht.Reward),
		ht.AssignmentDurationInSeconds, ht.AutoApprovalDelayInSeconds, string(quals), ms(ht.CreationTime))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t *txn) HITType(ctx context.Context, id string) (*hitd.HITType, error) {
	var ht hitd.HITType
	var quals string
	var created int64
	err := t.queryRow(ctx, `SELECT `+hitTypeCols+` FROM hit_types WHERE id = ?`, id).Scan(
		&ht.ID, &ht.RequesterID, &ht.Title, &ht.Description, &ht.Keywords, &ht.Reward,
		&ht.AssignmentDurationInSeconds, &ht.AutoApprovalDelayInSeconds, &quals, &created)
	if err != nil {
		return nil, noRows(err)
	}
	if err := json.Unmarshal([]byte(quals), &ht.QualificationRequirements); err != nil {
		return nil, err
	}
	if len(ht.QualificationRequirements) == 0 {
		ht.QualificationRequirements = nil
	}
	ht.CreationTime = fromMS(created)
	return &ht, nil
}

const hitCols = `seq, id, hit_type_id, requester_id, question, layout_id, layout_parameters, max_assignments, lifetime,
	created_at, expires_at, annotation, unique_request_token, assignment_review_policy, hit_review_policy,
	review_status, reviewing, disposed, pending, submitted, completed, funded, reserved_cents, hit_policy_done, expiry_notified, disabled`

func (t *txn) InsertHIT(ctx context.Context, h *hitd.HIT) error {
	params, arp, hrp, err := hitJSONColumns(h)
	if err != nil {
		return err
	}
	err = t.queryRow(ctx, `INSERT INTO hits (id, hit_type_id, requester_id, question, layout_id, layout_parameters,
		max_assignments, lifetime, created_at, expires_at, annotation, unique_request_token, assignment_review_policy,
		hit_review_policy, review_status, reviewing, disposed, pending, submitted, completed, funded, reserved_cents, hit_policy_done,
		expiry_notified, disabled)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		h.ID, h.HITTypeID, h.RequesterID, h.Question, h.LayoutID, params, h.MaxAssignments, h.LifetimeInSeconds,
		ms(h.CreationTime), ms(h.Expiration), h.RequesterAnnotation, h.UniqueRequestToken, arp, hrp,
		string(h.ReviewStatus), boolInt(h.Reviewing), boolInt(h.Disposed), h.Pending, h.Submitted, h.Completed,
		h.Funded, int64(h.Reserved), boolInt(h.HITPolicyDone), boolInt(h.ExpiryNotified), boolInt(h.Disabled),
	).Scan(&h.Seq)
	if t.d.IsUnique(err) {
		return hitd.ErrDuplicate
	}
	return err
}

// hitJSONColumns encodes a HIT's structured fields for their JSON columns.
func hitJSONColumns(h *hitd.HIT) (params string, arp, hrp any, err error) {
	b := []byte("[]")
	if h.LayoutParameters != nil {
		if b, err = json.Marshal(h.LayoutParameters); err != nil {
			return "", nil, nil, err
		}
	}
	if arp, err = jsonText(h.AssignmentReviewPolicy); err != nil {
		return "", nil, nil, err
	}
	hrp, err = jsonText(h.HITReviewPolicy)
	return string(b), arp, hrp, err
}

func scanHIT(row interface{ Scan(...any) error }) (*hitd.HIT, error) {
	var h hitd.HIT
	var params, review string
	var arp, hrp sql.NullString
	var created, expires, reviewing, disposed, policyDone, expiryNotified, disabled int64
	err := row.Scan(&h.Seq, &h.ID, &h.HITTypeID, &h.RequesterID, &h.Question, &h.LayoutID, &params, &h.MaxAssignments,
		&h.LifetimeInSeconds, &created, &expires, &h.RequesterAnnotation, &h.UniqueRequestToken, &arp, &hrp,
		&review, &reviewing, &disposed, &h.Pending, &h.Submitted, &h.Completed, &h.Funded, &h.Reserved, &policyDone, &expiryNotified, &disabled)
	if err != nil {
		return nil, noRows(err)
	}
	if err := json.Unmarshal([]byte(params), &h.LayoutParameters); err != nil {
		return nil, err
	}
	if len(h.LayoutParameters) == 0 {
		h.LayoutParameters = nil
	}
	for _, p := range []struct {
		col sql.NullString
		dst **hitd.ReviewPolicy
	}{{arp, &h.AssignmentReviewPolicy}, {hrp, &h.HITReviewPolicy}} {
		if p.col.Valid {
			if err := json.Unmarshal([]byte(p.col.String), p.dst); err != nil {
				return nil, err
			}
		}
	}
	h.CreationTime, h.Expiration = fromMS(created), fromMS(expires)
	h.ReviewStatus, h.Reviewing, h.Disposed = hitd.HITReviewStatus(review), reviewing == 1, disposed == 1
	h.HITPolicyDone, h.ExpiryNotified, h.Disabled = policyDone == 1, expiryNotified == 1, disabled == 1
	return &h, nil
}

func (t *txn) HIT(ctx context.Context, id string) (*hitd.HIT, error) {
	return scanHIT(t.queryRow(ctx, `SELECT `+hitCols+` FROM hits WHERE id = ?`, id))
}

func (t *txn) UpdateHIT(ctx context.Context, h *hitd.HIT) error {
	params, arp, hrp, err := hitJSONColumns(h)
	if err != nil {
		return err
	}
	res, err := t.exec(ctx, `UPDATE hits SET hit_type_id = ?, question = ?, layout_id = ?, layout_parameters = ?,
		max_assignments = ?, lifetime = ?, expires_at = ?, annotation = ?, assignment_review_policy = ?, hit_review_policy = ?,
		review_status = ?, reviewing = ?, disposed = ?, pending = ?, submitted = ?, completed = ?,
		funded = ?, reserved_cents = ?, hit_policy_done = ?, expiry_notified = ?, disabled = ? WHERE id = ?`,
		h.HITTypeID, h.Question, h.LayoutID, params, h.MaxAssignments, h.LifetimeInSeconds, ms(h.Expiration),
		h.RequesterAnnotation, arp, hrp, string(h.ReviewStatus), boolInt(h.Reviewing), boolInt(h.Disposed),
		h.Pending, h.Submitted, h.Completed, h.Funded, int64(h.Reserved), boolInt(h.HITPolicyDone), boolInt(h.ExpiryNotified), boolInt(h.Disabled), h.ID)
	return affectedOne(res, err)
}

func (t *txn) ListHITs(ctx context.Context, q hitd.HITQuery) ([]*hitd.HIT, error) {
	return scanHITs(t.query(ctx, `SELECT `+hitCols+` FROM hits INDEXED BY hits_live_by_requester
		WHERE requester_id = ? AND seq > ? AND disposed = 0 ORDER BY seq LIMIT ?`, q.RequesterID, q.AfterSeq, q.Limit))
}

func (t *txn) ListHITsRequiring(ctx context.Context, q hitd.HITQuery, qualTypeID string) ([]*hitd.HIT, error) {
	// Qualification type IDs are upper-case alphanumerics, so the pattern
	// needs no escaping; it matches the JSON the type's requirements are
	// stored as.
	return scanHITs(t.query(ctx, `SELECT `+qualified("h", hitCols)+` FROM hits h INDEXED BY hits_live_by_requester
		JOIN hit_types ht ON ht.id = h.hit_type_id
		WHERE h.requester_id = ? AND h.seq > ? AND h.disposed = 0 AND ht.qualification_requirements LIKE ?
		ORDER BY h.seq LIMIT ?`, q.RequesterID, q.AfterSeq, `%"QualificationTypeId":"`+qualTypeID+`"%`, q.Limit))
}

func (t *txn) ClaimRequestToken(ctx context.Context, rt *hitd.RequestToken, notBefore time.Time) (*hitd.RequestToken, error) {
	// Within the single write path this read-then-write is atomic: no other
	// write transaction runs between the two statements.
	var prior hitd.RequestToken
	var created int64
	err := t.queryRow(ctx, `SELECT requester_id, scope, token, result_id, created_at FROM request_tokens
		WHERE requester_id = ? AND scope = ? AND token = ?`, rt.RequesterID, rt.Scope, rt.Token).Scan(
		&prior.RequesterID, &prior.Scope, &prior.Token, &prior.ResultID, &created)
	switch {
	case err == nil && created >= ms(notBefore):
		prior.CreationTime = fromMS(created)
		return &prior, nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	_, err = t.exec(ctx, `INSERT INTO request_tokens (requester_id, scope, token, result_id, created_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (requester_id, scope, token) DO UPDATE SET result_id = excluded.result_id, created_at = excluded.created_at`,
		rt.RequesterID, rt.Scope, rt.Token, rt.ResultID, ms(rt.CreationTime))
	return nil, err
}
