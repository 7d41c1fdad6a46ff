package hitd

import (
	"context"
	"time"
)

// This file holds operations that only the legacy 2014-08-15 API has,
// each one transaction like every other operation: ExtendHIT,
// DisableHIT and UpdateQualificationScore.

// Bounds of the legacy ExtendHIT.
const (
	MinExpirationIncrement = 60
	MaxExpirationIncrement = 31536000
)

// ExtendHITInput is the input of the legacy ExtendHIT.
type ExtendHITInput struct {
	HITId                        string
	MaxAssignmentsIncrement      *int64
	ExpirationIncrementInSeconds *int64
	UniqueRequestToken           string
}

// ExtendHIT adds assignments and/or moves the expiration by an increment
// (from now if the HIT has expired), in one transaction.
func (s *Service) ExtendHIT(ctx context.Context, c Caller, in *ExtendHITInput) error {
	more, inc := in.MaxAssignmentsIncrement, in.ExpirationIncrementInSeconds
	if more == nil && inc == nil {
		return Errorf(ErrMissingParameter, "Your request is missing required parameters. Give MaxAssignmentsIncrement, ExpirationIncrementInSeconds, or both.")
	}
	if more != nil && (*more < 1 || *more > MaxAdditionalAssignments) {
		return Errorf(ErrOutOfRange, "The value %d is invalid for MaxAssignmentsIncrement. It must be between 1 and %d.", *more, MaxAdditionalAssignments)
	}
	if inc != nil && (*inc < MinExpirationIncrement || *inc > MaxExpirationIncrement) {
		return Errorf(ErrOutOfRange, "The value %d is invalid for ExpirationIncrementInSeconds. It must be between %d and %d.", *inc, MinExpirationIncrement, MaxExpirationIncrement)
	}
	if err := maxRunes("UniqueRequestToken", in.UniqueRequestToken, MaxRequestTokenRunes); err != nil {
		return err
	}
	err := s.store.Write(ctx, func(tx Tx) error {
		now := s.now()
		h, err := s.ownHIT(ctx, tx, c, in.HITId)
		if err != nil {
			return err
		}
		if in.UniqueRequestToken != "" {
			if err := claimToken(ctx, tx, c, tokenScopeAssignments, in.UniqueRequestToken, h.ID, now); err != nil {
				return err
			}
		}
		if more != nil {
			if h.MaxAssignments < HighFeeThreshold && h.MaxAssignments+int(*more) >= HighFeeThreshold {
				return Errorf(ErrInvalidMaxAssignmentsInc, "The HIT was created with %d assignments; a HIT created with fewer than %d assignments cannot be extended to %d or more.",
					h.MaxAssignments, HighFeeThreshold, HighFeeThreshold)
			}
			if h.MaxAssignments+int(*more) > MaxMaxAssignments {
				return Errorf(ErrOutOfRange, "A HIT can have at most %d assignments.", MaxMaxAssignments)
			}
			h.MaxAssignments += int(*more)
		}
		if inc != nil {
			from := h.Expiration
			if from.Before(now) {
				from = now
			}
			h.Expiration = from.Add(time.Duration(*inc) * time.Second)
			if limit := now.Add(MaxExpirationExtension * time.Second); h.Expiration.After(limit) {
				return Errorf(ErrOutOfRange, "A HIT can expire at most %d seconds (365 days) from now.", MaxExpirationExtension)
			}
			h.ExpiryNotified = false
		}
		if err := s.settleAndSave(ctx, tx, h, now); err != nil {
			return err
		}
		return s.emit(ctx, tx, h, EventHITExtended, "", now)
	})
	return internal("ExtendHIT", err)
}

// DisableHIT is the legacy DisableHIT: the HIT leaves the marketplace and
// is disposed at once; its submitted assignments are approved now, and
// those still in progress are approved when they are submitted. All in
// one transaction.
func (s *Service) DisableHIT(ctx context.Context, c Caller, hitID string) error {
	err := s.store.Write(ctx, func(tx Tx) error {
		now := s.now()
		h, err := s.ownHIT(ctx, tx, c, hitID)
		if err != nil {
			return err
		}
		if h.Expiration.After(now) {
			h.Expiration, h.ExpiryNotified = now, true
			if err := tx.UpdateHIT(ctx, h); err != nil {
				return err
			}
			if err := s.emit(ctx, tx, h, EventHITExpired, "", now); err != nil {
				return err
			}
		}
		submitted, err := tx.ListAssignments(ctx, AssignmentQuery{HITID: h.ID, Statuses: []AssignmentStatus{AssignmentSubmitted}, Limit: 1 << 20})
		if err != nil {
			return err
		}
		for _, a := range submitted {
			w, err := tx.WorkerByID(ctx, a.WorkerID)
			if err != nil {
				return err
			}
			if err := s.approve(ctx, tx, h, w, a, "", now); err != nil {
				return err
			}
		}
		h.Disposed, h.Disabled = true, true
		if err := s.settleAndSave(ctx, tx, h, now); err != nil {
			return err
		}
		return s.emit(ctx, tx, h, EventHITDisposed, "", now)
	})
	return internal("DisableHIT", err)
}

// UpdateQualificationScore changes the value of a granted qualification
// of one of the caller's types.
func (s *Service) UpdateQualificationScore(ctx context.Context, c Caller, typeID, workerID string, value int32) error {
	err := s.store.Write(ctx, func(tx Tx) error {
		q, err := ownQualType(ctx, tx, c, typeID)
		if err != nil {
			return err
		}
		cur, err := tx.Qualification(ctx, q.ID, workerID)
		if err == nil && cur.Status != QualGranted {
			err = ErrNoRows
		}
		if err != nil {
			return notFound(err, ErrQualificationNotFound, "Worker %s does not hold the qualification %s.", workerID, q.ID)
		}
		cur.IntegerValue = value
		return tx.PutQualification(ctx, cur)
	})
	return internal("UpdateQualificationScore", err)
}
