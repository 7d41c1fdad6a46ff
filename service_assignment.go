package hitd

import (
	"context"
	"errors"
	"time"
)

// This file holds the Requester API operations on assignments: listing,
// approval, rejection, more assignments, bonuses and worker notifications.

// tokenScopes for UniqueRequestTokens of operations other than CreateHIT.
const (
	tokenScopeAssignments = "AdditionalAssignments"
	tokenScopeBonus       = "Bonus"
)

// AssignmentData is an assignment as the API reports it.
type AssignmentData struct {
	AssignmentId      string           `json:"AssignmentId"`
	WorkerId          string           `json:"WorkerId"`
	HITId             string           `json:"HITId"`
	AssignmentStatus  AssignmentStatus `json:"AssignmentStatus"`
	AutoApprovalTime  *time.Time       `json:"AutoApprovalTime,omitempty"`
	AcceptTime        *time.Time       `json:"AcceptTime,omitempty"`
	SubmitTime        *time.Time       `json:"SubmitTime,omitempty"`
	ApprovalTime      *time.Time       `json:"ApprovalTime,omitempty"`
	RejectionTime     *time.Time       `json:"RejectionTime,omitempty"`
	Deadline          *time.Time       `json:"Deadline,omitempty"`
	Answer            string           `json:"Answer,omitempty"`
	RequesterFeedback string           `json:"RequesterFeedback,omitempty"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func assignmentSeq(a *Assignment) int64 { return a.Seq }

func assignmentData(a *Assignment) *AssignmentData {
	return &AssignmentData{
		AssignmentId: a.ID, WorkerId: a.WorkerID, HITId: a.HITID, AssignmentStatus: a.Status,
		AutoApprovalTime: timePtr(a.AutoApprovalTime), AcceptTime: timePtr(a.AcceptTime),
		SubmitTime: timePtr(a.SubmitTime), ApprovalTime: timePtr(a.ApprovalTime),
		RejectionTime: timePtr(a.RejectionTime), Deadline: timePtr(a.Deadline),
		Answer: a.Answer, RequesterFeedback: a.RequesterFeedback,
	}
}

// ListAssignmentsForHITInput is the input of ListAssignmentsForHIT.
type ListAssignmentsForHITInput struct {
	HITId              string             `json:"HITId,omitempty"`
	NextToken          string             `json:"NextToken,omitempty"`
	MaxResults         *int64             `json:"MaxResults,omitempty"`
	AssignmentStatuses []AssignmentStatus `json:"AssignmentStatuses,omitempty"`
}

// ListAssignmentsForHITOutput is the output of ListAssignmentsForHIT.
type ListAssignmentsForHITOutput struct {
	NextToken   string            `json:"NextToken,omitempty"`
	NumResults  int               `json:"NumResults"`
	Assignments []*AssignmentData `json:"Assignments"`
}

// reportedStatuses checks an AssignmentStatuses filter; empty means all
// three reported states.
func reportedStatuses(in []AssignmentStatus) ([]AssignmentStatus, error) {
	if len(in) == 0 {
		return []AssignmentStatus{AssignmentSubmitted, AssignmentApproved, AssignmentRejected}, nil
	}
	for _, st := range in {
		if !st.Reported() {
			return nil, Errorf(ErrInvalidParameter, "The value %q is invalid for AssignmentStatuses. Valid values: Submitted, Approved, Rejected.", st)
		}
	}
	return in, nil
}

// ListAssignmentsForHIT returns a page of a HIT's submitted, approved and
// rejected assignments.
func (s *Service) ListAssignmentsForHIT(ctx context.Context, c Caller, in *ListAssignmentsForHITInput) (*ListAssignmentsForHITOutput, error) {
	limit, err := intInRange("MaxResults", in.MaxResults, 1, MaxListMaxResults, ptr[int64](DefaultListMaxResults))
	if err != nil {
		return nil, err
	}
	statuses, err := reportedStatuses(in.AssignmentStatuses)
	if err != nil {
		return nil, err
	}
	after, err := decodeSeqToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListAssignmentsForHITOutput{Assignments: []*AssignmentData{}}
	err = s.store.Read(ctx, func(tx Tx) error {
		if _, err := s.ownHIT(ctx, tx, c, in.HITId); err != nil {
			return err
		}
		list, err := tx.ListAssignments(ctx, AssignmentQuery{HITID: in.HITId, Statuses: statuses, AfterSeq: after, Limit: int(limit) + 1})
		if err != nil {
			return err
		}
		list, out.NextToken = requesterPage(list, int(limit), assignmentSeq)
		for _, a := range list {
			out.Assignments = append(out.Assignments, assignmentData(a))
		}
		return nil
	})
	if err != nil {
		return nil, internal("ListAssignmentsForHIT", err)
	}
	out.NumResults = len(out.Assignments)
	return out, nil
}

// AssignmentIdInput is the input of GetAssignment.
type AssignmentIdInput struct {
	AssignmentId string `json:"AssignmentId,omitempty"`
}

// GetAssignmentOutput is the output of GetAssignment.
type GetAssignmentOutput struct {
	Assignment *AssignmentData `json:"Assignment"`
	HIT        *HITData        `json:"HIT"`
}

// ownAssignment loads a reported assignment of one of the caller's HITs.
// One still being worked on (Accepted) is refused as MTurk refused it,
// "This operation can be called with a status of: " + allowed, which
// clients read to mean "not submitted yet" (ParlAI, fairwork); returned and
// abandoned ones do not exist for the requester.
func (s *Service) ownAssignment(ctx context.Context, tx Tx, c Caller, id, allowed string) (*Assignment, error) {
	if err := requireString("AssignmentId", id); err != nil {
		return nil, err
	}
	a, err := tx.Assignment(ctx, id)
	if err == nil && a.RequesterID == c.RequesterID && a.Status == AssignmentAccepted {
		return nil, Errorf(ErrInvalidAssignmentState, "This operation can be called with a status of: %s", allowed)
	}
	if err == nil && (a.RequesterID != c.RequesterID || !a.Status.Reported()) {
		err = ErrNoRows
	}
	if err != nil {
		return nil, notFound(err, ErrAssignmentNotFound, "Assignment %s does not exist.", id)
	}
	return a, nil
}

// GetAssignment returns one assignment with its HIT.
func (s *Service) GetAssignment(ctx context.Context, c Caller, in *AssignmentIdInput) (*GetAssignmentOutput, error) {
	var out GetAssignmentOutput
	err := s.store.Read(ctx, func(tx Tx) error {
		a, err := s.ownAssignment(ctx, tx, c, in.AssignmentId, "Reviewable,Approved,Rejected")
		if err != nil {
			return err
		}
		h, err := tx.HIT(ctx, a.HITID)
		if err != nil {
			return err
		}
		t, err := tx.HITType(ctx, h.HITTypeID)
		if err != nil {
			return err
		}
		out.Assignment, out.HIT = assignmentData(a), hitData(h, t, s.now())
		return nil
	})
	if err != nil {
		return nil, internal("GetAssignment", err)
	}
	return &out, nil
}

// ApproveAssignmentInput is the input of ApproveAssignment.
type ApproveAssignmentInput struct {
	AssignmentId      string `json:"AssignmentId,omitempty"`
	RequesterFeedback string `json:"RequesterFeedback,omitempty"`
	OverrideRejection *bool  `json:"OverrideRejection,omitempty"`
}

// RejectAssignmentInput is the input of RejectAssignment. RequesterFeedback
// is required by the model but may be empty (psiTurk sends "").
type RejectAssignmentInput struct {
	AssignmentId      string  `json:"AssignmentId,omitempty"`
	RequesterFeedback *string `json:"RequesterFeedback,omitempty"`
}

// assignmentContext loads what approving or rejecting needs.
func (s *Service) assignmentContext(ctx context.Context, tx Tx, c Caller, id string) (*Assignment, *HIT, *Worker, error) {
	a, err := s.ownAssignment(ctx, tx, c, id, "Submitted")
	if err != nil {
		return nil, nil, nil, err
	}
	h, err := tx.HIT(ctx, a.HITID)
	if err != nil {
		return nil, nil, nil, err
	}
	w, err := tx.WorkerByID(ctx, a.WorkerID)
	if err != nil {
		return nil, nil, nil, err
	}
	return a, h, w, nil
}

// ApproveAssignment approves a submitted assignment and pays the worker;
// with OverrideRejection it approves a rejected one, as long as its
// auto-approval time has not passed.
func (s *Service) ApproveAssignment(ctx context.Context, c Caller, in *ApproveAssignmentInput) (*Empty, error) {
	if err := maxRunes("RequesterFeedback", in.RequesterFeedback, MaxFeedbackRunes); err != nil {
		return nil, err
	}
	override := in.OverrideRejection != nil && *in.OverrideRejection
	err := s.store.Write(ctx, func(tx Tx) error {
		now := s.now()
		a, h, w, err := s.assignmentContext(ctx, tx, c, in.AssignmentId)
		if err != nil {
			return err
		}
		switch {
		case a.Status == AssignmentSubmitted:
			return s.approve(ctx, tx, h, w, a, in.RequesterFeedback, now)
		case a.Status == AssignmentRejected && override:
			if !now.Before(a.AutoApprovalTime) {
				return Errorf(ErrInvalidAssignmentState, "This assignment was rejected and its auto-approval time (%s) has passed; the rejection can no longer be overridden.", a.AutoApprovalTime.Format(time.RFC3339))
			}
			return s.overrideRejection(ctx, tx, h, w, a, in.RequesterFeedback, now)
		case a.Status == AssignmentRejected:
			return Errorf(ErrInvalidAssignmentState, "This operation can be called with a status of: Submitted (the assignment is Rejected; set OverrideRejection to approve it).")
		}
		return Errorf(ErrInvalidAssignmentState, "This operation can be called with a status of: Submitted (the assignment is %s).", a.Status)
	})
	if err != nil {
		return nil, internal("ApproveAssignment", err)
	}
	return &Empty{}, nil
}

// approve approves a submitted assignment (by the requester, auto-approval
// or a zero delay) and pays for it. It saves a, h and w.
func (s *Service) approve(ctx context.Context, tx Tx, h *HIT, w *Worker, a *Assignment, feedback string, now time.Time) error {
	t, err := tx.HITType(ctx, h.HITTypeID)
	if err != nil {
		return err
	}
	p := purse{now: now}
	p.pay(h, t, w, a)
	a.Status, a.ApprovalTime, a.RequesterFeedback = AssignmentApproved, now, feedback
	h.Submitted--
	h.Completed++
	w.Approved++
	if err := saveAll(ctx, tx, &p, a, h, w, nil); err != nil {
		return err
	}
	return s.emit(ctx, tx, h, EventAssignmentApproved, a.ID, now)
}

// overrideRejection approves a rejected assignment: its slot's money was
// released at rejection, so it is funded again from the requester first.
func (s *Service) overrideRejection(ctx context.Context, tx Tx, h *HIT, w *Worker, a *Assignment, feedback string, now time.Time) error {
	t, err := tx.HITType(ctx, h.HITTypeID)
	if err != nil {
		return err
	}
	r, err := tx.RequesterByID(ctx, h.RequesterID)
	if err != nil {
		return err
	}
	p := purse{now: now}
	if err := p.fund(r, h, t, 1); err != nil {
		return err
	}
	p.pay(h, t, w, a)
	a.Status, a.ApprovalTime, a.RejectionTime = AssignmentApproved, now, time.Time{}
	if feedback != "" {
		a.RequesterFeedback = feedback
	}
	w.Rejected--
	w.Approved++
	if err := saveAll(ctx, tx, &p, a, h, w, r); err != nil {
		return err
	}
	return s.emit(ctx, tx, h, EventAssignmentApproved, a.ID, now)
}

// reject rejects a submitted assignment (by the requester or a review
// policy) and returns its slot's reserve. It saves a, h and w.
func (s *Service) reject(ctx context.Context, tx Tx, h *HIT, w *Worker, a *Assignment, feedback string, now time.Time) error {
	t, err := tx.HITType(ctx, h.HITTypeID)
	if err != nil {
		return err
	}
	r, err := tx.RequesterByID(ctx, h.RequesterID)
	if err != nil {
		return err
	}
	p := purse{now: now}
	p.release(r, h, t, 1)
	a.Status, a.RejectionTime, a.RequesterFeedback = AssignmentRejected, now, feedback
	h.Submitted--
	h.Completed++
	w.Rejected++
	if err := saveAll(ctx, tx, &p, a, h, w, r); err != nil {
		return err
	}
	return s.emit(ctx, tx, h, EventAssignmentRejected, a.ID, now)
}

// saveAll writes the ledger entries and every changed row of one money
// movement; r may be nil when no requester balance changed.
func saveAll(ctx context.Context, tx Tx, p *purse, a *Assignment, h *HIT, w *Worker, r *Requester) error {
	if err := tx.UpdateAssignment(ctx, a); err != nil {
		return err
	}
	if err := tx.UpdateHIT(ctx, h); err != nil {
		return err
	}
	if err := tx.UpdateWorker(ctx, w); err != nil {
		return err
	}
	if r != nil {
		if err := tx.UpdateRequester(ctx, r); err != nil {
			return err
		}
	}
	return p.flush(ctx, tx)
}

// RejectAssignment rejects a submitted assignment; its reserve returns to
// the requester.
func (s *Service) RejectAssignment(ctx context.Context, c Caller, in *RejectAssignmentInput) (*Empty, error) {
	if in.RequesterFeedback == nil {
		return nil, Errorf(ErrMissingParameter, "Your request is missing required parameters. Required parameters include RequesterFeedback.")
	}
	if err := maxRunes("RequesterFeedback", *in.RequesterFeedback, MaxFeedbackRunes); err != nil {
		return nil, err
	}
	err := s.store.Write(ctx, func(tx Tx) error {
		now := s.now()
		a, h, w, err := s.assignmentContext(ctx, tx, c, in.AssignmentId)
		if err != nil {
			return err
		}
		if a.Status != AssignmentSubmitted {
			return Errorf(ErrInvalidAssignmentState, "This operation can be called with a status of: Submitted (the assignment is %s).", a.Status)
		}
		return s.reject(ctx, tx, h, w, a, *in.RequesterFeedback, now)
	})
	if err != nil {
		return nil, internal("RejectAssignment", err)
	}
	return &Empty{}, nil
}

// ListReviewableHITsInput is the input of ListReviewableHITs.
type ListReviewableHITsInput struct {
	HITTypeId  string    `json:"HITTypeId,omitempty"`
	Status     HITStatus `json:"Status,omitempty"`
	NextToken  string    `json:"NextToken,omitempty"`
	MaxResults *int64    `json:"MaxResults,omitempty"`
}

// ReviewableQuery selects a requester's Reviewable or Reviewing HITs.
type ReviewableQuery struct {
	RequesterID string
	HITTypeID   string // optional
	Reviewing   bool   // Reviewing instead of Reviewable
	Now         time.Time
	AfterSeq    int64
	Limit       int
}

// ListReviewableHITs returns the caller's HITs that are Reviewable (or
// Reviewing), in creation order.
func (s *Service) ListReviewableHITs(ctx context.Context, c Caller, in *ListReviewableHITsInput) (*ListHITsOutput, error) {
	limit, err := intInRange("MaxResults", in.MaxResults, 1, MaxListMaxResults, ptr[int64](DefaultListMaxResults))
	if err != nil {
		return nil, err
	}
	q := ReviewableQuery{RequesterID: c.RequesterID, HITTypeID: in.HITTypeId, Limit: int(limit) + 1}
	switch in.Status {
	case "", HITStatusReviewable:
	case HITStatusReviewing:
		q.Reviewing = true
	default:
		return nil, Errorf(ErrInvalidParameter, "The value %q is invalid for Status. Valid values: Reviewable, Reviewing.", in.Status)
	}
	if q.AfterSeq, err = decodeSeqToken(in.NextToken); err != nil {
		return nil, err
	}
	out := &ListHITsOutput{HITs: []*HITData{}}
	err = s.store.Read(ctx, func(tx Tx) error {
		q.Now = s.now()
		hits, err := tx.ListReviewableHITs(ctx, q)
		if err != nil {
			return err
		}
		hits, out.NextToken = requesterPage(hits, int(limit), hitSeq)
		out.HITs, err = hitDataList(ctx, tx, hits, q.Now)
		return err
	})
	if err != nil {
		return nil, internal("ListReviewableHITs", err)
	}
	out.NumResults = len(out.HITs)
	return out, nil
}

// CreateAdditionalAssignmentsForHITInput is the input of
// CreateAdditionalAssignmentsForHIT.
type CreateAdditionalAssignmentsForHITInput struct {
	HITId                         string `json:"HITId,omitempty"`
	NumberOfAdditionalAssignments *int64 `json:"NumberOfAdditionalAssignments,omitempty"`
	UniqueRequestToken            string `json:"UniqueRequestToken,omitempty"`
}

// CreateAdditionalAssignmentsForHIT adds assignment slots to a HIT and
// reserves their cost.
func (s *Service) CreateAdditionalAssignmentsForHIT(ctx context.Context, c Caller, in *CreateAdditionalAssignmentsForHITInput) (*Empty, error) {
	n, err := intInRange("NumberOfAdditionalAssignments", in.NumberOfAdditionalAssignments, 1, MaxAdditionalAssignments, nil)
	if err != nil {
		return nil, err
	}
	if err := maxRunes("UniqueRequestToken", in.UniqueRequestToken, MaxRequestTokenRunes); err != nil {
		return nil, err
	}
	err = s.store.Write(WithWriteKey(ctx, "requester:"+c.RequesterID), func(tx Tx) error {
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
		if h.MaxAssignments < HighFeeThreshold && h.MaxAssignments+int(n) >= HighFeeThreshold {
			return Errorf(ErrInvalidMaxAssignmentsInc, "The HIT was created with %d assignments; a HIT created with fewer than %d assignments cannot be extended to %d or more (it has %d and %d were asked for).",
				h.MaxAssignments, HighFeeThreshold, HighFeeThreshold, h.MaxAssignments, n)
		}
		if h.MaxAssignments+int(n) > MaxMaxAssignments {
			return Errorf(ErrOutOfRange, "A HIT can have at most %d assignments.", MaxMaxAssignments)
		}
		h.MaxAssignments += int(n)
		if err := s.settleAndSave(ctx, tx, h, now); err != nil {
			return err
		}
		return s.emit(ctx, tx, h, EventHITExtended, "", now)
	})
	if err != nil {
		return nil, internal("CreateAdditionalAssignmentsForHIT", err)
	}
	return &Empty{}, nil
}

// claimToken records a UniqueRequestToken for an operation other than
// CreateHIT; a token used within its lifetime is a RequestError naming what
// the first request made. The message begins with MTurk's words, which
// scripts match to tell "already paid" from a failure (docs/compatibility.md).
func claimToken(ctx context.Context, tx Tx, c Caller, scope, token, resultID string, now time.Time) error {
	prior, err := tx.ClaimRequestToken(ctx, &RequestToken{RequesterID: c.RequesterID, Scope: scope, Token: token, ResultID: resultID, CreationTime: now},
		now.Add(-RequestTokenLifetime))
	if err != nil {
		return err
	}
	if prior != nil {
		return Errorf(ErrDuplicateRequest, "The idempotency token \"%s\" has already been processed. The first request with this UniqueRequestToken (for %s) was not repeated.", token, prior.ResultID)
	}
	return nil
}

// SendBonusInput is the input of SendBonus.
type SendBonusInput struct {
	WorkerId           string `json:"WorkerId,omitempty"`
	BonusAmount        string `json:"BonusAmount,omitempty"`
	AssignmentId       string `json:"AssignmentId,omitempty"`
	Reason             string `json:"Reason,omitempty"`
	UniqueRequestToken string `json:"UniqueRequestToken,omitempty"`
}

// SendBonus pays a worker a bonus for one of their assignments of the
// caller's HITs.
func (s *Service) SendBonus(ctx context.Context, c Caller, in *SendBonusInput) (*Empty, error) {
	for _, p := range []struct{ name, v string }{{"WorkerId", in.WorkerId}, {"BonusAmount", in.BonusAmount}, {"AssignmentId", in.AssignmentId}, {"Reason", in.Reason}} {
		if err := requireString(p.name, p.v); err != nil {
			return nil, err
		}
	}
	if err := maxRunes("Reason", in.Reason, MaxBonusReasonRunes); err != nil {
		return nil, err
	}
	if err := maxRunes("UniqueRequestToken", in.UniqueRequestToken, MaxRequestTokenRunes); err != nil {
		return nil, err
	}
	amount, ok := ParseCents(in.BonusAmount)
	if !ok {
		return nil, Errorf(ErrInvalidParameter, "The value %q is invalid for BonusAmount. It must be a USD amount such as \"1.50\".", in.BonusAmount)
	}
	if amount < 1 || amount > MaxReward {
		return nil, Errorf(ErrOutOfRange, "The value %s is invalid for BonusAmount. Valid values range from 0.01 to %s.", amount, MaxReward)
	}
	err := s.store.Write(WithWriteKey(ctx, "requester:"+c.RequesterID), func(tx Tx) error {
		now := s.now()
		a, err := s.ownAssignment(ctx, tx, c, in.AssignmentId, "Submitted,Approved,Rejected")
		if err != nil {
			return err
		}
		if a.WorkerID != in.WorkerId {
			return Errorf(ErrInvalidParameter, "Assignment %s was not done by worker %s; a bonus can only go to the worker who did the assignment.", a.ID, in.WorkerId)
		}
		w, err := tx.WorkerByID(ctx, a.WorkerID)
		if err != nil {
			return err
		}
		r, err := tx.RequesterByID(ctx, c.RequesterID)
		if err != nil {
			return err
		}
		b := &BonusPayment{ID: s.ids.HITID(), RequesterID: c.RequesterID, WorkerID: w.ID, AssignmentID: a.ID, HITID: a.HITID,
			Amount: amount, Fee: Fee(amount, BonusFeePercent), Reason: in.Reason, GrantTime: now}
		if in.UniqueRequestToken != "" {
			if err := claimToken(ctx, tx, c, tokenScopeBonus, in.UniqueRequestToken, b.ID, now); err != nil {
				return err
			}
		}
		p := purse{now: now}
		if err := p.bonus(r, w, b); err != nil {
			return err
		}
		if err := tx.InsertBonus(ctx, b); err != nil {
			return err
		}
		if err := tx.UpdateRequester(ctx, r); err != nil {
			return err
		}
		if err := tx.UpdateWorker(ctx, w); err != nil {
			return err
		}
		return p.flush(ctx, tx)
	})
	if err != nil {
		return nil, internal("SendBonus", err)
	}
	return &Empty{}, nil
}

// ListBonusPaymentsInput is the input of ListBonusPayments: exactly one of
// HITId and AssignmentId.
type ListBonusPaymentsInput struct {
	HITId        string `json:"HITId,omitempty"`
	AssignmentId string `json:"AssignmentId,omitempty"`
	NextToken    string `json:"NextToken,omitempty"`
	MaxResults   *int64 `json:"MaxResults,omitempty"`
}

// BonusPaymentData is a bonus as the API reports it.
type BonusPaymentData struct {
	WorkerId     string    `json:"WorkerId"`
	BonusAmount  string    `json:"BonusAmount"`
	AssignmentId string    `json:"AssignmentId"`
	Reason       string    `json:"Reason"`
	GrantTime    time.Time `json:"GrantTime"`
}

// ListBonusPaymentsOutput is the output of ListBonusPayments.
type ListBonusPaymentsOutput struct {
	NumResults    int                 `json:"NumResults"`
	NextToken     string              `json:"NextToken,omitempty"`
	BonusPayments []*BonusPaymentData `json:"BonusPayments"`
}

// BonusQuery selects a requester's bonuses for a HIT or an assignment.
type BonusQuery struct {
	RequesterID  string
	HITID        string
	AssignmentID string
	AfterSeq     int64
	Limit        int
}

// ListBonusPayments returns the bonuses paid for a HIT or an assignment.
func (s *Service) ListBonusPayments(ctx context.Context, c Caller, in *ListBonusPaymentsInput) (*ListBonusPaymentsOutput, error) {
	if (in.HITId == "") == (in.AssignmentId == "") {
		return nil, Errorf(ErrInvalidParameter, "Specify exactly one of HITId and AssignmentId.")
	}
	limit, after, err := pageParams(in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	out := &ListBonusPaymentsOutput{BonusPayments: []*BonusPaymentData{}}
	err = s.store.Read(ctx, func(tx Tx) error {
		if in.HITId != "" {
			if _, err := s.ownHIT(ctx, tx, c, in.HITId); err != nil {
				return err
			}
		} else if _, err := s.ownAssignment(ctx, tx, c, in.AssignmentId, "Submitted,Approved,Rejected"); err != nil {
			return err
		}
		list, err := tx.ListBonuses(ctx, BonusQuery{RequesterID: c.RequesterID, HITID: in.HITId, AssignmentID: in.AssignmentId, AfterSeq: after, Limit: int(limit) + 1})
		if err != nil {
			return err
		}
		list, out.NextToken = requesterPage(list, int(limit), func(b *BonusPayment) int64 { return b.Seq })
		for _, b := range list {
			out.BonusPayments = append(out.BonusPayments, &BonusPaymentData{WorkerId: b.WorkerID, BonusAmount: b.Amount.String(),
				AssignmentId: b.AssignmentID, Reason: b.Reason, GrantTime: b.GrantTime})
		}
		return nil
	})
	if err != nil {
		return nil, internal("ListBonusPayments", err)
	}
	out.NumResults = len(out.BonusPayments)
	return out, nil
}

// NotifyWorkersInput is the input of NotifyWorkers.
type NotifyWorkersInput struct {
	Subject     string   `json:"Subject,omitempty"`
	MessageText string   `json:"MessageText,omitempty"`
	WorkerIds   []string `json:"WorkerIds,omitempty"`
}

// NotifyWorkersFailureStatus reports one worker a message could not reach.
type NotifyWorkersFailureStatus struct {
	NotifyWorkersFailureCode    string `json:"NotifyWorkersFailureCode"` // SoftFailure or HardFailure
	NotifyWorkersFailureMessage string `json:"NotifyWorkersFailureMessage"`
	WorkerId                    string `json:"WorkerId"`
}

// NotifyWorkersOutput is the output of NotifyWorkers.
type NotifyWorkersOutput struct {
	NotifyWorkersFailureStatuses []*NotifyWorkersFailureStatus `json:"NotifyWorkersFailureStatuses"`
}

// NotifyWorkers puts a message in the inbox of each named worker who has
// worked for the caller; the others are reported as failures.
func (s *Service) NotifyWorkers(ctx context.Context, c Caller, in *NotifyWorkersInput) (*NotifyWorkersOutput, error) {
	for _, p := range []struct{ name, v string }{{"Subject", in.Subject}, {"MessageText", in.MessageText}} {
		if err := requireString(p.name, p.v); err != nil {
			return nil, err
		}
	}
	if err := maxRunes("Subject", in.Subject, MaxNotifySubjectRunes); err != nil {
		return nil, err
	}
	if err := maxRunes("MessageText", in.MessageText, MaxNotifyMessageRunes); err != nil {
		return nil, err
	}
	if len(in.WorkerIds) == 0 {
		return nil, Errorf(ErrMissingParameter, "Your request is missing required parameters. Required parameters include WorkerIds.")
	}
	if len(in.WorkerIds) > MaxNotifyWorkers {
		return nil, Errorf(ErrOutOfRange, "NotifyWorkers accepts at most %d WorkerIds; %d were given.", MaxNotifyWorkers, len(in.WorkerIds))
	}
	out := &NotifyWorkersOutput{}
	err := s.store.Write(ctx, func(tx Tx) error {
		out.NotifyWorkersFailureStatuses = []*NotifyWorkersFailureStatus{} // each attempt reports afresh
		now := s.now()
		r, err := tx.RequesterByID(ctx, c.RequesterID)
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		var msgs []*WorkerMessage
		for _, id := range in.WorkerIds {
			if seen[id] {
				continue
			}
			seen[id] = true
			fail := func(msg string) {
				out.NotifyWorkersFailureStatuses = append(out.NotifyWorkersFailureStatuses,
					&NotifyWorkersFailureStatus{NotifyWorkersFailureCode: "HardFailure", NotifyWorkersFailureMessage: msg, WorkerId: id})
			}
			if _, err := tx.WorkerByID(ctx, id); errors.Is(err, ErrNoRows) {
				fail("Worker " + id + " does not exist.")
				continue
			} else if err != nil {
				return err
			}
			worked, err := tx.HasWorkedFor(ctx, c.RequesterID, id)
			if err != nil {
				return err
			}
			if !worked {
				fail("Worker " + id + " has not worked for you; you can only notify workers who have accepted your HITs.")
				continue
			}
			msgs = append(msgs, &WorkerMessage{ID: s.ids.HITID(), WorkerID: id, RequesterID: r.ID, RequesterName: r.Name,
				Subject: in.Subject, MessageText: in.MessageText, CreationTime: now})
		}
		return tx.InsertMessages(ctx, msgs)
	})
	if err != nil {
		return nil, internal("NotifyWorkers", err)
	}
	return out, nil
}
