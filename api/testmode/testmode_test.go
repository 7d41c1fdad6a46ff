package testmode_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd/internal/hitdtest"
)

const htmlQ = `<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<p>hi</p>]]></HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>`

// call sends a JSON request to the test server and decodes the answer
// into a map; it returns the status.
func call(t *testing.T, e *hitdtest.Env, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %d answer is not JSON: %s", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, out
}

// ok is call that must answer 200.
func ok(t *testing.T, e *hitdtest.Env, method, path, token, body string) map[string]any {
	t.Helper()
	status, out := call(t, e, method, path, token, body)
	if status != http.StatusOK {
		t.Fatalf("%s %s %s: %d %v", method, path, body, status, out)
	}
	return out
}

// worker returns a worker API token of a (new) test mode worker.
func worker(t *testing.T, e *hitdtest.Env, username string) string {
	t.Helper()
	return ok(t, e, "POST", "/_test/workers", "", `{"username": "`+username+`"}`)["token"].(string)
}

func applied(out map[string]any) map[string]any { return out["applied"].(map[string]any) }

// TestMovingTheClockAppliesDueWork: a requester's test sees an assignment
// abandoned, a HIT expire and an assignment auto-approved right after
// each clock move, through the SDK.
func TestMovingTheClockAppliesDueWork(t *testing.T) {
	e := hitdtest.New(t, hitdtest.Options{TestMode: true})
	ctx := context.Background()
	start := e.Clock.Now() // the fake base clock stands still: every time below is exact
	out, err := e.Client.CreateHIT(ctx, &mturk.CreateHITInput{Title: aws.String("t"), Description: aws.String("d"), Reward: aws.String("0.10"),
		AssignmentDurationInSeconds: aws.Int64(600), AutoApprovalDelayInSeconds: aws.Int64(7200), LifetimeInSeconds: aws.Int64(3600),
		MaxAssignments: aws.Int32(3), Question: aws.String(htmlQ)})
	if err != nil {
		t.Fatal(err)
	}
	hitID, typeID := *out.HIT.HITId, *out.HIT.HITTypeId

	clock := ok(t, e, "GET", "/_test/clock", "", "")
	if clock["now"] != start.Format(time.RFC3339Nano) || clock["offsetSeconds"] != 0.0 || clock["epochSeconds"] != float64(start.Unix()) {
		t.Fatalf("GET /_test/clock = %v; want now %s, offset 0", clock, start.Format(time.RFC3339Nano))
	}

	idle, busy := worker(t, e, "idle"), worker(t, e, "busy")
	held := ok(t, e, "POST", "/api/worker/v1/groups/"+typeID+"/accept", idle, "")
	done := ok(t, e, "POST", "/api/worker/v1/groups/"+typeID+"/accept", busy, "")
	ok(t, e, "POST", "/api/worker/v1/assignments/"+done["assignmentId"].(string)+"/submit", busy, `{"answers": {"label": "a cat"}}`)

	// 601 s later the idle worker's time has run out.
	moved := ok(t, e, "POST", "/_test/clock/advance", "", `{"seconds": 601}`)
	if want := start.Add(601 * time.Second).Format(time.RFC3339Nano); moved["now"] != want || moved["offsetSeconds"] != 601.0 {
		t.Fatalf("advance 601: %v, want now %s", moved, want)
	}
	if a := applied(moved); a["abandoned"] != 1.0 || a["expired"] != 0.0 || a["autoApproved"] != 0.0 {
		t.Fatalf("advance 601 applied %v; want one abandoned", a)
	}
	h, err := e.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: &hitID})
	if err != nil || aws.ToInt32(h.HIT.NumberOfAssignmentsPending) != 0 || aws.ToInt32(h.HIT.NumberOfAssignmentsAvailable) != 2 {
		t.Fatalf("after abandonment: %+v %v", h.HIT, err)
	}
	if status, body := call(t, e, "POST", "/api/worker/v1/assignments/"+held["assignmentId"].(string)+"/submit", idle, `{"answers": {"label": "late"}}`); status != http.StatusConflict {
		t.Fatalf("submitting the abandoned assignment: %d %v", status, body)
	}

	// Past its lifetime the HIT expires, with one assignment to review.
	moved = ok(t, e, "POST", "/_test/clock/advance", "", `{"seconds": 3000}`)
	if a := applied(moved); a["expired"] != 1.0 || a["abandoned"] != 0.0 {
		t.Fatalf("advance past the lifetime applied %v; want the expiry noted", a)
	}
	h, err = e.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: &hitID})
	if err != nil || h.HIT.HITStatus != types.HITStatusReviewable || !h.HIT.Expiration.Equal(start.Add(time.Hour)) {
		t.Fatalf("after expiry: status %s expiration %s %v", h.HIT.HITStatus, h.HIT.Expiration, err)
	}

	// Set the clock to just after the auto-approval time (epoch seconds).
	list, err := e.Client.ListAssignmentsForHIT(ctx, &mturk.ListAssignmentsForHITInput{HITId: &hitID})
	if err != nil || len(list.Assignments) != 1 || list.Assignments[0].AssignmentStatus != types.AssignmentStatusSubmitted {
		t.Fatalf("before auto-approval: %+v %v", list, err)
	}
	autoAt := list.Assignments[0].AutoApprovalTime
	moved = ok(t, e, "POST", "/_test/clock/set", "", fmt.Sprintf(`{"time": %d}`, autoAt.Unix()+1))
	if a := applied(moved); a["autoApproved"] != 1.0 || moved["now"] != autoAt.Add(time.Second).UTC().Format(time.RFC3339Nano) {
		t.Fatalf("set past the auto-approval time: %v", moved)
	}
	list, err = e.Client.ListAssignmentsForHIT(ctx, &mturk.ListAssignmentsForHITInput{HITId: &hitID})
	if err != nil || list.Assignments[0].AssignmentStatus != types.AssignmentStatusApproved {
		t.Fatalf("after auto-approval: %+v %v", list.Assignments, err)
	}

	// And by RFC 3339, a day on: nothing left to do.
	day := autoAt.Add(24 * time.Hour).UTC().Format(time.RFC3339)
	moved = ok(t, e, "POST", "/_test/clock/set", "", `{"time": "`+day+`"}`)
	if a := applied(moved); a["abandoned"] != 0.0 || a["autoApproved"] != 0.0 || a["expired"] != 0.0 || moved["now"] != day {
		t.Fatalf("set a day on: %v", moved)
	}
	if got := e.Service.Clock().Now(); got.Format(time.RFC3339) != day {
		t.Fatalf("the Service's clock reads %s, want %s", got, day)
	}
}

func TestBadRequestsGetAWSShapedErrors(t *testing.T) {
	e := hitdtest.New(t, hitdtest.Options{TestMode: true})
	ok(t, e, "POST", "/_test/clock/advance", "", `{"seconds": 3600}`)
	now := e.Service.Clock().Now()
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		turkCode                 string // for RequestErrors; else the __type
	}{
		{"advance 0", "POST", "/_test/clock/advance", `{"seconds": 0}`, 400, "AWS.MechanicalTurk.ParameterOutOfRange"},
		{"advance back", "POST", "/_test/clock/advance", `{"seconds": -60}`, 400, "AWS.MechanicalTurk.ParameterOutOfRange"},
		{"advance 11 years", "POST", "/_test/clock/advance", `{"seconds": 347000000}`, 400, "AWS.MechanicalTurk.ParameterOutOfRange"},
		{"advance past the limit in total", "POST", "/_test/clock/advance", `{"seconds": 315360000}`, 400, "AWS.MechanicalTurk.ParameterOutOfRange"},
		{"advance without seconds", "POST", "/_test/clock/advance", `{}`, 400, "AWS.MechanicalTurk.MissingParameters"},
		{"advance with no body", "POST", "/_test/clock/advance", ``, 400, "AWS.MechanicalTurk.MissingParameters"},
		{"advance by a string", "POST", "/_test/clock/advance", `{"seconds": "60"}`, 400, "AWS.MechanicalTurk.InvalidParameterValue"},
		{"advance, unknown member", "POST", "/_test/clock/advance", `{"seconds": 60, "minutes": 1}`, 400, "AWS.MechanicalTurk.InvalidParameterValue"},
		{"advance, not JSON", "POST", "/_test/clock/advance", `seconds=60`, 400, "AWS.MechanicalTurk.InvalidParameterValue"},
		{"set into the past", "POST", "/_test/clock/set", `{"time": "` + now.Add(-time.Minute).Format(time.RFC3339) + `"}`, 400, "AWS.MechanicalTurk.InvalidParameterValue"},
		{"set to real time", "POST", "/_test/clock/set", fmt.Sprintf(`{"time": %d}`, e.Clock.Now().Unix()), 400, "AWS.MechanicalTurk.InvalidParameterValue"},
		{"set a malformed time", "POST", "/_test/clock/set", `{"time": "tomorrow"}`, 400, "AWS.MechanicalTurk.InvalidParameterValue"},
		{"set a time without zone", "POST", "/_test/clock/set", `{"time": "2040-01-01T00:00:00"}`, 400, "AWS.MechanicalTurk.InvalidParameterValue"},
		{"set an object", "POST", "/_test/clock/set", `{"time": {"year": 2040}}`, 400, "AWS.MechanicalTurk.InvalidParameterValue"},
		{"set null", "POST", "/_test/clock/set", `{"time": null}`, 400, "AWS.MechanicalTurk.MissingParameters"},
		{"set too far", "POST", "/_test/clock/set", `{"time": "2999-01-01T00:00:00Z"}`, 400, "AWS.MechanicalTurk.ParameterOutOfRange"},
		{"worker without username", "POST", "/_test/workers", `{}`, 400, "AWS.MechanicalTurk.MissingParameters"},
		{"worker with a bad username", "POST", "/_test/workers", `{"username": "no spaces"}`, 400, "AWS.MechanicalTurk.InvalidParameterValue"},
		{"unknown endpoint", "POST", "/_test/clock/rewind", `{}`, 404, "UnknownOperationException"},
		{"wrong method", "GET", "/_test/clock/advance", ``, 404, "UnknownOperationException"},
		{"the bare prefix", "GET", "/_test", ``, 404, "UnknownOperationException"},
	} {
		status, out := call(t, e, tc.method, tc.path, "", tc.body)
		code, _ := out["TurkErrorCode"].(string)
		if code == "" {
			code, _ = out["__type"].(string)
		}
		if status != tc.status || code != tc.turkCode || out["Message"] == "" {
			t.Errorf("%s: %d %v; want %d %s", tc.name, status, out, tc.status, tc.turkCode)
		}
	}
	if got := e.Service.Clock().Now(); !got.Equal(now) {
		t.Fatalf("refused moves changed the clock: %s, want %s", got, now)
	}
}

// TestGuardsAgainstOtherPages: a page in a browser on the same machine
// can neither send a JSON request without a preflight nor reach the
// endpoints under another host name (DNS rebinding).
func TestGuardsAgainstOtherPages(t *testing.T) {
	e := hitdtest.New(t, hitdtest.Options{TestMode: true})
	post := func(host, contentType string) int {
		req, _ := http.NewRequest("POST", e.URL+"/_test/clock/advance", strings.NewReader(`{"seconds": 60}`))
		req.Header.Set("Content-Type", contentType)
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		host, contentType string
		status            int
	}{
		{"", "text/plain", http.StatusUnsupportedMediaType},
		{"", "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"evil.example:80", "application/json", http.StatusForbidden},
		{"127.0.0.1.nip.io", "application/json", http.StatusForbidden},
		{"localhost:9", "application/json; charset=utf-8", http.StatusOK},
		{"[::1]:9", "application/json", http.StatusOK},
	} {
		if got := post(tc.host, tc.contentType); got != tc.status {
			t.Errorf("Host %q, Content-Type %q: %d, want %d", tc.host, tc.contentType, got, tc.status)
		}
	}
	if off := e.TestClock.Offset(); off != 2*time.Minute {
		t.Fatalf("offset %s; want only the two allowed moves", off)
	}
}

func TestWorkersEndpoint(t *testing.T) {
	e := hitdtest.New(t, hitdtest.Options{TestMode: true})
	first := ok(t, e, "POST", "/_test/workers", "", `{"username": "sim-1"}`)
	again := ok(t, e, "POST", "/_test/workers", "", `{"username": "SIM-1"}`)
	if first["created"] != true || again["created"] != false || first["workerId"] != again["workerId"] || again["username"] != "sim-1" {
		t.Fatalf("make, then reuse (usernames compare without case): %v then %v", first, again)
	}
	if first["token"] == again["token"] {
		t.Fatal("each call should open a session of its own")
	}
	for _, tok := range []any{first["token"], again["token"]} {
		me := ok(t, e, "GET", "/api/worker/v1/me", tok.(string), "")
		if me["workerId"] != first["workerId"] {
			t.Fatalf("GET /me with a test mode token: %v", me)
		}
	}
	// A worker made elsewhere (the site's sign-up) gets a session too.
	w, err := e.Service.CreateWorker(context.Background(), "alice", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if got := ok(t, e, "POST", "/_test/workers", "", `{"username": "alice"}`); got["workerId"] != w.ID || got["created"] != false {
		t.Fatalf("existing worker: %v", got)
	}
}
