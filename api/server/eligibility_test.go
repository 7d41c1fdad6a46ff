package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/qform"
)

// access reports what a worker may do with a HIT: discover (its group is
// listed), preview, accept — each found out through the Service the worker
// edges call, never by asking the eligibility code directly.
func (e *workEnv) access(w *hitd.Worker, h *types.HIT) (discover, preview, accept bool) {
	e.t.Helper()
	ctx := context.Background()
	page, err := e.Service.ListHITGroups(ctx, w.ID, hitd.HITGroupQuery{Keyword: aws.ToString(h.Title), PageSize: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, g := range page.Groups {
		discover = discover || g.HITTypeID == *h.HITTypeId
	}
	_, err = e.Service.WorkerHIT(ctx, w.ID, *h.HITId)
	switch {
	case err == nil:
		preview = true
	case hitd.ErrorCode(err) != hitd.ErrNotQualified:
		e.t.Fatalf("preview: %v", err)
	}
	a, err := e.Service.AcceptHIT(ctx, w.ID, *h.HITId)
	switch {
	case err == nil:
		accept = true
		if err := e.Service.ReturnAssignment(ctx, w.ID, a.ID); err != nil {
			e.t.Fatal(err)
		}
	case hitd.ErrorCode(err) != hitd.ErrNotQualified:
		e.t.Fatalf("accept: %v", err)
	}
	return
}

func TestRequirementComparators(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	q := createQualType(t, e.Client, "Skill", nil)
	holder, other, none := e.worker("holder"), e.worker("other"), e.worker("none")
	for w, v := range map[*hitd.Worker]int32{holder: 80, other: 20} {
		if _, err := e.Client.AssociateQualificationWithWorker(ctx, &mturk.AssociateQualificationWithWorkerInput{
			QualificationTypeId: q.QualificationTypeId, WorkerId: &w.ID, IntegerValue: aws.Int32(v)}); err != nil {
			t.Fatal(err)
		}
	}
	ints := func(v ...int32) []int32 { return v }
	for _, tc := range []struct {
		cmp                   types.Comparator
		vals                  []int32
		holder, other, nobody bool
	}{
		{types.ComparatorLessThan, ints(50), false, true, false},
		{types.ComparatorLessThanOrEqualTo, ints(80), true, true, false},
		{types.ComparatorGreaterThan, ints(80), false, false, false},
		{types.ComparatorGreaterThanOrEqualTo, ints(80), true, false, false},
		{types.ComparatorEqualTo, ints(20), false, true, false},
		{types.ComparatorNotEqualTo, ints(20), true, false, false},
		{types.ComparatorExists, nil, true, true, false},
		{types.ComparatorDoesNotExist, nil, false, false, true},
		{types.ComparatorIn, ints(1, 80, 99), true, false, false},
		{types.ComparatorNotIn, ints(1, 80, 99), false, true, false},
	} {
		t.Run(string(tc.cmp), func(t *testing.T) {
			h := e.createHIT(func(in *mturk.CreateHITInput) {
				in.Title = aws.String("cmp " + string(tc.cmp))
				in.QualificationRequirements = []types.QualificationRequirement{{QualificationTypeId: q.QualificationTypeId, Comparator: tc.cmp, IntegerValues: tc.vals}}
			})
			for w, want := range map[*hitd.Worker]bool{holder: tc.holder, other: tc.other, none: tc.nobody} {
				d, p, a := e.access(w, h)
				// Accept is the default guard: discover and preview stay open.
				if !d || !p || a != want {
					t.Errorf("%s: discover=%v preview=%v accept=%v, want true true %v", w.Username, d, p, a, want)
				}
			}
		})
	}
	// A revoked qualification no longer counts.
	if _, err := e.Client.DisassociateQualificationFromWorker(ctx, &mturk.DisassociateQualificationFromWorkerInput{QualificationTypeId: q.QualificationTypeId, WorkerId: &holder.ID}); err != nil {
		t.Fatal(err)
	}
	h := e.createHIT(func(in *mturk.CreateHITInput) {
		in.Title = aws.String("after revoke")
		in.QualificationRequirements = []types.QualificationRequirement{{QualificationTypeId: q.QualificationTypeId, Comparator: types.ComparatorExists}}
	})
	if _, _, a := e.access(holder, h); a {
		t.Error("a revoked qualification still satisfies Exists")
	}
}

func TestActionsGuarded(t *testing.T) {
	e := newWorkEnv(t)
	q := createQualType(t, e.Client, "Gate", nil)
	w := e.worker("outsider")
	for _, tc := range []struct {
		name                      string
		guard                     types.HITAccessActions
		requiredToPreview         *bool
		discover, preview, accept bool
	}{
		{"default", "", nil, true, true, false},
		{"Accept", types.HITAccessActionsAccept, nil, true, true, false},
		{"PreviewAndAccept", types.HITAccessActionsPreviewAndAccept, nil, true, false, false},
		{"DiscoverPreviewAndAccept", types.HITAccessActionsDiscoverPreviewAndAccept, nil, false, false, false},
		{"RequiredToPreview", "", aws.Bool(true), true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := e.createHIT(func(in *mturk.CreateHITInput) {
				in.Title = aws.String("guard " + tc.name)
				in.QualificationRequirements = []types.QualificationRequirement{{QualificationTypeId: q.QualificationTypeId,
					Comparator: types.ComparatorExists, ActionsGuarded: tc.guard, RequiredToPreview: tc.requiredToPreview}}
			})
			d, p, a := e.access(w, h)
			if d != tc.discover || p != tc.preview || a != tc.accept {
				t.Errorf("discover=%v preview=%v accept=%v, want %v %v %v", d, p, a, tc.discover, tc.preview, tc.accept)
			}
		})
	}
	// The reason is given in words.
	h := e.createHIT(func(in *mturk.CreateHITInput) {
		in.Title = aws.String("reasons")
		in.QualificationRequirements = []types.QualificationRequirement{{QualificationTypeId: q.QualificationTypeId,
			Comparator: types.ComparatorGreaterThanOrEqualTo, IntegerValues: []int32{80}}}
	})
	_, err := e.Service.AcceptHIT(context.Background(), w.ID, *h.HITId)
	if hitd.ErrorCode(err) != hitd.ErrNotQualified || hitd.ErrorMessage(err) != "You are not qualified to accept this HIT: it requires qualification Gate ≥ 80." {
		t.Fatalf("reason: %v", err)
	}
}

func TestSystemQualifications(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	us, de, fresh := e.worker("usa"), e.worker("germany"), e.worker("fresh")
	if _, err := e.Service.UpdateWorkerLocation(ctx, us.ID, "US", "WA"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.UpdateWorkerLocation(ctx, de.ID, "DE", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.SetWorkerAdult(ctx, us.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.SetWorkerMasters(ctx, de.ID, true); err != nil {
		t.Fatal(err)
	}
	// Give "usa" a history: 3 approved, 1 rejected (75 % approved).
	for i := range 4 {
		h := e.createHIT(func(in *mturk.CreateHITInput) { in.Title = aws.String("history"); in.MaxAssignments = aws.Int32(1) })
		a := e.accept(us, *h.HITId)
		e.submit(us, a, "x", "1")
		if i == 3 {
			if _, err := e.Client.RejectAssignment(ctx, &mturk.RejectAssignmentInput{AssignmentId: &a.ID, RequesterFeedback: aws.String("")}); err != nil {
				t.Fatal(err)
			}
		} else if _, err := e.Client.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: &a.ID}); err != nil {
			t.Fatal(err)
		}
	}
	loc := func(c, s string) types.Locale {
		l := types.Locale{Country: aws.String(c)}
		if s != "" {
			l.Subdivision = aws.String(s)
		}
		return l
	}
	for _, tc := range []struct {
		name             string
		req              types.QualificationRequirement
		usa, ger, fresh2 bool
	}{
		{"Locale EqualTo US", types.QualificationRequirement{QualificationTypeId: aws.String(hitd.QualLocale), Comparator: types.ComparatorEqualTo, LocaleValues: []types.Locale{loc("US", "")}}, true, false, false},
		{"Locale EqualTo US-CA", types.QualificationRequirement{QualificationTypeId: aws.String(hitd.QualLocale), Comparator: types.ComparatorEqualTo, LocaleValues: []types.Locale{loc("US", "CA")}}, false, false, false},
		{"Locale In US-WA, DE", types.QualificationRequirement{QualificationTypeId: aws.String(hitd.QualLocale), Comparator: types.ComparatorIn, LocaleValues: []types.Locale{loc("US", "WA"), loc("DE", "")}}, true, true, false},
		{"Locale NotEqualTo US", types.QualificationRequirement{QualificationTypeId: aws.String(hitd.QualLocale), Comparator: types.ComparatorNotEqualTo, LocaleValues: []types.Locale{loc("US", "")}}, false, true, false},
		{"Locale NotIn DE", types.QualificationRequirement{QualificationTypeId: aws.String(hitd.QualLocale), Comparator: types.ComparatorNotIn, LocaleValues: []types.Locale{loc("DE", "")}}, true, false, false},
		{"Adult", types.QualificationRequirement{QualificationTypeId: aws.String(hitd.QualAdult), Comparator: types.ComparatorEqualTo, IntegerValues: []int32{1}}, true, false, false},
		{"Masters", types.QualificationRequirement{QualificationTypeId: aws.String(hitd.QualMasters), Comparator: types.ComparatorExists}, false, true, false},
		{"Masters sandbox", types.QualificationRequirement{QualificationTypeId: aws.String(hitd.QualMastersSandbox), Comparator: types.ComparatorExists}, false, true, false},
		{"NumberHITsApproved ≥ 3", types.QualificationRequirement{QualificationTypeId: aws.String(hitd.QualNumberHITsApproved), Comparator: types.ComparatorGreaterThanOrEqualTo, IntegerValues: []int32{3}}, true, false, false},
		{"PercentApproved ≥ 80", types.QualificationRequirement{QualificationTypeId: aws.String(hitd.QualPercentAssignmentsApproved), Comparator: types.ComparatorGreaterThanOrEqualTo, IntegerValues: []int32{80}}, false, true, true},
		{"PercentApproved ≥ 75", types.QualificationRequirement{QualificationTypeId: aws.String(hitd.QualPercentAssignmentsApproved), Comparator: types.ComparatorGreaterThanOrEqualTo, IntegerValues: []int32{75}}, true, true, true},
		{"PercentRejected < 10", types.QualificationRequirement{QualificationTypeId: aws.String(hitd.QualPercentAssignmentsRejected), Comparator: types.ComparatorLessThan, IntegerValues: []int32{10}}, false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := e.createHIT(func(in *mturk.CreateHITInput) {
				in.Title = aws.String("sys " + tc.name)
				in.QualificationRequirements = []types.QualificationRequirement{tc.req}
			})
			for w, want := range map[*hitd.Worker]bool{us: tc.usa, de: tc.ger, fresh: tc.fresh2} {
				if _, _, a := e.access(w, h); a != want {
					t.Errorf("%s: accept=%v, want %v", w.Username, a, want)
				}
			}
		})
	}
}

func TestMastersFee(t *testing.T) {
	e := newWorkEnv(t)
	e.createHIT(func(in *mturk.CreateHITInput) {
		in.Reward, in.MaxAssignments = aws.String("1.00"), aws.Int32(2)
		in.QualificationRequirements = []types.QualificationRequirement{{QualificationTypeId: aws.String(hitd.QualMasters), Comparator: types.ComparatorExists}}
	})
	// 2 × (1.00 + 25 %).
	if got := e.balance(e.Client); got != "9997.50" {
		t.Fatalf("balance %s, want 9997.50", got)
	}
	e.audit()
}

const quizForm = `<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
<Question><QuestionIdentifier>capital</QuestionIdentifier><QuestionContent><Text>Capital of France?</Text></QuestionContent>
<AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections>
<Selection><SelectionIdentifier>paris</SelectionIdentifier><Text>Paris</Text></Selection>
<Selection><SelectionIdentifier>lyon</SelectionIdentifier><Text>Lyon</Text></Selection>
</Selections></SelectionAnswer></AnswerSpecification></Question>
<Question><QuestionIdentifier>colour</QuestionIdentifier><IsRequired>true</IsRequired><QuestionContent><Text>Colour of the sky?</Text></QuestionContent>
<AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections>
<Selection><SelectionIdentifier>blue</SelectionIdentifier><Text>Blue</Text></Selection>
<Selection><SelectionIdentifier>green</SelectionIdentifier><Text>Green</Text></Selection>
</Selections></SelectionAnswer></AnswerSpecification></Question>
</QuestionForm>`

const quizKey = `<AnswerKey xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd">
<Question><QuestionIdentifier>capital</QuestionIdentifier><AnswerOption><SelectionIdentifier>paris</SelectionIdentifier><AnswerScore>1</AnswerScore></AnswerOption></Question>
<Question><QuestionIdentifier>colour</QuestionIdentifier><AnswerOption><SelectionIdentifier>blue</SelectionIdentifier><AnswerScore>1</AnswerScore></AnswerOption></Question>
<QualificationValueMapping><PercentageMapping><MaximumSummedScore>2</MaximumSummedScore></PercentageMapping></QualificationValueMapping>
</AnswerKey>`

func fields(kv ...string) []qform.Field {
	var out []qform.Field
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, qform.Field{Name: kv[i], Values: []string{kv[i+1]}})
	}
	return out
}

func TestQualificationTestsAndRequests(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	quiz := createQualType(t, e.Client, "Quiz", func(in *mturk.CreateQualificationTypeInput) {
		in.Test, in.AnswerKey, in.TestDurationInSeconds, in.RetryDelayInSeconds = aws.String(quizForm), aws.String(quizKey), aws.Int64(600), aws.Int64(3600)
	})
	_, err := e.Client.CreateQualificationType(ctx, &mturk.CreateQualificationTypeInput{Name: aws.String("bad key"), Description: aws.String("d"),
		QualificationTypeStatus: types.QualificationTypeStatusActive, Test: aws.String(quizForm), TestDurationInSeconds: aws.Int64(60),
		AnswerKey: aws.String(`<AnswerKey xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd"><Question><QuestionIdentifier>nope</QuestionIdentifier><AnswerOption><SelectionIdentifier>x</SelectionIdentifier><AnswerScore>1</AnswerScore></AnswerOption></Question></AnswerKey>`)})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidParameterValue", "AnswerKey")
	manual := createQualType(t, e.Client, "Manual", nil) // no test, no retry
	auto := createQualType(t, e.Client, "Auto", func(in *mturk.CreateQualificationTypeInput) {
		in.AutoGranted, in.AutoGrantedValue = aws.Bool(true), aws.Int32(5)
	})
	w := e.worker("student")
	score := func(q *types.QualificationType) (int32, bool) {
		out, err := e.Client.GetQualificationScore(ctx, &mturk.GetQualificationScoreInput{QualificationTypeId: q.QualificationTypeId, WorkerId: &w.ID})
		if err != nil {
			return 0, false
		}
		return aws.ToInt32(out.Qualification.IntegerValue), out.Qualification.Status == types.QualificationStatusGranted
	}

	// A test graded by its key: half right → 50.
	test, err := e.Service.StartQualificationTest(ctx, w.ID, *quiz.QualificationTypeId)
	if err != nil {
		t.Fatal(err)
	}
	if !test.Request.TestDeadline.Equal(test.Request.StartTime.Add(600 * time.Second)) {
		t.Fatalf("deadline %v", test.Request.TestDeadline)
	}
	if _, _, err := e.Service.SubmitQualificationTest(ctx, w.ID, test.Request.ID, fields("capital", "paris")); hitd.ErrorCode(err) != hitd.ErrInvalidAnswer {
		t.Fatalf("incomplete test: %v", err)
	}
	r, granted, err := e.Service.SubmitQualificationTest(ctx, w.ID, test.Request.ID, fields("capital", "paris", "colour", "green"))
	if err != nil || granted == nil || granted.IntegerValue != 50 || r.Status != hitd.QualRequestAccepted {
		t.Fatalf("graded: %+v %+v %v", r, granted, err)
	}
	if v, ok := score(quiz); !ok || v != 50 {
		t.Fatalf("score %d %v", v, ok)
	}
	// Already granted: no retake.
	if _, err := e.Service.StartQualificationTest(ctx, w.ID, *quiz.QualificationTypeId); hitd.ErrorCode(err) != hitd.ErrInvalidQualRequest {
		t.Fatalf("retake while granted: %v", err)
	}
	// Revoked, the worker may retake after RetryDelay.
	if _, err := e.Client.DisassociateQualificationFromWorker(ctx, &mturk.DisassociateQualificationFromWorkerInput{QualificationTypeId: quiz.QualificationTypeId, WorkerId: &w.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.StartQualificationTest(ctx, w.ID, *quiz.QualificationTypeId); hitd.ErrorCode(err) != hitd.ErrInvalidQualRequest {
		t.Fatalf("retake before the delay: %v", err)
	}
	e.Clock.Advance(time.Hour)
	test, err = e.Service.StartQualificationTest(ctx, w.ID, *quiz.QualificationTypeId)
	if err != nil {
		t.Fatal(err)
	}
	// Out of time.
	e.Clock.Advance(601 * time.Second)
	if _, _, err := e.Service.SubmitQualificationTest(ctx, w.ID, test.Request.ID, fields("capital", "paris", "colour", "blue")); hitd.ErrorCode(err) != hitd.ErrInvalidQualRequest {
		t.Fatalf("late submission: %v", err)
	}
	e.Clock.Advance(time.Hour)
	test, err = e.Service.StartQualificationTest(ctx, w.ID, *quiz.QualificationTypeId)
	if err != nil {
		t.Fatal(err)
	}
	if _, granted, err := e.Service.SubmitQualificationTest(ctx, w.ID, test.Request.ID, fields("capital", "paris", "colour", "blue")); err != nil || granted.IntegerValue != 100 {
		t.Fatalf("second attempt: %+v %v", granted, err)
	}

	// A plain request is not a test; a test removed mid-attempt ends it.
	plainReq, err := e.Service.RequestQualification(ctx, e.worker("plain-asker").ID, *createQualType(t, e.Client, "Plain", nil).QualificationTypeId)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.QualificationTestAttempt(ctx, plainReq.WorkerID, plainReq.ID); hitd.ErrorCode(err) != hitd.ErrInvalidQualRequest {
		t.Fatalf("a plain request opened as a test: %v", err)
	}
	changing := createQualType(t, e.Client, "Changing", func(in *mturk.CreateQualificationTypeInput) {
		in.Test, in.TestDurationInSeconds = aws.String(quizForm), aws.Int64(600)
	})
	attempt, err := e.Service.StartQualificationTest(ctx, plainReq.WorkerID, *changing.QualificationTypeId)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.UpdateQualificationType(ctx, &mturk.UpdateQualificationTypeInput{QualificationTypeId: changing.QualificationTypeId, Test: aws.String("")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Service.SubmitQualificationTest(ctx, plainReq.WorkerID, attempt.Request.ID, fields("capital", "paris", "colour", "blue")); hitd.ErrorCode(err) != hitd.ErrInvalidQualRequest {
		t.Fatalf("submitting a test that was removed: %v", err)
	}

	// Auto-granted on request.
	if _, err := e.Service.RequestQualification(ctx, w.ID, *auto.QualificationTypeId); err != nil {
		t.Fatal(err)
	}
	if v, ok := score(auto); !ok || v != 5 {
		t.Fatalf("auto-granted %d %v", v, ok)
	}
	// A manual request waits for the requester; rejected, it cannot be repeated (no RetryDelay).
	req, err := e.Service.RequestQualification(ctx, w.ID, *manual.QualificationTypeId)
	if err != nil || req.Status != hitd.QualRequestPending {
		t.Fatalf("manual request %+v %v", req, err)
	}
	if _, err := e.Service.RequestQualification(ctx, w.ID, *manual.QualificationTypeId); hitd.ErrorCode(err) != hitd.ErrInvalidQualRequest {
		t.Fatalf("second pending request: %v", err)
	}
	list, err := e.Client.ListQualificationRequests(ctx, &mturk.ListQualificationRequestsInput{QualificationTypeId: manual.QualificationTypeId})
	if err != nil || len(list.QualificationRequests) != 1 || *list.QualificationRequests[0].WorkerId != w.ID || list.QualificationRequests[0].SubmitTime == nil {
		t.Fatalf("ListQualificationRequests %+v %v", list, err)
	}
	if _, err := e.Client.RejectQualificationRequest(ctx, &mturk.RejectQualificationRequestInput{QualificationRequestId: &req.ID, Reason: aws.String("not yet")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.Client.AcceptQualificationRequest(ctx, &mturk.AcceptQualificationRequestInput{QualificationRequestId: &req.ID})
	wantTurk(t, err, "AWS.MechanicalTurk.QualificationRequestDoesNotExist", "")
	if _, err := e.Service.RequestQualification(ctx, w.ID, *manual.QualificationTypeId); hitd.ErrorCode(err) != hitd.ErrInvalidQualRequest {
		t.Fatalf("request after rejection without RetryDelay: %v", err)
	}
	// Another worker's request is accepted with a value.
	w2 := e.worker("student2")
	req2, err := e.Service.RequestQualification(ctx, w2.ID, *manual.QualificationTypeId)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.AcceptQualificationRequest(ctx, &mturk.AcceptQualificationRequestInput{QualificationRequestId: &req2.ID, IntegerValue: aws.Int32(42)}); err != nil {
		t.Fatal(err)
	}
	got, err := e.Client.GetQualificationScore(ctx, &mturk.GetQualificationScoreInput{QualificationTypeId: manual.QualificationTypeId, WorkerId: &w2.ID})
	if err != nil || aws.ToInt32(got.Qualification.IntegerValue) != 42 {
		t.Fatalf("accepted score %+v %v", got, err)
	}
	msgs, _ := e.Service.WorkerMessages(ctx, w.ID, 10)
	if len(msgs) == 0 || msgs[0].Subject != "Qualification request rejected: Manual" {
		t.Fatalf("rejection message %+v", msgs)
	}
	// A test without a key leaves the answers for the requester.
	unkeyed := createQualType(t, e.Client, "Essay", func(in *mturk.CreateQualificationTypeInput) {
		in.Test, in.TestDurationInSeconds = aws.String(quizForm), aws.Int64(600)
	})
	test, err = e.Service.StartQualificationTest(ctx, w2.ID, *unkeyed.QualificationTypeId)
	if err != nil {
		t.Fatal(err)
	}
	if r, granted, err := e.Service.SubmitQualificationTest(ctx, w2.ID, test.Request.ID, fields("capital", "lyon", "colour", "blue")); err != nil || granted != nil || r.Status != hitd.QualRequestPending {
		t.Fatalf("unkeyed test: %+v %+v %v", r, granted, err)
	}
	list, err = e.Client.ListQualificationRequests(ctx, &mturk.ListQualificationRequestsInput{QualificationTypeId: unkeyed.QualificationTypeId})
	if err != nil || len(list.QualificationRequests) != 1 || aws.ToString(list.QualificationRequests[0].Test) != quizForm {
		t.Fatalf("unkeyed listing %+v %v", list, err)
	}
	answers, err := qform.DecodeAnswers(aws.ToString(list.QualificationRequests[0].Answer))
	if err != nil || len(answers) != 2 || answers[0].SelectionIdentifiers[0] != "lyon" {
		t.Fatalf("answers %+v %v", answers, err)
	}
}
