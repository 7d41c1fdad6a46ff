package hitd_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/batchcsv"
	"github.com/hitd/hitd/qform"
	"github.com/hitd/hitd/sqlite"
	"golang.org/x/crypto/bcrypt"
)

// projectEnv is a Service with one requester (caller), a project whose
// layout has the placeholders ${text} and ${id}, and workers.
type projectEnv struct {
	t       testing.TB
	ctx     context.Context
	svc     *hitd.Service
	clock   *hitd.FakeClock
	caller  hitd.Caller
	project *hitd.Project
	workers []*hitd.Worker
}

const projectHTML = `<p>${text}</p><p data-id="${id}">${text}</p><form><input name="label"><input name="sure"></form>`

func newProjectEnv(t testing.TB) *projectEnv {
	t.Helper()
	clock := hitd.NewFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	return newProjectEnvOn(t, clock, newConsoleService(t, clock, "hitd.db", nil))
}

func newProjectEnvOn(t testing.TB, clock *hitd.FakeClock, svc *hitd.Service) *projectEnv {
	t.Helper()
	ctx := context.Background()
	r, err := svc.CreateRequester(ctx, "lab") // 100.00 (newConsoleService's starting balance)
	if err != nil {
		t.Fatal(err)
	}
	e := &projectEnv{t: t, ctx: ctx, svc: svc, clock: clock, caller: hitd.Caller{RequesterID: r.ID}}
	e.project, err = svc.CreateProject(ctx, e.caller, projectInput())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"alice", "bob", "carol"} {
		w, err := svc.CreateWorker(ctx, name, name+"-password")
		if err != nil {
			t.Fatal(err)
		}
		e.workers = append(e.workers, w)
	}
	return e
}

func projectInput() *hitd.ProjectInput {
	return &hitd.ProjectInput{Name: "Tweets", Title: "Rate a tweet", Description: "Is it positive?", Keywords: "tweet, sentiment",
		Reward: "0.50", MaxAssignments: new(int64(2)), LifetimeInSeconds: new(int64(86400)),
		AssignmentDurationInSeconds: new(int64(600)), AutoApprovalDelayInSeconds: new(int64(3600)), HTML: projectHTML}
}

func (e *projectEnv) balance() hitd.Cents {
	e.t.Helper()
	out, err := e.svc.GetAccountBalance(e.ctx, e.caller, &hitd.GetAccountBalanceInput{})
	if err != nil {
		e.t.Fatal(err)
	}
	c, ok := hitd.ParseCents(out.AvailableBalance)
	if !ok {
		e.t.Fatalf("balance %q", out.AvailableBalance)
	}
	return c
}

func (e *projectEnv) publish(rows ...[]string) (*hitd.Batch, *hitd.BatchView) {
	e.t.Helper()
	b, err := e.svc.CreateBatch(e.ctx, e.caller, &hitd.BatchInput{ProjectID: e.project.ID, Name: "tweets.csv",
		Columns: []string{"id", "text", "extra"}, Rows: rows})
	if err != nil {
		e.t.Fatal(err)
	}
	if b, err = e.svc.PublishBatch(e.ctx, e.caller, b.ID, nil); err != nil {
		e.t.Fatal(err)
	}
	v, err := e.svc.GetBatch(e.ctx, e.caller, b.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return b, v
}

// work has worker w accept the HIT of a batch row and submit label.
func (e *projectEnv) work(w *hitd.Worker, hitID, label string) *hitd.Assignment {
	e.t.Helper()
	a, err := e.svc.AcceptHIT(e.ctx, w.ID, hitID)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.svc.SubmitAssignment(e.ctx, w.ID, a.ID, []qform.Field{{Name: "label", Values: []string{label}}, {Name: "sure", Values: []string{"yes"}}}); err != nil {
		e.t.Fatal(err)
	}
	e.clock.Advance(time.Second)
	return a
}

func TestProjectValidation(t *testing.T) {
	e := newProjectEnv(t)
	for _, tc := range []struct {
		name   string
		change func(*hitd.ProjectInput)
		code   hitd.Code
	}{
		{"no name", func(in *hitd.ProjectInput) { in.Name = "  " }, hitd.ErrMissingParameter},
		{"no title", func(in *hitd.ProjectInput) { in.Title = "" }, hitd.ErrMissingParameter},
		{"bad reward", func(in *hitd.ProjectInput) { in.Reward = "0.005" }, hitd.ErrInvalidParameter},
		{"zero reward", func(in *hitd.ProjectInput) { in.Reward = "0.00" }, hitd.ErrOutOfRange},
		{"no lifetime", func(in *hitd.ProjectInput) { in.LifetimeInSeconds = nil }, hitd.ErrMissingParameter},
		{"short duration", func(in *hitd.ProjectInput) { in.AssignmentDurationInSeconds = new(int64(5)) }, hitd.ErrOutOfRange},
		{"no HTML", func(in *hitd.ProjectInput) { in.HTML = " " }, hitd.ErrMissingParameter},
		{"unknown qualification", func(in *hitd.ProjectInput) {
			in.QualificationRequirements = []hitd.QualificationRequirement{{QualificationTypeId: "3NOSUCHTYPE0000000000000000000", Comparator: hitd.CmpExists}}
		}, hitd.ErrQualTypeNotFound},
	} {
		in := projectInput()
		tc.change(in)
		_, err := e.svc.CreateProject(e.ctx, e.caller, in)
		wantCode(t, tc.name, err, tc.code)
	}
	list, err := e.svc.ListProjects(e.ctx, e.caller)
	if err != nil || len(list) != 1 || list[0].HTML != projectHTML {
		t.Fatalf("ListProjects = %+v, %v; want only the first project, with its HTML", list, err)
	}
	if got := list[0].Placeholders(); strings.Join(got, ",") != "text,id" {
		t.Errorf("Placeholders = %v", got)
	}
	// Edit, copy, delete.
	in := projectInput()
	in.Name, in.Reward, in.HTML = "Tweets v2", "0.25", "<p>${text}</p><form><input name=label></form>"
	p, err := e.svc.UpdateProject(e.ctx, e.caller, e.project.ID, in)
	if err != nil || p.Reward != 25 || p.LayoutID != e.project.LayoutID {
		t.Fatalf("UpdateProject = %+v, %v", p, err)
	}
	if l, err := e.svc.GetLayout(e.ctx, p.LayoutID); err != nil || l.HTML != in.HTML {
		t.Errorf("the project's layout after the edit: %+v, %v", l, err)
	}
	cp, err := e.svc.CopyProject(e.ctx, e.caller, p.ID)
	if err != nil || cp.ID == p.ID || cp.LayoutID == p.LayoutID || cp.Name != "Copy of Tweets v2" || cp.HTML != in.HTML || cp.Reward != 25 {
		t.Fatalf("CopyProject = %+v, %v", cp, err)
	}
	if err := e.svc.DeleteProject(e.ctx, e.caller, cp.ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.GetProject(e.ctx, e.caller, cp.ID)
	wantCode(t, "deleted project", err, hitd.ErrProjectNotFound)
	_, err = e.svc.GetLayout(e.ctx, cp.LayoutID)
	wantCode(t, "deleted project's layout", err, hitd.ErrLayoutNotFound)
	// Another requester sees none of it.
	other, err := e.svc.CreateRequester(e.ctx, "other")
	if err != nil {
		t.Fatal(err)
	}
	oc := hitd.Caller{RequesterID: other.ID}
	_, err = e.svc.GetProject(e.ctx, oc, p.ID)
	wantCode(t, "another requester's project", err, hitd.ErrProjectNotFound)
	_, err = e.svc.UpdateProject(e.ctx, oc, p.ID, in)
	wantCode(t, "updating another requester's project", err, hitd.ErrProjectNotFound)
	_, err = e.svc.CreateBatch(e.ctx, oc, &hitd.BatchInput{ProjectID: p.ID, Columns: []string{"text"}, Rows: [][]string{{"x"}}})
	wantCode(t, "a batch of another requester's project", err, hitd.ErrProjectNotFound)
}

func TestBatchInputErrors(t *testing.T) {
	e := newProjectEnv(t)
	for _, tc := range []struct {
		name string
		in   hitd.BatchInput
		want string
	}{
		{"missing column", hitd.BatchInput{Columns: []string{"text"}, Rows: [][]string{{"a"}}}, `placeholder "id"`},
		{"no rows", hitd.BatchInput{Columns: []string{"text", "id"}}, "no rows"},
		{"short row", hitd.BatchInput{Columns: []string{"text", "id"}, Rows: [][]string{{"a", "1"}, {"b"}}, Lines: []int{2, 5}}, "Row 5 has 1 values"},
		{"control character", hitd.BatchInput{Columns: []string{"text", "id"}, Rows: [][]string{{"a", "1"}, {"b\x01", "2"}}}, `Row 3, column "text"`},
		{"too large", hitd.BatchInput{Columns: []string{"text", "id"}, Rows: [][]string{{strings.Repeat("x", hitd.MaxQuestionBytes/2), "1"}}}, "Row 2 makes a"},
		{"duplicate column", hitd.BatchInput{Columns: []string{"text", "id", "text"}, Rows: [][]string{{"a", "1", "b"}}}, `two columns named "text"`},
	} {
		tc.in.ProjectID = e.project.ID
		_, err := e.svc.CreateBatch(e.ctx, e.caller, &tc.in)
		if hitd.ErrorCode(err) != hitd.ErrInvalidBatchInput || !strings.Contains(hitd.ErrorMessage(err), tc.want) {
			t.Errorf("%s: %v; want InvalidBatchInput mentioning %q", tc.name, err, tc.want)
		}
	}
	if bs, err := e.svc.ListBatches(e.ctx, e.caller, ""); err != nil || len(bs) != 0 {
		t.Errorf("failed uploads left batches: %v, %v", bs, err)
	}
}

func TestPublishBatchMoneyAndHITs(t *testing.T) {
	e := newProjectEnv(t)
	start := e.balance()
	b, err := e.svc.CreateBatch(e.ctx, e.caller, &hitd.BatchInput{ProjectID: e.project.ID, Name: "tweets.csv",
		Columns: []string{"id", "text", "extra"}, Rows: [][]string{{"1", "good <b>day</b>", "x"}, {"2", "bad day", "y"}, {"3", "meh", "z"}}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.svc.GetBatch(e.ctx, e.caller, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	// 3 HITs × 2 assignments × (0.50 + 20% fee 0.10) = 3.60.
	if v.Cost.Total != 360 || v.Cost.Fee != 10 || v.Cost.HITs != 3 || v.Balance != start || v.Batch.Status != hitd.BatchDraft {
		t.Errorf("draft view: cost %+v balance %s status %s", v.Cost, v.Balance, v.Batch.Status)
	}
	if !strings.Contains(v.FirstHTML, "good &lt;b&gt;day&lt;/b&gt;") || v.FirstRow["extra"] != "x" {
		t.Errorf("draft preview: %q, %v", v.FirstHTML, v.FirstRow)
	}
	var calls []int
	if b, err = e.svc.PublishBatch(e.ctx, e.caller, b.ID, func(done, total int) {
		if total != 3 {
			t.Errorf("progress total %d", total)
		}
		calls = append(calls, done)
	}); err != nil {
		t.Fatal(err)
	}
	if b.Status != hitd.BatchPublished || b.HITTypeID == "" || b.MaxAssignments != 2 || len(calls) == 0 || calls[len(calls)-1] != 3 {
		t.Errorf("published batch %+v, progress %v", b, calls)
	}
	if got := e.balance(); got != start-360 {
		t.Errorf("balance after publishing %s, want %s", got, start-360)
	}
	_, err = e.svc.PublishBatch(e.ctx, e.caller, b.ID, nil)
	wantCode(t, "publishing twice", err, hitd.ErrInvalidBatchState)
	hits, err := e.svc.ListHITs(e.ctx, e.caller, &hitd.ListHITsInput{})
	if err != nil || len(hits.HITs) != 3 {
		t.Fatalf("ListHITs = %d HITs, %v", len(hits.HITs), err)
	}
	for _, h := range hits.HITs {
		if h.HITTypeId != b.HITTypeID || h.MaxAssignments != 2 || h.Title != "Rate a tweet" || !strings.Contains(h.Question, "<HTMLQuestion") {
			t.Errorf("HIT %+v", h)
		}
	}
	v, err = e.svc.GetBatch(e.ctx, e.caller, b.ID)
	if err != nil || v.Progress.HITs != 3 || v.Progress.Assignments != 6 || v.Progress.Available != 6 || v.Progress.Remaining != 6 ||
		v.Progress.Reserved != 360 || v.Progress.Expired {
		t.Errorf("progress %+v, %v", v.Progress, err)
	}
	// The ledger lists the reserves, each the requester's.
	entries, err := e.svc.Ledger(e.ctx, e.caller, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var reserved hitd.Cents
	for _, en := range entries {
		if en.RequesterID != e.caller.RequesterID {
			t.Errorf("ledger entry %+v is not the caller's", en)
		}
		if en.Kind == hitd.LedgerReserve {
			reserved += en.Amount
			if en.Direction() != -1 {
				t.Errorf("reserve direction %d", en.Direction())
			}
		}
	}
	if reserved != 360 {
		t.Errorf("ledger reserves %s, want 3.60", reserved)
	}
	audit, err := e.svc.AuditMoney(e.ctx)
	if err != nil || !audit.Balanced() {
		t.Errorf("audit %+v, %v", audit, err)
	}
}

func TestPublishBatchAllOrNothing(t *testing.T) {
	e := newProjectEnv(t)
	start := e.balance() // 100.00: 100 rows at 1.20 each do not fit
	rows := make([][]string, 100)
	for i := range rows {
		rows[i] = []string{"1", "t", ""}
	}
	b, err := e.svc.CreateBatch(e.ctx, e.caller, &hitd.BatchInput{ProjectID: e.project.ID, Columns: []string{"id", "text", "extra"}, Rows: rows})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.PublishBatch(e.ctx, e.caller, b.ID, nil)
	if hitd.ErrorCode(err) != hitd.ErrInsufficientFunds || !strings.Contains(hitd.ErrorMessage(err), "costs 120.00") {
		t.Fatalf("publishing beyond the balance: %v", err)
	}
	hits, err := e.svc.ListHITs(e.ctx, e.caller, &hitd.ListHITsInput{})
	if err != nil || len(hits.HITs) != 0 || e.balance() != start {
		t.Errorf("after a refused publish: %d HITs, balance %s (want none, %s)", len(hits.HITs), e.balance(), start)
	}
	if v, err := e.svc.GetBatch(e.ctx, e.caller, b.ID); err != nil || v.Batch.Status != hitd.BatchDraft {
		t.Errorf("the batch after a refused publish: %+v, %v", v, err)
	}
}

func TestCancelAndExtendBatch(t *testing.T) {
	e := newProjectEnv(t)
	start := e.balance()
	b, v := e.publish([]string{"1", "a", ""}, []string{"2", "b", ""})
	a := e.work(e.workers[0], mustHIT(t, e, b, 0), "yes") // one slot submitted: its money stays reserved
	if _, err := e.svc.CancelBatch(e.ctx, e.caller, b.ID); err != nil {
		t.Fatal(err)
	}
	v, err := e.svc.GetBatch(e.ctx, e.caller, b.ID)
	if err != nil || !v.Progress.Expired || v.Batch.Status != hitd.BatchCancelled || v.Progress.Available != 0 || v.Progress.Submitted != 1 {
		t.Fatalf("after cancel: %+v %+v, %v", v.Batch, v.Progress, err)
	}
	if got := e.balance(); got != start-60 || v.Progress.Reserved != 60 {
		t.Errorf("after cancel: balance %s reserved %s; want %s and 0.60 (the submitted slot)", got, v.Progress.Reserved, start-60)
	}
	// The submitted work can still be approved.
	if _, err := e.svc.ApproveAssignment(e.ctx, e.caller, &hitd.ApproveAssignmentInput{AssignmentId: a.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ExtendBatch(e.ctx, e.caller, b.ID, 10)
	wantCode(t, "extending by 10 s", err, hitd.ErrOutOfRange)
	if _, err := e.svc.ExtendBatch(e.ctx, e.caller, b.ID, 3600); err != nil {
		t.Fatal(err)
	}
	v, err = e.svc.GetBatch(e.ctx, e.caller, b.ID)
	if err != nil || v.Progress.Expired || v.Batch.Status != hitd.BatchPublished || v.Progress.Available != 3 ||
		!v.Progress.Expiration.Equal(e.clock.Now().Add(time.Hour)) {
		t.Fatalf("after extend: %+v %+v, %v", v.Batch, v.Progress, err)
	}
	// 3 open slots funded again: 3 × 0.60; one paid 0.60 earlier.
	if got := e.balance(); got != start-60-180 {
		t.Errorf("after extend: balance %s, want %s", got, start-60-180)
	}
	if _, err := e.svc.CancelBatch(e.ctx, e.caller, b.ID); err != nil {
		t.Fatalf("cancelling the extended batch: %v", err)
	}
	_, err = e.svc.CancelBatch(e.ctx, e.caller, b.ID)
	wantCode(t, "cancelling twice", err, hitd.ErrInvalidBatchState)
	audit, err := e.svc.AuditMoney(e.ctx)
	if err != nil || !audit.Balanced() {
		t.Errorf("audit %+v, %v", audit, err)
	}

	// A draft that is cancelled (discarded) has no HITs, results or time.
	d, err := e.svc.CreateBatch(e.ctx, e.caller, &hitd.BatchInput{ProjectID: e.project.ID, Columns: []string{"text", "id"}, Rows: [][]string{{"a", "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if d, err = e.svc.CancelBatch(e.ctx, e.caller, d.ID); err != nil || d.Status != hitd.BatchCancelled {
		t.Fatalf("discarding a draft: %+v, %v", d, err)
	}
	if v, err := e.svc.GetBatch(e.ctx, e.caller, d.ID); err != nil || v.Progress.HITs != 0 || v.Cost.Total != 0 {
		t.Errorf("a discarded draft's view: %+v, %v", v, err)
	}
	_, _, err = e.svc.BatchResults(e.ctx, e.caller, d.ID)
	wantCode(t, "results of a discarded draft", err, hitd.ErrInvalidBatchState)
	_, err = e.svc.ExtendBatch(e.ctx, e.caller, d.ID, 3600)
	wantCode(t, "extending a discarded draft", err, hitd.ErrInvalidBatchState)
	_, err = e.svc.PublishBatch(e.ctx, e.caller, d.ID, nil)
	wantCode(t, "publishing a discarded draft", err, hitd.ErrInvalidBatchState)
}

func mustHIT(t *testing.T, e *projectEnv, b *hitd.Batch, row int) string {
	t.Helper()
	_, rs, err := e.svc.BatchResults(e.ctx, e.caller, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Row.Index == row {
			return r.HIT.ID
		}
	}
	t.Fatalf("no row %d", row)
	return ""
}

// TestResultsRoundTrip downloads a batch's results as MTurk's CSV, marks
// Approve and Reject in it as a requester would in a spreadsheet, uploads
// it, and checks statuses and money.
func TestResultsRoundTrip(t *testing.T) {
	e := newProjectEnv(t)
	start := e.balance()
	b, _ := e.publish([]string{"1", "sunny, \"great\"", "x"}, []string{"2", "rain", "y"}, []string{"3", "fog", "z"})
	a1 := e.work(e.workers[0], mustHIT(t, e, b, 0), "positive")
	a2 := e.work(e.workers[1], mustHIT(t, e, b, 0), "negative")
	a3 := e.work(e.workers[0], mustHIT(t, e, b, 1), "neutral")

	var buf bytes.Buffer
	res, rows, err := e.svc.BatchResults(e.ctx, e.caller, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := batchcsv.WriteResults(&buf, batchcsv.FromBatch(res, rows)); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(buf.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := recs[0]
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	for _, want := range []string{"HITId", "AssignmentId", "WorkerId", "AssignmentStatus", "Input.id", "Input.text", "Input.extra", "Answer.label", "Answer.sure", "Approve", "Reject"} {
		if _, ok := col[want]; !ok {
			t.Fatalf("results header %v lacks %s", header, want)
		}
	}
	// Three assignments, and one line for the HIT nobody worked on.
	if len(recs) != 5 {
		t.Fatalf("results have %d lines, want header + 4:\n%s", len(recs), buf.String())
	}
	if recs[1][col["Input.text"]] != `sunny, "great"` || recs[1][col["AssignmentId"]] != a1.ID || recs[1][col["Answer.label"]] != "positive" ||
		recs[1][col["AssignmentStatus"]] != "Submitted" || recs[1][col["Reward"]] != "$0.50" {
		t.Errorf("first line %v", recs[1])
	}
	if recs[4][col["AssignmentId"]] != "" || recs[4][col["Input.id"]] != "3" {
		t.Errorf("last line %v, want row 3 without an assignment", recs[4])
	}
	// Approve a1, reject a2 with feedback, leave a3; mark the empty line too (ignored).
	recs[1][col["Approve"]] = "x"
	recs[2][col["Reject"]] = "Not what we asked for"
	recs[4][col["Approve"]] = "x"
	var edited bytes.Buffer
	cw := csv.NewWriter(&edited)
	if err := cw.WriteAll(recs); err != nil {
		t.Fatal(err)
	}
	ds, err := batchcsv.ParseReview(&edited)
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.svc.ReviewAssignments(e.ctx, e.caller, batchcsv.ReviewDecisions(ds))
	if err != nil || out.Approved != 1 || out.Rejected != 1 || out.Unchanged != 0 {
		t.Fatalf("ReviewAssignments = %+v, %v", out, err)
	}
	status := func(id string) hitd.AssignmentStatus {
		g, err := e.svc.GetAssignment(e.ctx, e.caller, &hitd.AssignmentIdInput{AssignmentId: id})
		if err != nil {
			t.Fatal(err)
		}
		return g.Assignment.AssignmentStatus
	}
	if status(a1.ID) != hitd.AssignmentApproved || status(a2.ID) != hitd.AssignmentRejected || status(a3.ID) != hitd.AssignmentSubmitted {
		t.Errorf("statuses %s %s %s", status(a1.ID), status(a2.ID), status(a3.ID))
	}
	if g, _ := e.svc.GetAssignment(e.ctx, e.caller, &hitd.AssignmentIdInput{AssignmentId: a2.ID}); g.Assignment.RequesterFeedback != "Not what we asked for" {
		t.Errorf("rejection feedback %q", g.Assignment.RequesterFeedback)
	}
	// Money: 3.60 reserved; the rejected slot's 0.60 came back.
	if got := e.balance(); got != start-360+60 {
		t.Errorf("balance %s, want %s", got, start-300)
	}
	profile, err := e.svc.WorkerProfile(e.ctx, e.workers[0].ID)
	if err != nil || profile.Worker.Earnings != 50 {
		t.Errorf("alice earned %v, %v; want 0.50", profile, err)
	}
	// Uploading the same file again changes nothing.
	edited.Reset()
	cw = csv.NewWriter(&edited)
	cw.WriteAll(recs)
	ds, _ = batchcsv.ParseReview(&edited)
	if out, err := e.svc.ReviewAssignments(e.ctx, e.caller, batchcsv.ReviewDecisions(ds)); err != nil || out.Unchanged != 2 || out.Approved+out.Rejected != 0 {
		t.Errorf("second upload = %+v, %v; want 2 unchanged", out, err)
	}
	// A file that rejects an approved assignment (row 2) and approves a3 is
	// refused whole: a3 stays Submitted.
	_, err = e.svc.ReviewAssignments(e.ctx, e.caller, []hitd.ReviewDecision{
		{AssignmentID: a3.ID, Approve: true, Line: 4},
		{AssignmentID: a1.ID, Approve: false, Line: 2},
	})
	if hitd.ErrorCode(err) != hitd.ErrInvalidAssignmentState || !strings.HasPrefix(hitd.ErrorMessage(err), "Row 2 (assignment "+a1.ID+")") {
		t.Errorf("rejecting an approved assignment: %v", err)
	}
	if status(a3.ID) != hitd.AssignmentSubmitted || status(a1.ID) != hitd.AssignmentApproved {
		t.Errorf("a refused review changed statuses: %s %s", status(a3.ID), status(a1.ID))
	}
	// Approving the rejected one overrides the rejection.
	if out, err := e.svc.ReviewAssignments(e.ctx, e.caller, []hitd.ReviewDecision{{AssignmentID: a2.ID, Approve: true}}); err != nil || out.Approved != 1 {
		t.Errorf("overriding a rejection: %+v, %v", out, err)
	}
	if status(a2.ID) != hitd.AssignmentApproved || e.balance() != start-360 {
		t.Errorf("after override: %s, balance %s", status(a2.ID), e.balance())
	}
	// Another requester can review none of them.
	other, _ := e.svc.CreateRequester(e.ctx, "other")
	_, err = e.svc.ReviewAssignments(e.ctx, hitd.Caller{RequesterID: other.ID}, []hitd.ReviewDecision{{AssignmentID: a3.ID, Approve: true}})
	wantCode(t, "another requester's assignment", err, hitd.ErrAssignmentNotFound)
	_, _, err = e.svc.BatchResults(e.ctx, hitd.Caller{RequesterID: other.ID}, b.ID)
	wantCode(t, "another requester's results", err, hitd.ErrBatchNotFound)

	// The workers page's numbers.
	ws, err := e.svc.RequesterWorkers(e.ctx, e.caller)
	if err != nil || len(ws) != 2 {
		t.Fatalf("RequesterWorkers = %+v, %v", ws, err)
	}
	for _, w := range ws {
		switch w.WorkerID {
		case e.workers[0].ID:
			if w.Approved != 1 || w.Submitted != 1 || w.ApprovalRate != 100 {
				t.Errorf("alice: %+v", w)
			}
		case e.workers[1].ID:
			if w.Approved != 1 || w.Rejected != 0 || w.ApprovalRate != 100 {
				t.Errorf("bob: %+v", w)
			}
		}
	}
	audit, err := e.svc.AuditMoney(e.ctx)
	if err != nil || !audit.Balanced() {
		t.Errorf("audit %+v, %v", audit, err)
	}
}

// BenchmarkPublishBatch uploads and publishes a 500-row batch (one
// transaction: 500 funded HITs) and then reads its page's view, on SQLite
// (each Write once, unlike the tests' RetryingStore).
func BenchmarkPublishBatch(b *testing.B) {
	rows := make([][]string, 500)
	for i := range rows {
		rows[i] = []string{strings.Repeat("x", 200), "1", ""}
	}
	for b.Loop() {
		b.StopTimer()
		clock := hitd.NewFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "hitd.db"))
		if err != nil {
			b.Fatal(err)
		}
		e := newProjectEnvOn(b, clock, hitd.NewService(st, clock, hitd.IDSource{}, hitd.Config{StartingBalance: 100_00, PasswordCost: bcrypt.MinCost}))
		r, err := e.svc.ListRequesters(e.ctx)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.svc.Deposit(e.ctx, hitd.DepositInput{AccessKeyID: r[0].AccessKeyID, Amount: "1000.00"}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		bt, err := e.svc.CreateBatch(e.ctx, e.caller, &hitd.BatchInput{ProjectID: e.project.ID, Columns: []string{"text", "id", "extra"}, Rows: rows})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.svc.PublishBatch(e.ctx, e.caller, bt.ID, nil); err != nil {
			b.Fatal(err)
		}
		if _, err := e.svc.GetBatch(e.ctx, e.caller, bt.ID); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		st.Close()
		b.StartTimer()
	}
}
