package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/hitd/hitd"
)

// testStats: Tx.Stats counts HITs by status, assignments in flight, money
// held, the outbox, and finds the oldest due work, over rows as the
// Service keeps them (counters and funding consistent with assignments).
func testStats(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	now := t0.Add(45 * time.Minute)
	late := t0.Add(40 * time.Minute) // accepted then: not due at now
	type slots struct{ max, pending, submitted, completed, funded int }
	hits := []struct {
		id      string
		n       slots
		expires time.Time
		mod     func(*hitd.HIT)
	}{
		{"H1", slots{3, 1, 0, 0, 3}, t0.Add(time.Hour), nil},        // Assignable
		{"H2", slots{2, 2, 0, 0, 2}, t0.Add(time.Hour), nil},        // Unassignable: every slot taken (by two)
		{"H3", slots{2, 1, 0, 0, 2}, t0.Add(20 * time.Minute), nil}, // Unassignable: expired, being worked; overfunded
		{"H4", slots{1, 0, 1, 0, 1}, t0.Add(time.Hour), nil},        // Reviewable: its one slot submitted
		{"H5", slots{1, 0, 0, 1, 0}, t0.Add(time.Hour), nil},        // Reviewable, paid: holds nothing
		{"H6", slots{2, 0, 0, 0, 2}, t0.Add(time.Hour), func(h *hitd.HIT) { h.Reviewing = true }},
		{"H7", slots{2, 1, 0, 0, 1}, t0.Add(time.Hour), func(h *hitd.HIT) { h.Disposed, h.Disabled = true, true }},
	}
	write(t, s, func(tx hitd.Tx) error {
		for _, r := range []*hitd.Requester{requester("A1", false), requester("A2", false)} {
			if err := tx.InsertRequester(ctx, r); err != nil {
				return err
			}
		}
		if _, err := tx.InsertHITType(ctx, hitType("T1", "A1")); err != nil {
			return err
		}
		for _, w := range []*hitd.Worker{worker("W1", "w1"), worker("W2", "w2")} {
			if err := tx.InsertWorker(ctx, w); err != nil {
				return err
			}
		}
		for _, c := range hits {
			h := hit(c.id, "T1", "A1")
			h.MaxAssignments, h.Expiration = c.n.max, c.expires
			h.Pending, h.Submitted, h.Completed = c.n.pending, c.n.submitted, c.n.completed
			h.Funded, h.Reserved = c.n.funded, hitd.Cents(c.n.funded)*6
			if c.mod != nil {
				c.mod(h)
			}
			if err := tx.InsertHIT(ctx, h); err != nil {
				return err
			}
		}
		for _, a := range []*hitd.Assignment{
			assignment("S1", "H1", "W1", hitd.AssignmentAccepted, late),
			assignment("S2", "H2", "W2", hitd.AssignmentAccepted, late),
			assignment("S2b", "H2", "W1", hitd.AssignmentAccepted, late),
			assignment("S3", "H3", "W1", hitd.AssignmentAccepted, t0.Add(15*time.Minute)), // deadline +25m: due
			assignment("S4", "H4", "W1", hitd.AssignmentSubmitted, late),
			assignment("S5", "H5", "W1", hitd.AssignmentApproved, t0),
			assignment("S7", "H7", "W2", hitd.AssignmentAccepted, late),
		} {
			if err := tx.InsertAssignment(ctx, a); err != nil {
				return err
			}
		}
		spec := hitd.NotificationSpecification{Destination: "https://example.org/hook", Transport: hitd.TransportSQS, Version: "2006-05-05",
			EventTypes: []string{hitd.EventAssignmentAccepted}}
		ev := hitd.Event{EventType: hitd.EventAssignmentAccepted, EventTimestamp: t0, HITId: "H1", AssignmentId: "S1", HITTypeId: "T1"}
		return tx.InsertOutbox(ctx, []*hitd.OutboxItem{
			{ID: "O1", RequesterID: "A1", Spec: spec, Event: ev, Status: hitd.OutboxPending, NextAttempt: t0.Add(40 * time.Minute), CreatedAt: t0},
			{ID: "O2", RequesterID: "A1", Spec: spec, Event: ev, Status: hitd.OutboxPending, NextAttempt: t0.Add(2 * time.Hour), CreatedAt: t0},
			{ID: "O3", RequesterID: "A1", Spec: spec, Event: ev, Status: hitd.OutboxDead, NextAttempt: t0, CreatedAt: t0},
			{ID: "O4", RequesterID: "A1", Spec: spec, Event: ev, Status: hitd.OutboxDelivered, NextAttempt: t0, CreatedAt: t0},
		})
	})
	stats := func(at time.Time) hitd.Stats {
		t.Helper()
		var st *hitd.Stats
		read(t, s, func(tx hitd.Tx) error {
			var err error
			st, err = tx.Stats(ctx, at)
			return err
		})
		return *st
	}
	got := stats(now)
	want := hitd.Stats{
		AssignableHITs: 1, UnassignableHITs: 2, AcceptedAssignments: 5, SubmittedAssignments: 1,
		Reserved: (3 + 2 + 2 + 1 + 2 + 1) * 6, Balances: 2 * 10000_00, OutboxPending: 2, OutboxDead: 1,
		OldestDue: t0.Add(20 * time.Minute), // H3's expiry
	}
	if got != want {
		t.Errorf("Stats at +45m =\n %+v, want\n %+v", got, want)
	}
	if got := stats(t0.Add(10 * time.Minute)).OldestDue; !got.IsZero() {
		t.Errorf("OldestDue at +10m = %v, want none", got)
	}

	// The oldest due item goes as the scheduler applies it: H3's expiry
	// (noted; its free slot still holds money), then its release, then
	// the abandonment of its assignment, leaving the outbox item.
	update := func(fn func(h *hitd.HIT, a *hitd.Assignment)) {
		t.Helper()
		write(t, s, func(tx hitd.Tx) error {
			h, err := tx.HIT(ctx, "H3")
			if err != nil {
				return err
			}
			a, err := tx.Assignment(ctx, "S3")
			if err != nil {
				return err
			}
			fn(h, a)
			if err := tx.UpdateHIT(ctx, h); err != nil {
				return err
			}
			return tx.UpdateAssignment(ctx, a)
		})
	}
	for _, step := range []struct {
		name   string
		fn     func(h *hitd.HIT, a *hitd.Assignment)
		oldest time.Time
	}{
		{"expiry noted", func(h *hitd.HIT, a *hitd.Assignment) { h.ExpiryNotified = true }, t0.Add(20 * time.Minute)},
		{"free slot released", func(h *hitd.HIT, a *hitd.Assignment) { h.Funded, h.Reserved = 1, 6 }, t0.Add(25 * time.Minute)},
		{"abandoned", func(h *hitd.HIT, a *hitd.Assignment) {
			h.Pending, h.Funded, h.Reserved = 0, 0, 0
			a.Status = hitd.AssignmentAbandoned
		}, t0.Add(40 * time.Minute)},
	} {
		update(step.fn)
		if got := stats(now).OldestDue; !got.Equal(step.oldest) {
			t.Errorf("after %s: OldestDue = %v, want %v", step.name, got, step.oldest)
		}
	}
	got = stats(now)
	if got.UnassignableHITs != 1 || got.AcceptedAssignments != 4 || got.Reserved != want.Reserved-12 {
		t.Errorf("after H3 was settled: %+v", got)
	}
}
