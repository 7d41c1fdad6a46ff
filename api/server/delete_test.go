package server_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
)

// TestDeleteHITWithWork: DeleteHIT is refused while a worker holds an
// assignment and while a submitted assignment awaits review, and allowed
// for a HIT that is fully worked and reviewed, before it expires (MTurk's
// rule: Reviewable, with every submitted assignment approved or rejected).
func TestDeleteHITWithWork(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	h := e.createHIT(func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(1) })
	del := func() error { _, err := e.Client.DeleteHIT(ctx, &mturk.DeleteHITInput{HITId: h.HITId}); return err }

	w := e.worker("deleter")
	a := e.accept(w, *h.HITId)
	wantStatus(t, e.getHIT(*h.HITId), types.HITStatusUnassignable, 1, 0, 0)
	wantTurk(t, del(), "AWS.MechanicalTurk.InvalidHITState", "'Unassignable'")

	e.submit(w, a, "a", "yes")
	wantStatus(t, e.getHIT(*h.HITId), types.HITStatusReviewable, 0, 0, 0)
	wantTurk(t, del(), "AWS.MechanicalTurk.InvalidHITState", "1 submitted assignments that are not yet approved or rejected")

	if _, err := e.Client.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: aws.String(a.ID)}); err != nil {
		t.Fatal(err)
	}
	if e.Clock.Now().After(*h.Expiration) {
		t.Fatal("the HIT expired during the test")
	}
	if err := del(); err != nil {
		t.Fatalf("DeleteHIT of a fully worked, reviewed HIT before its expiry: %v", err)
	}
	if got := e.getHIT(*h.HITId); got.HITStatus != types.HITStatusDisposed {
		t.Errorf("after DeleteHIT: %s, want Disposed", got.HITStatus)
	}
	if n := countHITs(t, e.Client); n != 0 {
		t.Errorf("ListHITs lists %d HITs after the delete", n)
	}
	e.audit()
}
