package workerapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/hitd/hitd"
)

// answerXML is the QuestionFormAnswers document MTurk returned, for
// comparisons.
func answerXML(inner string) string {
	return `<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">` + inner + `</QuestionFormAnswers>`
}

func freeText(id, text string) string {
	return "<Answer><QuestionIdentifier>" + id + "</QuestionIdentifier><FreeText>" + text + "</FreeText></Answer>"
}

func TestAcceptReturn(t *testing.T) {
	e := newEnv(t)
	_, alice := e.worker("alice")
	_, bob := e.worker("bob")
	_, carol := e.worker("carol")
	hitID := aws.ToString(e.createHIT(htmlQ, func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(2) }).HITId)

	a1 := e.accept(alice, hitID)
	deadline := wantRFC3339UTC(t, "deadline", a1.Deadline)
	if want := e.Clock.Now().Add(600 * time.Second); !deadline.Equal(want) {
		t.Errorf("deadline %v, want %v", deadline, want)
	}
	e.do("POST", "/hits/"+hitID+"/accept", alice, nil).wantError(t, 409, hitd.ErrAlreadyAccepted)
	e.accept(bob, hitID)
	e.do("POST", "/hits/"+hitID+"/accept", carol, nil).wantError(t, 409, hitd.ErrHITNotAvailable)

	// Only the holder can return it.
	e.do("POST", "/assignments/"+a1.AssignmentID+"/return", bob, nil).wantError(t, 404, hitd.ErrAssignmentNotFound)
	e.do("POST", "/assignments/NOSUCHASSIGNMENT/return", alice, nil).wantError(t, 404, hitd.ErrAssignmentNotFound)
	e.do("POST", "/assignments/"+a1.AssignmentID+"/return", alice, `{"reason":"bored"}`).wantError(t, 400, hitd.ErrInvalidParameter)
	var ret struct{ AssignmentID, Status string }
	e.do("POST", "/assignments/"+a1.AssignmentID+"/return", alice, nil).decode(t, 200, &ret)
	if ret.AssignmentID != a1.AssignmentID || ret.Status != "Returned" {
		t.Fatalf("return: %+v", ret)
	}
	e.do("POST", "/assignments/"+a1.AssignmentID+"/return", alice, "{}").wantError(t, 409, hitd.ErrInvalidAssignmentState)
	e.do("POST", "/assignments/"+a1.AssignmentID+"/submit", alice, `{"answers":{}}`).wantError(t, 409, hitd.ErrInvalidAssignmentState)

	// The slot is free again: carol takes it, then alice can't.
	e.accept(carol, hitID)
	e.do("POST", "/hits/"+hitID+"/accept", alice, nil).wantError(t, 409, hitd.ErrHITNotAvailable)
	// Carol returns; alice accepts again with a new assignment.
	var list assignmentPageJSON
	e.do("GET", "/assignments?status=Accepted", carol, nil).decode(t, 200, &list)
	if len(list.Assignments) != 1 {
		t.Fatalf("carol's accepted assignments: %+v", list)
	}
	e.do("POST", "/assignments/"+list.Assignments[0].AssignmentID+"/return", carol, nil).decode(t, 200, nil)
	a2 := e.accept(alice, hitID)
	if a2.AssignmentID == a1.AssignmentID {
		t.Fatal("accepting again reused the returned assignment")
	}
}

func TestSubmitFreeTextKeepsOrder(t *testing.T) {
	e := newEnv(t)
	_, alice := e.worker("alice")
	for _, tc := range []struct {
		name, question string
	}{
		{"html", htmlQ},
		{"external", externalQ},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hitID := aws.ToString(e.createHIT(tc.question, nil).HITId)
			a := e.accept(alice, hitID)
			// Not alphabetical, a repeated name, an array, a number, an
			// assignmentId field (dropped), and text that needs escaping.
			out := e.submit(alice, a.AssignmentID, `{"answers": {"zeta": "last letter", "alpha": ["x", "y"], "assignmentId": "ignored",
				"mid": 42, "alpha": "z", "note": "<b>5 > 4 & café</b>", "empty": []}}`)
			if out.AssignmentID != a.AssignmentID || out.Status != "Submitted" {
				t.Fatalf("submit: %+v", out)
			}
			if st := wantRFC3339UTC(t, "submitTime", out.SubmitTime); !st.Equal(e.Clock.Now()) {
				t.Errorf("submitTime %v, want %v", st, e.Clock.Now())
			}
			want := answerXML(freeText("zeta", "last letter") + freeText("alpha", "x|y|z") + freeText("mid", "42") +
				freeText("note", "&lt;b&gt;5 &gt; 4 &amp; caf&#233;&lt;/b&gt;") + freeText("empty", ""))
			if got := e.answers(hitID)[a.AssignmentID]; got != want {
				t.Errorf("Answer =\n%s\nwant\n%s", got, want)
			}
			// Submitting twice is a conflict.
			e.do("POST", "/assignments/"+a.AssignmentID+"/submit", alice, `{"answers":{"zeta":"again"}}`).wantError(t, 409, hitd.ErrInvalidAssignmentState)
		})
	}
}

func TestSubmitQuestionForm(t *testing.T) {
	e := newEnv(t)
	_, alice := e.worker("alice")
	_, bob := e.worker("bob")
	hitID := aws.ToString(e.createHIT(formQ, nil).HITId)
	a := e.accept(alice, hitID)
	path := "/assignments/" + a.AssignmentID + "/submit"

	for _, tc := range []struct {
		body   string
		fields map[string]string // field → a word its message must contain
	}{
		{`{"answers":{}}`, map[string]string{"age": "", "colors": ""}},
		{`{"answers":{"age":"12","colors":["red"]}}`, map[string]string{"age": "18"}},
		{`{"answers":{"age":"forty","colors":["red","green","blue"]}}`, map[string]string{"age": "whole number", "colors": "2"}},
		{`{"answers":{"age":"40","colors":["purple"]}}`, map[string]string{"colors": ""}},
	} {
		er := e.do("POST", path, alice, tc.body).wantError(t, 422, hitd.ErrInvalidAnswer)
		if len(er.Error.Fields) != len(tc.fields) {
			t.Errorf("%s: fields %v, want %v", tc.body, er.Error.Fields, tc.fields)
		}
		for f, word := range tc.fields {
			if msg, ok := er.Error.Fields[f]; !ok || !strings.Contains(msg, word) {
				t.Errorf("%s: fields[%s] = %q, want it to mention %q", tc.body, f, msg, word)
			}
		}
	}
	// Someone else's assignment is not found, even with good answers.
	good := `{"answers":{"comment":"fine","colors":["blue","red"],"age":" 40 "}}`
	e.do("POST", path, bob, good).wantError(t, 404, hitd.ErrAssignmentNotFound)

	e.submit(alice, a.AssignmentID, good)
	// A QuestionForm's answers follow the form's order, selections too.
	want := answerXML(freeText("age", " 40 ") +
		"<Answer><QuestionIdentifier>colors</QuestionIdentifier><SelectionIdentifier>red</SelectionIdentifier><SelectionIdentifier>blue</SelectionIdentifier></Answer>" +
		freeText("comment", "fine"))
	if got := e.answers(hitID)[a.AssignmentID]; got != want {
		t.Errorf("Answer =\n%s\nwant\n%s", got, want)
	}
}

func TestSubmitAutoApproved(t *testing.T) {
	e := newEnv(t)
	_, alice := e.worker("alice")
	hitID := aws.ToString(e.createHIT(htmlQ, func(in *mturk.CreateHITInput) { in.AutoApprovalDelayInSeconds = aws.Int64(0) }).HITId)
	a := e.accept(alice, hitID)
	if out := e.submit(alice, a.AssignmentID, `{"answers":{"zeta":"z"}}`); out.Status != "Approved" {
		t.Fatalf("status %s, want Approved", out.Status)
	}
	var me struct {
		Earnings  string `json:"earnings"`
		Submitted int    `json:"submitted"`
		Approved  int    `json:"approved"`
	}
	e.do("GET", "/me", alice, nil).decode(t, 200, &me)
	if me.Earnings != "0.05" || me.Submitted != 1 || me.Approved != 1 {
		t.Errorf("profile %+v", me)
	}
}

func TestSubmitAfterDeadline(t *testing.T) {
	e := newEnv(t)
	_, alice := e.worker("alice")
	hitID := aws.ToString(e.createHIT(htmlQ, nil).HITId)
	a := e.accept(alice, hitID)
	e.Clock.Advance(600 * time.Second)
	er := e.do("POST", "/assignments/"+a.AssignmentID+"/submit", alice, `{"answers":{"zeta":"late"}}`).wantError(t, 409, hitd.ErrInvalidAssignmentState)
	if !strings.Contains(er.Error.Message, "ran out") {
		t.Errorf("message %q", er.Error.Message)
	}
	if got := e.answers(hitID); len(got) != 0 {
		t.Errorf("a late submission was stored: %v", got)
	}
}

func TestSubmitBadBodies(t *testing.T) {
	e := newEnv(t)
	_, alice := e.worker("alice")
	hitID := aws.ToString(e.createHIT(htmlQ, nil).HITId)
	a := e.accept(alice, hitID)
	path := "/assignments/" + a.AssignmentID + "/submit"
	for _, tc := range []struct {
		name, body string
		code       hitd.Code
	}{
		{"empty", ``, hitd.ErrInvalidParameter},
		{"not JSON", `answers=1`, hitd.ErrInvalidParameter},
		{"array", `[{"answers":{}}]`, hitd.ErrInvalidParameter},
		{"string", `"answers"`, hitd.ErrInvalidParameter},
		{"null", `null`, hitd.ErrInvalidParameter},
		{"no answers", `{}`, hitd.ErrMissingParameter},
		{"answers null", `{"answers":null}`, hitd.ErrInvalidParameter},
		{"answers array", `{"answers":["a"]}`, hitd.ErrInvalidParameter},
		{"answers string", `{"answers":"a"}`, hitd.ErrInvalidParameter},
		{"null value", `{"answers":{"a":null}}`, hitd.ErrInvalidParameter},
		{"bool value", `{"answers":{"a":true}}`, hitd.ErrInvalidParameter},
		{"object value", `{"answers":{"a":{"b":"c"}}}`, hitd.ErrInvalidParameter},
		{"nested array", `{"answers":{"a":[["b"]]}}`, hitd.ErrInvalidParameter},
		{"null in array", `{"answers":{"a":["b",null]}}`, hitd.ErrInvalidParameter},
		{"unknown member", `{"answers":{},"hitId":"x"}`, hitd.ErrInvalidParameter},
		{"answers twice", `{"answers":{"a":"1"},"answers":{"b":"2"}}`, hitd.ErrInvalidParameter},
		{"trailing data", `{"answers":{"a":"1"}} {}`, hitd.ErrInvalidParameter},
		{"truncated", `{"answers":{"a":"1"`, hitd.ErrInvalidParameter},
		{"truncated array", `{"answers":{"a":["1",`, hitd.ErrInvalidParameter},
		{"missing colon", `{"answers" {"a":"1"}}`, hitd.ErrInvalidParameter},
		{"missing comma", `{"answers":{"a":"1" "b":"2"}}`, hitd.ErrInvalidParameter},
		{"bad escape", `{"answers":{"a":"\q"}}`, hitd.ErrInvalidParameter},
		{"too large", `{"answers":{"a":"` + strings.Repeat("x", 1<<20) + `"}}`, hitd.ErrOutOfRange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status := 400
			if tc.code == hitd.ErrOutOfRange {
				status = 413 // a body over api.MaxBodyBytes
			}
			e.do("POST", path, alice, tc.body).wantError(t, status, tc.code)
		})
	}
	// Nothing was submitted.
	var got assignmentJSON
	e.do("GET", "/assignments/"+a.AssignmentID, alice, nil).decode(t, 200, &got)
	if got.Status != "Accepted" {
		t.Fatalf("status %s after bad submissions", got.Status)
	}
}

func TestAssignmentsListing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, alice := e.worker("alice")
	_, bob := e.worker("bob")
	var ids []string // alice's assignments, oldest first
	var hits []string
	for i := range 5 {
		h := e.createHIT(htmlQ, func(in *mturk.CreateHITInput) { in.Title = aws.String(fmt.Sprintf("Task %d", i)) })
		hits = append(hits, aws.ToString(h.HITId))
		ids = append(ids, e.accept(alice, hits[i]).AssignmentID)
		e.Clock.Advance(time.Second)
	}
	e.submit(alice, ids[0], `{"answers":{"zeta":"0"}}`)
	e.submit(alice, ids[1], `{"answers":{"zeta":"1"}}`)
	e.submit(alice, ids[2], `{"answers":{"zeta":"2"}}`)
	e.do("POST", "/assignments/"+ids[3]+"/return", alice, nil).decode(t, 200, nil)
	if _, err := e.Client.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: aws.String(ids[0]), RequesterFeedback: aws.String("Thanks!")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.RejectAssignment(ctx, &mturk.RejectAssignmentInput{AssignmentId: aws.String(ids[1]), RequesterFeedback: aws.String("Blank answer.")}); err != nil {
		t.Fatal(err)
	}
	// Bob's assignments do not show up in alice's list.
	e.accept(bob, hits[0])

	statusOf := func(p assignmentPageJSON) string {
		var s []string
		for _, a := range p.Assignments {
			for i, id := range ids {
				if id == a.AssignmentID {
					s = append(s, fmt.Sprintf("%d:%s", i, a.Status))
				}
			}
		}
		return strings.Join(s, " ")
	}
	for _, tc := range []struct{ query, want string }{
		{"", "4:Accepted 3:Returned 2:Submitted 1:Rejected 0:Approved"},
		{"status=Approved", "0:Approved"},
		{"status=submitted,rejected", "2:Submitted 1:Rejected"},
		{"status=Accepted&status=Returned", "4:Accepted 3:Returned"},
		{"status=Abandoned", ""},
		{"limit=2", "4:Accepted 3:Returned"},
	} {
		var p assignmentPageJSON
		e.do("GET", "/assignments?"+tc.query, alice, nil).decode(t, 200, &p)
		if got := statusOf(p); got != tc.want || len(p.Assignments) != len(strings.Fields(tc.want)) {
			t.Errorf("%q: %s, want %s", tc.query, got, tc.want)
		}
	}

	// Page through with nextToken.
	var seen []string
	token := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("too many pages")
		}
		var p assignmentPageJSON
		e.do("GET", "/assignments?limit=2&nextToken="+token, alice, nil).decode(t, 200, &p)
		seen = append(seen, statusOf(p))
		if p.NextToken == "" {
			break
		}
		token = p.NextToken
	}
	if got := strings.Join(seen, " | "); got != "4:Accepted 3:Returned | 2:Submitted 1:Rejected | 0:Approved" {
		t.Errorf("pages: %s", got)
	}

	// The listing's details.
	var p assignmentPageJSON
	e.do("GET", "/assignments?status=Approved,Rejected", alice, nil).decode(t, 200, &p)
	for _, a := range p.Assignments {
		wantRFC3339UTC(t, "acceptTime", a.AcceptTime)
		wantRFC3339UTC(t, "submitTime", a.SubmitTime)
		if a.Reward != "0.05" || !strings.HasPrefix(a.Title, "Task ") || a.Answer != "" || a.HIT != nil {
			t.Errorf("listed %+v", a)
		}
	}
	if p.Assignments[0].RequesterFeedback != "Blank answer." || p.Assignments[1].RequesterFeedback != "Thanks!" {
		t.Errorf("feedback %q %q", p.Assignments[0].RequesterFeedback, p.Assignments[1].RequesterFeedback)
	}

	for _, q := range []string{"status=Done", "limit=0", "limit=101", "limit=x", "nextToken=garbage"} {
		e.do("GET", "/assignments?"+q, alice, nil).wantError(t, 400, map[bool]hitd.Code{true: hitd.ErrOutOfRange, false: hitd.ErrInvalidParameter}[strings.HasPrefix(q, "limit=") && q != "limit=x"])
	}

	// One assignment, with its answer and HIT.
	var one assignmentJSON
	e.do("GET", "/assignments/"+ids[2], alice, nil).decode(t, 200, &one)
	if one.Status != "Submitted" || one.Answer != answerXML(freeText("zeta", "2")) || one.HIT == nil ||
		one.HIT.HITID != hits[2] || one.HIT.Question != htmlQ || one.Title != "Task 2" {
		t.Errorf("assignment %+v", one)
	}
	var open assignmentJSON
	e.do("GET", "/assignments/"+ids[4], alice, nil).decode(t, 200, &open)
	if open.Status != "Accepted" || open.HIT.AssignmentID != ids[4] || open.Answer != "" || open.SubmitTime != "" {
		t.Errorf("accepted assignment %+v hit %+v", open, open.HIT)
	}
	e.do("GET", "/assignments/"+ids[2], bob, nil).wantError(t, 404, hitd.ErrAssignmentNotFound)
	e.do("GET", "/assignments/NOSUCH", alice, nil).wantError(t, 404, hitd.ErrAssignmentNotFound)
}

func TestProfileAndMessages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	w, alice := e.worker("alice")
	if _, err := e.Service.UpdateWorkerLocation(ctx, w.ID, "us", "wa"); err != nil {
		t.Fatal(err)
	}
	hits := make([]string, 4)
	as := make([]string, 4)
	for i := range hits {
		hits[i] = aws.ToString(e.createHIT(htmlQ, func(in *mturk.CreateHITInput) { in.Reward = aws.String("0.50") }).HITId)
		as[i] = e.accept(alice, hits[i]).AssignmentID
	}
	for _, id := range as[:3] {
		e.submit(alice, id, `{"answers":{"zeta":"1"}}`)
	}
	if _, err := e.Client.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: aws.String(as[0])}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.RejectAssignment(ctx, &mturk.RejectAssignmentInput{AssignmentId: aws.String(as[1]), RequesterFeedback: aws.String("No.")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.SendBonus(ctx, &mturk.SendBonusInput{WorkerId: aws.String(w.ID), AssignmentId: aws.String(as[0]),
		BonusAmount: aws.String("1.25"), Reason: aws.String("Great work")}); err != nil {
		t.Fatal(err)
	}

	r := e.do("GET", "/me", alice, nil)
	var me map[string]any
	r.decode(t, 200, &me)
	want := map[string]any{"workerId": w.ID, "username": "alice", "country": "US", "subdivision": "WA", "earnings": "1.75",
		"submitted": 3.0, "approved": 1.0, "rejected": 1.0, "pending": 1.0}
	for k, v := range want {
		if me[k] != v {
			t.Errorf("me[%s] = %v, want %v", k, me[k], v)
		}
	}
	if strings.Contains(strings.ToLower(string(r.body)), "password") {
		t.Errorf("profile mentions the password: %s", r.body)
	}
	wantRFC3339UTC(t, "creationTime", me["creationTime"].(string))

	var inbox struct {
		Messages []struct {
			MessageID, RequesterID, RequesterName, Subject, MessageText, CreationTime string
		} `json:"messages"`
	}
	e.do("GET", "/messages", alice, nil).decode(t, 200, &inbox)
	if inbox.Messages == nil || len(inbox.Messages) != 0 {
		t.Fatalf("inbox before any message: %+v", inbox)
	}
	for _, subj := range []string{"First", "Second"} {
		e.Clock.Advance(time.Second)
		if _, err := e.Client.NotifyWorkers(ctx, &mturk.NotifyWorkersInput{Subject: aws.String(subj), MessageText: aws.String("Hello " + subj),
			WorkerIds: []string{w.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	e.do("GET", "/messages", alice, nil).decode(t, 200, &inbox)
	if len(inbox.Messages) != 2 || inbox.Messages[0].Subject != "Second" || inbox.Messages[1].MessageText != "Hello First" ||
		inbox.Messages[0].RequesterID != e.Root.ID || inbox.Messages[0].MessageID == "" {
		t.Fatalf("inbox %+v", inbox)
	}
	wantRFC3339UTC(t, "creationTime", inbox.Messages[0].CreationTime)
	e.do("GET", "/messages?limit=1", alice, nil).decode(t, 200, &inbox)
	if len(inbox.Messages) != 1 || inbox.Messages[0].Subject != "Second" {
		t.Fatalf("limit=1: %+v", inbox)
	}
	e.do("GET", "/messages?limit=501", alice, nil).wantError(t, 400, hitd.ErrOutOfRange)
}

// TestConcurrentAccept races 200 workers for 7 slots: exactly 7 win, the
// rest get 409, and the HIT reports 7 pending.
func TestConcurrentAccept(t *testing.T) {
	e := newEnv(t)
	const workers, slots = 200, 7
	h := e.createHIT(htmlQ, func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(slots) })
	hitID := aws.ToString(h.HITId)
	tokens := make([]string, workers)
	for i := range tokens {
		_, tokens[i] = e.worker(fmt.Sprintf("w%03d", i))
	}
	statuses := make([]int, workers)
	codes := make([]string, workers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			<-start
			// Not doURL: t.Fatal must not be called off the test goroutine.
			req, _ := http.NewRequest("POST", e.base+"/hits/"+hitID+"/accept", nil)
			req.Header.Set("Authorization", "Bearer "+tokens[i])
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				codes[i] = err.Error()
				return
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			statuses[i], codes[i] = res.StatusCode, string(b)
		})
	}
	close(start)
	wg.Wait()
	won := 0
	for i, st := range statuses {
		switch st {
		case 200:
			won++
		case 409:
			if !strings.Contains(codes[i], string(hitd.ErrHITNotAvailable)) {
				t.Errorf("worker %d: %s", i, codes[i])
			}
		default:
			t.Errorf("worker %d: status %d %s", i, st, codes[i])
		}
	}
	if won != slots {
		t.Fatalf("%d accepts succeeded, want %d", won, slots)
	}
	got, err := e.Client.GetHIT(context.Background(), &mturk.GetHITInput{HITId: aws.String(hitID)})
	if err != nil {
		t.Fatal(err)
	}
	if p, av := aws.ToInt32(got.HIT.NumberOfAssignmentsPending), aws.ToInt32(got.HIT.NumberOfAssignmentsAvailable); p != slots || av != 0 {
		t.Fatalf("HIT pending %d available %d, want %d and 0", p, av, slots)
	}
}

// TestConcurrentAcceptSameWorker: each worker races many accepts of one HIT
// against itself over HTTP; every worker gets exactly one assignment, the
// rest are 409 AlreadyAccepted, and the HIT's counts add up.
func TestConcurrentAcceptSameWorker(t *testing.T) {
	e := newEnv(t)
	const workers, each, slots = 10, 25, 20 // 250 concurrent accepts
	h := e.createHIT(htmlQ, func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(slots) })
	hitID := aws.ToString(h.HITId)
	tokens := make([]string, workers)
	for i := range tokens {
		_, tokens[i] = e.worker(fmt.Sprintf("self%02d", i))
	}
	type result struct {
		status int
		body   string
	}
	results := make([][]result, workers)
	for i := range results {
		results[i] = make([]result, each)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range workers {
		for j := range each {
			wg.Go(func() {
				<-start
				req, _ := http.NewRequest("POST", e.base+"/hits/"+hitID+"/accept", nil)
				req.Header.Set("Authorization", "Bearer "+tokens[i])
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					results[i][j] = result{0, err.Error()}
					return
				}
				defer res.Body.Close()
				b, _ := io.ReadAll(res.Body)
				results[i][j] = result{res.StatusCode, string(b)}
			})
		}
	}
	close(start)
	wg.Wait()
	assignments := map[string]bool{}
	for i, rs := range results {
		won := 0
		for _, r := range rs {
			switch {
			case r.status == 200:
				won++
				var out struct {
					AssignmentID string `json:"assignmentId"`
				}
				if err := json.Unmarshal([]byte(r.body), &out); err != nil || out.AssignmentID == "" {
					t.Errorf("worker %d: accept answered %s", i, r.body)
				}
				assignments[out.AssignmentID] = true
			case r.status == 409 && strings.Contains(r.body, string(hitd.ErrAlreadyAccepted)):
			default:
				t.Errorf("worker %d: status %d %s", i, r.status, r.body)
			}
		}
		if won != 1 {
			t.Errorf("worker %d won %d of %d concurrent accepts of one HIT, want exactly 1", i, won, each)
		}
	}
	if len(assignments) != workers {
		t.Errorf("%d distinct assignments, want %d", len(assignments), workers)
	}
	got, err := e.Client.GetHIT(context.Background(), &mturk.GetHITInput{HITId: aws.String(hitID)})
	if err != nil {
		t.Fatal(err)
	}
	if p, av := aws.ToInt32(got.HIT.NumberOfAssignmentsPending), aws.ToInt32(got.HIT.NumberOfAssignmentsAvailable); p != workers || av != slots-workers {
		t.Fatalf("HIT pending %d available %d, want %d and %d", p, av, workers, slots-workers)
	}
	// Each worker's own listing shows the one assignment.
	for i, tok := range tokens {
		var page struct {
			Assignments []struct {
				HITID string `json:"hitId"`
			} `json:"assignments"`
		}
		e.do("GET", "/assignments", tok, nil).decode(t, 200, &page)
		if len(page.Assignments) != 1 || page.Assignments[0].HITID != hitID {
			t.Errorf("worker %d lists %+v", i, page.Assignments)
		}
	}
}
