package hitd

import (
	"context"
	"time"
)

// Stats is a realm's state at one moment as an operator watches it:
// the work in flight, the money held, and whether the scheduler keeps up.
// Package metrics exports it to Prometheus.
type Stats struct {
	Time time.Time // when it was taken, by the Service's clock

	// HITs by status at Time, as GetHIT reports it: Assignable (a free
	// slot, not expired) and Unassignable (no free slot, or expired, with
	// an assignment still being worked). Reviewable, Reviewing and
	// Disposed HITs are not counted: they grow without bound.
	AssignableHITs   int
	UnassignableHITs int
	// Assignments in flight: Accepted (being worked) and Submitted
	// (awaiting approval or rejection).
	AcceptedAssignments  int
	SubmittedAssignments int
	// Reserved is the money held in HITs' reserves (escrow): the reward
	// and fee of every funded slot. Balances is the requesters' available
	// balances.
	Reserved Cents
	Balances Cents
	// The notification outbox: items waiting to be delivered (or retried)
	// and dead letters (see hitd outbox).
	OutboxPending int
	OutboxDead    int
	// OldestDue is when the oldest piece of time-driven work that is due
	// at Time and not yet applied became due: an abandonment, an
	// auto-approval, an expiry, the release of an expired HIT's money, or
	// a notification's delivery. Zero when nothing is due. (HIT-level
	// review policies are not included: when they became due is not
	// recorded.)
	OldestDue time.Time
}

// SchedulerLag is how long the oldest due work has waited: Time minus
// OldestDue, or 0 when nothing is due. A scheduler that keeps up holds it
// under its interval.
func (s Stats) SchedulerLag() time.Duration {
	if s.OldestDue.IsZero() || !s.OldestDue.Before(s.Time) {
		return 0
	}
	return s.Time.Sub(s.OldestDue)
}

// Stats takes the realm's Stats now, in one read transaction. Its cost
// grows with the work in flight (open HITs, live assignments, pending
// notifications), not with the history kept; see Tx.Stats.
func (s *Service) Stats(ctx context.Context) (Stats, error) {
	now := s.now()
	var out *Stats
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Stats(ctx, now)
		return err
	})
	if err != nil {
		return Stats{}, internal("stats", err)
	}
	st := *out
	st.Time = now
	return st, nil
}
