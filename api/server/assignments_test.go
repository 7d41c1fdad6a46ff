package server_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/hitdtest"
	"github.com/hitd/hitd/qform"
	"github.com/hitd/hitd/scheduler"
)

// workEnv is a test server with helpers for the worker side.
type workEnv struct {
	*hitdtest.Env
	t     *testing.T
	sched *scheduler.Scheduler
}

func newWorkEnv(t *testing.T, opts ...hitdtest.Options) *workEnv {
	e := hitdtest.New(t, opts...)
	return &workEnv{Env: e, t: t, sched: scheduler.New(e.Service, e.Clock, scheduler.Options{Batch: 7})}
}

func (e *workEnv) worker(name string) *hitd.Worker {
	e.t.Helper()
	w, err := e.Service.CreateWorker(context.Background(), name, "password-"+name)
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

func (e *workEnv) createHIT(mod func(*mturk.CreateHITInput)) *types.HIT {
	e.t.Helper()
	in := createHITInput()
	in.Question = aws.String(htmlQ)
	if mod != nil {
		mod(in)
	}
	out, err := e.Client.CreateHIT(context.Background(), in)
	if err != nil {
		e.t.Fatal(err)
	}
	return out.HIT
}

func (e *workEnv) accept(w *hitd.Worker, hitID string) *hitd.Assignment {
	e.t.Helper()
	a, err := e.Service.AcceptHIT(context.Background(), w.ID, hitID)
	if err != nil {
		e.t.Fatalf("accept: %v", err)
	}
	return a
}

func (e *workEnv) submit(w *hitd.Worker, a *hitd.Assignment, kv ...string) {
	e.t.Helper()
	var fields []qform.Field
	for i := 0; i+1 < len(kv); i += 2 {
		fields = append(fields, qform.Field{Name: kv[i], Values: []string{kv[i+1]}})
	}
	if _, err := e.Service.SubmitAssignment(context.Background(), w.ID, a.ID, fields); err != nil {
		e.t.Fatalf("submit: %v", err)
	}
}

func (e *workEnv) getHIT(id string) *types.HIT {
	e.t.Helper()
	out, err := e.Client.GetHIT(context.Background(), &mturk.GetHITInput{HITId: aws.String(id)})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.HIT
}

func (e *workEnv) balance(c *mturk.Client) string {
	e.t.Helper()
	out, err := c.GetAccountBalance(context.Background(), &mturk.GetAccountBalanceInput{})
	if err != nil {
		e.t.Fatal(err)
	}
	return aws.ToString(out.AvailableBalance)
}

func (e *workEnv) runDue() scheduler.Stats {
	e.t.Helper()
	st, err := e.sched.RunOnce(context.Background(), e.Clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

func (e *workEnv) audit() {
	e.t.Helper()
	m, err := e.Service.AuditMoney(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	if !m.Balanced() {
		e.t.Fatalf("books do not balance: %+v", m)
	}
}

func wantStatus(t *testing.T, h *types.HIT, st types.HITStatus, pending, available, completed int32) {
	t.Helper()
	if h.HITStatus != st || aws.ToInt32(h.NumberOfAssignmentsPending) != pending ||
		aws.ToInt32(h.NumberOfAssignmentsAvailable) != available || aws.ToInt32(h.NumberOfAssignmentsCompleted) != completed {
		t.Fatalf("HIT is %s pending=%d available=%d completed=%d; want %s %d/%d/%d", h.HITStatus,
			aws.ToInt32(h.NumberOfAssignmentsPending), aws.ToInt32(h.NumberOfAssignmentsAvailable),
			aws.ToInt32(h.NumberOfAssignmentsCompleted), st, pending, available, completed)
	}
}

func TestFee(t *testing.T) {
	masters := []hitd.QualificationRequirement{{QualificationTypeId: hitd.QualMasters, Comparator: hitd.CmpExists}}
	for _, tc := range []struct {
		reward  hitd.Cents
		max     int
		masters bool
		want    hitd.Cents // SlotCost
	}{
		{1, 1, false, 2}, {4, 1, false, 5}, {4, 10, false, 6}, {5, 1, false, 6}, {5, 10, false, 7}, {10, 9, false, 12},
		{10, 10, false, 14}, {100, 1, false, 120}, {101, 1, false, 122}, {100, 10, false, 140}, {101, 10, false, 142},
		{100, 1, true, 125}, {100, 10, true, 145}, {1, 1, true, 2}, {10, 1, true, 13},
	} {
		ht := &hitd.HITType{Reward: tc.reward}
		if tc.masters {
			ht.QualificationRequirements = masters
		}
		if got := hitd.SlotCost(ht, tc.max); got != tc.want {
			t.Errorf("SlotCost(%d, max %d, masters %v) = %d, want %d", tc.reward, tc.max, tc.masters, got, tc.want)
		}
	}
	if got := hitd.Fee(3, hitd.BonusFeePercent); got != 1 {
		t.Errorf("bonus fee on 0.03 = %d, want the 0.01 minimum", got)
	}
	if hitd.RequiresMasters([]hitd.QualificationRequirement{{QualificationTypeId: hitd.QualMastersSandbox, Comparator: hitd.CmpDoesNotExist}}) {
		t.Error("DoesNotExist Masters counted as requiring Masters")
	}
}

func TestAssignmentLifecycleAndMoney(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	start := e.balance(e.Client)
	if start != "10000.00" {
		t.Fatalf("starting balance %s", start)
	}
	// 2 assignments at $0.50: each reserves 0.50 + 0.10 fee.
	h := e.createHIT(func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(2); in.Reward = aws.String("0.50") })
	if got := e.balance(e.Client); got != "9998.80" {
		t.Fatalf("balance after CreateHIT = %s, want 9998.80", got)
	}
	wantStatus(t, e.getHIT(*h.HITId), types.HITStatusAssignable, 0, 2, 0)

	alice, bob := e.worker("alice"), e.worker("bob")
	a1 := e.accept(alice, *h.HITId)
	wantStatus(t, e.getHIT(*h.HITId), types.HITStatusAssignable, 1, 1, 0)
	if _, err := e.Service.AcceptHIT(ctx, alice.ID, *h.HITId); hitd.ErrorCode(err) != hitd.ErrAlreadyAccepted {
		t.Fatalf("second accept by the same worker: %v", err)
	}
	a2 := e.accept(bob, *h.HITId)
	wantStatus(t, e.getHIT(*h.HITId), types.HITStatusUnassignable, 2, 0, 0)
	carol := e.worker("carol")
	if _, err := e.Service.AcceptHIT(ctx, carol.ID, *h.HITId); hitd.ErrorCode(err) != hitd.ErrHITNotAvailable {
		t.Fatalf("accept of a full HIT: %v", err)
	}

	// Nothing is reported until submitted.
	list, err := e.Client.ListAssignmentsForHIT(ctx, &mturk.ListAssignmentsForHITInput{HITId: h.HITId})
	if err != nil || len(list.Assignments) != 0 {
		t.Fatalf("pending assignments listed: %v %v", list, err)
	}
	e.submit(alice, a1, "answer", "a cat & a <dog>", "comment", "fine")
	e.submit(bob, a2, "answer", "nothing")
	wantStatus(t, e.getHIT(*h.HITId), types.HITStatusReviewable, 0, 0, 0)

	list, err = e.Client.ListAssignmentsForHIT(ctx, &mturk.ListAssignmentsForHITInput{HITId: h.HITId})
	if err != nil || len(list.Assignments) != 2 {
		t.Fatalf("ListAssignmentsForHIT: %v %v", list, err)
	}
	got := list.Assignments[0]
	if *got.AssignmentId != a1.ID || *got.WorkerId != alice.ID || got.AssignmentStatus != types.AssignmentStatusSubmitted ||
		got.SubmitTime == nil || got.AcceptTime == nil || got.Deadline == nil || got.AutoApprovalTime == nil {
		t.Fatalf("assignment %+v", got)
	}
	answers, err := qform.DecodeAnswers(*got.Answer)
	if err != nil || len(answers) != 2 || answers[0].QuestionIdentifier != "answer" || *answers[0].FreeText != "a cat & a <dog>" {
		t.Fatalf("answer %q decoded %+v %v", *got.Answer, answers, err)
	}

	// Approve alice (pays 0.50 to her, 0.10 fee); reject bob with empty
	// feedback, as psiTurk does (returns 0.60 to the requester).
	if _, err := e.Client.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: &a1.ID, RequesterFeedback: aws.String("thanks")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.RejectAssignment(ctx, &mturk.RejectAssignmentInput{AssignmentId: &a2.ID, RequesterFeedback: aws.String("")}); err != nil {
		t.Fatal(err)
	}
	if got := e.balance(e.Client); got != "9999.40" {
		t.Fatalf("balance after approve+reject = %s, want 9999.40", got)
	}
	wantStatus(t, e.getHIT(*h.HITId), types.HITStatusReviewable, 0, 0, 2)
	p, err := e.Service.WorkerProfile(ctx, alice.ID)
	if err != nil || p.Worker.Earnings != 50 || p.Worker.Approved != 1 || p.Worker.Submitted != 1 {
		t.Fatalf("alice's profile %+v %v", p.Worker, err)
	}
	if p, _ := e.Service.WorkerProfile(ctx, bob.ID); p.Worker.Rejected != 1 || p.Worker.Earnings != 0 {
		t.Fatalf("bob's profile %+v", p.Worker)
	}

	ga, err := e.Client.GetAssignment(ctx, &mturk.GetAssignmentInput{AssignmentId: &a1.ID})
	if err != nil || ga.Assignment.AssignmentStatus != types.AssignmentStatusApproved || *ga.Assignment.RequesterFeedback != "thanks" ||
		ga.Assignment.ApprovalTime == nil || *ga.HIT.HITId != *h.HITId {
		t.Fatalf("GetAssignment: %+v %v", ga, err)
	}
	// A second approval, or a rejection of an approved assignment, is refused.
	_, err = e.Client.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: &a1.ID})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidAssignmentState", "Submitted")
	_, err = e.Client.RejectAssignment(ctx, &mturk.RejectAssignmentInput{AssignmentId: &a1.ID, RequesterFeedback: aws.String("")})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidAssignmentState", "Submitted")
	// Approving the rejected one needs OverrideRejection and charges again.
	_, err = e.Client.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: &a2.ID})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidAssignmentState", "OverrideRejection")
	if _, err := e.Client.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: &a2.ID, OverrideRejection: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	if got := e.balance(e.Client); got != "9998.80" {
		t.Fatalf("balance after override = %s, want 9998.80", got)
	}
	if p, _ := e.Service.WorkerProfile(ctx, bob.ID); p.Worker.Rejected != 0 || p.Worker.Approved != 1 || p.Worker.Earnings != 50 {
		t.Fatalf("bob's profile after override %+v", p.Worker)
	}
	e.audit()

	// Another requester cannot see or touch these assignments.
	_, other := e.NewRequester("other")
	_, err = other.GetAssignment(ctx, &mturk.GetAssignmentInput{AssignmentId: &a1.ID})
	wantTurk(t, err, "AWS.MechanicalTurk.AssignmentDoesNotExist", a1.ID)
	_, err = other.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: &a1.ID})
	wantTurk(t, err, "AWS.MechanicalTurk.AssignmentDoesNotExist", a1.ID)
	_, err = other.ListAssignmentsForHIT(ctx, &mturk.ListAssignmentsForHITInput{HITId: h.HITId})
	wantTurk(t, err, "AWS.MechanicalTurk.HITDoesNotExist", "")
}

func TestOverrideRejectionWindow(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	h := e.createHIT(func(in *mturk.CreateHITInput) { in.AutoApprovalDelayInSeconds = aws.Int64(3600) })
	w := e.worker("walt")
	a := e.accept(w, *h.HITId)
	e.submit(w, a, "x", "1")
	if _, err := e.Client.RejectAssignment(ctx, &mturk.RejectAssignmentInput{AssignmentId: &a.ID, RequesterFeedback: aws.String("no")}); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(2 * time.Hour)
	if st := e.runDue(); st.AutoApproved != 0 {
		t.Fatalf("a rejected assignment was auto-approved: %+v", st)
	}
	_, err := e.Client.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: &a.ID, OverrideRejection: aws.Bool(true)})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidAssignmentState", "can no longer be overridden")
	e.audit()
}

func TestFeedbackLimits(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	h := e.createHIT(nil)
	w := e.worker("fred")
	a := e.accept(w, *h.HITId)
	e.submit(w, a, "x", "1")
	long := strings.Repeat("é", 1025)
	_, err := e.Client.RejectAssignment(ctx, &mturk.RejectAssignmentInput{AssignmentId: &a.ID, RequesterFeedback: &long})
	wantTurk(t, err, "AWS.MechanicalTurk.ParameterOutOfRange", "1024")
	_, err = e.Client.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: &a.ID, RequesterFeedback: &long})
	wantTurk(t, err, "AWS.MechanicalTurk.ParameterOutOfRange", "1024")
	ok := strings.Repeat("é", 1024)
	if _, err := e.Client.RejectAssignment(ctx, &mturk.RejectAssignmentInput{AssignmentId: &a.ID, RequesterFeedback: &ok}); err != nil {
		t.Fatal(err)
	}
	_, err = e.Client.GetAssignment(ctx, &mturk.GetAssignmentInput{AssignmentId: aws.String("NOSUCHASSIGNMENT")})
	wantTurk(t, err, "AWS.MechanicalTurk.AssignmentDoesNotExist", "NOSUCHASSIGNMENT")
}

// TestListAssignmentsForHITFiltersAndPages drives ListAssignmentsForHIT
// through the SDK: the AssignmentStatuses filter, MaxResults pages joined by
// NextToken (and the SDK's paginator), and what is never listed.
func TestListAssignmentsForHITFiltersAndPages(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	h := e.createHIT(func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(8) })
	want := map[types.AssignmentStatus][]string{}
	var held, returned string
	for i := range 8 {
		w := e.worker(fmt.Sprintf("lister%d", i))
		a := e.accept(w, *h.HITId)
		switch i {
		case 6: // accepted, never submitted: counted as pending, not listed
			held = a.ID
			continue
		case 7: // returned: not listed either
			if err := e.Service.ReturnAssignment(ctx, w.ID, a.ID); err != nil {
				t.Fatal(err)
			}
			returned = a.ID
			continue
		}
		e.submit(w, a, "n", fmt.Sprint(i))
		switch i % 3 {
		case 0:
			if _, err := e.Client.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: &a.ID}); err != nil {
				t.Fatal(err)
			}
			want[types.AssignmentStatusApproved] = append(want[types.AssignmentStatusApproved], a.ID)
		case 1:
			if _, err := e.Client.RejectAssignment(ctx, &mturk.RejectAssignmentInput{AssignmentId: &a.ID, RequesterFeedback: aws.String("")}); err != nil {
				t.Fatal(err)
			}
			want[types.AssignmentStatusRejected] = append(want[types.AssignmentStatusRejected], a.ID)
		default:
			want[types.AssignmentStatusSubmitted] = append(want[types.AssignmentStatusSubmitted], a.ID)
		}
	}
	// 0,3 approved; 1,4 rejected; 2,5 submitted; 6 held; 7 returned.
	wantStatus(t, e.getHIT(*h.HITId), types.HITStatusAssignable, 1, 1, 4)

	// all returns every page of the listing, checking each page's size.
	all := func(statuses []types.AssignmentStatus, max int32) (ids []string, st []types.AssignmentStatus, pages int) {
		t.Helper()
		p := mturk.NewListAssignmentsForHITPaginator(e.Client, &mturk.ListAssignmentsForHITInput{HITId: h.HITId, AssignmentStatuses: statuses, MaxResults: aws.Int32(max)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if len(out.Assignments) > int(max) || aws.ToInt32(out.NumResults) != int32(len(out.Assignments)) {
				t.Fatalf("page of %d assignments, NumResults %d, MaxResults %d", len(out.Assignments), aws.ToInt32(out.NumResults), max)
			}
			for _, a := range out.Assignments {
				ids = append(ids, aws.ToString(a.AssignmentId))
				st = append(st, a.AssignmentStatus)
			}
		}
		return ids, st, pages
	}
	sorted := func(s []string) []string { s = append([]string(nil), s...); slices.Sort(s); return s }
	union := func(sts ...types.AssignmentStatus) []string {
		var out []string
		for _, s := range sts {
			out = append(out, want[s]...)
		}
		return sorted(out)
	}
	for _, tc := range []struct {
		statuses []types.AssignmentStatus
		max      int32
		want     []string
	}{
		{nil, 100, union(types.AssignmentStatusSubmitted, types.AssignmentStatusApproved, types.AssignmentStatusRejected)},
		{nil, 4, union(types.AssignmentStatusSubmitted, types.AssignmentStatusApproved, types.AssignmentStatusRejected)},
		{nil, 1, union(types.AssignmentStatusSubmitted, types.AssignmentStatusApproved, types.AssignmentStatusRejected)},
		{[]types.AssignmentStatus{types.AssignmentStatusSubmitted}, 10, union(types.AssignmentStatusSubmitted)},
		{[]types.AssignmentStatus{types.AssignmentStatusApproved}, 1, union(types.AssignmentStatusApproved)},
		{[]types.AssignmentStatus{types.AssignmentStatusRejected}, 10, union(types.AssignmentStatusRejected)},
		{[]types.AssignmentStatus{types.AssignmentStatusApproved, types.AssignmentStatusRejected}, 3, union(types.AssignmentStatusApproved, types.AssignmentStatusRejected)},
	} {
		t.Run(fmt.Sprintf("%v/max%d", tc.statuses, tc.max), func(t *testing.T) {
			ids, st, pages := all(tc.statuses, tc.max)
			if got := sorted(ids); !slices.Equal(got, tc.want) {
				t.Fatalf("listed %v, want %v", got, tc.want)
			}
			if len(slices.Compact(sorted(ids))) != len(ids) {
				t.Fatalf("an assignment is on two pages: %v", ids)
			}
			if minPages := (len(tc.want) + int(tc.max) - 1) / int(tc.max); pages < minPages {
				t.Fatalf("%d pages for %d assignments at %d a page", pages, len(tc.want), tc.max)
			}
			for i, s := range st {
				if len(tc.statuses) > 0 && !slices.Contains(tc.statuses, s) {
					t.Errorf("%s is %s, outside the filter %v", ids[i], s, tc.statuses)
				}
			}
			if slices.Contains(ids, held) || slices.Contains(ids, returned) {
				t.Errorf("accepted or returned assignments listed: %v", ids)
			}
		})
	}

	// One page by hand: MaxResults and NextToken as the wire has them.
	p1, err := e.Client.ListAssignmentsForHIT(ctx, &mturk.ListAssignmentsForHITInput{HITId: h.HITId, MaxResults: aws.Int32(2)})
	if err != nil || len(p1.Assignments) != 2 || p1.NextToken == nil {
		t.Fatalf("first page: %+v %v", p1, err)
	}
	p2, err := e.Client.ListAssignmentsForHIT(ctx, &mturk.ListAssignmentsForHITInput{HITId: h.HITId, MaxResults: aws.Int32(2), NextToken: p1.NextToken})
	if err != nil || len(p2.Assignments) != 2 || aws.ToString(p2.Assignments[0].AssignmentId) == aws.ToString(p1.Assignments[0].AssignmentId) {
		t.Fatalf("second page: %+v %v", p2, err)
	}

	_, err = e.Client.ListAssignmentsForHIT(ctx, &mturk.ListAssignmentsForHITInput{HITId: h.HITId, AssignmentStatuses: []types.AssignmentStatus{"Accepted"}})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidParameterValue", "AssignmentStatuses")
	_, err = e.Client.ListAssignmentsForHIT(ctx, &mturk.ListAssignmentsForHITInput{HITId: h.HITId, MaxResults: aws.Int32(101)})
	wantTurk(t, err, "AWS.MechanicalTurk.ParameterOutOfRange", "MaxResults")
	_, err = e.Client.ListAssignmentsForHIT(ctx, &mturk.ListAssignmentsForHITInput{HITId: h.HITId, NextToken: aws.String("not-a-token")})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidParameterValue", "NextToken")
}

// TestAutoApprovalAtTheSecond: AutoApprovalTime is SubmitTime +
// AutoApprovalDelayInSeconds, and the scheduler's RunOnce approves the
// assignment at that instant, not a second before.
func TestAutoApprovalAtTheSecond(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	const delay = 2 * 3600
	h := e.createHIT(func(in *mturk.CreateHITInput) { in.AutoApprovalDelayInSeconds = aws.Int64(delay) })
	w := e.worker("punctual")
	a := e.accept(w, *h.HITId)
	e.Clock.Advance(17 * time.Second)
	e.submit(w, a, "x", "1")
	got, err := e.Client.GetAssignment(ctx, &mturk.GetAssignmentInput{AssignmentId: &a.ID})
	if err != nil {
		t.Fatal(err)
	}
	submitted, autoAt := aws.ToTime(got.Assignment.SubmitTime), aws.ToTime(got.Assignment.AutoApprovalTime)
	if !autoAt.Equal(submitted.Add(delay * time.Second)) {
		t.Fatalf("AutoApprovalTime %v, want SubmitTime %v + %ds", autoAt, submitted, delay)
	}
	before, err := e.sched.RunOnce(ctx, autoAt.Add(-time.Second))
	if err != nil || before.AutoApproved != 0 {
		t.Fatalf("a second early: %+v %v", before, err)
	}
	at, err := e.sched.RunOnce(ctx, autoAt)
	if err != nil || at.AutoApproved != 1 {
		t.Fatalf("at AutoApprovalTime: %+v %v", at, err)
	}
	e.Clock.Set(autoAt)
	got, err = e.Client.GetAssignment(ctx, &mturk.GetAssignmentInput{AssignmentId: &a.ID})
	if err != nil || got.Assignment.AssignmentStatus != types.AssignmentStatusApproved || got.Assignment.ApprovalTime == nil {
		t.Fatalf("after auto-approval: %+v %v", got, err)
	}
	if p, _ := e.Service.WorkerProfile(ctx, w.ID); p.Worker.Earnings != 5 || p.Worker.Approved != 1 {
		t.Fatalf("the worker was not paid the 0.05 reward: %+v", p.Worker)
	}
	e.audit()
}

func TestAutoApprovalAndAbandonment(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	h := e.createHIT(func(in *mturk.CreateHITInput) {
		in.MaxAssignments = aws.Int32(2)
		in.AssignmentDurationInSeconds = aws.Int64(60)
		in.AutoApprovalDelayInSeconds = aws.Int64(3600)
	})
	ann, ben := e.worker("ann"), e.worker("ben")
	a1 := e.accept(ann, *h.HITId)
	a2 := e.accept(ben, *h.HITId)
	e.Clock.Advance(30 * time.Second)
	e.submit(ann, a1, "x", "1")
	// Nothing is due yet.
	if st := e.runDue(); st.Total() != 0 {
		t.Fatalf("premature due work: %+v", st)
	}
	// Ben's minute runs out: his assignment is abandoned and its slot freed.
	e.Clock.Advance(31 * time.Second)
	if _, err := e.Service.SubmitAssignment(ctx, ben.ID, a2.ID, nil); hitd.ErrorCode(err) != hitd.ErrInvalidAssignmentState {
		t.Fatalf("submit after the deadline: %v", err)
	}
	if st := e.runDue(); st.Abandoned != 1 {
		t.Fatalf("want 1 abandoned, got %+v", st)
	}
	wantStatus(t, e.getHIT(*h.HITId), types.HITStatusAssignable, 0, 1, 0)
	// Ben may take it again.
	a3 := e.accept(ben, *h.HITId)
	if a3.ID == a2.ID {
		t.Fatal("assignment ID reused")
	}
	// An hour after submission ann's assignment is approved automatically.
	e.Clock.Advance(time.Hour)
	st := e.runDue()
	if st.AutoApproved != 1 || st.Abandoned != 1 {
		t.Fatalf("want 1 auto-approved and ben's second try abandoned, got %+v", st)
	}
	ga, err := e.Client.GetAssignment(ctx, &mturk.GetAssignmentInput{AssignmentId: &a1.ID})
	if err != nil || ga.Assignment.AssignmentStatus != types.AssignmentStatusApproved {
		t.Fatalf("after auto-approval: %+v %v", ga, err)
	}
	if again := e.runDue(); again.Total() != 0 {
		t.Fatalf("due work applied twice: %+v", again)
	}
	e.audit()
}

func TestZeroAutoApprovalDelayApprovesAtOnce(t *testing.T) {
	e := newWorkEnv(t)
	h := e.createHIT(func(in *mturk.CreateHITInput) { in.AutoApprovalDelayInSeconds = aws.Int64(0) })
	w := e.worker("zed")
	a := e.accept(w, *h.HITId)
	e.submit(w, a, "x", "1")
	ga, err := e.Client.GetAssignment(context.Background(), &mturk.GetAssignmentInput{AssignmentId: &a.ID})
	if err != nil || ga.Assignment.AssignmentStatus != types.AssignmentStatusApproved {
		t.Fatalf("%+v %v", ga, err)
	}
	e.audit()
}

func TestReturnFreesTheSlot(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	h := e.createHIT(func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(1) })
	w, v := e.worker("rita"), e.worker("vic")
	a := e.accept(w, *h.HITId)
	wantStatus(t, e.getHIT(*h.HITId), types.HITStatusUnassignable, 1, 0, 0)
	if err := e.Service.ReturnAssignment(ctx, v.ID, a.ID); hitd.ErrorCode(err) != hitd.ErrAssignmentNotFound {
		t.Fatalf("another worker returned it: %v", err)
	}
	if err := e.Service.ReturnAssignment(ctx, w.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.Service.ReturnAssignment(ctx, w.ID, a.ID); hitd.ErrorCode(err) != hitd.ErrInvalidAssignmentState {
		t.Fatalf("second return: %v", err)
	}
	if _, err := e.Service.SubmitAssignment(ctx, w.ID, a.ID, nil); hitd.ErrorCode(err) != hitd.ErrInvalidAssignmentState {
		t.Fatalf("submit after return: %v", err)
	}
	wantStatus(t, e.getHIT(*h.HITId), types.HITStatusAssignable, 0, 1, 0)
	e.accept(v, *h.HITId)
	e.audit()
}

func TestExpiryReleasesAndExtensionRefunds(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	h := e.createHIT(func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(3); in.Reward = aws.String("1.00") })
	if got := e.balance(e.Client); got != "9996.40" {
		t.Fatalf("balance %s", got)
	}
	w := e.worker("exp")
	a := e.accept(w, *h.HITId)
	// Expire now: the two free slots go back; the held one stays reserved.
	if _, err := e.Client.UpdateExpirationForHIT(ctx, &mturk.UpdateExpirationForHITInput{HITId: h.HITId, ExpireAt: aws.Time(time.Unix(0, 0))}); err != nil {
		t.Fatal(err)
	}
	if got := e.balance(e.Client); got != "9998.80" {
		t.Fatalf("balance after expiry %s", got)
	}
	wantStatus(t, e.getHIT(*h.HITId), types.HITStatusUnassignable, 1, 2, 0)
	// The worker may still submit within the assignment's own time.
	e.submit(w, a, "x", "1")
	wantStatus(t, e.getHIT(*h.HITId), types.HITStatusReviewable, 0, 2, 0)
	// Extending funds the open slots again.
	if _, err := e.Client.UpdateExpirationForHIT(ctx, &mturk.UpdateExpirationForHITInput{HITId: h.HITId, ExpireAt: aws.Time(e.Clock.Now().Add(time.Hour))}); err != nil {
		t.Fatal(err)
	}
	if got := e.balance(e.Client); got != "9996.40" {
		t.Fatalf("balance after extension %s", got)
	}
	// Passing expiry by time alone: the scheduler releases the slots.
	e.Clock.Advance(2 * time.Hour)
	if st := e.runDue(); st.Released != 1 || st.Expired != 1 {
		t.Fatalf("want 1 expired HIT noted and released, got %+v", st)
	}
	if got := e.balance(e.Client); got != "9998.80" {
		t.Fatalf("balance after timed expiry %s", got)
	}
	if _, err := e.Client.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: &a.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.DeleteHIT(ctx, &mturk.DeleteHITInput{HITId: h.HITId}); err != nil {
		t.Fatal(err)
	}
	if got := e.balance(e.Client); got != "9998.80" {
		t.Fatalf("balance at the end %s", got)
	}
	e.audit()
}

func TestDeleteHITReleasesReserve(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	h := e.createHIT(func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(4) })
	if _, err := e.Client.UpdateExpirationForHIT(ctx, &mturk.UpdateExpirationForHITInput{HITId: h.HITId, ExpireAt: aws.Time(time.Unix(0, 0))}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.DeleteHIT(ctx, &mturk.DeleteHITInput{HITId: h.HITId}); err != nil {
		t.Fatal(err)
	}
	if got := e.balance(e.Client); got != "10000.00" {
		t.Fatalf("balance %s", got)
	}
	e.audit()
}

func TestInsufficientFunds(t *testing.T) {
	e := newWorkEnv(t, hitdtest.Options{Config: hitd.Config{StartingBalance: 100}}) // $1.00
	ctx := context.Background()
	// 2 × (0.40 + 0.08) = 0.96 fits; 3 × 0.48 does not.
	_, err := e.Client.CreateHIT(ctx, func() *mturk.CreateHITInput {
		in := createHITInput()
		in.Reward, in.MaxAssignments = aws.String("0.40"), aws.Int32(3)
		return in
	}())
	wantTurk(t, err, "AWS.MechanicalTurk.InsufficientFunds", "insufficient funds")
	if n := countHITs(t, e.Client); n != 0 {
		t.Fatalf("%d HITs created without funds", n)
	}
	if got := e.balance(e.Client); got != "1.00" {
		t.Fatalf("balance changed by a failed CreateHIT: %s", got)
	}
	h := e.createHIT(func(in *mturk.CreateHITInput) { in.Reward, in.MaxAssignments = aws.String("0.40"), aws.Int32(2) })
	if got := e.balance(e.Client); got != "0.04" {
		t.Fatalf("balance %s", got)
	}
	_, err = e.Client.CreateAdditionalAssignmentsForHIT(ctx, &mturk.CreateAdditionalAssignmentsForHITInput{HITId: h.HITId, NumberOfAdditionalAssignments: aws.Int32(1)})
	wantTurk(t, err, "AWS.MechanicalTurk.InsufficientFunds", "")
	if got := e.getHIT(*h.HITId); aws.ToInt32(got.MaxAssignments) != 2 {
		t.Fatalf("MaxAssignments changed by a failed call: %d", aws.ToInt32(got.MaxAssignments))
	}
	// A deposit makes it possible.
	r, err := e.Service.Deposit(ctx, hitd.DepositInput{AccessKeyID: hitdtest.RootAccessKeyID, Amount: "10.00"})
	if err != nil || r.Balance != 1004 {
		t.Fatalf("deposit: %+v %v", r, err)
	}
	if _, err := e.Service.Deposit(ctx, hitd.DepositInput{AccessKeyID: hitdtest.RootAccessKeyID, Amount: "-1"}); hitd.ErrorCode(err) != hitd.ErrInvalidParameter {
		t.Fatalf("negative deposit: %v", err)
	}
	if _, err := e.Client.CreateAdditionalAssignmentsForHIT(ctx, &mturk.CreateAdditionalAssignmentsForHITInput{HITId: h.HITId, NumberOfAdditionalAssignments: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	e.audit()
}

func TestCreateAdditionalAssignments(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	h := e.createHIT(func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(5) })
	add := func(id *string, n int32, token string) error {
		in := &mturk.CreateAdditionalAssignmentsForHITInput{HITId: id, NumberOfAdditionalAssignments: aws.Int32(n)}
		if token != "" {
			in.UniqueRequestToken = &token
		}
		_, err := e.Client.CreateAdditionalAssignmentsForHIT(ctx, in)
		return err
	}
	wantTurk(t, add(h.HITId, 5, ""), "AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease", "fewer than 10")
	if err := add(h.HITId, 4, "tok-1"); err != nil {
		t.Fatal(err)
	}
	wantTurk(t, add(h.HITId, 4, "tok-1"), "AWS.MechanicalTurk.DuplicateRequest", "tok-1")
	if got := e.getHIT(*h.HITId); aws.ToInt32(got.MaxAssignments) != 9 || aws.ToInt32(got.NumberOfAssignmentsAvailable) != 9 {
		t.Fatalf("after adding: %+v", got)
	}
	wantTurk(t, add(h.HITId, 0, ""), "AWS.MechanicalTurk.ParameterOutOfRange", "NumberOfAdditionalAssignments")
	wantTurk(t, add(aws.String("NOSUCHHIT"), 1, ""), "AWS.MechanicalTurk.HITDoesNotExist", "")
	big := e.createHIT(func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(10) })
	if err := add(big.HITId, 20, ""); err != nil {
		t.Fatal(err)
	}
	// A HIT with 10 or more assignments pays the 40 % fee: 30 × (0.05 + 0.02).
	e.audit()
	// 9 slots × 0.06 = 0.54; 30 slots × 0.07 = 2.10; total 2.64.
	if got := e.balance(e.Client); got != "9997.36" {
		t.Fatalf("balance %s, want 9997.36", got)
	}
}

func TestSendBonusAndList(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	h := e.createHIT(nil)
	w, x := e.worker("bonnie"), e.worker("xavier")
	a := e.accept(w, *h.HITId)
	send := func(worker, asg, amount, reason, token string) error {
		in := &mturk.SendBonusInput{WorkerId: &worker, AssignmentId: &asg, BonusAmount: &amount, Reason: &reason}
		if token != "" {
			in.UniqueRequestToken = &token
		}
		_, err := e.Client.SendBonus(ctx, in)
		return err
	}
	// Not yet submitted: refused in MTurk's words.
	wantTurk(t, send(w.ID, a.ID, "1.00", "great", ""), "AWS.MechanicalTurk.InvalidAssignmentState", "This operation can be called with a status of: Submitted,Approved,Rejected")
	_, err := e.Client.GetAssignment(ctx, &mturk.GetAssignmentInput{AssignmentId: &a.ID})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidAssignmentState", "This operation can be called with a status of: Reviewable,Approved,Rejected")
	_, err = e.Client.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: &a.ID})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidAssignmentState", "This operation can be called with a status of: Submitted")
	e.submit(w, a, "x", "1")
	before := e.balance(e.Client)
	if err := send(w.ID, a.ID, "1.00", "great work", "bonus-1"); err != nil {
		t.Fatal(err)
	}
	wantTurk(t, send(w.ID, a.ID, "1.00", "great work", "bonus-1"), "AWS.MechanicalTurk.DuplicateRequest", "bonus-1")
	if err := send(w.ID, a.ID, "0.03", "tiny", ""); err != nil { // fee rounds up to the 0.01 minimum
		t.Fatal(err)
	}
	wantTurk(t, send(x.ID, a.ID, "1.00", "not theirs", ""), "AWS.MechanicalTurk.InvalidParameterValue", "not done by worker")
	wantTurk(t, send(w.ID, a.ID, "0.00", "zero", ""), "AWS.MechanicalTurk.ParameterOutOfRange", "BonusAmount")
	wantTurk(t, send(w.ID, a.ID, "abc", "bad", ""), "AWS.MechanicalTurk.InvalidParameterValue", "BonusAmount")
	wantTurk(t, send(w.ID, a.ID, "1.00", "", ""), "AWS.MechanicalTurk.MissingParameters", "Reason")
	if before != "9999.82" || e.balance(e.Client) != "9998.58" { // 3 × 0.06 reserved; then 1.00+0.20 and 0.03+0.01
		t.Fatalf("balances %s → %s", before, e.balance(e.Client))
	}
	for _, in := range []*mturk.ListBonusPaymentsInput{{HITId: h.HITId}, {AssignmentId: &a.ID}} {
		out, err := e.Client.ListBonusPayments(ctx, in)
		if err != nil || len(out.BonusPayments) != 2 || *out.BonusPayments[0].BonusAmount != "1.00" ||
			*out.BonusPayments[0].Reason != "great work" || *out.BonusPayments[0].WorkerId != w.ID || out.BonusPayments[0].GrantTime == nil {
			t.Fatalf("ListBonusPayments(%+v): %+v %v", in, out, err)
		}
	}
	p1, err := e.Client.ListBonusPayments(ctx, &mturk.ListBonusPaymentsInput{HITId: h.HITId, MaxResults: aws.Int32(1)})
	if err != nil || len(p1.BonusPayments) != 1 || p1.NextToken == nil {
		t.Fatalf("page 1: %+v %v", p1, err)
	}
	p2, err := e.Client.ListBonusPayments(ctx, &mturk.ListBonusPaymentsInput{HITId: h.HITId, MaxResults: aws.Int32(1), NextToken: p1.NextToken})
	if err != nil || len(p2.BonusPayments) != 1 || *p2.BonusPayments[0].BonusAmount != "0.03" {
		t.Fatalf("page 2: %+v %v", p2, err)
	}
	_, err = e.Client.ListBonusPayments(ctx, &mturk.ListBonusPaymentsInput{})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidParameterValue", "exactly one")
	if p, _ := e.Service.WorkerProfile(ctx, w.ID); p.Worker.Earnings != 103 {
		t.Fatalf("earnings %d", p.Worker.Earnings)
	}
	e.audit()
}

func TestNotifyWorkers(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	h := e.createHIT(nil)
	w, stranger := e.worker("nora"), e.worker("stranger")
	e.accept(w, *h.HITId)
	out, err := e.Client.NotifyWorkers(ctx, &mturk.NotifyWorkersInput{Subject: aws.String("Thanks"), MessageText: aws.String("More HITs soon"),
		WorkerIds: []string{w.ID, stranger.ID, "ANOSUCHWORKER1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.NotifyWorkersFailureStatuses) != 2 || *out.NotifyWorkersFailureStatuses[0].WorkerId != stranger.ID ||
		out.NotifyWorkersFailureStatuses[0].NotifyWorkersFailureCode != types.NotifyWorkersFailureCodeHardFailure {
		t.Fatalf("failures %+v", out.NotifyWorkersFailureStatuses)
	}
	msgs, err := e.Service.WorkerMessages(ctx, w.ID, 10)
	if err != nil || len(msgs) != 1 || msgs[0].Subject != "Thanks" || msgs[0].RequesterName != "root" {
		t.Fatalf("inbox %+v %v", msgs, err)
	}
	if msgs, _ := e.Service.WorkerMessages(ctx, stranger.ID, 10); len(msgs) != 0 {
		t.Fatalf("stranger got %d messages", len(msgs))
	}
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("A%013d", i)
	}
	_, err = e.Client.NotifyWorkers(ctx, &mturk.NotifyWorkersInput{Subject: aws.String("s"), MessageText: aws.String("m"), WorkerIds: many})
	wantTurk(t, err, "AWS.MechanicalTurk.ParameterOutOfRange", "100")
	_, err = e.Client.NotifyWorkers(ctx, &mturk.NotifyWorkersInput{Subject: aws.String(strings.Repeat("s", 201)), MessageText: aws.String("m"), WorkerIds: []string{w.ID}})
	wantTurk(t, err, "AWS.MechanicalTurk.ParameterOutOfRange", "Subject")
	_, err = e.Client.NotifyWorkers(ctx, &mturk.NotifyWorkersInput{Subject: aws.String("s"), MessageText: aws.String(strings.Repeat("m", 4097)), WorkerIds: []string{w.ID}})
	wantTurk(t, err, "AWS.MechanicalTurk.ParameterOutOfRange", "MessageText")
}

func TestListReviewableHITs(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	done := e.createHIT(func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(1) })
	open := e.createHIT(func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(1); in.Title = aws.String("other type") })
	expired := e.createHIT(func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(2) })
	w := e.worker("rev")
	a := e.accept(w, *done.HITId)
	e.submit(w, a, "x", "1")
	e.accept(w, *open.HITId)
	if _, err := e.Client.UpdateExpirationForHIT(ctx, &mturk.UpdateExpirationForHITInput{HITId: expired.HITId, ExpireAt: aws.Time(time.Unix(0, 0))}); err != nil {
		t.Fatal(err)
	}
	ids := func(in *mturk.ListReviewableHITsInput) []string {
		t.Helper()
		out, err := e.Client.ListReviewableHITs(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, h := range out.HITs {
			s = append(s, *h.HITId)
		}
		return s
	}
	if got := ids(&mturk.ListReviewableHITsInput{}); len(got) != 2 || got[0] != *done.HITId || got[1] != *expired.HITId {
		t.Fatalf("reviewable %v", got)
	}
	if got := ids(&mturk.ListReviewableHITsInput{HITTypeId: done.HITTypeId}); len(got) != 2 { // same type as expired
		t.Fatalf("by type %v", got)
	}
	if got := ids(&mturk.ListReviewableHITsInput{HITTypeId: open.HITTypeId}); len(got) != 0 {
		t.Fatalf("by the open type %v", got)
	}
	if _, err := e.Client.UpdateHITReviewStatus(ctx, &mturk.UpdateHITReviewStatusInput{HITId: done.HITId}); err != nil {
		t.Fatal(err)
	}
	if got := ids(&mturk.ListReviewableHITsInput{Status: types.ReviewableHITStatusReviewing}); len(got) != 1 || got[0] != *done.HITId {
		t.Fatalf("reviewing %v", got)
	}
	if got := ids(&mturk.ListReviewableHITsInput{MaxResults: aws.Int32(1)}); len(got) != 1 || got[0] != *expired.HITId {
		t.Fatalf("page %v", got)
	}
}

func TestConcurrentAcceptsNeverOverAssign(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	h := e.createHIT(func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(5) })
	const n = 200
	workers := make([]*hitd.Worker, n)
	for i := range workers {
		workers[i] = e.worker(fmt.Sprintf("racer%03d", i))
	}
	var ok, full atomic.Int32
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			// Each worker tries twice, concurrently with itself.
			for range 2 {
				_, err := e.Service.AcceptHIT(ctx, w.ID, *h.HITId)
				switch hitd.ErrorCode(err) {
				case "":
				}
				switch {
				case err == nil:
					ok.Add(1)
				case hitd.ErrorCode(err) == hitd.ErrHITNotAvailable || hitd.ErrorCode(err) == hitd.ErrAlreadyAccepted:
					full.Add(1)
				default:
					t.Errorf("accept: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if ok.Load() != 5 {
		t.Fatalf("%d accepts succeeded for 5 slots", ok.Load())
	}
	wantStatus(t, e.getHIT(*h.HITId), types.HITStatusUnassignable, 5, 0, 0)
	holders := map[string]bool{}
	for _, w := range workers {
		page, err := e.Service.ListWorkerAssignments(ctx, w.ID, nil, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Assignments) > 1 {
			t.Fatalf("worker %s holds %d assignments of one HIT", w.Username, len(page.Assignments))
		}
		if len(page.Assignments) == 1 {
			holders[w.ID] = true
		}
	}
	if len(holders) != 5 {
		t.Fatalf("%d holders", len(holders))
	}
}

// TestMoneyIsConserved runs thousands of random operations from many
// goroutines — creating HITs, accepting, returning, submitting, approving,
// rejecting, bonuses, extensions, expiries, deposits and scheduler passes
// with the clock moving — and checks after each round that the books
// balance: Σ deposits = Σ balances + Σ reserves + Σ earnings + Σ fees, and
// every account's stored balance equals its ledger.
func TestMoneyIsConserved(t *testing.T) {
	e := newWorkEnv(t, hitdtest.Options{Config: hitd.Config{StartingBalance: 50_00}})
	ctx := context.Background()
	type req struct {
		r *hitd.Requester
		c *mturk.Client
	}
	reqs := []req{{e.Root, e.Client}}
	for i := range 2 {
		r, c := e.NewRequester(fmt.Sprintf("req%d", i))
		reqs = append(reqs, req{r, c})
	}
	workers := make([]*hitd.Worker, 12)
	for i := range workers {
		workers[i] = e.worker(fmt.Sprintf("mw%02d", i))
	}
	var mu sync.Mutex
	var hits []string
	rounds, perRound := 6, 8
	if testing.Short() {
		rounds = 2
	}
	ops := 0
	for round := range rounds {
		var wg sync.WaitGroup
		for g := range perRound {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(round), uint64(g)))
				for range 40 {
					rq := reqs[rng.IntN(len(reqs))]
					w := workers[rng.IntN(len(workers))]
					mu.Lock()
					var hitID string
					if len(hits) > 0 {
						hitID = hits[rng.IntN(len(hits))]
					}
					mu.Unlock()
					switch op := rng.IntN(10); {
					case op == 0 || hitID == "":
						in := createHITInput()
						in.Question = aws.String(htmlQ)
						in.MaxAssignments = aws.Int32(int32(1 + rng.IntN(12)))
						in.Reward = aws.String(fmt.Sprintf("0.%02d", 1+rng.IntN(60)))
						in.AssignmentDurationInSeconds = aws.Int64(int64(60 + rng.IntN(600)))
						in.AutoApprovalDelayInSeconds = aws.Int64(int64(rng.IntN(3)) * 600)
						in.LifetimeInSeconds = aws.Int64(int64(300 + rng.IntN(3000)))
						if out, err := rq.c.CreateHIT(ctx, in); err == nil {
							mu.Lock()
							hits = append(hits, *out.HIT.HITId)
							mu.Unlock()
						}
					case op <= 3:
						if a, err := e.Service.AcceptHIT(ctx, w.ID, hitID); err == nil && rng.IntN(4) == 0 {
							_ = e.Service.ReturnAssignment(ctx, w.ID, a.ID)
						} else if err == nil {
							_, _ = e.Service.SubmitAssignment(ctx, w.ID, a.ID, []qform.Field{{Name: "x", Values: []string{"1"}}})
						}
					case op <= 6:
						for _, c := range []*mturk.Client{rq.c, e.Client} {
							list, err := c.ListAssignmentsForHIT(ctx, &mturk.ListAssignmentsForHITInput{HITId: &hitID})
							if err != nil {
								continue
							}
							for _, a := range list.Assignments {
								switch rng.IntN(4) {
								case 0:
									_, _ = c.RejectAssignment(ctx, &mturk.RejectAssignmentInput{AssignmentId: a.AssignmentId, RequesterFeedback: aws.String("")})
								case 1:
									_, _ = c.SendBonus(ctx, &mturk.SendBonusInput{AssignmentId: a.AssignmentId, WorkerId: a.WorkerId,
										BonusAmount: aws.String(fmt.Sprintf("0.%02d", 1+rng.IntN(99))), Reason: aws.String("r")})
								default:
									_, _ = c.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: a.AssignmentId, OverrideRejection: aws.Bool(true)})
								}
							}
						}
					case op == 7:
						_, _ = rq.c.CreateAdditionalAssignmentsForHIT(ctx, &mturk.CreateAdditionalAssignmentsForHITInput{HITId: &hitID, NumberOfAdditionalAssignments: aws.Int32(int32(1 + rng.IntN(3)))})
					case op == 8:
						at := e.Clock.Now().Add(time.Duration(rng.IntN(3600)-1800) * time.Second)
						_, _ = rq.c.UpdateExpirationForHIT(ctx, &mturk.UpdateExpirationForHITInput{HITId: &hitID, ExpireAt: &at})
					default:
						if rng.IntN(2) == 0 {
							_, _ = e.Service.Deposit(ctx, hitd.DepositInput{AccessKeyID: rq.r.AccessKeyID, Amount: "1.00"})
						} else {
							_, _ = e.sched.RunOnce(ctx, e.Clock.Now())
						}
					}
				}
			})
		}
		wg.Wait()
		ops += perRound * 40
		e.audit()
		e.Clock.Advance(7 * time.Minute)
		e.runDue()
		e.audit()
	}
	m, _ := e.Service.AuditMoney(ctx)
	if m.WorkerEarnings == 0 || m.Fees == 0 || m.Reserves == 0 {
		t.Fatalf("the random run moved too little money to prove anything: %+v", m)
	}
	t.Logf("%d operations; books: %+v", ops, m)
}
