package server_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
)

func param(key string, values ...string) types.PolicyParameter {
	return types.PolicyParameter{Key: aws.String(key), Values: values}
}

func answerKey(kv ...string) types.PolicyParameter {
	p := types.PolicyParameter{Key: aws.String("AnswerKey")}
	for i := 0; i+1 < len(kv); i += 2 {
		p.MapEntries = append(p.MapEntries, types.ParameterMapEntry{Key: aws.String(kv[i]), Values: []string{kv[i+1]}})
	}
	return p
}

func knownAnswers(params ...types.PolicyParameter) *types.ReviewPolicy {
	return &types.ReviewPolicy{PolicyName: aws.String(hitd.PolicyScoreMyKnownAnswers), Parameters: params}
}

func plurality(params ...types.PolicyParameter) *types.ReviewPolicy {
	return &types.ReviewPolicy{PolicyName: aws.String(hitd.PolicySimplePlurality), Parameters: params}
}

func TestReviewPolicyValidation(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	key := answerKey("q1", "a")
	for _, tc := range []struct {
		name       string
		assignment *types.ReviewPolicy
		hit        *types.ReviewPolicy
		code, msg  string
	}{
		{"unknown policy", &types.ReviewPolicy{PolicyName: aws.String("Majority/2011-09-01")}, nil, "AWS.MechanicalTurk.InvalidParameterValue", "not known"},
		{"plurality at assignment level", plurality(param("QuestionIds", "q1"), param("QuestionAgreementThreshold", "50")), nil, "AWS.MechanicalTurk.InvalidParameterValue", "assignment-level"},
		{"unknown parameter", knownAnswers(key, param("ApproveIfScoreIsHigh", "5")), nil, "AWS.MechanicalTurk.InvalidParameterValue", "ApproveIfScoreIsHigh"},
		{"missing answer key", knownAnswers(param("ApproveIfKnownAnswerScoreIsAtLeast", "50")), nil, "AWS.MechanicalTurk.MissingParameters", "AnswerKey"},
		{"not an integer", knownAnswers(key, param("ApproveIfKnownAnswerScoreIsAtLeast", "lots")), nil, "AWS.MechanicalTurk.InvalidParameterValue", "not an integer"},
		{"score out of range", knownAnswers(key, param("RejectIfKnownAnswerScoreIsLessThan", "102")), nil, "AWS.MechanicalTurk.ParameterOutOfRange", "RejectIfKnownAnswerScoreIsLessThan"},
		{"two values", knownAnswers(key, param("ApproveIfKnownAnswerScoreIsAtLeast", "5", "6")), nil, "AWS.MechanicalTurk.InvalidParameterValue", "exactly one"},
		{"repeated parameter", knownAnswers(key, param("ApproveReason", "a"), param("ApproveReason", "b")), nil, "AWS.MechanicalTurk.InvalidParameterValue", "more than once"},
		{"extend without its settings", knownAnswers(key, param("ExtendIfKnownAnswerScoreIsLessThan", "50")), nil, "AWS.MechanicalTurk.MissingParameters", "ExtendMaximumAssignments"},
		{"extend maximum too small", knownAnswers(key, param("ExtendIfKnownAnswerScoreIsLessThan", "50"), param("ExtendMaximumAssignments", "1"), param("ExtendMinimumTimeInSeconds", "3600")), nil, "AWS.MechanicalTurk.ParameterOutOfRange", "ExtendMaximumAssignments"},
		{"extend maximum too large", knownAnswers(key, param("ExtendIfKnownAnswerScoreIsLessThan", "50"), param("ExtendMaximumAssignments", "26"), param("ExtendMinimumTimeInSeconds", "3600")), nil, "AWS.MechanicalTurk.ParameterOutOfRange", "ExtendMaximumAssignments"},
		{"extend time too short", knownAnswers(key, param("ExtendIfKnownAnswerScoreIsLessThan", "50"), param("ExtendMaximumAssignments", "3"), param("ExtendMinimumTimeInSeconds", "60")), nil, "AWS.MechanicalTurk.ParameterOutOfRange", "ExtendMinimumTimeInSeconds"},
		{"extend settings alone", knownAnswers(key, param("ExtendMaximumAssignments", "3")), nil, "AWS.MechanicalTurk.InvalidParameterValue", "only used with"},
		{"reject above approve", knownAnswers(key, param("ApproveIfKnownAnswerScoreIsAtLeast", "50"), param("RejectIfKnownAnswerScoreIsLessThan", "80")), nil, "AWS.MechanicalTurk.InvalidParameterValue", "both approved and rejected"},
		{"long reason", knownAnswers(key, param("RejectReason", strings.Repeat("x", 1025))), nil, "AWS.MechanicalTurk.ParameterOutOfRange", "RejectReason"},
		{"known answers at HIT level", nil, knownAnswers(key), "AWS.MechanicalTurk.InvalidParameterValue", "HIT-level"},
		{"no question ids", nil, plurality(param("QuestionAgreementThreshold", "50")), "AWS.MechanicalTurk.MissingParameters", "QuestionIds"},
		{"sixteen question ids", nil, plurality(param("QuestionIds", strings.Split("a b c d e f g h i j k l m n o p", " ")...), param("QuestionAgreementThreshold", "50")), "AWS.MechanicalTurk.ParameterOutOfRange", "15"},
		{"no threshold", nil, plurality(param("QuestionIds", "q1")), "AWS.MechanicalTurk.MissingParameters", "QuestionAgreementThreshold"},
		{"threshold out of range", nil, plurality(param("QuestionIds", "q1"), param("QuestionAgreementThreshold", "101")), "AWS.MechanicalTurk.ParameterOutOfRange", "QuestionAgreementThreshold"},
		{"not a boolean", nil, plurality(param("QuestionIds", "q1"), param("QuestionAgreementThreshold", "50"), param("DisregardAssignmentIfRejected", "maybe")), "AWS.MechanicalTurk.InvalidParameterValue", "true or false"},
		{"map entries on a plain parameter", nil, plurality(param("QuestionIds", "q1"), types.PolicyParameter{Key: aws.String("QuestionAgreementThreshold"), MapEntries: []types.ParameterMapEntry{{Key: aws.String("x")}}}), "AWS.MechanicalTurk.InvalidParameterValue", "MapEntries"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := createHITInput()
			in.AssignmentReviewPolicy, in.HITReviewPolicy = tc.assignment, tc.hit
			_, err := e.Client.CreateHIT(ctx, in)
			wantTurk(t, err, tc.code, tc.msg)
		})
	}
	if n := countHITs(t, e.Client); n != 0 {
		t.Fatalf("%d HITs created by invalid requests", n)
	}
}

// report reads a HIT's review report: results as "subject/question/key=value"
// and actions as "name target status".
func (e *workEnv) report(hitID string, level types.ReviewPolicyLevel) (results []string, actions []types.ReviewActionDetail) {
	e.t.Helper()
	out, err := e.Client.ListReviewPolicyResultsForHIT(context.Background(), &mturk.ListReviewPolicyResultsForHITInput{
		HITId: &hitID, PolicyLevels: []types.ReviewPolicyLevel{level}, RetrieveActions: aws.Bool(true), RetrieveResults: aws.Bool(true), MaxResults: aws.Int32(100)})
	if err != nil {
		e.t.Fatal(err)
	}
	rep := out.AssignmentReviewReport
	if level == types.ReviewPolicyLevelHit {
		rep = out.HITReviewReport
	}
	if rep == nil {
		e.t.Fatalf("no %s report in %+v", level, out)
	}
	for _, r := range rep.ReviewResults {
		results = append(results, fmt.Sprintf("%s/%s/%s=%s", aws.ToString(r.SubjectId), aws.ToString(r.QuestionId), aws.ToString(r.Key), aws.ToString(r.Value)))
	}
	return results, rep.ReviewActions
}

func TestScoreMyKnownAnswers(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	h := e.createHIT(func(in *mturk.CreateHITInput) {
		in.MaxAssignments = aws.Int32(2)
		in.AssignmentReviewPolicy = knownAnswers(answerKey("q1", "cat", "q2", "dog"),
			param("ApproveIfKnownAnswerScoreIsAtLeast", "100"), param("ApproveReason", "All known answers right"),
			param("RejectIfKnownAnswerScoreIsLessThan", "50"), param("RejectReason", "Known answers wrong"),
			param("ExtendIfKnownAnswerScoreIsLessThan", "100"), param("ExtendMaximumAssignments", "3"), param("ExtendMinimumTimeInSeconds", "7200"))
	})
	ann, ben, cal := e.worker("known-ann"), e.worker("known-ben"), e.worker("known-cal")
	a1 := e.accept(ann, *h.HITId)
	e.submit(ann, a1, "q1", "cat", "q2", " dog ") // whitespace around free text does not matter
	a2 := e.accept(ben, *h.HITId)
	e.submit(ben, a2, "q1", "cat", "q2", "cow")
	got := e.getHIT(*h.HITId)
	if aws.ToInt32(got.MaxAssignments) != 3 || !got.Expiration.After(e.Clock.Now().Add(7199*time.Second)) {
		t.Fatalf("after ben's 50: MaxAssignments %d, expiration %v", aws.ToInt32(got.MaxAssignments), got.Expiration)
	}
	a3 := e.accept(cal, *h.HITId)
	e.submit(cal, a3, "q1", "dog", "q2", "cat")

	status := func(id string) (types.AssignmentStatus, string) {
		out, err := e.Client.GetAssignment(ctx, &mturk.GetAssignmentInput{AssignmentId: &id})
		if err != nil {
			t.Fatal(err)
		}
		return out.Assignment.AssignmentStatus, aws.ToString(out.Assignment.RequesterFeedback)
	}
	for _, tc := range []struct {
		id       string
		status   types.AssignmentStatus
		feedback string
	}{{a1.ID, types.AssignmentStatusApproved, "All known answers right"}, {a2.ID, types.AssignmentStatusSubmitted, ""}, {a3.ID, types.AssignmentStatusRejected, "Known answers wrong"}} {
		if st, fb := status(tc.id); st != tc.status || fb != tc.feedback {
			t.Errorf("%s: %s %q, want %s %q", tc.id, st, fb, tc.status, tc.feedback)
		}
	}
	results, actions := e.report(*h.HITId, types.ReviewPolicyLevelAssignment)
	for _, want := range []string{a1.ID + "//KnownAnswerScore=100", a1.ID + "/q2/KnownAnswerCorrect=true", a2.ID + "//KnownAnswerScore=50",
		a2.ID + "/q2/KnownAnswerCorrect=false", a3.ID + "//KnownAnswerScore=0"} {
		if !strings.Contains(strings.Join(results, " "), want) {
			t.Errorf("results lack %s: %v", want, results)
		}
	}
	var summary []string
	for _, a := range actions {
		summary = append(summary, fmt.Sprintf("%s %s %s %s", *a.ActionName, *a.TargetType, a.Status, aws.ToString(a.ErrorCode)))
		if a.CompleteTime == nil || aws.ToString(a.ActionId) == "" {
			t.Errorf("action without id or time: %+v", a)
		}
	}
	want := []string{"approve Assignment Succeeded ", "extend HIT Succeeded ", "reject Assignment Succeeded ",
		"extend HIT Failed " + string(hitd.ErrInvalidMaxAssignmentsInc)}
	if strings.Join(summary, "|") != strings.Join(want, "|") {
		t.Errorf("actions\n got %q\nwant %q", summary, want)
	}
	// The approvals and rejections paid and refunded like the requester's own.
	e.audit()
	if p, _ := e.Service.WorkerProfile(ctx, ann.ID); p.Worker.Approved != 1 || p.Worker.Earnings != 5 {
		t.Errorf("ann %+v", p.Worker)
	}
	if p, _ := e.Service.WorkerProfile(ctx, cal.ID); p.Worker.Rejected != 1 {
		t.Errorf("cal %+v", p.Worker)
	}
}

func TestSimplePlurality(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	policy := plurality(param("QuestionIds", "colour", "size"), param("QuestionAgreementThreshold", "60"),
		param("ApproveIfWorkerAgreementScoreIsAtLeast", "100"), param("RejectIfWorkerAgreementScoreIsLessThan", "50"),
		param("RejectReason", "Disagreed with the others"), param("DisregardAssignmentIfRejected", "true"),
		param("ExtendIfHITAgreementScoreIsLessThan", "100"), param("ExtendMaximumAssignments", "4"), param("ExtendMinimumTimeInSeconds", "3600"))
	h := e.createHIT(func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(3); in.HITReviewPolicy = policy })
	answers := [][]string{{"colour", "red", "size", "big"}, {"colour", "red", "size", "small"}, {"colour", "blue", "size", "tiny"}}
	var ids []string
	for i, kv := range answers {
		w := e.worker(fmt.Sprintf("plural%d", i))
		a := e.accept(w, *h.HITId)
		e.submit(w, a, kv...)
		ids = append(ids, a.ID)
	}
	// Nothing runs until the scheduler sees the HIT reviewable.
	if _, actions := e.report(*h.HITId, types.ReviewPolicyLevelHit); len(actions) != 0 {
		t.Fatalf("policy ran early: %+v", actions)
	}
	if st := e.runDue(); st.Reviewed != 1 {
		t.Fatalf("scheduler pass %+v", st)
	}
	results, actions := e.report(*h.HITId, types.ReviewPolicyLevelHit)
	joined := strings.Join(results, " ")
	for _, want := range []string{*h.HITId + "/colour/PluralityAnswer=red", *h.HITId + "/colour/AgreementScore=66", *h.HITId + "/colour/AgreedAnswer=red",
		*h.HITId + "/size/AgreementScore=33", *h.HITId + "//HITAgreementScore=50", ids[0] + "//WorkerAgreementScore=100", ids[2] + "//WorkerAgreementScore=0"} {
		if !strings.Contains(joined, want) {
			t.Errorf("results lack %s: %v", want, results)
		}
	}
	if strings.Contains(joined, "size/AgreedAnswer") {
		t.Errorf("a 33%% question was agreed: %v", results)
	}
	var names []string
	for _, a := range actions {
		names = append(names, fmt.Sprintf("%s:%s:%s", *a.ActionName, *a.TargetId, a.Status))
	}
	want := []string{"approve:" + ids[0] + ":Succeeded", "approve:" + ids[1] + ":Succeeded", "reject:" + ids[2] + ":Succeeded", "extend:" + *h.HITId + ":Succeeded"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("actions\n got %v\nwant %v", names, want)
	}
	// Extended to 4 assignments, the HIT is open again; the policy runs
	// again once the fourth is in, disregarding the rejected one.
	got := e.getHIT(*h.HITId)
	if aws.ToInt32(got.MaxAssignments) != 4 || got.HITStatus != types.HITStatusAssignable {
		t.Fatalf("after extension: %d %s", aws.ToInt32(got.MaxAssignments), got.HITStatus)
	}
	w := e.worker("plural-late")
	a := e.accept(w, *h.HITId)
	e.submit(w, a, "colour", "red", "size", "small")
	if st := e.runDue(); st.Reviewed != 1 {
		t.Fatalf("second pass %+v", st)
	}
	if st, _ := e.Client.GetAssignment(ctx, &mturk.GetAssignmentInput{AssignmentId: &a.ID}); st.Assignment.AssignmentStatus != types.AssignmentStatusApproved {
		t.Fatalf("late worker %s", st.Assignment.AssignmentStatus)
	}
	if st := e.runDue(); st.Reviewed != 0 {
		t.Fatalf("policy ran twice: %+v", st)
	}
	// The report pages.
	p1, err := e.Client.ListReviewPolicyResultsForHIT(ctx, &mturk.ListReviewPolicyResultsForHITInput{HITId: h.HITId, MaxResults: aws.Int32(2)})
	if err != nil || p1.NextToken == nil || len(p1.HITReviewReport.ReviewResults) != 2 || p1.HITReviewPolicy == nil {
		t.Fatalf("page 1 %+v %v", p1, err)
	}
	p2, err := e.Client.ListReviewPolicyResultsForHIT(ctx, &mturk.ListReviewPolicyResultsForHITInput{HITId: h.HITId, MaxResults: aws.Int32(2), NextToken: p1.NextToken})
	if err != nil || len(p2.HITReviewReport.ReviewResults) != 2 || *p2.HITReviewReport.ReviewResults[0].Key == *p1.HITReviewReport.ReviewResults[0].Key &&
		*p2.HITReviewReport.ReviewResults[0].QuestionId == *p1.HITReviewReport.ReviewResults[0].QuestionId {
		t.Fatalf("page 2 %+v %v", p2, err)
	}
	_, err = e.Client.ListReviewPolicyResultsForHIT(ctx, &mturk.ListReviewPolicyResultsForHITInput{HITId: h.HITId, NextToken: aws.String("garbage")})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidParameterValue", "NextToken")
	e.audit()
}

func TestPluralityDisregardsLowKnownAnswerScores(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	h := e.createHIT(func(in *mturk.CreateHITInput) {
		in.MaxAssignments = aws.Int32(3)
		in.AssignmentReviewPolicy = knownAnswers(answerKey("q1", "cat"))
		in.HITReviewPolicy = plurality(param("QuestionIds", "colour"), param("QuestionAgreementThreshold", "60"),
			param("DisregardAssignmentIfKnownAnswerScoreIsLessThan", "100"), param("ApproveIfWorkerAgreementScoreIsAtLeast", "100"))
	})
	var ids []string
	for i, kv := range [][]string{{"q1", "cat", "colour", "red"}, {"q1", "dog", "colour", "blue"}, {"q1", "dog", "colour", "blue"}} {
		w := e.worker(fmt.Sprintf("disregard%d", i))
		a := e.accept(w, *h.HITId)
		e.submit(w, a, kv...)
		ids = append(ids, a.ID)
	}
	if st := e.runDue(); st.Reviewed != 1 {
		t.Fatalf("pass %+v", st)
	}
	results, _ := e.report(*h.HITId, types.ReviewPolicyLevelHit)
	joined := strings.Join(results, " ")
	// Only the worker who knew the known answer counts: red, unanimously.
	for _, want := range []string{"/colour/PluralityAnswer=red", "/colour/AgreementScore=100", ids[0] + "//WorkerAgreementScore=100"} {
		if !strings.Contains(joined, want) {
			t.Errorf("results lack %s: %v", want, results)
		}
	}
	if strings.Contains(joined, ids[1]) || strings.Contains(joined, ids[2]) {
		t.Errorf("disregarded assignments were scored: %v", results)
	}
	for i, want := range []types.AssignmentStatus{types.AssignmentStatusApproved, types.AssignmentStatusSubmitted, types.AssignmentStatusSubmitted} {
		out, err := e.Client.GetAssignment(ctx, &mturk.GetAssignmentInput{AssignmentId: &ids[i]})
		if err != nil || out.Assignment.AssignmentStatus != want {
			t.Errorf("assignment %d: %v %v, want %s", i, out.Assignment.AssignmentStatus, err, want)
		}
	}
}

// TestSimplePluralityParameters covers what TestSimplePlurality cannot tell
// apart: DisregardAssignmentIfRejected (on and off give different
// pluralities), RejectReason reaching the worker, ExtendMinimumTimeInSeconds
// keeping the extended HIT open, and ExtendMaximumAssignments refusing an
// extension as a Failed action.
func TestSimplePluralityParameters(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	feedback := func(id string) (types.AssignmentStatus, string) {
		t.Helper()
		out, err := e.Client.GetAssignment(ctx, &mturk.GetAssignmentInput{AssignmentId: &id})
		if err != nil {
			t.Fatal(err)
		}
		return out.Assignment.AssignmentStatus, aws.ToString(out.Assignment.RequesterFeedback)
	}

	// Answers red, blue, blue; the requester rejects both blues before the
	// scheduler runs the policy. Disregarding rejected work, red is
	// unanimous; counting it, blue wins two to one.
	for n, tc := range []struct {
		disregard                  []string // the parameter's values; nil: not given (false)
		plurality, agreement, rRed string
	}{
		{[]string{"true"}, "red", "100", "100"},
		{[]string{"TRUE"}, "red", "100", "100"},
		{[]string{"false"}, "blue", "66", "0"},
		{nil, "blue", "66", "0"},
	} {
		params := []types.PolicyParameter{param("QuestionIds", "colour"), param("QuestionAgreementThreshold", "60")}
		if tc.disregard != nil {
			params = append(params, param("DisregardAssignmentIfRejected", tc.disregard...))
		}
		h := e.createHIT(func(in *mturk.CreateHITInput) { in.HITReviewPolicy = plurality(params...) })
		var ids []string
		for i, colour := range []string{"red", "blue", "blue"} {
			w := e.worker(fmt.Sprintf("disregard-%d-%d", n, i))
			a := e.accept(w, *h.HITId)
			e.submit(w, a, "colour", colour)
			ids = append(ids, a.ID)
		}
		for _, id := range ids[1:] {
			if _, err := e.Client.RejectAssignment(ctx, &mturk.RejectAssignmentInput{AssignmentId: aws.String(id), RequesterFeedback: aws.String("no")}); err != nil {
				t.Fatal(err)
			}
		}
		if st := e.runDue(); st.Reviewed != 1 {
			t.Fatalf("DisregardAssignmentIfRejected %v: pass %+v", tc.disregard, st)
		}
		results, _ := e.report(*h.HITId, types.ReviewPolicyLevelHit)
		joined := strings.Join(results, " ")
		for _, want := range []string{"/colour/PluralityAnswer=" + tc.plurality, "/colour/AgreementScore=" + tc.agreement,
			ids[0] + "//WorkerAgreementScore=" + tc.rRed} {
			if !strings.Contains(joined, want) {
				t.Errorf("DisregardAssignmentIfRejected %v: results lack %s: %v", tc.disregard, want, results)
			}
		}
		if disregarded := tc.plurality == "red"; disregarded == strings.Contains(joined, ids[1]) {
			t.Errorf("DisregardAssignmentIfRejected %v: rejected assignment scored: %t, want %t: %v", tc.disregard, !disregarded, !disregarded, results)
		}
	}

	// RejectReason is the rejected worker's feedback; ExtendMinimumTimeInSeconds
	// keeps the extended HIT open that long from the policy's run, beyond its
	// own expiry; the next run finds ExtendMaximumAssignments reached.
	const reason = "The others saw something else"
	h := e.createHIT(func(in *mturk.CreateHITInput) {
		in.MaxAssignments, in.LifetimeInSeconds = aws.Int32(2), aws.Int64(600)
		in.HITReviewPolicy = plurality(param("QuestionIds", "colour"), param("QuestionAgreementThreshold", "100"),
			param("RejectIfWorkerAgreementScoreIsLessThan", "100"), param("RejectReason", reason),
			param("ExtendIfHITAgreementScoreIsLessThan", "100"), param("ExtendMaximumAssignments", "3"),
			param("ExtendMinimumTimeInSeconds", "86400"))
	})
	var ids []string
	for i, colour := range []string{"red", "blue"} {
		w := e.worker(fmt.Sprintf("extend-%d", i))
		a := e.accept(w, *h.HITId)
		e.submit(w, a, "colour", colour)
		ids = append(ids, a.ID)
	}
	ran := e.Clock.Now()
	if st := e.runDue(); st.Reviewed != 1 {
		t.Fatalf("first pass %+v", st)
	}
	// 50 % agreement: nothing agreed, so no worker is scored or rejected;
	// the HIT is extended to 3 assignments and open a day from now.
	got := e.getHIT(*h.HITId)
	if aws.ToInt32(got.MaxAssignments) != 3 || got.HITStatus != types.HITStatusAssignable || got.Expiration.Before(ran.Add(86400*time.Second)) {
		t.Fatalf("after the extension: %d assignments, %s, expires %v (policy ran %v)", aws.ToInt32(got.MaxAssignments), got.HITStatus, got.Expiration, ran)
	}
	w := e.worker("extend-late")
	late := e.accept(w, *h.HITId)
	e.submit(w, late, "colour", "red")
	if st := e.runDue(); st.Reviewed != 1 {
		t.Fatalf("second pass %+v", st)
	}
	// Red 2 of 3 is still under 100 %: nothing agreed again, and the HIT is
	// at ExtendMaximumAssignments, so the extension fails.
	_, actions := e.report(*h.HITId, types.ReviewPolicyLevelHit)
	var names []string
	for _, a := range actions {
		names = append(names, fmt.Sprintf("%s:%s:%s", *a.ActionName, a.Status, aws.ToString(a.ErrorCode)))
	}
	want := "extend:Succeeded: extend:Failed:" + string(hitd.ErrInvalidMaxAssignmentsInc)
	if strings.Join(names, " ") != want {
		t.Fatalf("actions %v, want %s", names, want)
	}
	if got := e.getHIT(*h.HITId); aws.ToInt32(got.MaxAssignments) != 3 || got.HITStatus != types.HITStatusReviewable {
		t.Fatalf("after the failed extension: %d assignments, %s", aws.ToInt32(got.MaxAssignments), got.HITStatus)
	}

	// With a threshold the answers meet, RejectReason goes to the worker who disagreed.
	h = e.createHIT(func(in *mturk.CreateHITInput) {
		in.HITReviewPolicy = plurality(param("QuestionIds", "colour"), param("QuestionAgreementThreshold", "60"),
			param("RejectIfWorkerAgreementScoreIsLessThan", "100"), param("RejectReason", reason))
	})
	ids = nil
	for i, colour := range []string{"red", "red", "blue"} {
		w := e.worker(fmt.Sprintf("reason-%d", i))
		a := e.accept(w, *h.HITId)
		e.submit(w, a, "colour", colour)
		ids = append(ids, a.ID)
	}
	if st := e.runDue(); st.Reviewed != 1 {
		t.Fatalf("reason pass %+v", st)
	}
	for i, want := range []types.AssignmentStatus{types.AssignmentStatusSubmitted, types.AssignmentStatusSubmitted, types.AssignmentStatusRejected} {
		st, fb := feedback(ids[i])
		if st != want || (want == types.AssignmentStatusRejected) != (fb == reason) {
			t.Errorf("assignment %d: %s %q, want %s (feedback %q when rejected)", i, st, fb, want, reason)
		}
	}
	e.audit()
}
