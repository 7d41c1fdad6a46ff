package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/hitdtest"
	"github.com/hitd/hitd/notify"
	"github.com/hitd/hitd/notify/notifytest"
)

// TestHITReviewingUntilPolicyRuns: a HIT with a HIT-level review policy is
// Reviewing from the moment it would be Reviewable until the scheduler has
// run the policy; HITReviewable goes out after the policy, not at the last
// submission.
func TestHITReviewingUntilPolicyRuns(t *testing.T) {
	sqs := notifytest.NewSQS(t)
	e := newWorkEnv(t, hitdtest.Options{Config: hitd.Config{Deliverer: notify.NewDeliverer(sqs.Config())}})
	ctx := context.Background()
	policy := plurality(param("QuestionIds", "colour"), param("QuestionAgreementThreshold", "50"),
		param("ApproveIfWorkerAgreementScoreIsAtLeast", "100"))
	h := e.createHIT(func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(2); in.HITReviewPolicy = policy })
	if _, err := e.Client.UpdateNotificationSettings(ctx, &mturk.UpdateNotificationSettingsInput{HITTypeId: h.HITTypeId,
		Notification: &types.NotificationSpecification{Destination: aws.String(sqs.QueueURL()), Transport: types.NotificationTransportSqs,
			Version: aws.String("2006-05-05"), EventTypes: allEvents}, Active: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	// A HIT without a policy, finished at the same time: unchanged.
	plain := e.createHIT(func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(1) })
	var ids []string
	for i, name := range []string{"pending-one", "pending-two"} {
		w := e.worker(name)
		a := e.accept(w, *h.HITId)
		e.submit(w, a, "colour", "red")
		ids = append(ids, a.ID)
		if i == 0 {
			e.submit(w, e.accept(w, *plain.HITId), "colour", "red")
		}
	}
	listed := func(status types.ReviewableHITStatus) []string {
		t.Helper()
		out, err := e.Client.ListReviewableHITs(ctx, &mturk.ListReviewableHITsInput{Status: status})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, x := range out.HITs {
			got = append(got, *x.HITId+":"+string(x.HITStatus))
		}
		return got
	}
	wantList := func(status types.ReviewableHITStatus, want ...string) {
		t.Helper()
		if got := listed(status); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("ListReviewableHITs(%q)\n got %v\nwant %v", status, got, want)
		}
	}
	if st := e.getHIT(*h.HITId).HITStatus; st != types.HITStatusReviewing {
		t.Fatalf("policy pending: GetHIT says %s", st)
	}
	if st := e.getHIT(*plain.HITId).HITStatus; st != types.HITStatusReviewable {
		t.Fatalf("no policy: GetHIT says %s", st)
	}
	wantList("", *plain.HITId+":Reviewable")
	wantList(types.ReviewableHITStatusReviewing, *h.HITId+":Reviewing")
	all, err := e.Client.ListHITs(ctx, &mturk.ListHITsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range all.HITs {
		if *x.HITId == *h.HITId && x.HITStatus != types.HITStatusReviewing {
			t.Errorf("ListHITs says %s", x.HITStatus)
		}
	}
	// Neither direction of UpdateHITReviewStatus moves it before the policy.
	_, err = e.Client.UpdateHITReviewStatus(ctx, &mturk.UpdateHITReviewStatusInput{HITId: h.HITId, Revert: aws.Bool(true)})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidHITState", "until its HIT review policy has run")
	_, err = e.Client.UpdateHITReviewStatus(ctx, &mturk.UpdateHITReviewStatusInput{HITId: h.HITId})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidHITState", "'Reviewing'")

	// Deliver what the submissions produced, without running due work:
	// HITReviewable for the plain HIT only (it shares the HIT type).
	if _, err := e.Service.DeliverDue(ctx, e.Clock.Now(), 100); err != nil {
		t.Fatal(err)
	}
	_, docs := decodeAll(t, sqs.Messages())
	reviewable := func() (hits []string, at []string) {
		for _, d := range docs {
			for _, ev := range d.Events {
				if ev.EventType == "HITReviewable" && ev.HITId == *h.HITId {
					hits, at = append(hits, ev.HITId), append(at, ev.EventTimestamp)
				}
			}
		}
		return hits, at
	}
	if got, _ := reviewable(); len(got) != 0 {
		t.Fatalf("HITReviewable before the policy ran: %v", got)
	}

	e.Clock.Advance(time.Minute)
	if st := e.runDue(); st.Reviewed != 1 {
		t.Fatalf("scheduler pass %+v", st)
	}
	if st := e.getHIT(*h.HITId).HITStatus; st != types.HITStatusReviewable {
		t.Fatalf("after the policy: GetHIT says %s", st)
	}
	for _, id := range ids {
		out, err := e.Client.GetAssignment(ctx, &mturk.GetAssignmentInput{AssignmentId: aws.String(id)})
		if err != nil || out.Assignment.AssignmentStatus != types.AssignmentStatusApproved {
			t.Fatalf("assignment %s after the policy: %+v %v", id, out, err)
		}
	}
	wantList("", *h.HITId+":Reviewable", *plain.HITId+":Reviewable")
	wantList(types.ReviewableHITStatusReviewing)
	_, docs = decodeAll(t, sqs.Messages())
	hits, at := reviewable()
	if len(hits) != 1 || hits[0] != *h.HITId {
		t.Fatalf("HITReviewable after the policy: %v", hits)
	}
	if want := e.Clock.Now().UTC().Format("2006-01-02T15:04:05Z"); at[0] != want {
		t.Errorf("HITReviewable at %s, want the policy's pass %s", at[0], want)
	}
	// Revert now works as before.
	if _, err := e.Client.UpdateHITReviewStatus(ctx, &mturk.UpdateHITReviewStatusInput{HITId: h.HITId}); err != nil {
		t.Fatal(err)
	}
	wantList(types.ReviewableHITStatusReviewing, *h.HITId+":Reviewing")
	e.audit()
}

// TestHITReviewingAfterExpiryUntilPolicyRuns: a policy HIT that expires
// with work submitted is Reviewing, not Reviewable, until the policy runs;
// one that expires with no work has nothing to review.
func TestHITReviewingAfterExpiryUntilPolicyRuns(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	policy := plurality(param("QuestionIds", "colour"), param("QuestionAgreementThreshold", "50"), param("ApproveIfWorkerAgreementScoreIsAtLeast", "100"))
	h := e.createHIT(func(in *mturk.CreateHITInput) {
		in.MaxAssignments, in.LifetimeInSeconds, in.HITReviewPolicy = aws.Int32(3), aws.Int64(60), policy
	})
	empty := e.createHIT(func(in *mturk.CreateHITInput) {
		in.MaxAssignments, in.LifetimeInSeconds, in.HITReviewPolicy = aws.Int32(3), aws.Int64(60), policy
	})
	w := e.worker("expiring")
	e.submit(w, e.accept(w, *h.HITId), "colour", "red")
	e.Clock.Advance(2 * time.Minute)
	if st := e.getHIT(*h.HITId).HITStatus; st != types.HITStatusReviewing {
		t.Fatalf("expired, policy pending: %s", st)
	}
	if st := e.getHIT(*empty.HITId).HITStatus; st != types.HITStatusReviewable {
		t.Fatalf("expired, no work: %s", st)
	}
	wantList := func(status types.ReviewableHITStatus, want string) {
		t.Helper()
		out, err := e.Client.ListReviewableHITs(ctx, &mturk.ListReviewableHITsInput{Status: status})
		if err != nil || len(out.HITs) != 1 || *out.HITs[0].HITId != want {
			t.Fatalf("ListReviewableHITs(%q): %+v %v, want %s", status, out, err, want)
		}
	}
	wantList("", *empty.HITId)
	wantList(types.ReviewableHITStatusReviewing, *h.HITId)
	if st := e.runDue(); st.Reviewed != 1 {
		t.Fatalf("scheduler pass %+v", st)
	}
	if st := e.getHIT(*h.HITId).HITStatus; st != types.HITStatusReviewable {
		t.Fatalf("after the policy: %s", st)
	}
	e.audit()
}
