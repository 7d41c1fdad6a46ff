package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd/internal/workersim"
)

func TestTestModeOnlyOnLoopback(t *testing.T) {
	for _, tc := range []struct {
		args []string
		bad  string // the flag and address named in the refusal; "" if allowed
	}{
		{[]string{"--listen", "0.0.0.0:0"}, "--listen 0.0.0.0:0"},
		{[]string{"--listen", ":0"}, "--listen :0"},
		{[]string{"--listen", "[::]:0"}, "--listen [::]:0"},
		{[]string{"--listen", "hits.example.org:8080"}, "--listen hits.example.org:8080"},
		{[]string{"--listen", "127.0.0.1:0", "--sandbox-listen", "192.168.1.10:0"}, "--sandbox-listen 192.168.1.10:0"},
		{[]string{"--listen", "127.0.0.1:0", "--content-listen", ":0"}, "--content-listen :0"},
		{[]string{"--listen", "127.0.0.1:0", "--debug-listen", "10.0.0.1:6060"}, "--debug-listen 10.0.0.1:6060"},
	} {
		dir := t.TempDir()
		err := run(context.Background(), append([]string{"serve", "--test-mode", "--data-dir", dir}, tc.args...), &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.bad+" is not a loopback address") {
			t.Errorf("serve --test-mode %v: %v; want a refusal naming %s", tc.args, err, tc.bad)
		}
	}
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "127.1.2.3:80": true, "[::1]:8080": true, "localhost:8080": true, "LocalHost:1": true,
		"0.0.0.0:8080": false, ":8080": false, "[::]:8080": false, "10.0.0.1:80": false, "example.org:80": false, "127.0.0.1": false,
	} {
		if got := loopbackAddr(addr); got != want {
			t.Errorf("loopbackAddr(%q) = %v, want %v", addr, got, want)
		}
	}
}

func TestTestModeSaysSoLoudly(t *testing.T) {
	var log bytes.Buffer
	tm := testMode{on: true}
	if err := tm.check(map[string]string{"--listen": "127.0.0.1:8080"}); err != nil {
		t.Fatal(err)
	}
	tm.start(slog.New(slog.NewTextHandler(&log, nil)))
	if !strings.Contains(log.String(), "level=WARN") || !strings.Contains(log.String(), "TEST MODE IS ON") {
		t.Fatalf("start-up log: %s", log.String())
	}
	var off testMode
	if err := off.check(map[string]string{"--listen": "0.0.0.0:8080"}); err != nil || off.realmClock() != nil {
		t.Fatalf("without --test-mode: %v, clock %v", err, off.realmClock())
	}
}

// testModeServer starts hitd serve --test-mode and returns its URL and an
// SDK client signed as its root requester.
func testModeServer(t *testing.T, extra ...string) (string, *mturk.Client) {
	t.Helper()
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", nodeRootKey)
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", nodeRootSecret)
	_, addr, stop := startServe(t, t.TempDir(), extra...)
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	})
	base := "http://" + addr
	return base, sdkClient(base, http.DefaultClient)
}

// postJSON posts body to the server and decodes the 200 answer.
func postJSON(t *testing.T, url, body string) map[string]any {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s %s: %d %v %v", url, body, resp.StatusCode, out, err)
	}
	return out
}

func createTestHIT(t *testing.T, c *mturk.Client, slots int32, quals ...types.QualificationRequirement) (hitID, typeID string) {
	t.Helper()
	out, err := c.CreateHIT(context.Background(), &mturk.CreateHITInput{Title: aws.String("Label a picture"), Description: aws.String("d"), Reward: aws.String("0.25"),
		AssignmentDurationInSeconds: aws.Int64(600), AutoApprovalDelayInSeconds: aws.Int64(3600), LifetimeInSeconds: aws.Int64(7200),
		MaxAssignments: aws.Int32(slots), QualificationRequirements: quals,
		Question: aws.String(`<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<form><input name="label"></form>]]></HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>`)})
	if err != nil {
		t.Fatal(err)
	}
	return *out.HIT.HITId, *out.HIT.HITTypeId
}

// TestServeTestModeAndSimulate: the whole feature through the binary's
// commands: serve --test-mode, the clock days ahead (SDK signatures still
// verify), worker simulate submitting on the server's clock, and the clock
// moved on to auto-approval and abandonment.
func TestServeTestModeAndSimulate(t *testing.T) {
	base, c := testModeServer(t, "--test-mode")
	ctx := context.Background()
	moved := postJSON(t, base+"/_test/clock/advance", `{"seconds": 259200}`) // 3 days
	serverNow, err := time.Parse(time.RFC3339Nano, moved["now"].(string))
	if err != nil || serverNow.Before(time.Now().Add(71*time.Hour)) {
		t.Fatalf("advance 3 days: %v %v", moved, err)
	}
	hitID, typeID := createTestHIT(t, c, 3) // signed with the real time: verified against it
	answers := writeFile(t, t.TempDir(), "answers.json", `[{"answers": {"label": "cat"}}, {"answers": {"label": "dog", "tags": ["a", "b"]}}]`)

	out, err := runCmd(t, "worker", "simulate", "--url", base, "--hit-type", typeID, "--answers", answers, "--workers", "2")
	if err != nil {
		t.Fatalf("simulate: %v\n%s", err, out)
	}
	if !strings.Contains(out, "2 assignments submitted by 2 workers (2 new)") || strings.Count(out, "Submitted") != 2 {
		t.Fatalf("simulate output:\n%s", out)
	}
	list, err := c.ListAssignmentsForHIT(ctx, &mturk.ListAssignmentsForHITInput{HITId: &hitID})
	if err != nil || len(list.Assignments) != 2 {
		t.Fatalf("assignments after simulate: %+v %v", list, err)
	}
	seen := map[string]bool{}
	for _, a := range list.Assignments {
		if a.AcceptTime.Before(serverNow) {
			t.Errorf("assignment accepted at %s, before the server's clock %s: simulate did not use the server's time", a.AcceptTime, serverNow)
		}
		seen[*a.Answer] = true
		if !strings.Contains(out, *a.AssignmentId) || !strings.Contains(out, *a.WorkerId) {
			t.Errorf("simulate did not print assignment %s of %s:\n%s", *a.AssignmentId, *a.WorkerId, out)
		}
	}
	const ns = `<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd">`
	for _, want := range []string{
		ns + `<Answer><QuestionIdentifier>label</QuestionIdentifier><FreeText>cat</FreeText></Answer></QuestionFormAnswers>`,
		ns + `<Answer><QuestionIdentifier>label</QuestionIdentifier><FreeText>dog</FreeText></Answer><Answer><QuestionIdentifier>tags</QuestionIdentifier><FreeText>a|b</FreeText></Answer></QuestionFormAnswers>`,
	} {
		if !seen[want] {
			t.Errorf("no assignment answered %s; got %v", want, seen)
		}
	}

	// The same workers again (reused): each has done this HIT, so one
	// more assignment is more than they can take.
	out, err = runCmd(t, "worker", "simulate", "--url", base, "--hit-type", typeID, "--answers", answers, "--workers", "2", "--count", "1")
	if err == nil || !strings.Contains(err.Error(), "0 of 1") || !strings.Contains(out, "by 2 workers (0 new)") {
		t.Fatalf("simulate with nothing left: %v\n%s", err, out)
	}

	// A third worker holds the last slot and lets it run out.
	out, err = runCmd(t, "worker", "simulate", "--url", base, "--hit", hitID, "--accept-only", "--username", "slowpoke")
	if err != nil || !strings.Contains(out, "1 assignments accepted by 1 workers (1 new)") {
		t.Fatalf("simulate --accept-only: %v\n%s", err, out)
	}
	moved = postJSON(t, base+"/_test/clock/advance", `{"seconds": 3601}`)
	if a := moved["applied"].(map[string]any); a["abandoned"] != 1.0 || a["autoApproved"] != 2.0 {
		t.Fatalf("advance past the duration and auto-approval delay: %v", moved)
	}
	list, err = c.ListAssignmentsForHIT(ctx, &mturk.ListAssignmentsForHITInput{HITId: &hitID})
	if err != nil || len(list.Assignments) != 2 || list.Assignments[0].AssignmentStatus != types.AssignmentStatusApproved || list.Assignments[1].AssignmentStatus != types.AssignmentStatusApproved {
		t.Fatalf("after the advance: %+v %v", list, err)
	}
	h, err := c.GetHIT(ctx, &mturk.GetHITInput{HITId: &hitID})
	if err != nil || aws.ToInt32(h.HIT.NumberOfAssignmentsAvailable) != 1 || aws.ToInt32(h.HIT.NumberOfAssignmentsPending) != 0 {
		t.Fatalf("HIT after abandonment: %+v %v", h.HIT, err)
	}
}

// TestSimulateRespectsQualifications: a worker who lacks a required
// qualification is refused as on the site; granted it, they work.
func TestSimulateRespectsQualifications(t *testing.T) {
	base, c := testModeServer(t, "--test-mode")
	ctx := context.Background()
	qt, err := c.CreateQualificationType(ctx, &mturk.CreateQualificationTypeInput{Name: aws.String("Trained"), Description: aws.String("d"),
		QualificationTypeStatus: types.QualificationTypeStatusActive})
	if err != nil {
		t.Fatal(err)
	}
	_, typeID := createTestHIT(t, c, 1, types.QualificationRequirement{QualificationTypeId: qt.QualificationType.QualificationTypeId, Comparator: types.ComparatorExists})
	answers := writeFile(t, t.TempDir(), "answers.json", `{"answers": {"label": "cat"}}`)

	out, err := runCmd(t, "worker", "simulate", "--url", base, "--hit-type", typeID, "--answers", answers, "--json")
	if err == nil || !strings.Contains(err.Error(), "no worker could accept a HIT") || !strings.Contains(err.Error(), "simulated-worker-1: You are not qualified") {
		t.Fatalf("unqualified: %v\n%s", err, out)
	}
	var res workersim.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Workers) != 1 || res.Workers[0].Stopped == "" || len(res.Assignments) != 0 {
		t.Fatalf("--json output %q: %+v %v", out, res, err)
	}
	if _, err := c.AssociateQualificationWithWorker(ctx, &mturk.AssociateQualificationWithWorkerInput{
		QualificationTypeId: qt.QualificationType.QualificationTypeId, WorkerId: &res.Workers[0].WorkerID, IntegerValue: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	out, err = runCmd(t, "worker", "simulate", "--url", base, "--hit-type", typeID, "--answers", answers, "--json")
	if err != nil {
		t.Fatalf("qualified: %v\n%s", err, out)
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Assignments) != 1 || res.Assignments[0].Status != "Submitted" || res.Workers[0].Created {
		t.Fatalf("qualified --json: %+v %v", res, err)
	}
}

func TestSimulateRefusals(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.json", `{"answers": {"q": "a"}}`)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no HIT", []string{"--answers", good}, "give one of --hit-type HITTYPEID or --hit HITID"},
		{"both", []string{"--hit", "H", "--hit-type", "T", "--answers", good}, "give one of --hit-type"},
		{"no answers", []string{"--hit-type", "T"}, "give --answers FILE, or --accept-only"},
		{"answers and accept-only", []string{"--hit-type", "T", "--answers", good, "--accept-only"}, "give --answers FILE, or --accept-only"},
		{"no workers", []string{"--hit-type", "T", "--answers", good, "--workers", "0"}, "--workers 0: want 1 to 1000"},
		{"negative count", []string{"--hit-type", "T", "--answers", good, "--count", "-1"}, "--count -1"},
		{"missing file", []string{"--hit-type", "T", "--answers", dir + "/nope.json"}, "no such file"},
		{"not JSON", []string{"--hit-type", "T", "--answers", writeFile(t, dir, "a.json", `answers: yes`)}, "not valid JSON"},
		{"no answers member", []string{"--hit-type", "T", "--answers", writeFile(t, dir, "b.json", `{"answer": {"q": "a"}}`)}, `Unknown member "answer"`},
		{"answers not an object", []string{"--hit-type", "T", "--answers", writeFile(t, dir, "c.json", `{"answers": ["a"]}`)}, `"answers" must be a JSON object`},
		{"a value that is an object", []string{"--hit-type", "T", "--answers", writeFile(t, dir, "d.json", `{"answers": {"q": {"x": 1}}}`)}, `The answer "q" must be a string`},
		{"empty list", []string{"--hit-type", "T", "--answers", writeFile(t, dir, "e.json", `[]`)}, "the array is empty"},
		{"bad second submission", []string{"--hit-type", "T", "--answers", writeFile(t, dir, "f.json", `[{"answers": {"q": "a"}}, {"answers": 3}]`)}, "submission 2 of 2"},
		{"extra argument", []string{"--hit-type", "T", "--answers", good, "now"}, `unexpected argument "now"`},
	} {
		_, err := runCmd(t, append([]string{"worker", "simulate", "--url", "http://127.0.0.1:1"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want an error containing %q", tc.name, err, tc.want)
		}
	}

	// A server not in test mode is named as such.
	base, _ := testModeServer(t)
	_, err := runCmd(t, "worker", "simulate", "--url", base, "--hit-type", "T", "--answers", good)
	if err == nil || !strings.Contains(err.Error(), "is not in test mode") {
		t.Fatalf("against a server without --test-mode: %v", err)
	}
}

// TestTestModeMovesBothRealms: one clock for production and the sandbox;
// a move on either listener applies due work in both.
func TestTestModeMovesBothRealms(t *testing.T) {
	sandboxAddr := freeAddr(t)
	base, prod := testModeServer(t, "--test-mode", "--sandbox-listen", sandboxAddr)
	sandboxURL := "http://" + sandboxAddr
	sandbox := sdkClient(sandboxURL, http.DefaultClient)
	answers := writeFile(t, t.TempDir(), "answers.json", `{"answers": {"label": "cat"}}`)
	var hits []string
	for _, realm := range []struct {
		url    string
		client *mturk.Client
	}{{base, prod}, {sandboxURL, sandbox}} {
		hitID, typeID := createTestHIT(t, realm.client, 1)
		if out, err := runCmd(t, "worker", "simulate", "--url", realm.url, "--hit-type", typeID, "--answers", answers); err != nil {
			t.Fatalf("simulate on %s: %v\n%s", realm.url, err, out)
		}
		hits = append(hits, hitID)
	}
	if _, err := prod.GetHIT(context.Background(), &mturk.GetHITInput{HITId: &hits[1]}); err == nil {
		t.Fatal("the sandbox HIT is visible in production")
	}
	moved := postJSON(t, sandboxURL+"/_test/clock/advance", `{"seconds": 3601}`)
	if a := moved["applied"].(map[string]any); a["autoApproved"] != 2.0 {
		t.Fatalf("advance on the sandbox listener applied %v; want both realms' assignments approved", a)
	}
	clock := func(url string) any {
		resp, err := http.Get(url + "/_test/clock")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return out["offsetSeconds"]
	}
	if p, s := clock(base), clock(sandboxURL); p != 3601.0 || s != 3601.0 {
		t.Fatalf("offsets: production %v, sandbox %v; want one clock", p, s)
	}
}
