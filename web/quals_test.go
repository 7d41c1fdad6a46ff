package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
)

// A qualification test and its answer key: 50 points a question, so the
// right answers score 100 and one wrong answer 50.
const (
	quizQ = `<QuestionForm xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd">
<Overview><Text>Two questions about places.</Text></Overview>
<Question><QuestionIdentifier>capital</QuestionIdentifier><IsRequired>true</IsRequired>
<QuestionContent><Text>The capital of France?</Text></QuestionContent>
<AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections>
<Selection><SelectionIdentifier>paris</SelectionIdentifier><Text>Paris</Text></Selection>
<Selection><SelectionIdentifier>lyon</SelectionIdentifier><Text>Lyon</Text></Selection>
</Selections></SelectionAnswer></AnswerSpecification></Question>
<Question><QuestionIdentifier>river</QuestionIdentifier><IsRequired>true</IsRequired>
<QuestionContent><Text>The river through Paris?</Text></QuestionContent>
<AnswerSpecification><SelectionAnswer><StyleSuggestion>radiobutton</StyleSuggestion><Selections>
<Selection><SelectionIdentifier>seine</SelectionIdentifier><Text>Seine</Text></Selection>
<Selection><SelectionIdentifier>thames</SelectionIdentifier><Text>Thames</Text></Selection>
</Selections></SelectionAnswer></AnswerSpecification></Question>
</QuestionForm>`

	quizKey = `<AnswerKey xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/AnswerKey.xsd">
<Question><QuestionIdentifier>capital</QuestionIdentifier><AnswerOption><SelectionIdentifier>paris</SelectionIdentifier><AnswerScore>50</AnswerScore></AnswerOption></Question>
<Question><QuestionIdentifier>river</QuestionIdentifier><AnswerOption><SelectionIdentifier>seine</SelectionIdentifier><AnswerScore>50</AnswerScore></AnswerOption></Question>
</AnswerKey>`
)

// createQualType creates a qualification type through the SDK.
func (e *env) createQualType(c *mturk.Client, name string, mod func(*mturk.CreateQualificationTypeInput)) string {
	e.t.Helper()
	in := &mturk.CreateQualificationTypeInput{Name: aws.String(name), Description: aws.String("About " + name),
		Keywords: aws.String("screening"), QualificationTypeStatus: types.QualificationTypeStatusActive}
	if mod != nil {
		mod(in)
	}
	if c == nil {
		c = e.Client
	}
	out, err := c.CreateQualificationType(context.Background(), in)
	if err != nil {
		e.t.Fatal(err)
	}
	return aws.ToString(out.QualificationType.QualificationTypeId)
}

// createHITWith creates a HIT with qualification requirements.
func (e *env) createHITWith(title string, reqs ...types.QualificationRequirement) *types.HIT {
	e.t.Helper()
	out, err := e.Client.CreateHIT(context.Background(), &mturk.CreateHITInput{
		Title: aws.String(title), Description: aws.String("Description of " + title), Reward: aws.String("0.10"),
		AssignmentDurationInSeconds: aws.Int64(600), LifetimeInSeconds: aws.Int64(3600), MaxAssignments: aws.Int32(5),
		Question: aws.String(htmlQ), QualificationRequirements: reqs,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out.HIT
}

// score reads a worker's qualification through the SDK.
func (e *env) score(typeID, workerID string) (int32, types.QualificationStatus) {
	e.t.Helper()
	out, err := e.Client.GetQualificationScore(context.Background(), &mturk.GetQualificationScoreInput{
		QualificationTypeId: aws.String(typeID), WorkerId: aws.String(workerID)})
	if err != nil {
		e.t.Fatal(err)
	}
	return aws.ToInt32(out.Qualification.IntegerValue), out.Qualification.Status
}

// card returns the card of one qualification type on /qualifications.
func card(t *testing.T, body, typeID string) string {
	t.Helper()
	i := strings.Index(body, `id="q-`+typeID+`"`)
	if i < 0 {
		t.Fatalf("no card for %s on the page:\n%s", typeID, body)
	}
	rest := body[i:]
	if j := strings.Index(rest, "</li>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// groupCard returns the card of one HIT group on the HIT list, "" if it is not there.
func groupCard(body, typeID string) string {
	i := strings.Index(body, `<h2><a href="/groups/`+typeID+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest, "</li>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

func wantIn(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, body)
		}
	}
}

func wantNotIn(t *testing.T, what, body string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(body, w) {
			t.Errorf("%s has %q:\n%s", what, w, body)
		}
	}
}

func TestQualificationsBrowseSearchAndPages(t *testing.T) {
	e := newEnv(t)
	_, other := e.NewRequester("Bird Lab")
	quiz := e.createQualType(nil, "Geography quiz", func(in *mturk.CreateQualificationTypeInput) {
		in.Test, in.AnswerKey, in.TestDurationInSeconds = aws.String(quizQ), aws.String(quizKey), aws.Int64(600)
	})
	birds := e.createQualType(other, "Bird expert", nil)
	auto := e.createQualType(nil, "Fluent English", func(in *mturk.CreateQualificationTypeInput) {
		in.AutoGranted, in.AutoGrantedValue = aws.Bool(true), aws.Int32(90)
	})
	inactive := e.createQualType(nil, "Retired screen", func(in *mturk.CreateQualificationTypeInput) {
		in.QualificationTypeStatus = types.QualificationTypeStatusInactive
	})

	anon := e.browser()
	body := anon.get("/qualifications").want(t, 200).body
	wantIn(t, "anonymous /qualifications", body, `<a href="/qualifications">Qualifications</a>`, "Geography quiz", "Bird expert", "Fluent English")
	wantNotIn(t, "anonymous /qualifications", body, "Retired screen", inactive, "My qualifications")
	wantIn(t, "the quiz", card(t, body, quiz), "Test (10 minutes)", `action="/qualifications/`+quiz+`/test"`, "Take the test", "About Geography quiz")
	wantIn(t, "the bird type", card(t, body, birds), "Bird Lab", "the requester decides", `action="/qualifications/`+birds+`/request"`)
	wantIn(t, "the auto-granted type", card(t, body, auto), "Granted on request", ">Request</button>")
	// Requesting needs a login.
	if r := anon.post("/qualifications/"+auto+"/request", nil).want(t, 303); r.location() != "/login?next=%2Fqualifications" {
		t.Errorf("anonymous request went to %q", r.location())
	}
	anon.post("/qualifications/"+auto+"/frobnicate", nil).want(t, 404)

	// Search.
	body = anon.get("/qualifications?q=GEOGRAPHY").want(t, 200).body
	wantIn(t, "search", body, "Geography quiz", `value="GEOGRAPHY"`)
	wantNotIn(t, "search", body, "Bird expert", "Fluent English")
	body = anon.get("/qualifications?q=nothing-like-this").want(t, 200).body
	wantIn(t, "empty search", body, "No qualifications match")

	// Pages of 20, linked by the next token.
	for i := range 20 {
		e.createQualType(nil, fmt.Sprintf("Filler %02d", i), nil)
	}
	body = anon.get("/qualifications").want(t, 200).body
	m := regexp.MustCompile(`<a href="(/qualifications\?next=[^"]+)" rel="next">`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("first page has no next link:\n%s", body)
	}
	if n := strings.Count(body, `class="card qual"`); n != 20 {
		t.Errorf("first page shows %d types, want 20", n)
	}
	page2 := anon.get(strings.ReplaceAll(m[1], "&amp;", "&")).want(t, 200).body
	if n := strings.Count(page2, `class="card qual"`); n != 3 {
		t.Errorf("second page shows %d types, want 3", n)
	}
	wantIn(t, "page 2", page2, "Filler 19", `href="/qualifications">← First page`)
	wantNotIn(t, "page 2", page2, `rel="next"`)
	anon.get("/qualifications?next=garbage!").want(t, 400)
}

func TestRequestQualifications(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	auto := e.createQualType(nil, "Fluent English", func(in *mturk.CreateQualificationTypeInput) {
		in.AutoGranted, in.AutoGrantedValue = aws.Bool(true), aws.Int32(90)
	})
	plain := e.createQualType(nil, "Bird expert", nil)
	b := e.browser()
	b.signup("ines")
	workerID := b.workerID()
	wantIn(t, "empty scores", b.get("/qualifications").want(t, 200).body, "My qualifications", "You hold no qualifications yet.")

	// Auto-granted: at once, with its value.
	r := b.post("/qualifications/"+auto+"/request", nil).want(t, 303)
	if r.location() != "/qualifications?msg=qualgranted#q-"+auto {
		t.Errorf("request went to %q", r.location())
	}
	body := b.get("/qualifications?msg=qualgranted").want(t, 200).body
	wantIn(t, "after the auto grant", body, "Granted — the qualification is yours.", `<tr id="s-`+auto+`">`, `<td class="score">90</td>`, `status-granted">Granted`)
	c := card(t, body, auto)
	wantIn(t, "the granted card", c, "You already have this qualification.", `class="score">90`)
	wantNotIn(t, "the granted card", c, "<button")
	if v, st := e.score(auto, workerID); v != 90 || st != types.QualificationStatusGranted {
		t.Errorf("GetQualificationScore: %d %s", v, st)
	}
	b.post("/qualifications/"+auto+"/request", nil).want(t, 409)
	// Another site cannot make the browser request one.
	b.post("/qualifications/"+plain+"/request", nil, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example").want(t, 403)

	// A plain request waits for the requester.
	r = b.post("/qualifications/"+plain+"/request", nil).want(t, 303)
	if r.location() != "/qualifications?msg=qualrequested#q-"+plain {
		t.Errorf("request went to %q", r.location())
	}
	c = card(t, b.get("/qualifications").want(t, 200).body, plain)
	wantIn(t, "the pending card", c, "Your request is waiting for the requester.")
	wantNotIn(t, "the pending card", c, "<button")
	again := b.post("/qualifications/"+plain+"/request", nil).want(t, 409)
	wantIn(t, "a second request", again.body, "waiting for the requester")
	// A type with no test cannot be "taken".
	b.post("/qualifications/"+plain+"/test", nil).want(t, 409)

	reqs, err := e.Client.ListQualificationRequests(ctx, &mturk.ListQualificationRequestsInput{QualificationTypeId: aws.String(plain)})
	if err != nil || len(reqs.QualificationRequests) != 1 || aws.ToString(reqs.QualificationRequests[0].WorkerId) != workerID {
		t.Fatalf("ListQualificationRequests: %+v %v", reqs, err)
	}
	if _, err := e.Client.AcceptQualificationRequest(ctx, &mturk.AcceptQualificationRequestInput{
		QualificationRequestId: reqs.QualificationRequests[0].QualificationRequestId, IntegerValue: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	body = b.get("/qualifications").want(t, 200).body
	wantIn(t, "after the requester accepted", card(t, body, plain), "You already have this qualification.", `class="score">7`)
	wantIn(t, "scores", body, `<tr id="s-`+plain+`">`)

	// A revoked qualification is listed as such.
	if _, err := e.Client.DisassociateQualificationFromWorker(ctx, &mturk.DisassociateQualificationFromWorkerInput{
		QualificationTypeId: aws.String(plain), WorkerId: aws.String(workerID), Reason: aws.String("mixed up gulls")}); err != nil {
		t.Fatal(err)
	}
	body = b.get("/qualifications").want(t, 200).body
	wantIn(t, "after the revocation", body, `status-revoked">Revoked`, "(revoked)")
	wantIn(t, "inbox", b.get("/inbox").want(t, 200).body, "Qualification granted: Bird expert", "mixed up gulls")

	b.post("/qualifications/NOSUCHTYPE000000000000000000/request", nil).want(t, 404)
}

// acceptable reports whether the HIT list offers the group with an Accept
// button, and fails if the group is not listed at all.
func acceptable(t *testing.T, b *browser, typeID string) (listed, accept bool, c string) {
	t.Helper()
	c = groupCard(b.get("/").want(t, 200).body, typeID)
	return c != "", strings.Contains(c, `action="/groups/`+typeID+`/accept"`), c
}

func TestQualificationTestAndRequirement(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	quiz := e.createQualType(nil, "Geography quiz", func(in *mturk.CreateQualificationTypeInput) {
		in.Test, in.AnswerKey, in.TestDurationInSeconds = aws.String(quizQ), aws.String(quizKey), aws.Int64(600)
	})
	h := e.createHITWith("Map the streets", types.QualificationRequirement{QualificationTypeId: aws.String(quiz),
		Comparator: types.ComparatorGreaterThanOrEqualTo, IntegerValues: []int32{80}})
	typeID, hitID := aws.ToString(h.HITTypeId), aws.ToString(h.HITId)

	// A visitor sees what is required and may still try (which asks for a login).
	_, accept, c := acceptable(t, e.browser(), typeID)
	wantIn(t, "the anonymous group card", c, "Requires: requires qualification Geography quiz ≥ 80")
	if !accept {
		t.Error("a visitor gets no Accept button")
	}

	// Not qualified before the test.
	b := e.browser()
	b.signup("omar")
	workerID := b.workerID()
	listed, accept, c := acceptable(t, b, typeID)
	if !listed || accept {
		t.Fatalf("before the test: listed %v, accept %v", listed, accept)
	}
	wantIn(t, "the group card", c, "Not qualified: requires qualification Geography quiz ≥ 80", `<a href="/qualifications">Qualifications</a>`)
	prev := b.get("/groups/"+typeID).want(t, 200).body
	wantIn(t, "the preview", prev, "Not qualified: requires qualification Geography quiz ≥ 80", `href="/qualifications"`)
	wantNotIn(t, "the preview", prev, `/accept"`)
	refused := b.post("/hits/"+hitID+"/accept", nil).want(t, 403)
	wantIn(t, "the refused accept", refused.body, "Not qualified", "You are not qualified to accept this HIT: it requires qualification Geography quiz ≥ 80.", `href="/qualifications"`)

	// Take the test: a bad submission, then wrong answers.
	r := b.post("/qualifications/"+quiz+"/test", nil).want(t, 303)
	m := regexp.MustCompile(`^/qualifications/tests/([0-9A-Z]+)$`).FindStringSubmatch(r.location())
	if m == nil {
		t.Fatalf("take the test went to %q", r.location())
	}
	testPath := r.location()
	page := b.get(testPath).want(t, 200).body
	wantIn(t, "the test page", page, "Test: Geography quiz", "Two questions about places.", `name="capital"`, `name="river"`,
		"Time left", "10 minutes", `action="`+testPath+`"`, `class="qform"`)
	wantNotIn(t, "the test page", page, "paris</", "AnswerKey", "<AnswerScore")
	// Starting again while it is open returns the same attempt.
	if again := b.post("/qualifications/"+quiz+"/test", nil).want(t, 303); again.location() != testPath {
		t.Errorf("second start went to %q, want %q", again.location(), testPath)
	}
	c = card(t, b.get("/qualifications").want(t, 200).body, quiz)
	wantIn(t, "the card of a test in progress", c, `href="`+testPath+`"`, "Continue the test")

	bad := b.post(testPath, url.Values{"capital": {"lyon"}}).want(t, http.StatusUnprocessableEntity)
	wantIn(t, "the bad submission", bad.body, `class="qf-error"`, `value="lyon" checked`, `class="error"`)
	if got := b.post(testPath, url.Values{"capital": {"lyon"}, "river": {"seine"}}).want(t, 303).location(); got != testPath {
		t.Errorf("submit went to %q", got)
	}
	wantIn(t, "the result", b.get(testPath).want(t, 200).body, "Granted with score", `<strong class="score">50</strong>`)
	if v, st := e.score(quiz, workerID); v != 50 || st != types.QualificationStatusGranted {
		t.Errorf("GetQualificationScore after the wrong answers: %d %s", v, st)
	}
	if _, accept, _ := acceptable(t, b, typeID); accept {
		t.Error("a score of 50 meets ≥ 80")
	}
	// No retake: the type has no RetryDelayInSeconds (and omar holds it).
	b.post("/qualifications/"+quiz+"/test", nil).want(t, 409)
	b.post(testPath, url.Values{"capital": {"paris"}, "river": {"seine"}}).want(t, 409)

	// Another worker answers right and may then accept.
	b2 := e.browser()
	b2.signup("sara")
	testPath2 := b2.post("/qualifications/"+quiz+"/test", nil).want(t, 303).location()
	b2.post(testPath2, url.Values{"capital": {"paris"}, "river": {"seine"}}).want(t, 303)
	wantIn(t, "the right result", b2.get(testPath2).want(t, 200).body, "Granted with score", `<strong class="score">100</strong>`)
	if v, _ := e.score(quiz, b2.workerID()); v != 100 {
		t.Errorf("GetQualificationScore after the right answers: %d", v)
	}
	listed, accept, c = acceptable(t, b2, typeID)
	if !listed || !accept || strings.Contains(c, "Not qualified") {
		t.Errorf("after the test: listed %v accept %v\n%s", listed, accept, c)
	}
	b2.post("/hits/"+hitID+"/accept", nil).want(t, 303)
	// Another worker's attempt is not yours.
	b.get(testPath2).want(t, 404)

	// The requester lowers the bar: omar qualifies too.
	if _, err := e.Client.AssociateQualificationWithWorker(ctx, &mturk.AssociateQualificationWithWorkerInput{
		QualificationTypeId: aws.String(quiz), WorkerId: aws.String(workerID), IntegerValue: aws.Int32(85)}); err != nil {
		t.Fatal(err)
	}
	if _, accept, _ := acceptable(t, b, typeID); !accept {
		t.Error("a score of 85 does not meet ≥ 80")
	}
}

func TestQualificationTestPendingRejectedAndRetry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	// No answer key: the requester grades. No RetryDelayInSeconds: one try.
	once := e.createQualType(nil, "Essay", func(in *mturk.CreateQualificationTypeInput) {
		in.Test, in.TestDurationInSeconds = aws.String(quizQ), aws.Int64(120)
	})
	retry := e.createQualType(nil, "Essay with retries", func(in *mturk.CreateQualificationTypeInput) {
		in.Test, in.TestDurationInSeconds, in.RetryDelayInSeconds = aws.String(quizQ), aws.Int64(120), aws.Int64(3600)
	})
	b := e.browser()
	b.signup("lena")
	reject := func(typeID, reason string) {
		t.Helper()
		reqs, err := e.Client.ListQualificationRequests(ctx, &mturk.ListQualificationRequestsInput{QualificationTypeId: aws.String(typeID)})
		if err != nil || len(reqs.QualificationRequests) != 1 {
			t.Fatalf("ListQualificationRequests: %+v %v", reqs, err)
		}
		if !strings.Contains(aws.ToString(reqs.QualificationRequests[0].Answer), "<SelectionIdentifier>paris</SelectionIdentifier>") {
			t.Errorf("the requester does not see the answers: %s", aws.ToString(reqs.QualificationRequests[0].Answer))
		}
		if _, err := e.Client.RejectQualificationRequest(ctx, &mturk.RejectQualificationRequestInput{
			QualificationRequestId: reqs.QualificationRequests[0].QualificationRequestId, Reason: aws.String(reason)}); err != nil {
			t.Fatal(err)
		}
	}

	p := b.post("/qualifications/"+once+"/test", nil).want(t, 303).location()
	b.post(p, url.Values{"capital": {"paris"}, "river": {"thames"}}).want(t, 303)
	wantIn(t, "the pending result", b.get(p).want(t, 200).body, "Submitted — waiting for the requester.")
	wantIn(t, "the pending card", card(t, b.get("/qualifications").body, once), "Your test answers are waiting for the requester.")
	reject(once, "too short")
	wantIn(t, "the rejected result", b.get(p).want(t, 200).body, "did not grant", "too short")
	c := card(t, b.get("/qualifications").body, once)
	wantIn(t, "the rejected card", c, "Your last request was rejected: too short", "This qualification cannot be requested again.")
	wantNotIn(t, "the rejected card", c, "<button")
	refused := b.post("/qualifications/"+once+"/test", nil).want(t, 409)
	wantIn(t, "the refused retake", refused.body, "cannot be requested again")

	// With a retry delay: again after it.
	p = b.post("/qualifications/"+retry+"/test", nil).want(t, 303).location()
	b.post(p, url.Values{"capital": {"paris"}, "river": {"seine"}}).want(t, 303)
	reject(retry, "")
	c = card(t, b.get("/qualifications").body, retry)
	wantIn(t, "the card before the delay", c, "You can retake the test after ")
	wantNotIn(t, "the card before the delay", c, "<button")
	b.post("/qualifications/"+retry+"/test", nil).want(t, 409)
	e.Clock.Advance(time.Hour + time.Second)
	c = card(t, b.get("/qualifications").body, retry)
	wantIn(t, "the card after the delay", c, "Take the test")
	p2 := b.post("/qualifications/"+retry+"/test", nil).want(t, 303).location()
	if p2 == p {
		t.Fatal("the retake reopened the old attempt")
	}

	// The test's time runs out.
	e.Clock.Advance(121 * time.Second)
	page := b.get(p2).want(t, 200).body
	wantIn(t, "the timed-out test", page, "ran out")
	wantNotIn(t, "the timed-out test", page, `class="qform"`)
	late := b.post(p2, url.Values{"capital": {"paris"}, "river": {"seine"}}).want(t, 409)
	wantIn(t, "the late submission", late.body, "ran out")
}

func TestQualificationGuards(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	secret := e.createQualType(nil, "Insider", nil)
	hidden := e.createHITWith("Secret task", types.QualificationRequirement{QualificationTypeId: aws.String(secret),
		Comparator: types.ComparatorExists, ActionsGuarded: types.HITAccessActionsDiscoverPreviewAndAccept})
	guarded := e.createHITWith("Guarded task", types.QualificationRequirement{QualificationTypeId: aws.String(secret),
		Comparator: types.ComparatorExists, ActionsGuarded: types.HITAccessActionsPreviewAndAccept})
	b := e.browser()
	b.signup("kofi")

	// DiscoverPreviewAndAccept: not listed, not previewable.
	if listed, _, _ := acceptable(t, b, aws.ToString(hidden.HITTypeId)); listed {
		t.Error("a DiscoverPreviewAndAccept group is listed for a worker without the qualification")
	}
	b.get("/groups/"+aws.ToString(hidden.HITTypeId)).want(t, 403)

	// PreviewAndAccept: listed, without Accept, and the preview is refused with the reason.
	listed, accept, c := acceptable(t, b, aws.ToString(guarded.HITTypeId))
	if !listed || accept {
		t.Errorf("PreviewAndAccept group: listed %v, accept %v", listed, accept)
	}
	wantIn(t, "the guarded card", c, "Not qualified: requires qualification Insider")
	for _, path := range []string{"/groups/" + aws.ToString(guarded.HITTypeId), "/hits/" + aws.ToString(guarded.HITId)} {
		r := b.get(path).want(t, 403)
		wantIn(t, path, r.body, "<h1>Not qualified</h1>", "You are not qualified to preview this HIT: it requires qualification Insider.", `href="/qualifications"`)
		wantNotIn(t, path, r.body, "<iframe", "/login?next=")
	}
	// A visitor is offered a login.
	r := e.browser().get("/hits/"+aws.ToString(guarded.HITId)).want(t, 403)
	wantIn(t, "the visitor's refusal", r.body, "/login?next=%2fhits%2f"+aws.ToString(guarded.HITId))

	if _, err := e.Client.AssociateQualificationWithWorker(ctx, &mturk.AssociateQualificationWithWorkerInput{
		QualificationTypeId: aws.String(secret), WorkerId: aws.String(b.workerID())}); err != nil {
		t.Fatal(err)
	}
	for _, h := range []*types.HIT{hidden, guarded} {
		listed, accept, _ := acceptable(t, b, aws.ToString(h.HITTypeId))
		if !listed || !accept {
			t.Errorf("%s after the grant: listed %v, accept %v", aws.ToString(h.Title), listed, accept)
		}
		b.get("/hits/"+aws.ToString(h.HITId)).want(t, 200)
		b.post("/hits/"+aws.ToString(h.HITId)+"/accept", nil).want(t, 303)
	}
}

func TestProfileAdultCheckbox(t *testing.T) {
	e := newEnv(t)
	h := e.createHITWith("Grown-up survey", types.QualificationRequirement{QualificationTypeId: aws.String(hitd.QualAdult),
		Comparator: types.ComparatorEqualTo, IntegerValues: []int32{1}})
	typeID := aws.ToString(h.HITTypeId)
	b := e.browser()
	b.signup("ayo")
	p := b.get("/profile").want(t, 200).body
	wantIn(t, "the profile", p, `name="adult"`, "I am 18 or older")
	wantNotIn(t, "the profile", p, `value="yes" checked`)
	if _, accept, c := acceptable(t, b, typeID); accept || !strings.Contains(c, "Adult content") {
		t.Errorf("before the declaration: accept %v\n%s", accept, c)
	}

	b.post("/profile", url.Values{"country": {"GH"}, "subdivision": {""}, "adult": {"yes"}}).want(t, 303)
	wantIn(t, "the profile after saving", b.get("/profile").body, `value="yes" checked`, `value="GH"`)
	if _, accept, _ := acceptable(t, b, typeID); !accept {
		t.Error("an adult is not offered the Adult HIT")
	}
	// A bad country keeps what was typed, the box included, and changes nothing.
	bad := b.post("/profile", url.Values{"country": {"Ghana"}}).want(t, 400)
	wantNotIn(t, "the refused profile", bad.body, `value="yes" checked`)
	if _, accept, _ := acceptable(t, b, typeID); !accept {
		t.Error("a refused profile change cleared the declaration")
	}
	// Unchecking clears it.
	b.post("/profile", url.Values{"country": {"GH"}}).want(t, 303)
	if _, accept, _ := acceptable(t, b, typeID); accept {
		t.Error("unchecking the box did not clear the declaration")
	}
}
