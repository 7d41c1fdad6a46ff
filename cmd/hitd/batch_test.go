package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/qform"
	"github.com/hitd/hitd/sqlite"
	"golang.org/x/crypto/bcrypt"
)

// withService opens the SQLite store of a realm in dir (production, or
// the sandbox's sandbox.db) as a Service, for what the commands do not
// show: workers doing HITs, balances and assignment statuses.
func withService(t *testing.T, dir string, sandbox bool, fn func(svc *hitd.Service)) {
	t.Helper()
	file := "hitd.db"
	if sandbox {
		file = "sandbox.db"
	}
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fn(hitd.NewService(st, hitd.SystemClock{}, hitd.IDSource{}, hitd.Config{PasswordCost: bcrypt.MinCost}))
}

// balance is a requester's available balance in a realm of dir.
func balance(t *testing.T, dir string, sandbox bool, key string) string {
	t.Helper()
	var bal string
	withService(t, dir, sandbox, func(svc *hitd.Service) {
		r, ok, err := svc.LookupRequester(context.Background(), key)
		if err != nil || !ok {
			t.Fatalf("requester %s: %v %v", key, ok, err)
		}
		bal = r.Balance.String()
	})
	return bal
}

// batchRows returns a batch's results as the Service lists them.
func batchRows(t *testing.T, dir, requesterID, batchID string) []hitd.BatchResult {
	t.Helper()
	var out []hitd.BatchResult
	withService(t, dir, false, func(svc *hitd.Service) {
		var err error
		if _, out, err = svc.BatchResults(context.Background(), hitd.Caller{RequesterID: requesterID}, batchID); err != nil {
			t.Fatal(err)
		}
	})
	return out
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const testLayout = `<p>What is in <img src="${image_url}" alt="${caption}">?</p><input name="label">`

// setUpProject makes a requester and a project (reward 0.05, 2
// assignments per HIT) in dir and returns the requester's access key,
// its ID and the project's ID.
func setUpProject(t *testing.T, dir string, extra ...string) (key, requesterID, projectID string) {
	t.Helper()
	out, err := runCmd(t, "requester", "create", "--name", "lab", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	key, requesterID = field(out, "AccessKeyId"), field(out, "RequesterId")
	layout := writeFile(t, dir, "layout.html", testLayout)
	args := append([]string{"project", "create", "--requester", key, "--name", "Cats", "--title", "Label an image",
		"--description", "Say what the picture shows", "--reward", "0.05", "--assignments", "2",
		"--lifetime", "24h", "--duration", "1h", "--layout-file", layout, "--data-dir", dir}, extra...)
	out, err = runCmd(t, args...)
	if err != nil {
		t.Fatalf("project create: %v\n%s", err, out)
	}
	if field(out, "Placeholders") != "image_url, caption" || field(out, "RequesterId") != requesterID {
		t.Errorf("project create output:\n%s", out)
	}
	projectID = field(out, "ProjectId")
	if projectID == "" {
		t.Fatalf("project create printed no ProjectId:\n%s", out)
	}
	return key, requesterID, projectID
}

const threeRows = "image_url,caption,notes\n" +
	"https://img.example/1.png,one,first\n" +
	"https://img.example/2.png,two,second\n" +
	"https://img.example/3.png,three,third\n"

func TestProjectCommands(t *testing.T) {
	dir := t.TempDir()
	key, requesterID, projectID := setUpProject(t, dir)

	other, err := runCmd(t, "requester", "create", "--name", "other", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	otherKey := field(other, "AccessKeyId")

	all, err := runCmd(t, "project", "list", "--data-dir", dir)
	if err != nil || !strings.Contains(all, projectID) || !strings.Contains(all, "image_url, caption") || !strings.Contains(all, "Label an image") {
		t.Fatalf("project list: %v\n%s", err, all)
	}
	if none, err := runCmd(t, "project", "list", "--requester", otherKey, "--data-dir", dir); err != nil || strings.Contains(none, projectID) {
		t.Errorf("project list of another requester: %v\n%s", err, none)
	}
	for _, who := range []string{key, requesterID} {
		out, err := runCmd(t, "project", "list", "--requester", who, "--json", "--data-dir", dir)
		if err != nil {
			t.Fatal(err)
		}
		var ps []projectJSON
		if err := json.Unmarshal([]byte(out), &ps); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if len(ps) != 1 || ps[0].ProjectId != projectID || ps[0].Reward != "0.05" || ps[0].MaxAssignments != 2 ||
			ps[0].LifetimeInSeconds != 86400 || ps[0].AssignmentDurationInSeconds != 3600 || !slices.Equal(ps[0].Placeholders, []string{"image_url", "caption"}) {
			t.Errorf("project list --requester %s --json: %+v", who, ps)
		}
	}
	if _, err := runCmd(t, "project", "list", "--requester", "HITDNOSUCHKEY", "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "HITDNOSUCHKEY") {
		t.Errorf("project list of an unknown requester: %v", err)
	}
	layout := filepath.Join(dir, "layout.html")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"bad reward", []string{"--reward", "lots"}, "Reward"},
		{"bad lifetime", []string{"--reward", "0.05", "--lifetime", "soon"}, "--lifetime"},
		{"no title", []string{"--reward", "0.05", "--title", ""}, "--title is required"},
	} {
		args := append([]string{"project", "create", "--requester", key, "--name", "x", "--title", "t", "--description", "d", "--layout-file", layout, "--data-dir", dir}, tc.args...)
		if _, err := runCmd(t, args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error mentioning %q", tc.name, err, tc.want)
		}
	}
}

func TestBatchCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	key, requesterID, projectID := setUpProject(t, dir)

	// Bad input files: nothing is made, and the message says where.
	for _, tc := range []struct {
		name, csv string
		want      []string
	}{
		{"missing column", "image_url,notes\nhttps://img.example/1.png,x\n", []string{`"caption"`, "row 1"}},
		{"bad UTF-8", "image_url,caption\nhttps://img.example/1.png,ok\nhttps://img.example/2.png,caf\xe9\n", []string{"row 3", `column "caption"`, "UTF-8"}},
		{"no rows", "image_url,caption\n", []string{"no rows"}},
	} {
		in := writeFile(t, dir, "bad.csv", tc.csv)
		_, err := runCmd(t, "batch", "create", "--project", projectID, "--csv", in, "--data-dir", dir)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v, want an error mentioning %q", tc.name, err, w)
			}
		}
	}
	if out, err := runCmd(t, "batch", "list", "--data-dir", dir); err != nil || strings.Count(out, "\n") != 1 {
		t.Errorf("batch list after failed uploads: %v\n%s", err, out)
	}
	if got := balance(t, dir, false, key); got != "10000.00" {
		t.Errorf("balance after failed uploads: %s", got)
	}

	// A good file from standard input: 3 HITs × 2 assignments × (0.05 + 0.01 fee).
	out, err := runCmdIn(t, threeRows, "batch", "create", "--project", projectID, "--csv", "-", "--name", "first", "--data-dir", dir)
	if err != nil {
		t.Fatalf("batch create: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Cost:      3 HITs × 2 assignments × (0.05 reward + 0.01 fee) = 0.36\n") ||
		!strings.Contains(out, "Balance:   10000.00 before publishing") || !strings.Contains(out, "balance now 9999.64") {
		t.Errorf("batch create output:\n%s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	batchID := field(lines[len(lines)-1], "BatchId")
	if batchID == "" {
		t.Fatalf("the last line is not the BatchId:\n%s", out)
	}
	if got := balance(t, dir, false, key); got != "9999.64" {
		t.Errorf("balance after publishing: %s, want 9999.64", got)
	}
	rows := batchRows(t, dir, requesterID, batchID)
	if len(rows) != 3 {
		t.Fatalf("batch has %d result rows, want 3", len(rows))
	}
	for i, r := range rows {
		if r.HIT == nil || r.HIT.MaxAssignments != 2 || !strings.Contains(r.HIT.Question, "img.example/"+string(rune('1'+i))) {
			t.Errorf("row %d's HIT: %+v", i, r.HIT)
		}
	}

	// Workers do two of the HITs.
	var asg []string
	withService(t, dir, false, func(svc *hitd.Service) {
		for i, name := range []string{"ann", "bob"} {
			w, err := svc.CreateWorker(ctx, name, "password-"+name)
			if err != nil {
				t.Fatal(err)
			}
			a, err := svc.AcceptHIT(ctx, w.ID, rows[i].HIT.ID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.SubmitAssignment(ctx, w.ID, a.ID, []qform.Field{{Name: "label", Values: []string{"cat " + name}}}); err != nil {
				t.Fatal(err)
			}
			asg = append(asg, a.ID)
		}
	})

	// The results file, to standard output and to a file.
	out, err = runCmd(t, "batch", "results", "--batch", batchID, "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	header := recs[0]
	if header[0] != "HITId" || len(recs) != 4 {
		t.Fatalf("results: %d lines, header %v", len(recs), header)
	}
	for _, c := range []string{"AssignmentId", "Input.image_url", "Input.caption", "Input.notes", "Answer.label", "Approve", "Reject"} {
		if !slices.Contains(header, c) {
			t.Errorf("results header lacks %s: %v", c, header)
		}
	}
	resultsFile := filepath.Join(dir, "results.csv")
	if msg, err := runCmd(t, "batch", "results", "--batch", batchID, "--out", resultsFile, "--data-dir", dir); err != nil || !strings.Contains(msg, "Wrote 3 result rows") {
		t.Errorf("batch results --out: %v %q", err, msg)
	}
	if b, err := os.ReadFile(resultsFile); err != nil || string(b) != out {
		t.Errorf("the --out file differs from standard output: %v", err)
	}

	// Review: approve ann's work, reject bob's.
	col := func(name string) int { return slices.Index(header, name) }
	for _, r := range recs[1:] {
		switch r[col("AssignmentId")] {
		case asg[0]:
			r[col("Approve")] = "x"
		case asg[1]:
			r[col("Reject")] = "Not a label"
		}
	}
	var reviewed bytes.Buffer
	w := csv.NewWriter(&reviewed)
	w.WriteAll(recs)
	reviewFile := writeFile(t, dir, "reviewed.csv", reviewed.String())
	out, err = runCmd(t, "batch", "review", "--csv", reviewFile, "--batch", batchID, "--data-dir", dir)
	if err != nil || strings.TrimSpace(out) != "approved 1, rejected 1, unchanged 0" {
		t.Fatalf("batch review: %v %q", err, out)
	}
	// The same file again, without --batch (the owner from the first assignment): nothing changes.
	out, err = runCmdIn(t, reviewed.String(), "batch", "review", "--csv", "-", "--data-dir", dir)
	if err != nil || strings.TrimSpace(out) != "approved 0, rejected 0, unchanged 2" {
		t.Fatalf("batch review again: %v %q", err, out)
	}
	for _, r := range batchRows(t, dir, requesterID, batchID) {
		if r.Assignment == nil {
			continue
		}
		want := map[string]hitd.AssignmentStatus{asg[0]: hitd.AssignmentApproved, asg[1]: hitd.AssignmentRejected}[r.Assignment.ID]
		if r.Assignment.Status != want {
			t.Errorf("assignment %s is %s, want %s", r.Assignment.ID, r.Assignment.Status, want)
		}
		if r.Assignment.ID == asg[1] && r.Assignment.RequesterFeedback != "Not a label" {
			t.Errorf("rejection feedback %q", r.Assignment.RequesterFeedback)
		}
	}
	// Approval pays from the reserve; rejection returns its slot (0.06).
	if got := balance(t, dir, false, key); got != "9999.70" {
		t.Errorf("balance after review: %s, want 9999.70", got)
	}
	withService(t, dir, false, func(svc *hitd.Service) {
		ws, err := svc.ListWorkers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range ws {
			want := map[string]string{"ann": "0.05", "bob": "0.00"}[w.Username]
			if w.Earnings.String() != want {
				t.Errorf("%s earned %s, want %s", w.Username, w.Earnings, want)
			}
		}
	})
	// A decision for an assignment of another batch is refused with --batch.
	other, err := runCmdIn(t, threeRows, "batch", "create", "--project", projectID, "--csv", "-", "--draft", "--data-dir", dir)
	if err != nil || !strings.Contains(other, "Draft:") {
		t.Fatalf("batch create --draft: %v\n%s", err, other)
	}
	draftID := field(other, "BatchId")
	if _, err := runCmd(t, "batch", "review", "--csv", reviewFile, "--batch", draftID, "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "draft") {
		t.Errorf("review against a draft: %v", err)
	}

	// The list shows progress.
	list, err := runCmd(t, "batch", "list", "--project", projectID, "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(list, "\n") {
		if strings.HasPrefix(l, batchID) {
			line = l
		}
	}
	if f := strings.Fields(line); len(f) < 10 || f[3] != "Published" || f[4] != "3" || f[5] != "6" || f[6] != "0" || f[7] != "1" || f[8] != "1" || f[9] != "4" {
		t.Errorf("batch list line %q\n%s", line, list)
	}
	if !strings.Contains(list, draftID) || !strings.Contains(list, "Draft") {
		t.Errorf("batch list lacks the draft:\n%s", list)
	}
	out, err = runCmd(t, "batch", "list", "--requester", key, "--json", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	var bs []batchJSON
	if err := json.Unmarshal([]byte(out), &bs); err != nil || len(bs) != 2 {
		t.Fatalf("batch list --json: %v\n%s", err, out)
	}
	for _, b := range bs {
		switch b.BatchId {
		case batchID:
			if b.Progress == nil || b.Progress.Approved != 1 || b.Progress.Rejected != 1 || b.Progress.Remaining != 4 || b.Cost.Total != "0.36" {
				t.Errorf("published batch in JSON: %+v %+v", b, b.Progress)
			}
		case draftID:
			if b.Status != "Draft" || b.Progress != nil {
				t.Errorf("draft in JSON: %+v", b)
			}
		}
	}

	// Publishing the draft.
	out, err = runCmd(t, "batch", "publish", "--batch", draftID, "--data-dir", dir)
	if err != nil || field(out, "BatchId") != draftID || !strings.Contains(out, "balance now 9999.34") {
		t.Errorf("batch publish: %v\n%s", err, out)
	}
	if _, err := runCmd(t, "batch", "publish", "--batch", draftID, "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "already published") {
		t.Errorf("publishing twice: %v", err)
	}
	if _, err := runCmd(t, "batch", "review", "--csv", reviewFile, "--batch", draftID, "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "not a submitted assignment of batch "+draftID) {
		t.Errorf("review of another batch's assignments: %v", err)
	}

	// Cancelling expires the first batch's HITs and returns its 4 open slots.
	out, err = runCmd(t, "batch", "cancel", "--batch", batchID, "--data-dir", dir)
	if err != nil || !strings.Contains(out, "cancelled") || field(out, "Balance") != "9999.58" {
		t.Errorf("batch cancel: %v\n%s", err, out)
	}
	now := time.Now()
	for _, r := range batchRows(t, dir, requesterID, batchID) {
		if r.HIT.Expiration.After(now) {
			t.Errorf("HIT %s still expires at %v after cancel", r.HIT.ID, r.HIT.Expiration)
		}
	}
	if got := balance(t, dir, false, key); got != "9999.58" {
		t.Errorf("balance after cancel: %s, want 9999.58", got)
	}

	// Extending reopens them for 3 days and funds the open slots again.
	if _, err := runCmd(t, "batch", "extend", "--batch", batchID, "--by", "soon", "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "--by") {
		t.Errorf("extend --by soon: %v", err)
	}
	out, err = runCmd(t, "batch", "extend", "--batch", batchID, "--by", "3d", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "extended") || field(out, "Balance") != "9999.34" {
		t.Errorf("batch extend: %v\n%s", err, out)
	}
	for _, r := range batchRows(t, dir, requesterID, batchID) {
		if d := time.Until(r.HIT.Expiration); d < 71*time.Hour || d > 73*time.Hour {
			t.Errorf("HIT %s expires in %v after extending by 3d", r.HIT.ID, d)
		}
	}

	// Unknown IDs.
	for _, args := range [][]string{
		{"batch", "publish", "--batch", "NOSUCHBATCH"},
		{"batch", "results", "--batch", "NOSUCHBATCH"},
		{"batch", "create", "--project", "NOSUCHPROJECT", "--csv", reviewFile},
	} {
		if _, err := runCmd(t, append(args, "--data-dir", dir)...); err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("%v: %v", args, err)
		}
	}
}

func TestBatchCreateInsufficientFundsLeavesDraft(t *testing.T) {
	dir := t.TempDir()
	key, _, _ := setUpProject(t, dir)
	layout := filepath.Join(dir, "layout.html")
	out, err := runCmd(t, "project", "create", "--requester", key, "--name", "Dear", "--title", "t", "--description", "d",
		"--reward", "2000.00", "--assignments", "2", "--layout-file", layout, "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	projectID := field(out, "ProjectId")
	in := writeFile(t, dir, "in.csv", threeRows)
	out, err = runCmd(t, "batch", "create", "--project", projectID, "--csv", in, "--data-dir", dir)
	if err == nil || !strings.Contains(err.Error(), "remains a draft") || !strings.Contains(err.Error(), "hitd batch publish") {
		t.Fatalf("batch create beyond the balance: %v\n%s", err, out)
	}
	id := field(out, "BatchId")
	if id == "" || !strings.Contains(out, "Draft:") {
		t.Errorf("output of the failed publish:\n%s", out)
	}
	if got := balance(t, dir, false, key); got != "10000.00" {
		t.Errorf("balance: %s", got)
	}
	list, err := runCmd(t, "batch", "list", "--project", projectID, "--data-dir", dir)
	if err != nil || !strings.Contains(list, id) || !strings.Contains(list, "Draft") {
		t.Errorf("batch list: %v\n%s", err, list)
	}
	// After a deposit it publishes.
	if _, err := runCmd(t, "requester", "deposit", "--access-key-id", key, "--amount", "5000.00", "--data-dir", dir); err != nil {
		t.Fatal(err)
	}
	if out, err := runCmd(t, "batch", "publish", "--batch", id, "--data-dir", dir); err != nil || !strings.Contains(out, "Published: 3 HITs") {
		t.Errorf("publish after deposit: %v\n%s", err, out)
	}
	// Cancelling a draft discards it.
	out, err = runCmdIn(t, threeRows, "batch", "create", "--project", projectID, "--csv", "-", "--draft", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	draft := field(out, "BatchId")
	if out, err := runCmd(t, "batch", "cancel", "--batch", draft, "--data-dir", dir); err != nil || !strings.Contains(out, "draft") {
		t.Errorf("cancel a draft: %v\n%s", err, out)
	}
	if _, err := runCmd(t, "batch", "extend", "--batch", draft, "--by", "1d", "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "no HITs") {
		t.Errorf("extending a cancelled draft: %v", err)
	}
	if _, err := runCmd(t, "batch", "results", "--batch", draft, "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "no HITs") {
		t.Errorf("results of a cancelled draft: %v", err)
	}
	if _, err := runCmd(t, "batch", "publish", "--batch", draft, "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "already cancelled") {
		t.Errorf("publishing a cancelled draft: %v", err)
	}
	list, err = runCmd(t, "batch", "list", "--data-dir", dir)
	if err != nil || !strings.Contains(list, draft) || !strings.Contains(list, "Cancelled") {
		t.Errorf("batch list with a cancelled draft: %v\n%s", err, list)
	}
}

func TestBatchCommandsSandbox(t *testing.T) {
	dir := t.TempDir()
	key, _, prodProject := setUpProject(t, dir)
	layout := filepath.Join(dir, "layout.html")
	out, err := runCmd(t, "project", "create", "--sandbox", "--requester", key, "--name", "Try", "--title", "t", "--description", "d",
		"--reward", "1.00", "--layout-file", layout, "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	projectID := field(out, "ProjectId")
	if _, err := runCmd(t, "batch", "create", "--project", projectID, "--csv", writeFile(t, dir, "in.csv", threeRows), "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a sandbox project in production: %v", err)
	}
	out, err = runCmd(t, "batch", "create", "--sandbox", "--project", projectID, "--csv", filepath.Join(dir, "in.csv"), "--data-dir", dir)
	if err != nil || !strings.Contains(out, "balance now 9996.40") {
		t.Fatalf("sandbox batch create: %v\n%s", err, out)
	}
	id := field(out, "BatchId")
	if got := balance(t, dir, false, key); got != "10000.00" {
		t.Errorf("production balance: %s", got)
	}
	if got := balance(t, dir, true, key); got != "9996.40" {
		t.Errorf("sandbox balance: %s", got)
	}
	prod, err := runCmd(t, "project", "list", "--data-dir", dir)
	if err != nil || strings.Contains(prod, projectID) || !strings.Contains(prod, prodProject) {
		t.Errorf("production projects: %v\n%s", err, prod)
	}
	sand, err := runCmd(t, "batch", "list", "--sandbox", "--data-dir", dir)
	if err != nil || !strings.Contains(sand, id) {
		t.Errorf("sandbox batches: %v\n%s", err, sand)
	}
	if prodList, err := runCmd(t, "batch", "list", "--data-dir", dir); err != nil || strings.Contains(prodList, id) {
		t.Errorf("production batches: %v\n%s", err, prodList)
	}
}

func TestParseSpan(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"24h", 86400}, {"90m", 5400}, {"3d", 3 * 86400}, {"1.5d", 129600}, {" 2h30m ", 9000},
		{"soon", -1}, {"0s", -1}, {"-1d", -1}, {"d", -1}, {"", -1},
	} {
		got, err := parseSpan(tc.in)
		if tc.want < 0 {
			if err == nil {
				t.Errorf("parseSpan(%q) = %d, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("parseSpan(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	if isTerminal(&b) {
		t.Error("a buffer is not a terminal")
	}
	bar := newProgressBar(&b)
	for i := 1; i <= 4; i++ {
		bar.update(i, 4)
	}
	bar.update(4, 4) // no change: not redrawn
	bar.finish()
	got := b.String()
	if strings.Count(got, "\r") != 4 || !strings.HasSuffix(got, "100% 4/4 HITs\n") || !strings.Contains(got, " 25% 1/4 HITs") {
		t.Errorf("progress bar output %q", got)
	}
	var none bytes.Buffer
	newProgressBar(&none).finish()
	if none.Len() != 0 {
		t.Errorf("a bar never drawn wrote %q", none.String())
	}
}
