package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hitd/hitd"
)

// This file holds the conformance tests for qualification types,
// qualifications and worker blocks.

func qualType(id, requesterID, name string) *hitd.QualificationType {
	return &hitd.QualificationType{ID: id, RequesterID: requesterID, Name: name, Description: "about " + name,
		Keywords: "k", Status: hitd.QualTypeActive, AutoGrantedValue: 1, CreationTime: t0}
}

func testQualificationTypes(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	write(t, s, func(tx hitd.Tx) error {
		for _, r := range []string{"A1", "A2"} {
			if err := tx.InsertRequester(ctx, requester(r, false)); err != nil {
				return err
			}
		}
		q := qualType("Q1", "A1", "English")
		q.Test, q.AnswerKey, q.TestDurationInSeconds, q.RetryDelayInSeconds = "<t/>", "<k/>", 60, new(int64)
		*q.RetryDelayInSeconds = 600
		if err := tx.InsertQualificationType(ctx, q); err != nil {
			return err
		}
		if err := tx.InsertQualificationType(ctx, qualType("Q2", "A2", "English")); err != nil { // another requester: fine
			return err
		}
		inactive := qualType("Q3", "A1", "Spanish")
		inactive.Status = hitd.QualTypeInactive
		return tx.InsertQualificationType(ctx, inactive)
	})
	if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertQualificationType(ctx, qualType("Q4", "A1", "English")) }); !errors.Is(err, hitd.ErrDuplicate) {
		t.Errorf("duplicate live name: %v", err)
	}
	read(t, s, func(tx hitd.Tx) error {
		q, err := tx.QualificationType(ctx, "Q1")
		if err != nil || q.Test != "<t/>" || q.AnswerKey != "<k/>" || q.TestDurationInSeconds != 60 || q.RetryDelayInSeconds == nil ||
			*q.RetryDelayInSeconds != 600 || q.Status != hitd.QualTypeActive || !q.CreationTime.Equal(t0) || q.Seq <= 0 {
			t.Errorf("QualificationType = %+v %v", q, err)
		}
		if q, _ := tx.QualificationType(ctx, "Q2"); q.RetryDelayInSeconds != nil {
			t.Errorf("nil RetryDelay came back as %v", *q.RetryDelayInSeconds)
		}
		return nil
	})
	count := func(q hitd.QualTypeQuery) int {
		var n int
		read(t, s, func(tx hitd.Tx) error {
			if q.Limit == 0 {
				q.Limit = 10
			}
			list, err := tx.ListQualificationTypes(ctx, q)
			n = len(list)
			return err
		})
		return n
	}
	for _, tc := range []struct {
		q    hitd.QualTypeQuery
		want int
	}{
		{hitd.QualTypeQuery{}, 3}, {hitd.QualTypeQuery{RequesterID: "A1"}, 2}, {hitd.QualTypeQuery{OnlyActive: true}, 2},
		{hitd.QualTypeQuery{Query: "spani"}, 1}, {hitd.QualTypeQuery{Query: "%"}, 0}, {hitd.QualTypeQuery{Limit: 1}, 1},
	} {
		if got := count(tc.q); got != tc.want {
			t.Errorf("ListQualificationTypes(%+v) = %d, want %d", tc.q, got, tc.want)
		}
	}
	// Deleting hides a type and frees its name.
	write(t, s, func(tx hitd.Tx) error {
		q, err := tx.QualificationType(ctx, "Q1")
		if err != nil {
			return err
		}
		q.Deleted = true
		if err := tx.UpdateQualificationType(ctx, q); err != nil {
			return err
		}
		return tx.InsertQualificationType(ctx, qualType("Q5", "A1", "English"))
	})
	if got := count(hitd.QualTypeQuery{RequesterID: "A1"}); got != 2 {
		t.Errorf("after delete: %d", got)
	}
}

func testQualificationsAndBlocks(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	write(t, s, func(tx hitd.Tx) error {
		if err := tx.InsertRequester(ctx, requester("A1", false)); err != nil {
			return err
		}
		if err := tx.InsertQualificationType(ctx, qualType("Q1", "A1", "q")); err != nil {
			return err
		}
		for _, w := range []string{"W1", "W2"} {
			if err := tx.InsertWorker(ctx, worker(w, "u"+w)); err != nil {
				return err
			}
		}
		for _, q := range []*hitd.Qualification{
			{TypeID: "Q1", WorkerID: "W1", IntegerValue: 5, Status: hitd.QualGranted, GrantTime: t0},
			{TypeID: "Q1", WorkerID: "W2", IntegerValue: 1, Status: hitd.QualGranted, GrantTime: t0},
			{TypeID: "Q1", WorkerID: "W1", IntegerValue: 9, Status: hitd.QualGranted, GrantTime: t0.Add(time.Hour)}, // replaces
			{TypeID: "Q1", WorkerID: "W2", IntegerValue: 1, Status: hitd.QualRevoked, GrantTime: t0},
		} {
			if err := tx.PutQualification(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx hitd.Tx) error {
		q, err := tx.Qualification(ctx, "Q1", "W1")
		if err != nil || q.IntegerValue != 9 || q.Status != hitd.QualGranted || !q.GrantTime.Equal(t0.Add(time.Hour)) {
			t.Errorf("Qualification = %+v %v", q, err)
		}
		if _, err := tx.Qualification(ctx, "Q1", "W9"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("missing qualification: %v", err)
		}
		granted, err := tx.ListQualifications(ctx, hitd.QualificationQuery{TypeID: "Q1", Status: hitd.QualGranted, Limit: 10})
		if err != nil || len(granted) != 1 || granted[0].WorkerID != "W1" {
			t.Errorf("granted = %v %v", granted, err)
		}
		all, err := tx.ListQualifications(ctx, hitd.QualificationQuery{TypeID: "Q1", Limit: 10})
		if err != nil || len(all) != 2 {
			t.Errorf("all = %v %v", all, err)
		}
		mine, err := tx.WorkerQualifications(ctx, "W1")
		if err != nil || len(mine) != 1 || mine[0].IntegerValue != 9 {
			t.Errorf("WorkerQualifications = %v %v", mine, err)
		}
		return nil
	})
	write(t, s, func(tx hitd.Tx) error {
		for _, b := range []*hitd.WorkerBlock{
			{RequesterID: "A1", WorkerID: "W1", Reason: "spam", CreationTime: t0},
			{RequesterID: "A1", WorkerID: "W2", Reason: "x", CreationTime: t0},
			{RequesterID: "A1", WorkerID: "W1", Reason: "still spam", CreationTime: t0},
		} {
			if err := tx.PutWorkerBlock(ctx, b); err != nil {
				return err
			}
		}
		return tx.DeleteWorkerBlock(ctx, "A1", "W2")
	})
	read(t, s, func(tx hitd.Tx) error {
		list, err := tx.ListWorkerBlocks(ctx, "A1", 0, 10)
		if err != nil || len(list) != 1 || list[0].Reason != "still spam" {
			t.Errorf("ListWorkerBlocks = %v %v", list, err)
		}
		for _, tc := range []struct {
			r, w string
			want bool
		}{{"A1", "W1", true}, {"A1", "W2", false}, {"A2", "W1", false}} {
			if got, err := tx.IsBlocked(ctx, tc.r, tc.w); err != nil || got != tc.want {
				t.Errorf("IsBlocked(%s, %s) = %v %v", tc.r, tc.w, got, err)
			}
		}
		return nil
	})
}

func testQualificationRequests(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	write(t, s, func(tx hitd.Tx) error {
		if err := tx.InsertRequester(ctx, requester("A1", false)); err != nil {
			return err
		}
		for _, q := range []*hitd.QualificationType{qualType("Q1", "A1", "one"), qualType("Q2", "A1", "two")} {
			if err := tx.InsertQualificationType(ctx, q); err != nil {
				return err
			}
		}
		if err := tx.InsertWorker(ctx, worker("W1", "w1")); err != nil {
			return err
		}
		for _, r := range []*hitd.QualificationRequest{
			{ID: "R1", TypeID: "Q1", RequesterID: "A1", WorkerID: "W1", Status: hitd.QualRequestRejected, StartTime: t0, SubmitTime: t0, Reason: "no"},
			{ID: "R2", TypeID: "Q1", RequesterID: "A1", WorkerID: "W1", Status: hitd.QualRequestTesting, StartTime: t0.Add(time.Hour), TestDeadline: t0.Add(2 * time.Hour)},
			{ID: "R3", TypeID: "Q2", RequesterID: "A1", WorkerID: "W1", Status: hitd.QualRequestPending, StartTime: t0, SubmitTime: t0, Answer: "<a/>"},
		} {
			if err := tx.InsertQualRequest(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	write(t, s, func(tx hitd.Tx) error {
		r, err := tx.LastQualRequest(ctx, "Q1", "W1")
		if err != nil || r.ID != "R2" || r.Status != hitd.QualRequestTesting || !r.TestDeadline.Equal(t0.Add(2*time.Hour)) || !r.SubmitTime.IsZero() {
			t.Errorf("LastQualRequest = %+v %v", r, err)
			return nil
		}
		r.Status, r.Answer, r.SubmitTime = hitd.QualRequestPending, "<answers/>", t0.Add(90*time.Minute)
		return tx.UpdateQualRequest(ctx, r)
	})
	read(t, s, func(tx hitd.Tx) error {
		r, err := tx.QualRequest(ctx, "R2")
		if err != nil || r.Answer != "<answers/>" || !r.SubmitTime.Equal(t0.Add(90*time.Minute)) {
			t.Errorf("QualRequest = %+v %v", r, err)
		}
		if _, err := tx.LastQualRequest(ctx, "Q2", "W9"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("LastQualRequest(none) = %v", err)
		}
		pending, err := tx.ListQualRequests(ctx, hitd.QualRequestQuery{RequesterID: "A1", Status: hitd.QualRequestPending, Limit: 10})
		if err != nil || len(pending) != 2 || pending[0].ID != "R2" || pending[1].ID != "R3" {
			t.Errorf("pending = %v %v", pending, err)
		}
		one, err := tx.ListQualRequests(ctx, hitd.QualRequestQuery{RequesterID: "A1", TypeID: "Q2", Status: hitd.QualRequestPending, Limit: 10})
		if err != nil || len(one) != 1 || one[0].Answer != "<a/>" {
			t.Errorf("by type = %v %v", one, err)
		}
		return nil
	})
}

func testReviewRecords(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	h := seedHIT(t, s, "H1", 2)
	write(t, s, func(tx hitd.Tx) error {
		got, err := tx.HIT(ctx, "H1")
		if err != nil {
			return err
		}
		got.HITReviewPolicy = &hitd.ReviewPolicy{PolicyName: hitd.PolicySimplePlurality}
		got.Submitted = 1
		if err := tx.UpdateHIT(ctx, got); err != nil {
			return err
		}
		if err := tx.InsertReviewResults(ctx, []*hitd.ReviewResult{
			{HITID: "H1", Level: hitd.PolicyLevelHIT, SubjectID: "H1", SubjectType: "HIT", QuestionID: "q", Key: "AgreedAnswer", Value: "red"},
			{HITID: "H1", Level: hitd.PolicyLevelAssignment, SubjectID: "A", SubjectType: "Assignment", Key: "KnownAnswerScore", Value: "50"},
			{HITID: "H1", Level: hitd.PolicyLevelHIT, SubjectID: "H1", SubjectType: "HIT", Key: "HITAgreementScore", Value: "100"},
		}); err != nil {
			return err
		}
		return tx.InsertReviewActions(ctx, []*hitd.ReviewAction{
			{HITID: "H1", Level: hitd.PolicyLevelHIT, ActionID: "X1", ActionName: "extend", TargetID: "H1", TargetType: "HIT", Status: "Failed", CompleteTime: t0, ErrorCode: "E"},
		})
	})
	read(t, s, func(tx hitd.Tx) error {
		rs, err := tx.ListReviewResults(ctx, hitd.ReviewQuery{HITID: "H1", Level: hitd.PolicyLevelHIT, Limit: 10})
		if err != nil || len(rs) != 2 || rs[0].Value != "red" || rs[1].Key != "HITAgreementScore" {
			t.Errorf("HIT results %v %v", rs, err)
		}
		page, err := tx.ListReviewResults(ctx, hitd.ReviewQuery{HITID: "H1", Level: hitd.PolicyLevelHIT, AfterSeq: rs[0].Seq, Limit: 10})
		if err != nil || len(page) != 1 {
			t.Errorf("page %v %v", page, err)
		}
		as, err := tx.ListReviewActions(ctx, hitd.ReviewQuery{HITID: "H1", Level: hitd.PolicyLevelHIT, Limit: 10})
		if err != nil || len(as) != 1 || as[0].ErrorCode != "E" || !as[0].CompleteTime.Equal(t0) {
			t.Errorf("actions %v %v", as, err)
		}
		// Due for review: not before expiry (1 of 2 slots unworked), then yes.
		for _, tc := range []struct {
			at   time.Time
			want int
		}{{t0, 0}, {h.Expiration, 1}} {
			due, err := tx.HITsDueForReview(ctx, tc.at, 10)
			if err != nil || len(due) != tc.want {
				t.Errorf("HITsDueForReview(%v) = %d %v, want %d", tc.at, len(due), err, tc.want)
			}
		}
		return nil
	})
	write(t, s, func(tx hitd.Tx) error {
		got, err := tx.HIT(ctx, "H1")
		if err != nil {
			return err
		}
		got.HITPolicyDone = true
		return tx.UpdateHIT(ctx, got)
	})
	read(t, s, func(tx hitd.Tx) error {
		if due, err := tx.HITsDueForReview(ctx, h.Expiration, 10); err != nil || len(due) != 0 {
			t.Errorf("done HIT still due: %d %v", len(due), err)
		}
		return nil
	})
}
