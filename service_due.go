package hitd

import (
	"context"
	"errors"
	"time"
)

// DueStats counts what one pass of due work applied.
type DueStats struct {
	Abandoned    int // accepted assignments whose AssignmentDuration passed
	AutoApproved int // submitted assignments whose auto-approval time came
	Expired      int // HITs whose expiry was noted (HITExpired sent)
	Released     int // expired HITs whose unused slots' money went back
	Reviewed     int // reviewable HITs whose HIT-level review policy ran
}

// Total is the number of items applied.
func (d DueStats) Total() int {
	return d.Abandoned + d.AutoApproved + d.Expired + d.Released + d.Reviewed
}

// Add adds o's counts to d's.
func (d *DueStats) Add(o DueStats) {
	d.Abandoned += o.Abandoned
	d.AutoApproved += o.AutoApproved
	d.Expired += o.Expired
	d.Released += o.Released
	d.Reviewed += o.Reviewed
}

// ApplyDue applies up to limit items of time-driven work that are due at
// now, in one transaction: abandonment, auto-approval, and release of the
// money of expired HITs' unused slots, and HIT-level review policies of
// HITs that became reviewable. Each item is re-checked inside the
// transaction, so running it twice, or on two nodes, applies nothing twice.
// The scheduler package calls it in a loop until nothing is left.
func (s *Service) ApplyDue(ctx context.Context, now time.Time, limit int) (DueStats, error) {
	if limit <= 0 {
		limit = 500
	}
	now = now.UTC().Truncate(time.Millisecond)
	var st DueStats
	err := s.store.Write(ctx, func(tx Tx) error {
		st = DueStats{}
		// Expiries first: a HIT that expired with work in progress is not
		// reviewable yet, so if an abandonment in this same pass is what
		// makes it reviewable, HITReviewable is sent once, by that.
		{
			hits, err := tx.ExpiringHITs(ctx, now, limit)
			if err != nil {
				return err
			}
			for _, h := range hits {
				// The status a moment before expiry, so HITReviewable goes
				// out when expiry is what made the HIT reviewable.
				before := h.StatusAt(h.Expiration.Add(-time.Millisecond))
				h.ExpiryNotified = true
				if err := tx.UpdateHIT(ctx, h); err != nil {
					return err
				}
				if err := s.emit(ctx, tx, h, EventHITExpired, "", now); err != nil {
					return err
				}
				if err := s.emitIfReviewable(ctx, tx, h, before, now); err != nil {
					return err
				}
				st.Expired++
			}
		}
		due, err := tx.DueAssignments(ctx, now, limit-st.Total())
		if err != nil {
			return err
		}
		for _, a := range due {
			switch {
			case a.Status == AssignmentAccepted && !now.Before(a.Deadline):
				if err := s.freeSlot(ctx, tx, a, AssignmentAbandoned, now); err != nil {
					return err
				}
				st.Abandoned++
			case a.Status == AssignmentSubmitted && !now.Before(a.AutoApprovalTime):
				h, err := tx.HIT(ctx, a.HITID)
				if err != nil {
					return err
				}
				w, err := tx.WorkerByID(ctx, a.WorkerID)
				if err != nil {
					return err
				}
				if err := s.approve(ctx, tx, h, w, a, "", now); err != nil {
					return err
				}
				st.AutoApproved++
			}
		}
		if rest := limit - st.Total(); rest > 0 {
			hits, err := tx.HITsDueForReview(ctx, now, rest)
			if err != nil {
				return err
			}
			for _, h := range hits {
				if err := s.runPlurality(ctx, tx, h, now); err != nil {
					return err
				}
				st.Reviewed++
			}
		}
		if rest := limit - st.Total(); rest > 0 {
			hits, err := tx.OverfundedHITs(ctx, now, rest)
			if err != nil {
				return err
			}
			for _, h := range hits {
				if err := s.settleAndSave(ctx, tx, h, now); err != nil {
					var de *Error
					if errors.As(err, &de) && de.Code == ErrInsufficientFunds {
						continue // cannot happen when releasing; skip rather than stall the queue
					}
					return err
				}
				st.Released++
			}
		}
		return nil
	})
	if err != nil {
		return DueStats{}, internal("apply due work", err)
	}
	return st, nil
}
