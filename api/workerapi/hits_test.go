package workerapi_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/hitd/hitd"
)

func TestListSearchSort(t *testing.T) {
	e := newEnv(t)
	_, token := e.worker("alice")
	// Three groups, created one second apart: cheap (3 HITs), dear (1),
	// mid (2). Newest first is mid, dear, cheap.
	mk := func(title, keywords, reward string, n int) string {
		var typeID string
		for range n {
			h := e.createHIT(htmlQ, func(in *mturk.CreateHITInput) {
				in.Title, in.Keywords, in.Reward = aws.String(title), aws.String(keywords), aws.String(reward)
			})
			typeID = aws.ToString(h.HITTypeId)
		}
		e.Clock.Advance(time.Second)
		return typeID
	}
	cheap := mk("Transcribe receipts", "text, receipt", "0.01", 3)
	dear := mk("Long survey about sleep", "survey", "1.50", 1)
	mid := mk("Tag birds in photos", "image, bird", "0.25", 2)

	ids := func(p groupPageJSON) string {
		var s []string
		for _, g := range p.Groups {
			switch g.HITTypeID {
			case cheap:
				s = append(s, "cheap")
			case dear:
				s = append(s, "dear")
			case mid:
				s = append(s, "mid")
			default:
				s = append(s, g.HITTypeID)
			}
		}
		return strings.Join(s, ",")
	}
	for _, tc := range []struct {
		query   string
		want    string
		hasNext bool
	}{
		{"", "mid,dear,cheap", false},
		{"sort=newest", "mid,dear,cheap", false},
		{"sort=reward", "dear,mid,cheap", false},
		{"sort=available", "cheap,mid,dear", false},
		{"q=survey", "dear", false},
		{"q=BIRD", "mid", false},                   // keywords, any case
		{"q=receipts&sort=reward", "cheap", false}, // title
		{"q=nothing-matches", "", false},
		{"pageSize=2", "mid,dear", true},
		{"pageSize=2&page=2", "cheap", false},
		{"pageSize=1&page=2&sort=reward", "mid", true},
		{"page=9", "", false},
	} {
		var p groupPageJSON
		e.do("GET", "/hits?"+tc.query, token, nil).decode(t, 200, &p)
		if got := ids(p); got != tc.want || p.HasNext != tc.hasNext {
			t.Errorf("%s: groups %s hasNext %v, want %s %v", tc.query, got, p.HasNext, tc.want, tc.hasNext)
		}
		if p.Groups == nil {
			t.Errorf("%s: groups is null, want []", tc.query)
		}
	}

	// One group in full.
	var raw map[string]any
	e.do("GET", "/hits?q=receipts", token, nil).decode(t, 200, &raw)
	g := raw["groups"].([]any)[0].(map[string]any)
	for _, k := range []string{"hitTypeId", "title", "description", "keywords", "requesterId", "requesterName", "reward",
		"assignmentDurationInSeconds", "hitsAvailable", "latestCreation", "earliestExpiration"} {
		if _, ok := g[k]; !ok {
			t.Errorf("group lacks %s: %v", k, g)
		}
	}
	if g["reward"] != "0.01" || g["hitsAvailable"] != 3.0 || g["requesterId"] != e.Root.ID || g["assignmentDurationInSeconds"] != 600.0 {
		t.Errorf("group = %v", g)
	}
	wantRFC3339UTC(t, "latestCreation", g["latestCreation"].(string))
	wantRFC3339UTC(t, "earliestExpiration", g["earliestExpiration"].(string))

	for _, tc := range []struct {
		query string
		code  hitd.Code
	}{
		{"sort=cheapest", hitd.ErrInvalidParameter},
		{"page=0", hitd.ErrOutOfRange},
		{"page=x", hitd.ErrInvalidParameter},
		{"pageSize=101", hitd.ErrOutOfRange},
		{"pageSize=-1", hitd.ErrOutOfRange},
		{"page=99999999999999999999", hitd.ErrInvalidParameter},
		{"q=" + strings.Repeat("x", 201), hitd.ErrOutOfRange},
	} {
		e.do("GET", "/hits?"+tc.query, token, nil).wantError(t, 400, tc.code)
	}
}

func TestGetHIT(t *testing.T) {
	e := newEnv(t)
	_, token := e.worker("alice")
	for _, tc := range []struct {
		name      string
		question  string
		kind      string
		extURL    string
		frame     *int
		questions []string
	}{
		{"html", htmlQ, "HTMLQuestion", "", aws.Int(450), nil},
		{"external", externalQ, "ExternalQuestion", "https://tasks.example.com/t?a=1&b=2", aws.Int(0), nil},
		{"form", formQ, "QuestionForm", "", nil, []string{"age", "colors", "comment"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := e.createHIT(tc.question, func(in *mturk.CreateHITInput) {
				in.RequesterAnnotation = aws.String("secret-batch-annotation")
				in.Keywords = aws.String("k1, k2")
				in.Reward = aws.String("0.07")
			})
			hitID := aws.ToString(h.HITId)
			r := e.do("GET", "/hits/"+hitID, token, nil)
			var v hitJSON
			r.decode(t, 200, &v)
			if strings.Contains(string(r.body), "secret-batch-annotation") || strings.Contains(strings.ToLower(string(r.body)), "annotation") {
				t.Fatalf("the requester annotation leaked: %s", r.body)
			}
			if v.HITID != hitID || v.HITTypeID != aws.ToString(h.HITTypeId) || v.Title != "Label a picture" ||
				v.Description != "Say what is in the picture" || v.Keywords != "k1, k2" || v.Reward != "0.07" ||
				v.RequesterName == "" || v.AssignmentDurationInSeconds != 600 || v.NumberAvailable != 3 {
				t.Errorf("HIT = %+v", v)
			}
			if v.Question != tc.question || v.QuestionType != tc.kind || v.ExternalURL != tc.extURL ||
				strings.Join(v.QuestionIdentifiers, ",") != strings.Join(tc.questions, ",") {
				t.Errorf("question: type %s url %q ids %v; body %s", v.QuestionType, v.ExternalURL, v.QuestionIdentifiers, r.body)
			}
			if (v.FrameHeight == nil) != (tc.frame == nil) || (v.FrameHeight != nil && *v.FrameHeight != *tc.frame) {
				t.Errorf("frameHeight = %v, want %v", v.FrameHeight, tc.frame)
			}
			if exp := wantRFC3339UTC(t, "expiration", v.Expiration); !exp.Equal(aws.ToTime(h.Expiration)) {
				t.Errorf("expiration %v, want %v", exp, aws.ToTime(h.Expiration))
			}
			if v.AssignmentID != "" || v.Deadline != "" {
				t.Errorf("assignment before accepting: %+v", v)
			}
			a := e.accept(token, hitID)
			e.do("GET", "/hits/"+hitID, token, nil).decode(t, 200, &v)
			if v.AssignmentID != a.AssignmentID || v.Deadline != a.Deadline || v.NumberAvailable != 2 {
				t.Errorf("after accept: assignment %q deadline %q available %d; want %q %q 2", v.AssignmentID, v.Deadline, v.NumberAvailable, a.AssignmentID, a.Deadline)
			}
		})
	}
	e.do("GET", "/hits/NOSUCHHIT", token, nil).wantError(t, 404, hitd.ErrHITNotFound)
	e.do("GET", "/hits/"+url.PathEscape("a/b"), token, nil).wantError(t, 404, hitd.ErrHITNotFound)
	e.do("POST", "/hits/NOSUCHHIT/accept", token, nil).wantError(t, 404, hitd.ErrHITNotFound)
}

func TestGroups(t *testing.T) {
	e := newEnv(t)
	_, alice := e.worker("alice")
	_, bob := e.worker("bob")
	first := e.createHIT(htmlQ, func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(1) })
	second := e.createHIT(htmlQ, func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(1) })
	typeID := aws.ToString(first.HITTypeId)
	if aws.ToString(second.HITTypeId) != typeID {
		t.Fatal("the two HITs should share a type")
	}

	var v hitJSON
	e.do("GET", "/groups/"+typeID, alice, nil).decode(t, 200, &v)
	if v.HITID != aws.ToString(first.HITId) || v.Question != htmlQ || v.AssignmentID != "" {
		t.Fatalf("preview: %+v", v)
	}
	var a acceptJSON
	e.do("POST", "/groups/"+typeID+"/accept", alice, nil).decode(t, 200, &a)
	if a.HITID != aws.ToString(first.HITId) || a.AssignmentID == "" {
		t.Fatalf("accept from group: %+v", a)
	}
	wantRFC3339UTC(t, "deadline", a.Deadline)
	// The next HIT of the group for alice is the second; bob gets it too.
	e.do("GET", "/groups/"+typeID, alice, nil).decode(t, 200, &v)
	if v.HITID != aws.ToString(second.HITId) {
		t.Fatalf("second preview: %+v", v)
	}
	e.do("POST", "/groups/"+typeID+"/accept", bob, nil).decode(t, 200, &a)
	if a.HITID != aws.ToString(second.HITId) {
		t.Fatalf("bob accepted %s, want the second HIT", a.HITID)
	}
	// Now nothing is left for alice.
	e.do("GET", "/groups/"+typeID, alice, nil).wantError(t, 409, hitd.ErrHITNotAvailable)
	e.do("POST", "/groups/"+typeID+"/accept", alice, nil).wantError(t, 409, hitd.ErrHITNotAvailable)
	e.do("GET", "/groups/NOSUCHTYPE", alice, nil).wantError(t, 409, hitd.ErrHITNotAvailable)
	e.do("POST", "/groups/"+typeID+"/accept", alice, `{"x":1}`).wantError(t, 400, hitd.ErrInvalidParameter)
}
