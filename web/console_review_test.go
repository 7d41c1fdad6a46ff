package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
)

// reviewFixture is a published batch of the root requester's, three rows
// of two assignments each, with work submitted by two workers: ada did
// every row, bob the first two.
type reviewFixture struct {
	e       *env
	t       *testing.T
	console *browser // root, signed in to the console
	batch   *hitd.Batch
	hits    []string          // the HIT of each row
	workers map[string]string // worker name → worker ID
	asg     map[string]string // "name/row" → assignment ID
	path    string            // the review page
}

// slotCost is what one assignment of the fixture's HITs reserves: the
// $0.50 reward and its 20% fee.
const slotCost hitd.Cents = 60

func newReviewFixture(t *testing.T) *reviewFixture {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	c := hitd.Caller{RequesterID: e.Root.ID}
	p, err := e.Service.CreateProject(ctx, c, &hitd.ProjectInput{
		Name: "Fruit labels", Title: "Label a fruit", Description: "Name the fruit in the picture", Reward: "0.50",
		MaxAssignments: new(int64(2)), LifetimeInSeconds: new(int64(3600)), AssignmentDurationInSeconds: new(int64(600)),
		HTML: `<p>Label the ${word} (${note}).</p><form><input name="label"></form>`,
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Service.CreateBatch(ctx, c, &hitd.BatchInput{ProjectID: p.ID, Name: "fruit.csv", Columns: []string{"word", "note"},
		Rows: [][]string{{"apple", "red"}, {"pear", "green"}, {"<b>plum</b>", "purple"}}})
	if err != nil {
		t.Fatal(err)
	}
	if b, err = e.Service.PublishBatch(ctx, c, b.ID, nil); err != nil {
		t.Fatal(err)
	}
	_, results, err := e.Service.BatchResults(ctx, c, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	f := &reviewFixture{e: e, t: t, batch: b, workers: map[string]string{}, asg: map[string]string{},
		path: "/requester/batches/" + b.ID + "/review"}
	for _, r := range results {
		f.hits = append(f.hits, r.HIT.ID)
	}
	if len(f.hits) != 3 {
		t.Fatalf("the batch has %d HITs, want 3", len(f.hits))
	}
	words := []string{"apple", "pear", "plum"}
	for _, w := range []struct {
		name string
		rows []int
	}{{"ada", []int{0, 1, 2}}, {"bob", []int{0, 1}}} {
		wb := e.browser()
		wb.signup(w.name)
		f.workers[w.name] = wb.workerID()
		for _, row := range w.rows {
			label := w.name + " " + words[row]
			if w.name == "bob" && row == 1 {
				label = "<i>pear</i>" // worker text is shown as text
			}
			f.asg[w.name+"/"+strconv.Itoa(row)] = f.submit(wb, f.hits[row], label)
		}
	}
	f.console = e.browser()
	f.console.consoleLogin(e.Root.AccessKeyID, e.Root.SecretAccessKey)
	return f
}

// submit accepts a HIT as the worker signed in to b and submits a label.
func (f *reviewFixture) submit(b *browser, hitID, label string) string {
	f.t.Helper()
	aid := assignmentFrom(f.t, b.post("/hits/"+hitID+"/accept", nil).want(f.t, http.StatusSeeOther).location())
	form := url.Values{"assignmentId": {aid}, "label": {label}}
	req, err := http.NewRequest("POST", f.e.URL+"/mturk/externalSubmit", strings.NewReader(form.Encode()))
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "null")
	b.do(req).want(f.t, http.StatusOK)
	return aid
}

// assignment reads an assignment through the SDK.
func (f *reviewFixture) assignment(id string) *types.Assignment {
	f.t.Helper()
	out, err := f.e.Client.GetAssignment(context.Background(), &mturk.GetAssignmentInput{AssignmentId: aws.String(id)})
	if err != nil {
		f.t.Fatal(err)
	}
	return out.Assignment
}

func (f *reviewFixture) wantStatus(id string, want types.AssignmentStatus) {
	f.t.Helper()
	if got := f.assignment(id).AssignmentStatus; got != want {
		f.t.Errorf("assignment %s is %s, want %s", id, got, want)
	}
}

// balance is the root requester's balance, through the SDK.
func (f *reviewFixture) balance() hitd.Cents {
	f.t.Helper()
	return sdkBalance(f.t, f.e.Client)
}

func sdkBalance(t *testing.T, c *mturk.Client) hitd.Cents {
	t.Helper()
	out, err := c.GetAccountBalance(context.Background(), &mturk.GetAccountBalanceInput{})
	if err != nil {
		t.Fatal(err)
	}
	v, ok := hitd.ParseCents(aws.ToString(out.AvailableBalance))
	if !ok {
		t.Fatalf("balance %q", aws.ToString(out.AvailableBalance))
	}
	return v
}

// review posts the review form.
func (f *reviewFixture) review(b *browser, form url.Values) response {
	f.t.Helper()
	return b.post("/requester/review", form)
}

// rowOf returns the table row of an assignment on the review page, "" if
// it is not listed.
func rowOf(body, id string) string {
	i := strings.Index(body, `<tr id="a-`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	if j := strings.Index(rest, "</tr>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

// workerRow returns a worker's row on the workers page.
func workerRow(t *testing.T, body, workerID string) string {
	t.Helper()
	i := strings.Index(body, `<tr id="worker-`+workerID+`"`)
	if i < 0 {
		t.Fatalf("no row for worker %s:\n%s", workerID, body)
	}
	rest := body[i:]
	if j := strings.Index(rest, "</tr>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

func TestConsoleReviewPageShowsInputsAndAnswers(t *testing.T) {
	f := newReviewFixture(t)
	r := f.console.get(f.path).want(t, http.StatusOK)
	body := r.body
	wantIn(t, "the review page", body,
		`<span class="prefix">Input.</span>word</th>`, `<span class="prefix">Input.</span>note</th>`,
		`<span class="prefix">Answer.</span>label</th>`,
		`<option value="Submitted" selected>`, // the default filter
		`action="/requester/review"`, `name="return" value="`+f.path+`?status=Submitted"`,
		`<button type="submit" name="action" value="approve"`, `value="reject-all"`,
		`id="select-all"`, `<script src="/static/console-review.js" defer></script>`,
	)
	if r.header.Get("Content-Security-Policy") == "" {
		t.Error("the review page has no Content-Security-Policy")
	}
	// Each row: its inputs and its answer, side by side.
	for key, want := range map[string][]string{
		"ada/0": {`<td class="in">apple</td>`, `<td class="in">red</td>`, `<td class="ans">ada apple</td>`, f.workers["ada"]},
		"bob/0": {`<td class="in">apple</td>`, `<td class="ans">bob apple</td>`, f.workers["bob"]},
		"bob/1": {`<td class="in">pear</td>`, `<td class="ans">&lt;i&gt;pear&lt;/i&gt;</td>`},
		"ada/2": {`<td class="in">&lt;b&gt;plum&lt;/b&gt;</td>`, `<td class="ans">ada plum</td>`, `<td class="status status-submitted">Submitted`},
	} {
		row := rowOf(body, f.asg[key])
		if row == "" {
			t.Fatalf("assignment %s (%s) is not listed:\n%s", f.asg[key], key, body)
		}
		wantIn(t, "row "+key, row, want...)
		wantIn(t, "row "+key, row, `name="assignment" value="`+f.asg[key]+`"`, `class="manage" href="/requester/workers?`)
	}
	wantNotIn(t, "the review page", body, "<b>plum</b>", "<i>pear</i>")

	// Filter by worker, then by status.
	body = f.console.get(f.path+"?worker="+f.workers["bob"]).want(t, 200).body
	if rowOf(body, f.asg["bob/0"]) == "" || rowOf(body, f.asg["bob/1"]) == "" || rowOf(body, f.asg["ada/0"]) != "" {
		t.Errorf("filtered by worker bob: want only bob's assignments:\n%s", body)
	}
	wantIn(t, "filtered by worker", body, `<option value="`+f.workers["bob"]+`" selected>`, `name="worker" value="`+f.workers["bob"]+`"`)
	body = f.console.get(f.path+"?status=Approved").want(t, 200).body
	wantIn(t, "filtered by Approved", body, `id="review-empty"`, `<option value="Approved" selected>`)
	wantNotIn(t, "filtered by Approved", body, `<tr id="a-`)

	// Without a session: the sign-in page; a draft or unknown batch: errors.
	anon := f.e.browser()
	if r := anon.get(f.path).want(t, http.StatusSeeOther); r.location() != "/requester/login" {
		t.Errorf("no session: redirected to %q", r.location())
	}
	anon.post("/requester/review", url.Values{"assignment": {f.asg["ada/0"]}, "action": {"approve"}}).want(t, http.StatusUnauthorized)
	f.console.get("/requester/batches/NOSUCHBATCH00000000000000000000/review").want(t, http.StatusNotFound)
	f.wantStatus(f.asg["ada/0"], types.AssignmentStatusSubmitted)
}

func TestConsoleReviewApproveRejectAndAll(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	ret := f.path + "?status=Submitted"
	start := f.balance()

	// Approve selected: paid from the HIT's reserve, the balance stays.
	r := f.review(f.console, url.Values{"assignment": {f.asg["ada/0"]}, "action": {"approve"}, "batch": {f.batch.ID},
		"status": {"Submitted"}, "return": {ret}}).want(t, http.StatusSeeOther)
	if loc := r.location(); loc != f.path+"?msg=reviewed&status=Submitted" {
		t.Errorf("approve redirected to %q", loc)
	}
	f.wantStatus(f.asg["ada/0"], types.AssignmentStatusApproved)
	if got := f.balance(); got != start {
		t.Errorf("approving changed the balance: %s → %s", start, got)
	}
	wp, err := f.e.Service.WorkerProfile(ctx, f.workers["ada"])
	if err != nil || wp.Worker.Earnings != 50 {
		t.Errorf("ada's earnings after one approval: %v, %v; want 0.50", wp, err)
	}
	wantIn(t, "the page after approving", f.console.get(r.location()).want(t, 200).body, `<p class="flash" role="status">Review saved.</p>`)

	// Reject selected with feedback: the slot's money returns.
	f.review(f.console, url.Values{"assignment": {f.asg["ada/1"]}, "action": {"reject"}, "feedback": {"The label is not a fruit."},
		"batch": {f.batch.ID}, "return": {ret}}).want(t, http.StatusSeeOther)
	a := f.assignment(f.asg["ada/1"])
	if a.AssignmentStatus != types.AssignmentStatusRejected || aws.ToString(a.RequesterFeedback) != "The label is not a fruit." {
		t.Errorf("rejected assignment: %s %q", a.AssignmentStatus, aws.ToString(a.RequesterFeedback))
	}
	if got := f.balance(); got != start+slotCost {
		t.Errorf("after a rejection the balance is %s, want %s", got, start+slotCost)
	}

	// Rejecting an approved assignment (with a submitted one) is refused
	// and changes nothing.
	r = f.review(f.console, url.Values{"assignment": {f.asg["ada/2"], f.asg["ada/0"]}, "action": {"reject"}, "feedback": {"Oops"},
		"batch": {f.batch.ID}, "status": {"all"}, "return": {ret}}).want(t, http.StatusBadRequest)
	wantIn(t, "the refused review", r.body, `role="alert"`, "already approved", "Nothing was reviewed.", f.asg["ada/0"],
		`id="pick-`+f.asg["ada/2"]+`" checked`, ">Oops</textarea>", `<option value="all" selected>`)
	f.wantStatus(f.asg["ada/2"], types.AssignmentStatusSubmitted)
	f.wantStatus(f.asg["ada/0"], types.AssignmentStatusApproved)
	if got := f.balance(); got != start+slotCost {
		t.Errorf("a refused review changed the balance: %s", got)
	}

	// Nothing selected, or no action: 400, nothing changes.
	r = f.review(f.console, url.Values{"action": {"approve"}, "batch": {f.batch.ID}}).want(t, http.StatusBadRequest)
	wantIn(t, "an empty selection", r.body, "Select at least one assignment")
	f.review(f.console, url.Values{"assignment": {f.asg["ada/2"]}, "action": {"delete"}, "batch": {f.batch.ID}}).want(t, http.StatusBadRequest)
	f.wantStatus(f.asg["ada/2"], types.AssignmentStatusSubmitted)

	// Approve all shown: bob's submitted assignments only.
	r = f.review(f.console, url.Values{"action": {"approve-all"}, "batch": {f.batch.ID}, "status": {"Submitted"}, "worker": {f.workers["bob"]},
		"return": {"https://evil.example/"}}).want(t, http.StatusSeeOther)
	if !strings.HasPrefix(r.location(), f.path+"?") {
		t.Errorf("a foreign return address was followed: %q", r.location())
	}
	f.wantStatus(f.asg["bob/0"], types.AssignmentStatusApproved)
	f.wantStatus(f.asg["bob/1"], types.AssignmentStatusApproved)
	f.wantStatus(f.asg["ada/2"], types.AssignmentStatusSubmitted)
	// …and with nothing shown, nothing to do.
	f.review(f.console, url.Values{"action": {"reject-all"}, "batch": {f.batch.ID}, "status": {"Submitted"}, "worker": {f.workers["bob"]}}).
		want(t, http.StatusBadRequest)

	// The full list shows every status and the feedback.
	body := f.console.get(f.path+"?status=all").want(t, 200).body
	wantIn(t, "approved row", rowOf(body, f.asg["ada/0"]), "status-approved")
	wantIn(t, "rejected row", rowOf(body, f.asg["ada/1"]), "status-rejected", "“The label is not a fruit.”")

	// Return addresses outside the console are not followed.
	for _, bad := range []string{"//evil.example/requester", "/requester/../login", "https://evil.example/requester", "/groups", "javascript:alert(1)"} {
		r := f.review(f.console, url.Values{"assignment": {f.asg["ada/0"]}, "action": {"approve"}, "batch": {f.batch.ID}, "return": {bad}}).
			want(t, http.StatusSeeOther)
		if !strings.HasPrefix(r.location(), f.path+"?") {
			t.Errorf("return %q: redirected to %q", bad, r.location())
		}
	}
}

func TestConsoleReviewOtherRequesterCannotReview(t *testing.T) {
	f := newReviewFixture(t)
	other, _ := f.e.NewRequester("Other lab")
	ob := f.e.browser()
	ob.consoleLogin(other.AccessKeyID, other.SecretAccessKey)
	id := f.asg["ada/0"]

	ob.get(f.path).want(t, http.StatusNotFound)
	r := ob.post("/requester/review", url.Values{"assignment": {id}, "action": {"approve"}})
	if r.status < 400 || r.status >= 500 {
		t.Fatalf("another requester's review: status %d\n%s", r.status, r.body)
	}
	wantIn(t, "another requester's review", r.body, "does not exist")
	ob.post("/requester/review", url.Values{"assignment": {id}, "action": {"reject"}, "batch": {f.batch.ID}}).want(t, http.StatusNotFound)
	ob.post("/requester/review", url.Values{"action": {"approve-all"}, "batch": {f.batch.ID}}).want(t, http.StatusNotFound)
	// Nor pay a bonus for it: a bonus needs an assignment of the caller's.
	ob.post("/requester/workers/"+f.workers["ada"]+"/bonus", url.Values{"assignment": {id}, "amount": {"1.00"}, "reason": {"x"}}).
		want(t, http.StatusNotFound)
	for _, k := range []string{"ada/0", "ada/1", "ada/2", "bob/0", "bob/1"} {
		f.wantStatus(f.asg[k], types.AssignmentStatusSubmitted)
	}
	bonuses, err := f.e.Client.ListBonusPayments(context.Background(), &mturk.ListBonusPaymentsInput{AssignmentId: aws.String(id)})
	if err != nil || len(bonuses.BonusPayments) != 0 {
		t.Errorf("bonuses after another requester's attempt: %v, %v", bonuses, err)
	}
}

func TestConsoleWorkersBonusBlockGrant(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	e := f.e
	ada, bob := f.workers["ada"], f.workers["bob"]
	typeID := e.createQualType(nil, "Fruit <expert>", nil)
	_, otherClient := e.NewRequester("Other lab")
	otherType := e.createQualType(otherClient, "Not root's", nil)
	if _, err := e.Service.ReviewAssignments(ctx, hitd.Caller{RequesterID: e.Root.ID}, []hitd.ReviewDecision{
		{AssignmentID: f.asg["ada/0"], Approve: true}, {AssignmentID: f.asg["ada/1"]}}); err != nil {
		t.Fatal(err)
	}

	// Counts.
	body := f.console.get("/requester/workers").want(t, 200).body
	wantIn(t, "ada's row", workerRow(t, body, ada), `<td class="num submitted">1</td>`, `<td class="num approved">1</td>`,
		`<td class="num rejected">1</td>`, `<td class="num rate">50%</td>`, `<td class="blocked">No</td>`,
		`action="/requester/workers/`+ada+`/bonus"`, `action="/requester/workers/`+ada+`/block"`, `action="/requester/workers/`+ada+`/grant"`,
		`<option value="`+typeID+`">Fruit &lt;expert&gt;</option>`)
	wantIn(t, "bob's row", workerRow(t, body, bob), `<td class="num submitted">2</td>`, `<td class="num approved">0</td>`, `<td class="num rate">—</td>`)
	wantNotIn(t, "the workers page", body, otherType)

	// From a review row to the worker's forms, and back.
	review := f.console.get(f.path).want(t, 200).body
	m := regexp.MustCompile(`class="manage" href="([^"]+)"`).FindStringSubmatch(rowOf(review, f.asg["ada/2"]))
	if m == nil {
		t.Fatalf("no worker link on the review row:\n%s", rowOf(review, f.asg["ada/2"]))
	}
	manage := f.console.get(strings.ReplaceAll(m[1], "&amp;", "&")).want(t, 200).body
	ret := f.path + "?status=Submitted"
	wantIn(t, "the worker's forms", manage, `<details class="worker-actions" open>`, `value="`+f.asg["ada/2"]+`"`,
		`name="return" value="`+strings.ReplaceAll(ret, "&", "&amp;")+`"`)
	wantNotIn(t, "the worker's forms", manage, `id="worker-`+bob+`"`)

	// Bonus: paid once, even when the form is sent twice.
	start := f.balance()
	form := url.Values{"assignment": {f.asg["ada/0"]}, "amount": {"$1.25"}, "reason": {"Careful work"}, "token": {"form-token-1"}, "return": {ret}}
	r := f.console.post("/requester/workers/"+ada+"/bonus", form).want(t, http.StatusSeeOther)
	if r.location() != f.path+"?msg=bonussent&status=Submitted" {
		t.Errorf("bonus redirected to %q", r.location())
	}
	f.console.post("/requester/workers/"+ada+"/bonus", form).want(t, http.StatusSeeOther)
	bonuses, err := e.Client.ListBonusPayments(ctx, &mturk.ListBonusPaymentsInput{AssignmentId: aws.String(f.asg["ada/0"])})
	if err != nil || len(bonuses.BonusPayments) != 1 || aws.ToString(bonuses.BonusPayments[0].BonusAmount) != "1.25" ||
		aws.ToString(bonuses.BonusPayments[0].Reason) != "Careful work" || aws.ToString(bonuses.BonusPayments[0].WorkerId) != ada {
		t.Fatalf("bonuses: %+v, %v", bonuses, err)
	}
	if got := f.balance(); got != start-125-25 {
		t.Errorf("after a $1.25 bonus the balance is %s, want %s", got, start-150)
	}
	// Bonus errors re-render the worker's forms with the message.
	r = f.console.post("/requester/workers/"+ada+"/bonus", url.Values{"assignment": {f.asg["bob/0"]}, "amount": {"2.00"}, "reason": {"Wrong worker"}}).
		want(t, http.StatusBadRequest)
	wantIn(t, "a bonus for another's assignment", r.body, `role="alert"`, "was not done by worker", `value="2.00"`, ">Wrong worker</textarea>",
		`<details class="worker-actions" open>`)
	r = f.console.post("/requester/workers/"+ada+"/bonus", url.Values{"assignment": {f.asg["ada/0"]}, "amount": {"lots"}, "reason": {"x"}}).
		want(t, http.StatusBadRequest)
	wantIn(t, "a bad amount", r.body, "BonusAmount")
	if got := f.balance(); got != start-150 {
		t.Errorf("failed bonuses changed the balance to %s", got)
	}

	// Block and unblock.
	f.console.post("/requester/workers/"+ada+"/block", url.Values{"reason": {""}}).want(t, http.StatusBadRequest)
	r = f.console.post("/requester/workers/"+ada+"/block", url.Values{"reason": {"Copies <answers>"}}).want(t, http.StatusSeeOther)
	if r.location() != "/requester/workers?msg=blocked" {
		t.Errorf("block redirected to %q", r.location())
	}
	blocks, err := e.Client.ListWorkerBlocks(ctx, &mturk.ListWorkerBlocksInput{})
	if err != nil || len(blocks.WorkerBlocks) != 1 || aws.ToString(blocks.WorkerBlocks[0].WorkerId) != ada ||
		aws.ToString(blocks.WorkerBlocks[0].Reason) != "Copies <answers>" {
		t.Fatalf("blocks: %+v, %v", blocks, err)
	}
	body = f.console.get("/requester/workers?msg=blocked").want(t, 200).body
	wantIn(t, "a blocked worker", workerRow(t, body, ada), `<span class="badge blocked">Blocked</span>`, "Copies &lt;answers&gt;",
		`action="/requester/workers/`+ada+`/unblock"`)
	wantIn(t, "the page after blocking", body, "Worker blocked.")
	f.console.post("/requester/workers/"+ada+"/unblock", url.Values{"return": {"/requester/workers?worker=" + ada}}).want(t, http.StatusSeeOther)
	if blocks, err = e.Client.ListWorkerBlocks(ctx, &mturk.ListWorkerBlocksInput{}); err != nil || len(blocks.WorkerBlocks) != 0 {
		t.Errorf("blocks after unblocking: %+v, %v", blocks, err)
	}

	// Grant a qualification (value 1 by default).
	r = f.console.post("/requester/workers/"+ada+"/grant", url.Values{"qualification": {typeID}, "value": {"7"}}).want(t, http.StatusSeeOther)
	if r.location() != "/requester/workers?msg=granted" {
		t.Errorf("grant redirected to %q", r.location())
	}
	if v, st := e.score(typeID, ada); v != 7 || st != types.QualificationStatusGranted {
		t.Errorf("ada's score: %d %s, want 7 Granted", v, st)
	}
	f.console.post("/requester/workers/"+bob+"/grant", url.Values{"qualification": {typeID}}).want(t, http.StatusSeeOther)
	if v, _ := e.score(typeID, bob); v != 1 {
		t.Errorf("bob's score: %d, want the default 1", v)
	}
	r = f.console.post("/requester/workers/"+bob+"/grant", url.Values{"qualification": {typeID}, "value": {"seven"}}).want(t, http.StatusBadRequest)
	wantIn(t, "a bad value", r.body, "not a whole number", `value="seven"`)
	f.console.post("/requester/workers/"+bob+"/grant", url.Values{"qualification": {otherType}, "value": {"3"}}).want(t, http.StatusNotFound)
	body = f.console.get("/requester/workers").want(t, 200).body
	wantIn(t, "ada's qualifications", workerRow(t, body, ada), `Fruit &lt;expert&gt;: <span class="value">7</span>`)
}

// ledgerCSV downloads and parses /requester/ledger.csv.
func ledgerCSV(t *testing.T, b *browser) [][]string {
	t.Helper()
	r := b.get("/requester/ledger.csv").want(t, 200)
	if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
		t.Errorf("Content-Disposition %q", cd)
	}
	recs, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "Seq,Time,Kind,Amount,Direction,From,To,Reference,Reason" {
		t.Fatalf("CSV header %q", got)
	}
	return recs[1:]
}

func TestConsoleLedger(t *testing.T) {
	f := newReviewFixture(t)
	ctx := context.Background()
	e := f.e
	c := hitd.Caller{RequesterID: e.Root.ID}
	ada := f.workers["ada"]
	if _, err := e.Service.ReviewAssignments(ctx, c, []hitd.ReviewDecision{
		{AssignmentID: f.asg["ada/0"], Approve: true}, {AssignmentID: f.asg["ada/1"]}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.SendBonus(ctx, c, &hitd.SendBonusInput{WorkerId: ada, AssignmentId: f.asg["ada/0"], BonusAmount: "1.00", Reason: "Thanks"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.Deposit(ctx, hitd.DepositInput{AccessKeyID: e.Root.AccessKeyID, Amount: "5.00"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.CancelBatch(ctx, c, f.batch.ID); err != nil { // releases the slots nobody took
		t.Fatal(err)
	}
	balance := f.balance()

	body := f.console.get("/requester/ledger").want(t, 200).body
	wantIn(t, "the ledger", body, `<dd class="balance" id="ledger-balance">$`+balance.String()+`</dd>`,
		`<td class="kind">Deposit</td>`, `<td class="kind">Reserve for HIT</td>`, `<td class="kind">Release (refund)</td>`,
		`<td class="kind">Reward paid</td>`, `<td class="kind">Fee</td>`, `<td class="kind">Bonus</td>`, `<td class="kind">Bonus fee</td>`,
		`<td class="num in">+$5.00</td>`, `<td class="num reserve">$0.50</td>`, `<td class="num reserve">$0.10</td>`,
		`<td class="num out">−$1.00</td>`, `<td class="num out">−$0.20</td>`, `<td class="num out">−$1.20</td>`,
		"Assignment <code>"+f.asg["ada/0"]+"</code>", "to worker <code>"+ada+"</code>", "HIT <code>"+f.hits[0]+"</code>",
		`href="/requester/ledger.csv"`)
	if strings.Contains(body, `id="ledger-next"`) {
		t.Error("a short ledger has a next page")
	}

	// The CSV: every entry; the sums reconcile with the balance.
	sums := map[string]hitd.Cents{}
	var net hitd.Cents
	for _, rec := range ledgerCSV(t, f.console) {
		amount, ok := hitd.ParseCents(rec[3])
		if !ok {
			t.Fatalf("amount %q", rec[3])
		}
		dir, err := strconv.Atoi(rec[4])
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).MatchString(rec[1]) {
			t.Errorf("time %q is not RFC 3339 UTC", rec[1])
		}
		sums[rec[2]] += amount
		net += hitd.Cents(dir) * amount
		switch rec[2] {
		case "reward", "fee":
			if dir != 0 || !strings.HasPrefix(rec[5], "hit:") {
				t.Errorf("a %s entry: direction %d from %s", rec[2], dir, rec[5])
			}
		case "deposit", "release":
			if dir != 1 {
				t.Errorf("a %s entry has direction %d", rec[2], dir)
			}
		default:
			if dir != -1 {
				t.Errorf("a %s entry has direction %d", rec[2], dir)
			}
		}
	}
	for _, k := range []string{"deposit", "reserve", "release", "reward", "fee", "bonus", "bonusfee"} {
		if sums[k] == 0 {
			t.Errorf("the CSV has no %s entry: %v", k, sums)
		}
	}
	if got := sums["deposit"] - sums["reserve"] + sums["release"] - sums["bonus"] - sums["bonusfee"]; got != balance || net != balance {
		t.Errorf("deposits - reserves + releases - bonuses - bonus fees = %s (signed sum %s), balance %s; sums %v", got, net, balance, sums)
	}
	if sums["reserve"] != 6*slotCost || sums["reward"] != 50 || sums["fee"] != 10 || sums["bonus"] != 100 || sums["bonusfee"] != 20 {
		t.Errorf("sums %v", sums)
	}
	// What stays reserved is the three assignments still awaiting review.
	if sums["reserve"]-sums["release"]-sums["reward"]-sums["fee"] != 3*slotCost {
		t.Errorf("reserves %s, releases %s, paid %s", sums["reserve"], sums["release"], sums["reward"]+sums["fee"])
	}

	// Pages of 200, by seq.
	for range 205 {
		if _, err := e.Service.Deposit(ctx, hitd.DepositInput{AccessKeyID: e.Root.AccessKeyID, Amount: "0.01"}); err != nil {
			t.Fatal(err)
		}
	}
	all := ledgerCSV(t, f.console)
	entry := regexp.MustCompile(`<tr id="entry-(\d+)"`)
	first := f.console.get("/requester/ledger").want(t, 200).body
	rows := entry.FindAllStringSubmatch(first, -1)
	if len(rows) != 200 || rows[0][1] != all[0][0] || rows[199][1] != all[199][0] {
		t.Fatalf("first page: %d rows from %s to %s", len(rows), rows[0][1], rows[len(rows)-1][1])
	}
	m := regexp.MustCompile(`href="([^"]+)" rel="next"`).FindStringSubmatch(first)
	if m == nil || m[1] != "/requester/ledger?after="+all[199][0] {
		t.Fatalf("next page link %q, want after=%s", m, all[199][0])
	}
	next := m[1]
	second := f.console.get(next).want(t, 200).body
	rows = entry.FindAllStringSubmatch(second, -1)
	if len(rows) != len(all)-200 || rows[0][1] != all[200][0] {
		t.Errorf("second page: %d rows, want %d", len(rows), len(all)-200)
	}
	wantIn(t, "the second page", second, `href="/requester/ledger" rel="first"`)

	// Another requester's ledger is its own.
	other, _ := e.NewRequester("Other lab")
	ob := e.browser()
	ob.consoleLogin(other.AccessKeyID, other.SecretAccessKey)
	recs := ledgerCSV(t, ob)
	if len(recs) != 1 || recs[0][2] != "deposit" || recs[0][6] != "requester:"+other.ID {
		t.Errorf("another requester's ledger: %v", recs)
	}
	wantNotIn(t, "another requester's ledger page", ob.get("/requester/ledger").want(t, 200).body, f.hits[0])
	if r := e.browser().get("/requester/ledger.csv").want(t, http.StatusSeeOther); r.location() != "/requester/login" {
		t.Errorf("ledger.csv without a session redirected to %q", r.location())
	}
}

func TestConsoleAdmin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other, otherClient := e.NewRequester("Lab of <Ada>")
	wb := e.browser()
	wb.signup("cyrus")
	workerID := wb.workerID()

	// Not an admin: 403 everywhere, nothing changes.
	root := e.browser()
	root.consoleLogin(e.Root.AccessKeyID, e.Root.SecretAccessKey)
	r := root.get("/requester/admin").want(t, http.StatusForbidden)
	wantIn(t, "the admin page for a non-admin", r.body, "Admins only", "not one")
	wantNotIn(t, "the admin page for a non-admin", r.body, other.AccessKeyID)
	before := sdkBalance(t, otherClient)
	root.post("/requester/admin/deposit", url.Values{"access_key_id": {other.AccessKeyID}, "amount": {"50.00"}}).want(t, http.StatusForbidden)
	root.post("/requester/admin/workers/"+workerID+"/masters", url.Values{"masters": {"on"}}).want(t, http.StatusForbidden)
	if got := sdkBalance(t, otherClient); got != before {
		t.Errorf("a non-admin's deposit changed the balance: %s → %s", before, got)
	}

	admin, err := e.Service.CreateAdminRequester(ctx, "Operator")
	if err != nil {
		t.Fatal(err)
	}
	ab := e.browser()
	ab.consoleLogin(admin.AccessKeyID, admin.SecretAccessKey)
	body := ab.get("/requester/admin").want(t, 200).body
	wantIn(t, "the admin page", body, `<tr id="requester-`+other.ID+`">`, "Lab of &lt;Ada&gt;", other.AccessKeyID,
		`<tr id="admin-worker-`+workerID+`">`, "cyrus", `action="/requester/admin/deposit"`,
		`action="/requester/admin/workers/`+workerID+`/masters"`, `<a href="/requester/admin">Admin</a>`)
	wantNotIn(t, "the admin page", body, other.SecretAccessKey, "Lab of <Ada>")

	// Deposit: the balance changes by exactly the amount.
	r = ab.post("/requester/admin/deposit", url.Values{"access_key_id": {other.AccessKeyID}, "amount": {"12.34"}}).want(t, http.StatusSeeOther)
	if r.location() != "/requester/admin?msg=deposited" {
		t.Errorf("deposit redirected to %q", r.location())
	}
	if got := sdkBalance(t, otherClient); got != before+1234 {
		t.Errorf("after depositing $12.34 the balance is %s, want %s", got, before+1234)
	}
	wantIn(t, "the page after a deposit", ab.get(r.location()).want(t, 200).body, "Funds deposited.", "$"+(before+1234).String())
	for _, bad := range []url.Values{
		{"access_key_id": {other.AccessKeyID}, "amount": {"-5"}},
		{"access_key_id": {other.AccessKeyID}, "amount": {"a lot"}},
		{"access_key_id": {"HITDNOSUCHKEY0000000"}, "amount": {"1.00"}},
	} {
		r := ab.post("/requester/admin/deposit", bad).want(t, http.StatusBadRequest)
		wantIn(t, "a refused deposit", r.body, `role="alert"`)
	}
	if got := sdkBalance(t, otherClient); got != before+1234 {
		t.Errorf("refused deposits changed the balance to %s", got)
	}

	// Masters and Adult.
	masters := func() bool {
		p, err := e.Service.WorkerProfile(ctx, workerID)
		if err != nil {
			t.Fatal(err)
		}
		return p.Worker.Masters
	}
	r = ab.post("/requester/admin/workers/"+workerID+"/masters", url.Values{"masters": {"on"}}).want(t, http.StatusSeeOther)
	if r.location() != "/requester/admin?msg=workerupdated" || !masters() {
		t.Errorf("granting Masters: redirect %q, masters %v", r.location(), masters())
	}
	wantIn(t, "a Masters worker", ab.get("/requester/admin").want(t, 200).body, `<input type="hidden" name="masters" value="off">`, "Revoke Masters")
	ab.post("/requester/admin/workers/"+workerID+"/masters", url.Values{"masters": {"off"}}).want(t, http.StatusSeeOther)
	if masters() {
		t.Error("Masters not revoked")
	}
	ab.post("/requester/admin/workers/"+workerID+"/masters", url.Values{"masters": {"maybe"}}).want(t, http.StatusBadRequest)
	ab.post("/requester/admin/workers/ANOSUCHWORKER0/masters", url.Values{"masters": {"on"}}).want(t, http.StatusNotFound)
	ab.post("/requester/admin/workers/"+workerID+"/adult", url.Values{"adult": {"on"}}).want(t, http.StatusSeeOther)
	if p, err := e.Service.WorkerProfile(ctx, workerID); err != nil || !p.Worker.Adult || p.Worker.Masters {
		t.Errorf("after setting Adult: %+v, %v", p, err)
	}
}
