package workerapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
)

// A qualification test and its answer key: 50 points a question.
const (
	quizQ = `<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
<Question><QuestionIdentifier>capital</QuestionIdentifier><IsRequired>true</IsRequired>
<QuestionContent><Text>The capital of France?</Text></QuestionContent>
<AnswerSpecification><SelectionAnswer><Selections>
<Selection><SelectionIdentifier>paris</SelectionIdentifier><Text>Paris</Text></Selection>
<Selection><SelectionIdentifier>lyon</SelectionIdentifier><Text>Lyon</Text></Selection>
</Selections></SelectionAnswer></AnswerSpecification></Question>
<Question><QuestionIdentifier>river</QuestionIdentifier><IsRequired>true</IsRequired>
<QuestionContent><Text>The river through Paris?</Text></QuestionContent>
<AnswerSpecification><SelectionAnswer><Selections>
<Selection><SelectionIdentifier>seine</SelectionIdentifier><Text>Seine</Text></Selection>
<Selection><SelectionIdentifier>thames</SelectionIdentifier><Text>Thames</Text></Selection>
</Selections></SelectionAnswer></AnswerSpecification></Question>
</QuestionForm>`

	quizKey = `<AnswerKey xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd">
<Question><QuestionIdentifier>capital</QuestionIdentifier><AnswerOption><SelectionIdentifier>paris</SelectionIdentifier><AnswerScore>50</AnswerScore></AnswerOption></Question>
<Question><QuestionIdentifier>river</QuestionIdentifier><AnswerOption><SelectionIdentifier>seine</SelectionIdentifier><AnswerScore>50</AnswerScore></AnswerOption></Question>
</AnswerKey>`
)

// Qualification shapes as a client reads them.
type (
	qualTypeJSON struct {
		QualificationTypeID   string `json:"qualificationTypeId"`
		Name                  string `json:"name"`
		Description           string `json:"description"`
		RequesterName         string `json:"requesterName"`
		Status                string `json:"status"`
		HasTest               bool   `json:"hasTest"`
		TestDurationInSeconds *int64 `json:"testDurationInSeconds"`
		RetryDelayInSeconds   *int64 `json:"retryDelayInSeconds"`
		AutoGranted           bool   `json:"autoGranted"`
		Score                 *struct {
			IntegerValue int32  `json:"integerValue"`
			Status       string `json:"status"`
			GrantTime    string `json:"grantTime"`
		} `json:"score"`
		LastRequest *struct {
			RequestID    string `json:"requestId"`
			Status       string `json:"status"`
			TestDeadline string `json:"testDeadline"`
			Reason       string `json:"reason"`
		} `json:"lastRequest"`
		CanRequest bool   `json:"canRequest"`
		Why        string `json:"why"`
		RetryAt    string `json:"retryAt"`
	}
	qualPageJSON struct {
		QualificationTypes []qualTypeJSON `json:"qualificationTypes"`
		NextToken          string         `json:"nextToken"`
	}
	qualOutcomeJSON struct {
		RequestID           string `json:"requestId"`
		QualificationTypeID string `json:"qualificationTypeId"`
		Status              string `json:"status"`
		IntegerValue        *int32 `json:"integerValue"`
	}
	qualTestJSON struct {
		RequestID           string   `json:"requestId"`
		QualificationTypeID string   `json:"qualificationTypeId"`
		Name                string   `json:"name"`
		TestDeadline        string   `json:"testDeadline"`
		Test                string   `json:"test"`
		QuestionIdentifiers []string `json:"questionIdentifiers"`
	}
	accessJSON struct {
		HITTypeID string   `json:"hitTypeId"`
		Qualified bool     `json:"qualified"`
		Unmet     []string `json:"unmet"`
	}
)

func (e *env) createQualType(name string, mod func(*mturk.CreateQualificationTypeInput)) string {
	e.t.Helper()
	in := &mturk.CreateQualificationTypeInput{Name: aws.String(name), Description: aws.String("About " + name),
		Keywords: aws.String("screening"), QualificationTypeStatus: types.QualificationTypeStatusActive}
	if mod != nil {
		mod(in)
	}
	out, err := e.Client.CreateQualificationType(context.Background(), in)
	if err != nil {
		e.t.Fatal(err)
	}
	return aws.ToString(out.QualificationType.QualificationTypeId)
}

func (e *env) score(typeID, workerID string) int32 {
	e.t.Helper()
	out, err := e.Client.GetQualificationScore(context.Background(), &mturk.GetQualificationScoreInput{
		QualificationTypeId: aws.String(typeID), WorkerId: aws.String(workerID)})
	if err != nil {
		e.t.Fatal(err)
	}
	return aws.ToInt32(out.Qualification.IntegerValue)
}

// groupAccess returns the qualified/unmet members of a group in GET /hits.
func (e *env) groupAccess(token, typeID string) (accessJSON, bool) {
	e.t.Helper()
	var page struct {
		Groups []accessJSON `json:"groups"`
	}
	e.do("GET", "/hits", token, nil).decode(e.t, 200, &page)
	for _, g := range page.Groups {
		if g.HITTypeID == typeID {
			return g, true
		}
	}
	return accessJSON{}, false
}

func TestQualificationBrowseAndRequest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	quiz := e.createQualType("Geography quiz", func(in *mturk.CreateQualificationTypeInput) {
		in.Test, in.AnswerKey, in.TestDurationInSeconds = aws.String(quizQ), aws.String(quizKey), aws.Int64(60)
	})
	auto := e.createQualType("Fluent English", func(in *mturk.CreateQualificationTypeInput) {
		in.AutoGranted, in.AutoGrantedValue = aws.Bool(true), aws.Int32(90)
	})
	plain := e.createQualType("Bird expert", func(in *mturk.CreateQualificationTypeInput) { in.RetryDelayInSeconds = aws.Int64(3600) })
	e.createQualType("Retired", func(in *mturk.CreateQualificationTypeInput) {
		in.QualificationTypeStatus = types.QualificationTypeStatusInactive
	})
	w, token := e.worker("alice")

	r := e.do("GET", "/qualifications", token, nil)
	var page qualPageJSON
	r.decode(t, 200, &page)
	if len(page.QualificationTypes) != 3 || page.NextToken != "" {
		t.Fatalf("listing: %s", r.body)
	}
	if s := string(r.body); strings.Contains(s, "AnswerKey") || strings.Contains(s, "<QuestionForm") || strings.Contains(s, "Retired") {
		t.Errorf("the listing shows the key, the test or an inactive type: %s", s)
	}
	byID := map[string]qualTypeJSON{}
	for _, q := range page.QualificationTypes {
		byID[q.QualificationTypeID] = q
	}
	if q := byID[quiz]; q.Name != "Geography quiz" || !q.HasTest || aws.ToInt64(q.TestDurationInSeconds) != 60 || q.RetryDelayInSeconds != nil ||
		!q.CanRequest || q.Score != nil || q.LastRequest != nil || q.RequesterName == "" || q.Status != "Active" {
		t.Errorf("quiz: %+v", q)
	}
	if q := byID[auto]; !q.AutoGranted || q.HasTest || q.TestDurationInSeconds != nil {
		t.Errorf("auto: %+v", q)
	}
	// Search and pages.
	e.do("GET", "/qualifications?q=GEOGRAPHY", token, nil).decode(t, 200, &page)
	if len(page.QualificationTypes) != 1 || page.QualificationTypes[0].QualificationTypeID != quiz {
		t.Errorf("search: %+v", page)
	}
	e.do("GET", "/qualifications?limit=2", token, nil).decode(t, 200, &page)
	if len(page.QualificationTypes) != 2 || page.NextToken == "" {
		t.Fatalf("page 1: %+v", page)
	}
	var page2 qualPageJSON
	e.do("GET", "/qualifications?limit=2&nextToken="+page.NextToken, token, nil).decode(t, 200, &page2)
	if len(page2.QualificationTypes) != 1 || page2.NextToken != "" || page2.QualificationTypes[0].QualificationTypeID != plain {
		t.Errorf("page 2: %+v", page2)
	}
	e.do("GET", "/qualifications?limit=0", token, nil).wantError(t, 400, hitd.ErrOutOfRange)
	e.do("GET", "/qualifications?nextToken=%21%21", token, nil).wantError(t, 400, hitd.ErrInvalidParameter)
	e.do("GET", "/qualifications", "", nil).wantError(t, 401, hitd.ErrNotAuthenticated)

	// Auto-granted at once.
	var out qualOutcomeJSON
	e.do("POST", "/qualifications/"+auto+"/request", token, nil).decode(t, 200, &out)
	if out.Status != "Accepted" || out.IntegerValue == nil || *out.IntegerValue != 90 || out.RequestID == "" || out.QualificationTypeID != auto {
		t.Errorf("auto-granted request: %+v", out)
	}
	if v := e.score(auto, w.ID); v != 90 {
		t.Errorf("GetQualificationScore %d", v)
	}
	e.do("POST", "/qualifications/"+auto+"/request", token, nil).wantError(t, 409, hitd.ErrInvalidQualRequest)

	// A plain request waits. (A type without a test has no test to take.)
	e.do("POST", "/qualifications/"+plain+"/test", token, nil).wantError(t, 400, hitd.ErrInvalidParameter)
	out = qualOutcomeJSON{}
	e.do("POST", "/qualifications/"+plain+"/request", token, `{}`).decode(t, 200, &out)
	if out.Status != "Pending" || out.IntegerValue != nil {
		t.Errorf("plain request: %+v", out)
	}
	var one qualTypeJSON
	e.do("GET", "/qualifications/"+plain, token, nil).decode(t, 200, &one)
	if one.CanRequest || one.LastRequest == nil || one.LastRequest.Status != "Pending" || one.LastRequest.RequestID != out.RequestID || !strings.Contains(one.Why, "waiting") {
		t.Errorf("pending standing: %+v", one)
	}
	e.do("POST", "/qualifications/"+quiz+"/request", token, nil).wantError(t, 400, hitd.ErrInvalidParameter)
	// The requester rejects; the retry delay applies.
	if _, err := e.Client.RejectQualificationRequest(ctx, &mturk.RejectQualificationRequestInput{
		QualificationRequestId: aws.String(out.RequestID), Reason: aws.String("not enough birds")}); err != nil {
		t.Fatal(err)
	}
	e.do("GET", "/qualifications/"+plain, token, nil).decode(t, 200, &one)
	if one.CanRequest || one.LastRequest.Status != "Rejected" || one.LastRequest.Reason != "not enough birds" || one.RetryAt == "" {
		t.Errorf("rejected standing: %+v", one)
	}
	if at := wantRFC3339UTC(t, "retryAt", one.RetryAt); !at.Equal(e.Clock.Now().Add(time.Hour)) {
		t.Errorf("retryAt %v, want an hour from now", at)
	}
	e.do("POST", "/qualifications/"+plain+"/request", token, nil).wantError(t, 409, hitd.ErrInvalidQualRequest)
	e.Clock.Advance(time.Hour)
	e.do("POST", "/qualifications/"+plain+"/request", token, nil).decode(t, 200, &out)
	if _, err := e.Client.AcceptQualificationRequest(ctx, &mturk.AcceptQualificationRequestInput{
		QualificationRequestId: aws.String(out.RequestID), IntegerValue: aws.Int32(3)}); err != nil {
		t.Fatal(err)
	}

	var mine struct {
		Qualifications []struct {
			QualificationTypeID string `json:"qualificationTypeId"`
			Name                string `json:"name"`
			RequesterName       string `json:"requesterName"`
			IntegerValue        int32  `json:"integerValue"`
			Status              string `json:"status"`
			GrantTime           string `json:"grantTime"`
		} `json:"qualifications"`
	}
	e.do("GET", "/me/qualifications", token, nil).decode(t, 200, &mine)
	got := map[string]int32{}
	for _, q := range mine.Qualifications {
		if q.Status != "Granted" || q.RequesterName == "" {
			t.Errorf("qualification %+v", q)
		}
		wantRFC3339UTC(t, "grantTime", q.GrantTime)
		got[q.Name] = q.IntegerValue
	}
	if len(got) != 2 || got["Fluent English"] != 90 || got["Bird expert"] != 3 {
		t.Errorf("/me/qualifications: %+v", mine)
	}
	e.do("GET", "/qualifications/"+plain, token, nil).decode(t, 200, &one)
	if one.Score == nil || one.Score.IntegerValue != 3 || one.Score.Status != "Granted" || one.CanRequest {
		t.Errorf("granted standing: %+v", one)
	}

	e.do("GET", "/qualifications/NOSUCHTYPE", token, nil).wantError(t, 404, hitd.ErrQualTypeNotFound)
	e.do("POST", "/qualifications/NOSUCHTYPE/request", token, nil).wantError(t, 404, hitd.ErrQualTypeNotFound)
	e.do("POST", "/qualifications/NOSUCHTYPE/test", token, nil).wantError(t, 404, hitd.ErrQualTypeNotFound)
	e.do("GET", "/qualifications/"+plain+"/request", token, nil).wantError(t, 405, hitd.ErrUnknownOperation)
	e.do("POST", "/qualifications/"+plain+"/request", token, `{"x":1}`).wantError(t, 400, hitd.ErrInvalidParameter)
}

func TestQualificationTestAndRequirement(t *testing.T) {
	e := newEnv(t)
	quiz := e.createQualType("Geography quiz", func(in *mturk.CreateQualificationTypeInput) {
		in.Test, in.AnswerKey, in.TestDurationInSeconds = aws.String(quizQ), aws.String(quizKey), aws.Int64(60)
	})
	h := e.createHIT(htmlQ, func(in *mturk.CreateHITInput) {
		in.QualificationRequirements = []types.QualificationRequirement{{QualificationTypeId: aws.String(quiz),
			Comparator: types.ComparatorGreaterThanOrEqualTo, IntegerValues: []int32{80}}}
	})
	hitID, typeID := aws.ToString(h.HITId), aws.ToString(h.HITTypeId)
	const unmet = "requires qualification Geography quiz ≥ 80"

	alice, token := e.worker("alice")
	if g, ok := e.groupAccess(token, typeID); !ok || g.Qualified || len(g.Unmet) != 1 || g.Unmet[0] != unmet {
		t.Errorf("group before the test: %+v %v", g, ok)
	}
	var hv accessJSON
	e.do("GET", "/hits/"+hitID, token, nil).decode(t, 200, &hv)
	if hv.Qualified || len(hv.Unmet) != 1 || hv.Unmet[0] != unmet {
		t.Errorf("HIT before the test: %+v", hv)
	}
	refused := e.do("POST", "/hits/"+hitID+"/accept", token, nil).wantError(t, 403, hitd.ErrNotQualified)
	if !strings.Contains(refused.Error.Message, unmet) {
		t.Errorf("refusal %q", refused.Error.Message)
	}
	e.do("POST", "/groups/"+typeID+"/accept", token, nil).wantError(t, 403, hitd.ErrNotQualified)

	// Start the test.
	var qt qualTestJSON
	e.do("POST", "/qualifications/"+quiz+"/test", token, nil).decode(t, 200, &qt)
	if qt.RequestID == "" || qt.QualificationTypeID != quiz || qt.Name != "Geography quiz" || qt.Test != quizQ ||
		strings.Join(qt.QuestionIdentifiers, ",") != "capital,river" {
		t.Fatalf("test: %+v", qt)
	}
	if d := wantRFC3339UTC(t, "testDeadline", qt.TestDeadline); !d.Equal(e.Clock.Now().Add(time.Minute)) {
		t.Errorf("testDeadline %v, want a minute from now", d)
	}
	var again qualTestJSON
	e.do("POST", "/qualifications/"+quiz+"/test", token, nil).decode(t, 200, &again)
	if again.RequestID != qt.RequestID {
		t.Errorf("starting again opened %s, want the open attempt %s", again.RequestID, qt.RequestID)
	}
	submit := "/qualifications/tests/" + qt.RequestID + "/submit"
	e.do("POST", submit, token, `{"answers": {"capital": "lyon"`).wantError(t, 400, hitd.ErrInvalidParameter)
	e.do("POST", submit, token, `{"capital": "lyon"}`).wantError(t, 400, hitd.ErrInvalidParameter)
	bad := e.do("POST", submit, token, `{"answers": {"capital": "lyon"}}`).wantError(t, 422, hitd.ErrInvalidAnswer)
	if bad.Error.Fields["river"] == "" || len(bad.Error.Fields) != 1 {
		t.Errorf("fields %v", bad.Error.Fields)
	}
	// Another worker cannot submit it.
	_, bobToken := e.worker("bob")
	e.do("POST", submit, bobToken, `{"answers": {"capital": "paris", "river": "seine"}}`).wantError(t, 404, hitd.ErrQualRequestNotFound)
	e.do("POST", "/qualifications/tests/NOSUCHREQUEST/submit", token, `{"answers": {}}`).wantError(t, 404, hitd.ErrQualRequestNotFound)

	// Wrong answers: graded by the key, granted with 50, still not enough.
	var out qualOutcomeJSON
	e.do("POST", submit, token, `{"answers": {"capital": "lyon", "river": "seine"}}`).decode(t, 200, &out)
	if out.Status != "Accepted" || out.IntegerValue == nil || *out.IntegerValue != 50 || out.RequestID != qt.RequestID {
		t.Fatalf("wrong answers: %+v", out)
	}
	if v := e.score(quiz, alice.ID); v != 50 {
		t.Errorf("GetQualificationScore %d, want 50", v)
	}
	if g, _ := e.groupAccess(token, typeID); g.Qualified {
		t.Errorf("50 meets ≥ 80: %+v", g)
	}
	e.do("POST", submit, token, `{"answers": {"capital": "paris", "river": "seine"}}`).wantError(t, 409, hitd.ErrInvalidQualRequest)
	e.do("POST", "/qualifications/"+quiz+"/test", token, nil).wantError(t, 409, hitd.ErrInvalidQualRequest)

	// The deadline: bob starts, the clock passes it, the submission is refused.
	var bt qualTestJSON
	e.do("POST", "/qualifications/"+quiz+"/test", bobToken, nil).decode(t, 200, &bt)
	e.Clock.Advance(61 * time.Second)
	late := e.do("POST", "/qualifications/tests/"+bt.RequestID+"/submit", bobToken, `{"answers": {"capital": "paris", "river": "seine"}}`).
		wantError(t, 409, hitd.ErrInvalidQualRequest)
	if !strings.Contains(late.Error.Message, "ran out") {
		t.Errorf("late submission: %q", late.Error.Message)
	}
	// No RetryDelayInSeconds: no second attempt.
	var one qualTypeJSON
	e.do("GET", "/qualifications/"+quiz, bobToken, nil).decode(t, 200, &one)
	if one.CanRequest || one.LastRequest == nil || one.LastRequest.Status != "Testing" || !strings.Contains(one.Why, "cannot be requested again") {
		t.Errorf("bob's standing after the deadline: %+v", one)
	}
	e.do("POST", "/qualifications/"+quiz+"/test", bobToken, nil).wantError(t, 409, hitd.ErrInvalidQualRequest)

	// Right answers: 100, and the HIT can be accepted.
	carol, carolToken := e.worker("carol")
	var ct qualTestJSON
	e.do("POST", "/qualifications/"+quiz+"/test", carolToken, nil).decode(t, 200, &ct)
	e.do("POST", "/qualifications/tests/"+ct.RequestID+"/submit", carolToken, `{"answers": {"river": "seine", "capital": "paris"}}`).decode(t, 200, &out)
	if out.Status != "Accepted" || out.IntegerValue == nil || *out.IntegerValue != 100 {
		t.Fatalf("right answers: %+v", out)
	}
	if v := e.score(quiz, carol.ID); v != 100 {
		t.Errorf("GetQualificationScore %d, want 100", v)
	}
	if g, _ := e.groupAccess(carolToken, typeID); !g.Qualified || g.Unmet == nil || len(g.Unmet) != 0 {
		t.Errorf("group after the test: %+v", g)
	}
	e.do("GET", "/hits/"+hitID, carolToken, nil).decode(t, 200, &hv)
	if !hv.Qualified || len(hv.Unmet) != 0 {
		t.Errorf("HIT after the test: %+v", hv)
	}
	e.accept(carolToken, hitID)
}

func TestQualificationTestForTheRequester(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// No answer key: the answers wait for the requester.
	essay := e.createQualType("Essay", func(in *mturk.CreateQualificationTypeInput) {
		in.Test, in.TestDurationInSeconds = aws.String(quizQ), aws.Int64(60)
	})
	w, token := e.worker("dina")
	var qt qualTestJSON
	e.do("POST", "/qualifications/"+essay+"/test", token, nil).decode(t, 200, &qt)
	// Answers in the order written (not the form's) are stored in the form's order.
	var out qualOutcomeJSON
	e.do("POST", "/qualifications/tests/"+qt.RequestID+"/submit", token, `{"answers": {"river": "thames", "capital": "paris"}}`).decode(t, 200, &out)
	if out.Status != "Pending" || out.IntegerValue != nil {
		t.Fatalf("submission: %+v", out)
	}
	reqs, err := e.Client.ListQualificationRequests(ctx, &mturk.ListQualificationRequestsInput{QualificationTypeId: aws.String(essay)})
	if err != nil || len(reqs.QualificationRequests) != 1 {
		t.Fatalf("ListQualificationRequests: %+v %v", reqs, err)
	}
	ans := aws.ToString(reqs.QualificationRequests[0].Answer)
	if i, j := strings.Index(ans, "<SelectionIdentifier>paris"), strings.Index(ans, "<SelectionIdentifier>thames"); i < 0 || j < i {
		t.Errorf("answer %s", ans)
	}
	if _, err := e.Client.AcceptQualificationRequest(ctx, &mturk.AcceptQualificationRequestInput{
		QualificationRequestId: reqs.QualificationRequests[0].QualificationRequestId, IntegerValue: aws.Int32(75)}); err != nil {
		t.Fatal(err)
	}
	if v := e.score(essay, w.ID); v != 75 {
		t.Errorf("score %d", v)
	}
}

func TestNotQualifiedToPreview(t *testing.T) {
	e := newEnv(t)
	secret := e.createQualType("Insider", nil)
	mk := func(guard types.HITAccessActions) *types.HIT {
		return e.createHIT(htmlQ, func(in *mturk.CreateHITInput) {
			in.Title = aws.String("Guarded " + string(guard))
			in.QualificationRequirements = []types.QualificationRequirement{{QualificationTypeId: aws.String(secret),
				Comparator: types.ComparatorExists, ActionsGuarded: guard}}
		})
	}
	preview, discover := mk(types.HITAccessActionsPreviewAndAccept), mk(types.HITAccessActionsDiscoverPreviewAndAccept)
	w, token := e.worker("eve")
	for _, h := range []*types.HIT{preview, discover} {
		e.do("GET", "/hits/"+aws.ToString(h.HITId), token, nil).wantError(t, 403, hitd.ErrNotQualified)
		e.do("GET", "/groups/"+aws.ToString(h.HITTypeId), token, nil).wantError(t, 403, hitd.ErrNotQualified)
		e.do("POST", "/hits/"+aws.ToString(h.HITId)+"/accept", token, nil).wantError(t, 403, hitd.ErrNotQualified)
	}
	if g, ok := e.groupAccess(token, aws.ToString(preview.HITTypeId)); !ok || g.Qualified || len(g.Unmet) != 1 {
		t.Errorf("PreviewAndAccept group: %+v %v", g, ok)
	}
	if _, ok := e.groupAccess(token, aws.ToString(discover.HITTypeId)); ok {
		t.Error("a DiscoverPreviewAndAccept group is listed")
	}
	if _, err := e.Client.AssociateQualificationWithWorker(context.Background(), &mturk.AssociateQualificationWithWorkerInput{
		QualificationTypeId: aws.String(secret), WorkerId: aws.String(w.ID)}); err != nil {
		t.Fatal(err)
	}
	for _, h := range []*types.HIT{preview, discover} {
		if g, ok := e.groupAccess(token, aws.ToString(h.HITTypeId)); !ok || !g.Qualified {
			t.Errorf("%s after the grant: %+v %v", aws.ToString(h.Title), g, ok)
		}
		e.accept(token, aws.ToString(h.HITId))
	}
}
