package sqltx

import (
	"context"
	"database/sql"
	"time"

	"github.com/hitd/hitd"
)

// Stats reads what the metrics report in three statements, through
// partial indexes whose rows are work in flight, never the history:
//
//   - HITs holding money (Funded > 0), in two disjoint parts. HITs with a
//     free funded slot (Funded > Pending + Submitted: open ones, and
//     expired ones not yet released) are the rows of hits_overfunded (on
//     SQLite exactly; on PostgreSQL it holds every HIT with Funded > 0).
//     HITs whose every funded slot is held (Funded = Pending + Submitted
//     > 0) have a live assignment, so they are found through
//     assignments_due (Accepted and Submitted assignments), each HIT
//     once. The cost is O(open HITs + live assignments), one row read for
//     each (docs/performance.md#metrics-scrape has the figures).
//   - The due work's oldest due time: one ordered index probe (LIMIT 1)
//     on each of assignments_due, hits_expiry_due, hits_overfunded and
//     outbox_due, O(log n) each (hits_overfunded skips the expired HITs
//     whose every funded slot is still being worked or reviewed).
//   - Outbox items by status: a count over outbox_by_status for Pending
//     and Dead only (Delivered rows, the history, are not read).
//   - Requesters' balances: a scan of requesters, which are few.
func (t *txn) Stats(ctx context.Context, now time.Time) (*hitd.Stats, error) {
	var s hitd.Stats
	at := ms(now)
	// Assignable: not disposed, not Reviewing, not expired, a free slot.
	// Unassignable: not disposed, not Reviewing, not Assignable, pending
	// work (hitd.HIT.StatusAt).
	const sums = `coalesce(sum(CASE WHEN disposed = 0 AND reviewing = 0 AND expires_at > ? AND max_assignments > pending + submitted + completed THEN 1 ELSE 0 END), 0),
		coalesce(sum(CASE WHEN disposed = 0 AND reviewing = 0 AND NOT (expires_at > ? AND max_assignments > pending + submitted + completed) AND pending > 0 THEN 1 ELSE 0 END), 0),
		coalesce(sum(pending), 0), coalesce(sum(submitted), 0), coalesce(sum(reserved_cents), 0)`
	rows, err := t.query(ctx, `SELECT `+sums+` FROM hits INDEXED BY hits_overfunded WHERE funded > 0 AND funded > pending + submitted
		UNION ALL
		SELECT `+sums+` FROM hits WHERE id IN (SELECT hit_id FROM assignments INDEXED BY assignments_due WHERE due_at IS NOT NULL)
			AND funded > 0 AND funded = pending + submitted`, at, at, at, at)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var assignable, unassignable, accepted, submitted, reserved int64
		if err := rows.Scan(&assignable, &unassignable, &accepted, &submitted, &reserved); err != nil {
			return nil, err
		}
		s.AssignableHITs += int(assignable)
		s.UnassignableHITs += int(unassignable)
		s.AcceptedAssignments += int(accepted)
		s.SubmittedAssignments += int(submitted)
		s.Reserved += hitd.Cents(reserved)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The earliest due time of each kind of due work that is due at now
	// (the queries hitd.Tx's DueAssignments, ExpiringHITs, OverfundedHITs
	// and DueOutbox make, oldest first).
	var due [4]sql.NullInt64
	if err := t.queryRow(ctx, `SELECT
			(SELECT due_at FROM assignments INDEXED BY assignments_due WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at LIMIT 1),
			(SELECT expires_at FROM hits INDEXED BY hits_expiry_due WHERE expiry_notified = 0 AND disposed = 0 AND expires_at <= ? ORDER BY expires_at LIMIT 1),
			(SELECT expires_at FROM hits INDEXED BY hits_overfunded WHERE funded > 0 AND funded > pending + submitted AND expires_at <= ? ORDER BY expires_at LIMIT 1),
			(SELECT next_attempt FROM outbox INDEXED BY outbox_due WHERE status = 'Pending' AND next_attempt <= ? ORDER BY next_attempt LIMIT 1)`,
		at, at, at, at).Scan(&due[0], &due[1], &due[2], &due[3]); err != nil {
		return nil, err
	}
	for _, d := range due {
		if d.Valid && (s.OldestDue.IsZero() || d.Int64 < ms(s.OldestDue)) {
			s.OldestDue = fromMS(d.Int64)
		}
	}
	var balances int64
	if err := t.queryRow(ctx, `SELECT
			(SELECT count(*) FROM outbox WHERE status = 'Pending'),
			(SELECT count(*) FROM outbox WHERE status = 'Dead'),
			(SELECT coalesce(sum(balance_cents), 0) FROM requesters)`).
		Scan(&s.OutboxPending, &s.OutboxDead, &balances); err != nil {
		return nil, err
	}
	s.Balances = hitd.Cents(balances)
	return &s, nil
}
