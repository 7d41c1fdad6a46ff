package hitd

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This file runs the review policies and reports what they did. The
// assignment-level policy (ScoreMyKnownAnswers) runs in the transaction
// that submits an assignment; the HIT-level policy (SimplePlurality) runs
// in the scheduler's transaction once the HIT is reviewable, so nobody
// sees it half-applied; until it has run the HIT reports Reviewing
// (HIT.PolicyPending).
// Their approvals, rejections and extensions go through the same code as
// the requester's own calls: money, counts and ledger entries included.

// policyRun collects one run's results and actions.
type policyRun struct {
	s       *Service
	h       *HIT
	level   string
	now     time.Time
	results []*ReviewResult
	actions []*ReviewAction
}

func (r *policyRun) result(subjectID, subjectType, questionID, key, value string) {
	r.results = append(r.results, &ReviewResult{HITID: r.h.ID, Level: r.level, SubjectID: subjectID, SubjectType: subjectType,
		QuestionID: questionID, Key: key, Value: value})
}

// act records an action and its outcome: err nil is Succeeded; a domain
// error is Failed with its code; anything else aborts the transaction.
func (r *policyRun) act(name, targetID, targetType, result string, err error) error {
	a := &ReviewAction{HITID: r.h.ID, Level: r.level, ActionID: r.s.ids.HITID(), ActionName: name, TargetID: targetID,
		TargetType: targetType, Status: "Succeeded", CompleteTime: r.now, Result: result}
	if err != nil {
		if ErrorCode(err) == ErrInternal {
			return err
		}
		a.Status, a.Result, a.ErrorCode = "Failed", ErrorMessage(err), string(ErrorCode(err))
	}
	r.actions = append(r.actions, a)
	return nil
}

func (r *policyRun) save(ctx context.Context, tx Tx) error {
	for _, res := range r.results {
		if len(r.actions) > 0 {
			res.ActionID = r.actions[0].ActionID
		}
	}
	if err := tx.InsertReviewResults(ctx, r.results); err != nil {
		return err
	}
	return tx.InsertReviewActions(ctx, r.actions)
}

// extend adds one assignment to h (never beyond max, nor from under 10 to
// 10 or more) and keeps it open at least minSeconds from now, paying for
// the new slot as CreateAdditionalAssignmentsForHIT does.
func (s *Service) extend(ctx context.Context, tx Tx, h *HIT, max int, minSeconds int64, now time.Time) (string, error) {
	limit := max
	if h.MaxAssignments < HighFeeThreshold && limit >= HighFeeThreshold {
		limit = HighFeeThreshold - 1
	}
	if h.MaxAssignments >= limit {
		return "", Errorf(ErrInvalidMaxAssignmentsInc, "The HIT already has %d assignments, the most this policy may extend it to.", h.MaxAssignments)
	}
	before := *h
	h.MaxAssignments++
	if until := now.Add(time.Duration(minSeconds) * time.Second); h.Expiration.Before(until) {
		h.Expiration = until
	}
	h.HITPolicyDone = false
	if h.Expiration.After(now) {
		h.ExpiryNotified = false
	}
	if err := s.settleAndSave(ctx, tx, h, now); err != nil {
		*h = before // nothing was written; leave the caller's HIT as it was
		return "", err
	}
	if err := s.emit(ctx, tx, h, EventHITExtended, "", now); err != nil {
		return "", err
	}
	return fmt.Sprintf("Extended the HIT to %d assignments, open until %s.", h.MaxAssignments, h.Expiration.Format(time.RFC3339)), nil
}

// A policy action that fails with a domain error (say, InsufficientFunds
// for an extension) is recorded as Failed and the run goes on, so actions
// check everything before they change anything: approve, reject and
// extend all do, and settleAndSave fails before it writes.

// runKnownAnswers applies ScoreMyKnownAnswers to a just-submitted
// assignment. a, h and w are saved by the caller's earlier steps and by
// the actions.
func (s *Service) runKnownAnswers(ctx context.Context, tx Tx, h *HIT, w *Worker, a *Assignment, now time.Time) error {
	k, err := ParseKnownAnswersPolicy(h.AssignmentReviewPolicy)
	if err != nil {
		return nil // validated at CreateHIT; a stored policy that no longer parses is ignored
	}
	run := &policyRun{s: s, h: h, level: PolicyLevelAssignment, now: now}
	score, correct := k.Score(a.Answer)
	for _, q := range k.KeyOrder {
		run.result(a.ID, "Assignment", q, "KnownAnswerCorrect", strconv.FormatBool(correct[q]))
	}
	run.result(a.ID, "Assignment", "", "KnownAnswerScore", itoa(score))
	switch {
	case k.ApproveIfAtLeast != nil && score >= *k.ApproveIfAtLeast:
		err := s.approve(ctx, tx, h, w, a, k.ApproveReason, now)
		if err := run.act("approve", a.ID, "Assignment", fmt.Sprintf("Approved: known answer score %d ≥ %d.", score, *k.ApproveIfAtLeast), err); err != nil {
			return err
		}
	case k.RejectIfLessThan != nil && score < *k.RejectIfLessThan:
		err := s.reject(ctx, tx, h, w, a, k.RejectReason, now)
		if err := run.act("reject", a.ID, "Assignment", fmt.Sprintf("Rejected: known answer score %d < %d.", score, *k.RejectIfLessThan), err); err != nil {
			return err
		}
	}
	if k.ExtendIfLessThan != nil && score < *k.ExtendIfLessThan {
		result, err := s.extend(ctx, tx, h, k.ExtendMaximum, k.ExtendMinimumSec, now)
		if err := run.act("extend", h.ID, "HIT", result, err); err != nil {
			return err
		}
	}
	return run.save(ctx, tx)
}

// runPlurality applies SimplePlurality to a HIT that became reviewable
// (HIT.StatusAt reports it Reviewing until then). HITReviewable goes out
// here, once the policy has run, rather than when the last assignment was
// submitted; not at all if the policy extended the HIT.
func (s *Service) runPlurality(ctx context.Context, tx Tx, h *HIT, now time.Time) error {
	before := h.StatusAt(now)
	p, err := ParsePluralityPolicy(h.HITReviewPolicy)
	if err != nil {
		h.HITPolicyDone = true
		if err := tx.UpdateHIT(ctx, h); err != nil {
			return err
		}
		return s.emitIfReviewable(ctx, tx, h, before, now)
	}
	list, err := tx.ListAssignments(ctx, AssignmentQuery{HITID: h.ID,
		Statuses: []AssignmentStatus{AssignmentSubmitted, AssignmentApproved, AssignmentRejected}, Limit: 1 << 20})
	if err != nil {
		return err
	}
	var known *KnownAnswersPolicy
	if h.AssignmentReviewPolicy != nil && p.DisregardIfKnownScoreBelow != nil {
		known, _ = ParseKnownAnswersPolicy(h.AssignmentReviewPolicy)
	}
	var order []string
	answers := map[string]string{}
	byID := map[string]*Assignment{}
	for _, a := range list {
		if p.DisregardIfRejected && a.Status == AssignmentRejected {
			continue
		}
		if known != nil {
			if score, _ := known.Score(a.Answer); score < *p.DisregardIfKnownScoreBelow {
				continue
			}
		}
		order = append(order, a.ID)
		answers[a.ID], byID[a.ID] = a.Answer, a
	}
	out := p.evaluate(order, answers)
	run := &policyRun{s: s, h: h, level: PolicyLevelHIT, now: now}
	for _, q := range p.QuestionIds {
		run.result(h.ID, "HIT", q, "PluralityAnswer", out.Plurality[q])
		run.result(h.ID, "HIT", q, "AgreementScore", itoa(out.Agreement[q]))
		if out.Agreed[q] {
			run.result(h.ID, "HIT", q, "AgreedAnswer", out.Plurality[q])
		}
	}
	run.result(h.ID, "HIT", "", "HITAgreementScore", itoa(out.HITScore))
	for _, id := range order {
		score, scored := out.Worker[id]
		if !scored {
			continue
		}
		run.result(id, "Assignment", "", "WorkerAgreementScore", itoa(score))
		a := byID[id]
		if a.Status != AssignmentSubmitted {
			continue
		}
		w, err := tx.WorkerByID(ctx, a.WorkerID)
		if err != nil {
			return err
		}
		switch {
		case p.ApproveIfWorkerAtLeast != nil && score >= *p.ApproveIfWorkerAtLeast:
			err := s.approve(ctx, tx, h, w, a, "", now)
			if err := run.act("approve", id, "Assignment", fmt.Sprintf("Approved: worker agreement score %d ≥ %d.", score, *p.ApproveIfWorkerAtLeast), err); err != nil {
				return err
			}
		case p.RejectIfWorkerLessThan != nil && score < *p.RejectIfWorkerLessThan:
			err := s.reject(ctx, tx, h, w, a, p.RejectReason, now)
			if err := run.act("reject", id, "Assignment", fmt.Sprintf("Rejected: worker agreement score %d < %d.", score, *p.RejectIfWorkerLessThan), err); err != nil {
				return err
			}
		}
	}
	h.HITPolicyDone = true
	if p.ExtendIfHITScoreLessThan != nil && out.HITScore < *p.ExtendIfHITScoreLessThan {
		result, err := s.extend(ctx, tx, h, p.ExtendMaximum, p.ExtendMinimumSec, now)
		if err == nil {
			h.HITPolicyDone = false // run again when the new assignment is in
		}
		if err := run.act("extend", h.ID, "HIT", result, err); err != nil {
			return err
		}
	}
	if err := tx.UpdateHIT(ctx, h); err != nil {
		return err
	}
	if err := run.save(ctx, tx); err != nil {
		return err
	}
	return s.emitIfReviewable(ctx, tx, h, before, now)
}

// ListReviewPolicyResultsForHITInput is the input of ListReviewPolicyResultsForHIT.
type ListReviewPolicyResultsForHITInput struct {
	HITId           string   `json:"HITId,omitempty"`
	PolicyLevels    []string `json:"PolicyLevels,omitempty"`
	RetrieveActions *bool    `json:"RetrieveActions,omitempty"`
	RetrieveResults *bool    `json:"RetrieveResults,omitempty"`
	NextToken       string   `json:"NextToken,omitempty"`
	MaxResults      *int64   `json:"MaxResults,omitempty"`
}

// ReviewResultDetail is a result as the API reports it.
type ReviewResultDetail struct {
	ActionId    string `json:"ActionId,omitempty"`
	SubjectId   string `json:"SubjectId"`
	SubjectType string `json:"SubjectType"`
	QuestionId  string `json:"QuestionId,omitempty"`
	Key         string `json:"Key"`
	Value       string `json:"Value"`
}

// ReviewActionDetail is an action as the API reports it.
type ReviewActionDetail struct {
	ActionId     string     `json:"ActionId"`
	ActionName   string     `json:"ActionName"`
	TargetId     string     `json:"TargetId"`
	TargetType   string     `json:"TargetType"`
	Status       string     `json:"Status"`
	CompleteTime *time.Time `json:"CompleteTime,omitempty"`
	Result       string     `json:"Result,omitempty"`
	ErrorCode    string     `json:"ErrorCode,omitempty"`
}

// ReviewReport is one level's results and actions.
type ReviewReport struct {
	ReviewResults []*ReviewResultDetail `json:"ReviewResults"`
	ReviewActions []*ReviewActionDetail `json:"ReviewActions"`
}

// ListReviewPolicyResultsForHITOutput is the output of ListReviewPolicyResultsForHIT.
type ListReviewPolicyResultsForHITOutput struct {
	HITId                  string        `json:"HITId"`
	AssignmentReviewPolicy *ReviewPolicy `json:"AssignmentReviewPolicy,omitempty"`
	HITReviewPolicy        *ReviewPolicy `json:"HITReviewPolicy,omitempty"`
	AssignmentReviewReport *ReviewReport `json:"AssignmentReviewReport,omitempty"`
	HITReviewReport        *ReviewReport `json:"HITReviewReport,omitempty"`
	NextToken              string        `json:"NextToken,omitempty"`
}

// reviewToken is the position in the four lists a report pages through.
type reviewToken [4]int64 // assignment results, assignment actions, HIT results, HIT actions

const reviewTokenPrefix = "r1."

func (t reviewToken) encode() string {
	parts := make([]string, len(t))
	for i, v := range t {
		parts[i] = strconv.FormatInt(v, 10)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(reviewTokenPrefix + strings.Join(parts, ".")))
}

func decodeReviewToken(s string) (reviewToken, error) {
	var t reviewToken
	if s == "" {
		return t, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	rest, ok := strings.CutPrefix(string(raw), reviewTokenPrefix)
	parts := strings.Split(rest, ".")
	if err != nil || !ok || len(parts) != len(t) {
		return t, Errorf(ErrInvalidParameter, "The value %q is invalid for NextToken. Pass the NextToken from a previous response unchanged.", s)
	}
	for i, p := range parts {
		if t[i], err = strconv.ParseInt(p, 10, 64); err != nil || t[i] < 0 {
			return t, Errorf(ErrInvalidParameter, "The value %q is invalid for NextToken. Pass the NextToken from a previous response unchanged.", s)
		}
	}
	return t, nil
}

// ListReviewPolicyResultsForHIT reports what a HIT's review policies
// computed and did, in MTurk's ReviewReport shape.
func (s *Service) ListReviewPolicyResultsForHIT(ctx context.Context, c Caller, in *ListReviewPolicyResultsForHITInput) (*ListReviewPolicyResultsForHITOutput, error) {
	limit, err := intInRange("MaxResults", in.MaxResults, 1, MaxListMaxResults, ptr[int64](DefaultListMaxResults))
	if err != nil {
		return nil, err
	}
	tok, err := decodeReviewToken(in.NextToken)
	if err != nil {
		return nil, err
	}
	levels := map[string]bool{}
	for _, l := range in.PolicyLevels {
		if l != PolicyLevelAssignment && l != PolicyLevelHIT {
			return nil, Errorf(ErrInvalidParameter, "The value %q is invalid for PolicyLevels. Valid values: Assignment, HIT.", l)
		}
		levels[l] = true
	}
	if len(levels) == 0 {
		levels[PolicyLevelAssignment], levels[PolicyLevelHIT] = true, true
	}
	wantResults := in.RetrieveResults == nil || *in.RetrieveResults
	wantActions := in.RetrieveActions == nil || *in.RetrieveActions
	out := &ListReviewPolicyResultsForHITOutput{HITId: in.HITId}
	err = s.store.Read(ctx, func(tx Tx) error {
		h, err := s.ownHIT(ctx, tx, c, in.HITId)
		if err != nil {
			return err
		}
		out.AssignmentReviewPolicy, out.HITReviewPolicy = h.AssignmentReviewPolicy, h.HITReviewPolicy
		more := false
		for i, level := range []string{PolicyLevelAssignment, PolicyLevelHIT} {
			if !levels[level] {
				continue
			}
			rep := &ReviewReport{ReviewResults: []*ReviewResultDetail{}, ReviewActions: []*ReviewActionDetail{}}
			if wantResults {
				rs, err := tx.ListReviewResults(ctx, ReviewQuery{HITID: h.ID, Level: level, AfterSeq: tok[2*i], Limit: int(limit) + 1})
				if err != nil {
					return err
				}
				if len(rs) > int(limit) {
					rs, more = rs[:limit], true
				}
				for _, r := range rs {
					rep.ReviewResults = append(rep.ReviewResults, &ReviewResultDetail{ActionId: r.ActionID, SubjectId: r.SubjectID,
						SubjectType: r.SubjectType, QuestionId: r.QuestionID, Key: r.Key, Value: r.Value})
					tok[2*i] = r.Seq
				}
			}
			if wantActions {
				as, err := tx.ListReviewActions(ctx, ReviewQuery{HITID: h.ID, Level: level, AfterSeq: tok[2*i+1], Limit: int(limit) + 1})
				if err != nil {
					return err
				}
				if len(as) > int(limit) {
					as, more = as[:limit], true
				}
				for _, a := range as {
					rep.ReviewActions = append(rep.ReviewActions, &ReviewActionDetail{ActionId: a.ActionID, ActionName: a.ActionName,
						TargetId: a.TargetID, TargetType: a.TargetType, Status: a.Status, CompleteTime: timePtr(a.CompleteTime),
						Result: a.Result, ErrorCode: a.ErrorCode})
					tok[2*i+1] = a.Seq
				}
			}
			if level == PolicyLevelAssignment {
				out.AssignmentReviewReport = rep
			} else {
				out.HITReviewReport = rep
			}
		}
		if more {
			out.NextToken = tok.encode()
		}
		return nil
	})
	if err != nil {
		return nil, internal("ListReviewPolicyResultsForHIT", err)
	}
	return out, nil
}
