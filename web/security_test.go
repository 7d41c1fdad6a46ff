package web_test

// The web security tests (issue 12): CSRF on every state-changing route,
// session fixation, cookie flags, the security headers of every page, and
// the isolation of requester HTML. The same properties are checked in a
// real browser, with an XSS corpus pushed through every requester- and
// worker-supplied field, by e2e/browser/test_xss_site.mjs.

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/hitdtest"
	"github.com/hitd/hitd/qform"
	"github.com/hitd/hitd/web"
)

// rawMarker is put into every requester- and worker-supplied text field of
// the security fixture. It must never appear unescaped in a page of the
// site (only in /content/ responses, the requester's own HTML).
const rawMarker = `<hitd-raw-marker>`

// escapedMarker is rawMarker as html/template writes it in text.
const escapedMarker = `&lt;hitd-raw-marker&gt;`

// secFixture is a server with something behind every state-changing
// route: one browser (b) holds both a worker session and an admin
// requester's console session, and the admin owns HITs, a project, a
// draft and a published batch, qualification types and a submitted
// assignment, so that every route, if it were not refused, would change
// something.
type secFixture struct {
	e       *env
	t       *testing.T
	ctx     context.Context
	b       *browser // the worker's and the admin's browser
	anon    *browser
	admin   *hitd.Requester
	sdk     *mturk.Client // signed as the admin
	caller  hitd.Caller
	worker  *hitd.Worker
	other   *hitd.Worker // a second worker, who did nothing
	wToken  string       // the worker's session token
	cToken  string       // the admin's console token
	hitHTML string       // an HTMLQuestion HIT with free slots
	hitType string       // its HIT type (a group with free slots)
	hitForm string       // a QuestionForm HIT
	accHTML string       // the worker's accepted assignment of hitHTML
	accForm string       // the worker's accepted assignment of hitForm
	qualReq string       // a requestable qualification type without a test
	qualTst string       // a qualification type with a test
	testReq string       // the worker's open attempt at qualTst's test
	project string
	draft   string // a draft batch of project
	pub     string // a published batch of project
	pubHIT  string // its first HIT
	done    string // the worker's submitted assignment of pubHIT
	results string // pub's results CSV with done marked for approval
}

// markedHTMLQ is an HTMLQuestion whose HTML carries rawMarker.
const markedHTMLQ = `<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html>
<html><body>` + rawMarker + `<script>document.title = "requester script";</script>
<form method="post" action="https://www.mturk.com/mturk/externalSubmit"><input type="hidden" name="assignmentId" value=""><input name="label"></form>
</body></html>]]></HTMLContent><FrameHeight>300</FrameHeight></HTMLQuestion>`

func newSecFixture(t *testing.T, opts ...hitdtest.Options) *secFixture {
	t.Helper()
	e := newEnv(t, opts...)
	ctx := context.Background()
	f := &secFixture{e: e, t: t, ctx: ctx}
	var err error
	if f.admin, err = e.Service.CreateAdminRequester(ctx, "Operator "+rawMarker); err != nil {
		t.Fatal(err)
	}
	f.caller = hitd.Caller{RequesterID: f.admin.ID}
	f.sdk = e.NewClient(f.admin.AccessKeyID, f.admin.SecretAccessKey)

	f.b = e.browser()
	f.b.signup("wanda")
	f.anon = e.browser()
	f.wToken = f.cookie(web.SessionCookie, "/")
	if f.worker, err = e.Service.WorkerForSession(ctx, f.wToken); err != nil {
		t.Fatal(err)
	}
	if f.other, err = e.Service.CreateWorker(ctx, "oscar", "password-oscar"); err != nil {
		t.Fatal(err)
	}
	f.cToken = f.b.consoleLogin(f.admin.AccessKeyID, f.admin.SecretAccessKey).Value

	newHIT := func(title, question string, max int32) *types.HIT {
		out, err := f.sdk.CreateHIT(ctx, &mturk.CreateHITInput{
			Title: aws.String(title + " " + rawMarker), Description: aws.String("Description " + rawMarker),
			Keywords: aws.String("kw, " + rawMarker), Reward: aws.String("0.10"),
			AssignmentDurationInSeconds: aws.Int64(600), LifetimeInSeconds: aws.Int64(3600), MaxAssignments: aws.Int32(max),
			Question: aws.String(question),
		})
		if err != nil {
			t.Fatal(err)
		}
		return out.HIT
	}
	h := newHIT("Tag a picture", markedHTMLQ, 5)
	f.hitHTML, f.hitType = aws.ToString(h.HITId), aws.ToString(h.HITTypeId)
	f.hitForm = aws.ToString(newHIT("Guess an age", formQ, 5).HITId)
	a, err := e.Service.AcceptHIT(ctx, f.worker.ID, f.hitHTML)
	if err != nil {
		t.Fatal(err)
	}
	f.accHTML = a.ID
	if a, err = e.Service.AcceptHIT(ctx, f.worker.ID, f.hitForm); err != nil {
		t.Fatal(err)
	}
	f.accForm = a.ID

	qual := func(name string, mod func(*mturk.CreateQualificationTypeInput)) string {
		in := &mturk.CreateQualificationTypeInput{Name: aws.String(name + " " + rawMarker), Description: aws.String("About " + rawMarker),
			Keywords: aws.String("screening, " + rawMarker), QualificationTypeStatus: types.QualificationTypeStatusActive}
		if mod != nil {
			mod(in)
		}
		out, err := f.sdk.CreateQualificationType(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.QualificationType.QualificationTypeId)
	}
	f.qualReq = qual("Careful", nil)
	f.qualTst = qual("Geography", func(in *mturk.CreateQualificationTypeInput) {
		in.Test, in.AnswerKey, in.TestDurationInSeconds = aws.String(quizQ), aws.String(quizKey), aws.Int64(600)
	})
	tst, err := e.Service.StartQualificationTest(ctx, f.worker.ID, f.qualTst)
	if err != nil {
		t.Fatal(err)
	}
	f.testReq = tst.Request.ID
	// A granted qualification and a rejected request, whose reason the
	// worker reads.
	granted := qual("Granted", nil)
	if _, err := f.sdk.AssociateQualificationWithWorker(ctx, &mturk.AssociateQualificationWithWorkerInput{
		QualificationTypeId: aws.String(granted), WorkerId: aws.String(f.worker.ID), IntegerValue: aws.Int32(7), SendNotification: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	rejected := qual("Rejected", nil)
	qr, err := e.Service.RequestQualification(ctx, f.worker.ID, rejected)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.sdk.RejectQualificationRequest(ctx, &mturk.RejectQualificationRequestInput{
		QualificationRequestId: aws.String(qr.ID), Reason: aws.String("Reason " + rawMarker)}); err != nil {
		t.Fatal(err)
	}

	p, err := e.Service.CreateProject(ctx, f.caller, &hitd.ProjectInput{
		Name: "Fruit " + rawMarker, Title: "Label a fruit " + rawMarker, Description: "Name the fruit " + rawMarker,
		Keywords: "fruit, " + rawMarker, Reward: "0.50",
		MaxAssignments: new(int64(2)), LifetimeInSeconds: new(int64(3600)), AssignmentDurationInSeconds: new(int64(600)),
		HTML: `<p>` + rawMarker + ` Label the ${word} (${note}).</p><form><input name="label"></form>`,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.project = p.ID
	batch := func(name string) *hitd.Batch {
		b, err := e.Service.CreateBatch(ctx, f.caller, &hitd.BatchInput{ProjectID: p.ID, Name: name + " " + rawMarker + ".csv",
			Columns: []string{"word", "note"}, Rows: [][]string{{"apple " + rawMarker, "red"}, {"pear", "green " + rawMarker}}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	f.draft = batch("draft").ID
	pub := batch("published")
	if pub, err = e.Service.PublishBatch(ctx, f.caller, pub.ID, nil); err != nil {
		t.Fatal(err)
	}
	f.pub = pub.ID
	_, results, err := e.Service.BatchResults(ctx, f.caller, pub.ID)
	if err != nil || len(results) == 0 {
		t.Fatalf("batch results: %d, %v", len(results), err)
	}
	f.pubHIT = results[0].HIT.ID
	if a, err = e.Service.AcceptHIT(ctx, f.worker.ID, f.pubHIT); err != nil {
		t.Fatal(err)
	}
	f.done = a.ID
	if _, err := e.Service.SubmitAssignment(ctx, f.worker.ID, f.done, []qform.Field{
		{Name: "label", Values: []string{"worker text " + rawMarker}}}); err != nil {
		t.Fatal(err)
	}
	// Work approved with feedback, a message and a block: text the pages show.
	fb := newHIT("Approved one", htmlQ, 1)
	if a, err = e.Service.AcceptHIT(ctx, f.worker.ID, aws.ToString(fb.HITId)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.SubmitAssignment(ctx, f.worker.ID, a.ID, []qform.Field{{Name: "x", Values: []string{"1"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sdk.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: aws.String(a.ID),
		RequesterFeedback: aws.String("Feedback " + rawMarker)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sdk.NotifyWorkers(ctx, &mturk.NotifyWorkersInput{Subject: aws.String("Subject " + rawMarker),
		MessageText: aws.String("Message " + rawMarker), WorkerIds: []string{f.worker.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sdk.CreateWorkerBlock(ctx, &mturk.CreateWorkerBlockInput{WorkerId: aws.String(f.other.ID),
		Reason: aws.String("Block " + rawMarker)}); err != nil {
		t.Fatal(err)
	}

	// The results file, with the submitted assignment marked "x" to approve.
	r := f.b.get("/requester/batches/"+f.pub+"/results.csv").want(t, http.StatusOK)
	rows, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("results.csv: %v\n%s", err, r.body)
	}
	aCol, approveCol := slices.Index(rows[0], "AssignmentId"), slices.Index(rows[0], "Approve")
	if aCol < 0 || approveCol < 0 {
		t.Fatalf("results.csv header %v", rows[0])
	}
	for _, row := range rows[1:] {
		if row[aCol] == f.done {
			row[approveCol] = "x"
		}
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.WriteAll(rows)
	f.results = buf.String()
	return f
}

// cookie returns the value of the named cookie f.b holds for path.
func (f *secFixture) cookie(name, path string) string {
	f.t.Helper()
	u, _ := url.Parse(f.e.URL + path)
	for _, c := range f.b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	f.t.Fatalf("the browser holds no %s cookie for %s", name, path)
	return ""
}

// snapshot is everything a state-changing route could change, as text.
func (f *secFixture) snapshot() string {
	f.t.Helper()
	ctx, svc := f.ctx, f.e.Service
	var sb strings.Builder
	add := func(name string, v any, err error) {
		if err != nil {
			f.t.Fatalf("snapshot %s: %v", name, err)
		}
		j, err := json.Marshal(v)
		if err != nil {
			f.t.Fatal(err)
		}
		fmt.Fprintf(&sb, "%s: %s\n", name, j)
	}
	// The sessions: their worker and requester, or why they are gone.
	w, err := svc.WorkerForSession(ctx, f.wToken)
	add("worker session", w, nil)
	add("worker session error", fmt.Sprint(err), nil)
	r, err := svc.RequesterForConsoleSession(ctx, f.cToken)
	add("console session", r, nil)
	add("console session error", fmt.Sprint(err), nil)
	reqs, err := svc.ListRequesters(ctx)
	add("requesters", reqs, err)
	workers, err := svc.ListWorkers(ctx)
	add("workers", workers, err)
	hits, err := svc.ListHITs(ctx, f.caller, &hitd.ListHITsInput{MaxResults: new(int64(100))})
	add("HITs", hits, err)
	projects, err := svc.ListProjects(ctx, f.caller)
	add("projects", projects, err)
	batches, err := svc.ListBatches(ctx, f.caller, "")
	add("batches", batches, err)
	asg, err := svc.ListWorkerAssignments(ctx, f.worker.ID, nil, "", 100)
	add("assignments", asg, err)
	scores, err := svc.WorkerScores(ctx, f.worker.ID)
	add("scores", scores, err)
	qrs, err := svc.ListQualificationRequests(ctx, f.caller, &hitd.ListQualificationRequestsInput{})
	add("qualification requests", qrs, err)
	blocks, err := svc.ListWorkerBlocks(ctx, f.caller, &hitd.ListWorkerBlocksInput{})
	add("blocks", blocks, err)
	bonuses, err := svc.ListBonusPayments(ctx, f.caller, &hitd.ListBonusPaymentsInput{AssignmentId: f.done})
	add("bonuses", bonuses, err)
	ledger, err := svc.Ledger(ctx, f.caller, 0, 1000)
	add("ledger", ledger, err)
	return sb.String()
}

// postRoute is one request to a state-changing route: a concrete path and
// the form a page of the site would send to it.
type postRoute struct {
	pattern string // as registered on the mux
	path    string
	form    url.Values
	csv     string // non-empty: a multipart upload of this file as "csv"
}

// stateChangingRoutes is every route of the site that takes something
// other than GET, with a request that would change something if it were
// let through. TestCSRFRouteListIsComplete keeps it complete.
func (f *secFixture) stateChangingRoutes() []postRoute {
	w := f.worker.ID
	return []postRoute{
		// The worker site.
		{"POST /signup", "/signup", url.Values{"username": {"mallory"}, "password": {"password-mallory"}, "password2": {"password-mallory"}}, ""},
		{"POST /login", "/login", url.Values{"username": {"oscar"}, "password": {"password-oscar"}}, ""},
		{"POST /logout", "/logout", nil, ""},
		{"POST /groups/{id}/accept", "/groups/" + f.hitType + "/accept", nil, ""},
		{"POST /hits/{id}/accept", "/hits/" + f.hitForm + "/accept", nil, ""},
		{"POST /assignments/{id}/return", "/assignments/" + f.accHTML + "/return", nil, ""},
		{"POST /assignments/{id}/submit", "/assignments/" + f.accForm + "/submit", url.Values{"age": {"30"}, "color": {"red"}}, ""},
		{"POST /profile", "/profile", url.Values{"country": {"DE"}, "subdivision": {"BE"}, "adult": {"on"}}, ""},
		{"POST /qualifications/{id}/{action}", "/qualifications/" + f.qualReq + "/request", nil, ""},
		{"POST /qualifications/{id}/{action}", "/qualifications/" + f.qualTst + "/test", nil, ""},
		{"POST /qualifications/tests/{id}", "/qualifications/tests/" + f.testReq, url.Values{"capital": {"paris"}, "river": {"seine"}}, ""},
		{"/", "/no/such/page", url.Values{"x": {"1"}}, ""},
		// The requester console.
		{"POST /requester/login", "/requester/login", url.Values{"access_key_id": {f.e.Root.AccessKeyID}, "secret": {f.e.Root.SecretAccessKey}}, ""},
		{"POST /requester/logout", "/requester/logout", nil, ""},
		{"POST /requester/projects", "/requester/projects", projectValues("Planted"), ""},
		{"POST /requester/projects/{id}", "/requester/projects/" + f.project, projectValues("Renamed"), ""},
		{"POST /requester/projects/{id}/copy", "/requester/projects/" + f.project + "/copy", nil, ""},
		{"POST /requester/projects/{id}/delete", "/requester/projects/" + f.project + "/delete", nil, ""},
		{"POST /requester/projects/{id}/batches", "/requester/projects/" + f.project + "/batches", nil, "word,note\nfig,brown\n"},
		{"POST /requester/batches/{id}/publish", "/requester/batches/" + f.draft + "/publish", nil, ""},
		{"POST /requester/batches/{id}/cancel", "/requester/batches/" + f.pub + "/cancel", nil, ""},
		{"POST /requester/batches/{id}/extend", "/requester/batches/" + f.pub + "/extend", url.Values{"amount": {"2"}, "unit": {"days"}}, ""},
		{"POST /requester/batches/{id}/review-upload", "/requester/batches/" + f.pub + "/review-upload", nil, f.results},
		{"POST /requester/review", "/requester/review", url.Values{"batch": {f.pub}, "action": {"approve"}, "assignment": {f.done}, "feedback": {"ok"}}, ""},
		{"POST /requester/workers/{id}/bonus", "/requester/workers/" + w + "/bonus", url.Values{"assignment": {f.done}, "amount": {"1.00"}, "reason": {"thanks"}, "token": {"t1"}}, ""},
		{"POST /requester/workers/{id}/block", "/requester/workers/" + w + "/block", url.Values{"reason": {"planted"}}, ""},
		{"POST /requester/workers/{id}/unblock", "/requester/workers/" + f.other.ID + "/unblock", nil, ""},
		{"POST /requester/workers/{id}/grant", "/requester/workers/" + w + "/grant", url.Values{"qualification": {f.qualReq}, "value": {"100"}}, ""},
		{"POST /requester/admin/deposit", "/requester/admin/deposit", url.Values{"access_key_id": {f.admin.AccessKeyID}, "amount": {"500.00"}}, ""},
		{"POST /requester/admin/workers/{id}/masters", "/requester/admin/workers/" + w + "/masters", url.Values{"masters": {"on"}}, ""},
		{"POST /requester/admin/workers/{id}/adult", "/requester/admin/workers/" + w + "/adult", url.Values{"adult": {"on"}}, ""},
		// The documented exception: question pages post here from their
		// own origin; the assignment ID is the credential
		// (TestExternalSubmitIsTheOnlyCrossOriginException).
		{"/mturk/externalSubmit", "/mturk/externalSubmit", nil, ""},
	}
}

// send makes a request to rt from b, with headers (name, value pairs;
// an empty value removes the header) replacing the same-origin defaults.
func (f *secFixture) send(b *browser, rt postRoute, headers ...string) response {
	f.t.Helper()
	var body io.Reader
	ct := "application/x-www-form-urlencoded"
	if rt.csv != "" {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		fw, err := mw.CreateFormFile("csv", "input.csv")
		if err != nil {
			f.t.Fatal(err)
		}
		fw.Write([]byte(rt.csv))
		mw.Close()
		body, ct = &buf, mw.FormDataContentType()
	} else {
		body = strings.NewReader(rt.form.Encode())
	}
	req, err := http.NewRequest("POST", b.url(rt.path), body)
	if err != nil {
		f.t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.base)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	return b.do(req)
}

// crossSiteHeaders are the ways a cross-site form post or fetch arrives:
// from a modern browser (Fetch Metadata), from a sibling subdomain, from
// an older browser that sends only Origin, and from a sandboxed frame or
// a data: URL in an older browser (Origin: null).
var crossSiteHeaders = map[string][]string{
	"cross-site":             {"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"},
	"same-site":              {"Sec-Fetch-Site", "same-site", "Origin", "http://evil.127.0.0.1.nip.io"},
	"Origin only":            {"Sec-Fetch-Site", "", "Origin", "https://evil.example"},
	"Origin null":            {"Sec-Fetch-Site", "", "Origin", "null"},
	"cross-site, no Origin":  {"Sec-Fetch-Site", "cross-site", "Origin", ""},
	"sandboxed frame (null)": {"Sec-Fetch-Site", "cross-site", "Origin", "null"},
}

// muxRoute is a pattern registered on a mux in the package's source.
type muxRoute struct {
	pattern string
	method  string // "" for a pattern without a method (every method)
	where   string // file:line
}

// sourceRoutes reads every mux.Handle/HandleFunc pattern from the
// package's non-test Go files. Patterns are string literals, constants of
// the package, or concatenations of those.
func sourceRoutes(t *testing.T) []muxRoute {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var parsed []*ast.File
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		af, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, af)
	}
	consts := map[string]ast.Expr{}
	for _, af := range parsed {
		for _, d := range af.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						consts[n.Name] = vs.Values[i]
					}
				}
			}
		}
	}
	var eval func(ast.Expr) (string, bool)
	eval = func(x ast.Expr) (string, bool) {
		switch x := x.(type) {
		case *ast.BasicLit:
			if x.Kind == token.STRING {
				s, err := strconv.Unquote(x.Value)
				return s, err == nil
			}
		case *ast.Ident:
			if v, ok := consts[x.Name]; ok {
				return eval(v)
			}
		case *ast.ParenExpr:
			return eval(x.X)
		case *ast.BinaryExpr:
			if x.Op == token.ADD {
				a, ok1 := eval(x.X)
				b, ok2 := eval(x.Y)
				return a + b, ok1 && ok2
			}
		}
		return "", false
	}
	var out []muxRoute
	for _, af := range parsed {
		ast.Inspect(af, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
				return true
			}
			where := fset.Position(call.Pos()).String()
			p, ok := eval(call.Args[0])
			if !ok {
				t.Errorf("%s: cannot work out the pattern of this route; extend sourceRoutes", where)
				return true
			}
			r := muxRoute{pattern: p, where: where}
			if m, rest, found := strings.Cut(p, " "); found && m != "" && strings.ToUpper(m) == m && !strings.Contains(m, "/") {
				r.method, r.pattern = m, m+" "+strings.TrimLeft(rest, " ")
			}
			out = append(out, r)
			return true
		})
	}
	if len(out) < 30 {
		t.Fatalf("found only %d routes in the source; the scan is broken", len(out))
	}
	return out
}

// readOnlyMethods take no state-changing requests by themselves (GET also
// matches HEAD on a ServeMux).
var readOnlyMethods = map[string]bool{"GET": true, "HEAD": true, "OPTIONS": true}

func TestCSRFRouteListIsComplete(t *testing.T) {
	f := &secFixture{worker: &hitd.Worker{}, other: &hitd.Worker{}, e: &env{Env: &hitdtest.Env{Root: &hitd.Requester{}}}, admin: &hitd.Requester{}}
	listed := map[string]bool{}
	for _, rt := range f.stateChangingRoutes() {
		listed[rt.pattern] = true
	}
	inSource := map[string]bool{}
	for _, r := range sourceRoutes(t) {
		if readOnlyMethods[r.method] {
			continue
		}
		inSource[r.pattern] = true
		if !listed[r.pattern] {
			t.Errorf("%s: route %q takes POSTs but is not in stateChangingRoutes (web/security_test.go): add it, with a request that would change something", r.where, r.pattern)
		}
	}
	for p := range listed {
		if !inSource[p] {
			t.Errorf("stateChangingRoutes lists %q, which is no longer registered: remove it", p)
		}
	}
}

func TestCSRFEveryStateChangingRouteRefusesCrossSiteRequests(t *testing.T) {
	f := newSecFixture(t)
	before := f.snapshot()
	names := make([]string, 0, len(crossSiteHeaders))
	for name := range crossSiteHeaders {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, rt := range f.stateChangingRoutes() {
		if rt.pattern == "/mturk/externalSubmit" {
			continue // the exception, tested below
		}
		for _, name := range names {
			r := f.send(f.b, rt, crossSiteHeaders[name]...)
			if r.status != http.StatusForbidden || !strings.Contains(r.body, "Request refused") {
				t.Errorf("%s %s (%s): status %d, want 403 and the refusal page", rt.pattern, rt.path, name, r.status)
				continue
			}
			if sc := r.header.Values("Set-Cookie"); len(sc) > 0 {
				t.Errorf("%s (%s): a refused request set cookies: %v", rt.path, name, sc)
			}
			if r.header.Get("Content-Security-Policy") == "" || r.header.Get("X-Frame-Options") != "DENY" {
				t.Errorf("%s (%s): the refusal page lacks the security headers: %v", rt.path, name, r.header)
			}
		}
	}
	if after := f.snapshot(); after != before {
		t.Fatalf("refused cross-site requests changed the state:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// The refusals are for the origin, not the form: the same requests
	// from the site's own pages work (a few, in an order that keeps the
	// sessions until the end).
	mustPost := func(path string, form url.Values, wantLocation string) {
		t.Helper()
		r := f.b.post(path, form).want(t, http.StatusSeeOther)
		if !strings.Contains(r.location(), wantLocation) {
			t.Errorf("same-origin %s redirected to %q, want it to contain %q", path, r.location(), wantLocation)
		}
	}
	mustPost("/hits/"+f.hitForm+"/accept", nil, "/assignments/")
	mustPost("/requester/batches/"+f.draft+"/publish", nil, "msg=batchpublished")
	mustPost("/requester/review", url.Values{"batch": {f.pub}, "action": {"approve"}, "assignment": {f.done}}, "msg=reviewed")
	if st := f.e.statusOf(f.done); st != hitd.AssignmentApproved {
		t.Errorf("the same-origin review left the assignment %s", st)
	}
	mustPost("/requester/admin/deposit", url.Values{"access_key_id": {f.admin.AccessKeyID}, "amount": {"5.00"}}, "msg=deposited")
	mustPost("/logout", nil, "loggedout")
	if _, err := f.e.Service.WorkerForSession(f.ctx, f.wToken); hitd.ErrorCode(err) != hitd.ErrNotAuthenticated {
		t.Errorf("a same-origin logout did not end the session: %v", err)
	}
	if f.snapshot() == before {
		t.Error("the same-origin requests changed nothing: the fixture is not live")
	}
}

func TestCSRFRefusalsChangeNothingSpecifically(t *testing.T) {
	// The snapshot above covers everything; these say it in the terms of
	// the attacks.
	f := newSecFixture(t)
	evil := crossSiteHeaders["cross-site"]
	post := func(path string, form url.Values) {
		t.Helper()
		f.send(f.b, postRoute{path: path, form: form}, evil...).want(t, http.StatusForbidden)
	}
	// Logging the worker out (or in as someone else) from another site.
	post("/logout", nil)
	if _, err := f.e.Service.WorkerForSession(f.ctx, f.wToken); err != nil {
		t.Errorf("a cross-site logout ended the session: %v", err)
	}
	r := f.send(f.anon, postRoute{path: "/login", form: url.Values{"username": {"oscar"}, "password": {"password-oscar"}}}, evil...)
	if r.status != http.StatusForbidden || len(r.res.Cookies()) != 0 {
		t.Errorf("cross-site login: status %d, cookies %v", r.status, r.res.Cookies())
	}
	// Accepting work in the worker's name creates no assignment.
	hit, err := f.e.Service.GetHIT(f.ctx, f.caller, &hitd.HITIdInput{HITId: f.hitForm})
	if err != nil {
		t.Fatal(err)
	}
	post("/hits/"+f.hitForm+"/accept", nil)
	post("/groups/"+f.hitType+"/accept", nil)
	after, err := f.e.Service.GetHIT(f.ctx, f.caller, &hitd.HITIdInput{HITId: f.hitForm})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(after.HIT) != fmt.Sprint(hit.HIT) {
		t.Errorf("a cross-site accept changed the HIT:\n%+v\n%+v", hit.HIT, after.HIT)
	}
	// Returning or submitting the worker's assignment.
	post("/assignments/"+f.accHTML+"/return", nil)
	post("/assignments/"+f.accForm+"/submit", url.Values{"age": {"30"}, "color": {"red"}})
	for _, id := range []string{f.accHTML, f.accForm} {
		if st := f.e.statusOf(id); st != hitd.AssignmentAccepted {
			t.Errorf("after cross-site return/submit, assignment %s is %s", id, st)
		}
	}
	// The console: publishing, reviewing, paying, depositing.
	hitsBefore, _ := f.e.Service.ListHITs(f.ctx, f.caller, &hitd.ListHITsInput{MaxResults: new(int64(100))})
	balance := sdkBalance(t, f.sdk)
	post("/requester/batches/"+f.draft+"/publish", nil)
	post("/requester/review", url.Values{"batch": {f.pub}, "action": {"approve-all"}})
	post("/requester/workers/"+f.worker.ID+"/bonus", url.Values{"assignment": {f.done}, "amount": {"9.00"}, "reason": {"x"}})
	post("/requester/admin/deposit", url.Values{"access_key_id": {f.admin.AccessKeyID}, "amount": {"500.00"}})
	post("/requester/logout", nil)
	hitsAfter, _ := f.e.Service.ListHITs(f.ctx, f.caller, &hitd.ListHITsInput{MaxResults: new(int64(100))})
	if len(hitsAfter.HITs) != len(hitsBefore.HITs) {
		t.Errorf("a cross-site publish made HITs: %d → %d", len(hitsBefore.HITs), len(hitsAfter.HITs))
	}
	if b, _ := f.e.Service.GetBatch(f.ctx, f.caller, f.draft); b == nil || b.Batch.Status != hitd.BatchDraft {
		t.Errorf("a cross-site publish changed the draft: %+v", b)
	}
	if st := f.e.statusOf(f.done); st != hitd.AssignmentSubmitted {
		t.Errorf("a cross-site review left the assignment %s", st)
	}
	if got := sdkBalance(t, f.sdk); got != balance {
		t.Errorf("cross-site bonus/deposit changed the balance: %s → %s", balance, got)
	}
	if _, err := f.e.Service.RequesterForConsoleSession(f.ctx, f.cToken); err != nil {
		t.Errorf("a cross-site console logout ended the session: %v", err)
	}
}

func TestExternalSubmitIsTheOnlyCrossOriginException(t *testing.T) {
	f := newSecFixture(t)
	ex := postRoute{pattern: "/mturk/externalSubmit", path: "/mturk/externalSubmit"}
	// The worker's cookie alone submits nothing: without the assignment
	// ID, a cross-site post is a 404, whoever's browser sends it.
	before := f.snapshot()
	ex.form = url.Values{"label": {"planted"}}
	r := f.send(f.b, ex, crossSiteHeaders["cross-site"]...).want(t, http.StatusNotFound)
	wantIn(t, "externalSubmit without an assignment", r.body, "Not submitted")
	if after := f.snapshot(); after != before {
		t.Errorf("externalSubmit without an assignmentId changed the state:\n%s\n%s", before, after)
	}
	// With the assignment ID (which only the worker's question frame and
	// the requester know) it takes the answer from the frame's opaque
	// origin, cookie or not.
	ex.form = url.Values{"assignmentId": {f.accHTML}, "label": {"from the frame"}}
	r = f.send(f.anon, ex, crossSiteHeaders["sandboxed frame (null)"]...).want(t, http.StatusOK)
	wantIn(t, "the thank-you page", r.body, "Submitted")
	if st := f.e.statusOf(f.accHTML); st != hitd.AssignmentSubmitted {
		t.Errorf("externalSubmit from the frame left the assignment %s", st)
	}
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "form-action 'none'", "base-uri 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("externalSubmit CSP %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "script-src") || r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("externalSubmit headers: %v", r.header)
	}
	// It changes that one assignment only: the worker's other assignment
	// cannot be submitted by an assignment ID it does not know, and the
	// worker's session is untouched.
	if st := f.e.statusOf(f.accForm); st != hitd.AssignmentAccepted {
		t.Errorf("the worker's other assignment is %s", st)
	}
	if _, err := f.e.Service.WorkerForSession(f.ctx, f.wToken); err != nil {
		t.Errorf("externalSubmit touched the worker's session: %v", err)
	}
}

// setCookies returns the response's Set-Cookie headers for name.
func setCookies(r response, name string) []*http.Cookie {
	var out []*http.Cookie
	for _, c := range r.res.Cookies() {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

func TestSessionFixation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.Service.CreateWorker(ctx, "victim", "password-victim"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Service.CreateWorker(ctx, "attacker", "password-attacker"); err != nil {
		t.Fatal(err)
	}
	attackerToken, _, err := e.Service.LoginWorker(ctx, "attacker", "password-attacker")
	if err != nil {
		t.Fatal(err)
	}

	// A planted cookie — a made-up value, or a live session of the
	// attacker's own account — is never the session after login, and a
	// made-up value never becomes valid.
	for name, planted := range map[string]string{"made up": "planted-by-the-attacker-0123456789", "attacker's session": attackerToken} {
		t.Run("worker/"+name, func(t *testing.T) {
			b := e.browser()
			u, _ := url.Parse(e.URL)
			b.c.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: planted, Path: "/"}})
			r := b.post("/login", url.Values{"username": {"victim"}, "password": {"password-victim"}}).want(t, http.StatusSeeOther)
			cs := setCookies(r, web.SessionCookie)
			if len(cs) != 1 || cs[0].Value == "" || cs[0].Value == planted {
				t.Fatalf("login did not replace the planted cookie: %v", r.header["Set-Cookie"])
			}
			w, err := e.Service.WorkerForSession(ctx, cs[0].Value)
			if err != nil || w.Username != "victim" {
				t.Fatalf("the new cookie is not the victim's session: %v, %v", w, err)
			}
			if w, err := e.Service.WorkerForSession(ctx, planted); hitd.ErrorCode(err) != hitd.ErrNotAuthenticated {
				t.Errorf("the planted token still works after the victim's login: %v, %v", w, err)
			}
			// The planted value, sent again, opens nothing.
			req, _ := http.NewRequest("GET", e.URL+"/my", nil)
			req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: planted})
			if r := e.browser().do(req); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login") {
				t.Errorf("the planted token opens /my: %d %q", r.status, r.location())
			}
		})
	}
	t.Run("worker/signup", func(t *testing.T) {
		b := e.browser()
		u, _ := url.Parse(e.URL)
		b.c.Jar.SetCookies(u, []*http.Cookie{{Name: web.SessionCookie, Value: "planted-before-signup-0123456789", Path: "/"}})
		r := b.post("/signup", url.Values{"username": {"newbie"}, "password": {"password-newbie"}, "password2": {"password-newbie"}}).want(t, http.StatusSeeOther)
		if cs := setCookies(r, web.SessionCookie); len(cs) != 1 || cs[0].Value == "planted-before-signup-0123456789" {
			t.Errorf("sign-up kept the planted cookie: %v", r.header["Set-Cookie"])
		}
	})

	// Logout ends the session on the server: the old cookie, replayed,
	// opens nothing.
	t.Run("worker/logout", func(t *testing.T) {
		b := e.browser()
		r := b.post("/login", url.Values{"username": {"victim"}, "password": {"password-victim"}}).want(t, http.StatusSeeOther)
		token := setCookies(r, web.SessionCookie)[0].Value
		b.get("/my").want(t, http.StatusOK)
		r = b.post("/logout", nil).want(t, http.StatusSeeOther)
		if cs := setCookies(r, web.SessionCookie); len(cs) != 1 || cs[0].MaxAge >= 0 || cs[0].Value != "" {
			t.Errorf("logout did not clear the cookie: %v", r.header["Set-Cookie"])
		}
		req, _ := http.NewRequest("GET", e.URL+"/my", nil)
		req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: token})
		replay := e.browser().do(req)
		if replay.status != http.StatusSeeOther || !strings.HasPrefix(replay.location(), "/login") {
			t.Errorf("the logged-out token still opens /my: %d %q", replay.status, replay.location())
		}
		if cs := setCookies(replay, web.SessionCookie); len(cs) != 1 || cs[0].MaxAge >= 0 {
			t.Errorf("a dead session cookie is not cleared: %v", replay.header["Set-Cookie"])
		}
		if _, err := e.Service.WorkerForSession(ctx, token); hitd.ErrorCode(err) != hitd.ErrNotAuthenticated {
			t.Errorf("the session survives logout: %v", err)
		}
	})

	// The console, likewise.
	attacker, _ := e.NewRequester("Attacker")
	attackerConsole, _, err := e.Service.ConsoleLogin(ctx, attacker.AccessKeyID, attacker.SecretAccessKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, planted := range map[string]string{"made up": "planted-console-0123456789", "attacker's session": attackerConsole} {
		t.Run("console/"+name, func(t *testing.T) {
			b := e.browser()
			u, _ := url.Parse(e.URL + "/requester")
			b.c.Jar.SetCookies(u, []*http.Cookie{{Name: web.ConsoleCookie, Value: planted, Path: "/requester"}})
			c := b.consoleLogin(e.Root.AccessKeyID, e.Root.SecretAccessKey)
			if c.Value == planted {
				t.Fatal("console sign-in kept the planted cookie")
			}
			if r, err := e.Service.RequesterForConsoleSession(ctx, c.Value); err != nil || r.ID != e.Root.ID {
				t.Fatalf("the new console cookie is not root's session: %v, %v", r, err)
			}
			if r, err := e.Service.RequesterForConsoleSession(ctx, planted); hitd.ErrorCode(err) != hitd.ErrNotAuthenticated {
				t.Errorf("the planted console token still works: %v, %v", r, err)
			}
		})
	}
	t.Run("console/logout", func(t *testing.T) {
		b := e.browser()
		c := b.consoleLogin(e.Root.AccessKeyID, e.Root.SecretAccessKey)
		r := b.post("/requester/logout", nil).want(t, http.StatusSeeOther)
		if cs := setCookies(r, web.ConsoleCookie); len(cs) != 1 || cs[0].MaxAge >= 0 || cs[0].Value != "" {
			t.Errorf("console logout did not clear the cookie: %v", r.header["Set-Cookie"])
		}
		req, _ := http.NewRequest("GET", e.URL+"/requester/projects", nil)
		req.AddCookie(&http.Cookie{Name: web.ConsoleCookie, Value: c.Value})
		if replay := e.browser().do(req); replay.status != http.StatusSeeOther || !strings.HasSuffix(replay.location(), "/requester/login") {
			t.Errorf("the signed-out console token still opens the console: %d %q", replay.status, replay.location())
		}
	})
}

func TestSessionCookieFlags(t *testing.T) {
	for _, secure := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "SecureCookies"}[secure], func(t *testing.T) {
			e := newEnv(t, hitdtest.Options{WebOptions: web.Options{SecureCookies: secure}})
			ctx := context.Background()
			if _, err := e.Service.CreateWorker(ctx, "cora", "password-cora"); err != nil {
				t.Fatal(err)
			}
			// Every response that sets a session cookie, including the
			// ones that clear it (logout, a dead session).
			var all []response
			b := e.browser()
			all = append(all, b.post("/signup", url.Values{"username": {"dana"}, "password": {"password-dana"}, "password2": {"password-dana"}}).want(t, http.StatusSeeOther))
			all = append(all, b.post("/login", url.Values{"username": {"cora"}, "password": {"password-cora"}}).want(t, http.StatusSeeOther))
			all = append(all, b.post("/logout", nil).want(t, http.StatusSeeOther))
			req, _ := http.NewRequest("GET", e.URL+"/", nil)
			req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: "dead-session-0123456789"})
			all = append(all, b.do(req))
			all = append(all, b.post("/requester/login", url.Values{"access_key_id": {e.Root.AccessKeyID}, "secret": {e.Root.SecretAccessKey}}).want(t, http.StatusSeeOther))
			all = append(all, b.post("/requester/logout", nil).want(t, http.StatusSeeOther))
			req, _ = http.NewRequest("GET", e.URL+"/requester", nil)
			req.AddCookie(&http.Cookie{Name: web.ConsoleCookie, Value: "dead-console-0123456789"})
			all = append(all, b.do(req))

			seen := map[string]int{}
			for _, r := range all {
				for _, raw := range r.header.Values("Set-Cookie") {
					for _, c := range r.res.Cookies() {
						if !strings.HasPrefix(raw, c.Name+"=") {
							continue
						}
						seen[c.Name]++
						wantPath := map[string]string{web.SessionCookie: "/", web.ConsoleCookie: "/requester"}[c.Name]
						if wantPath == "" {
							t.Errorf("%s %s: unexpected cookie %s", r.res.Request.Method, r.res.Request.URL.Path, raw)
							continue
						}
						if !c.HttpOnly || (c.SameSite != http.SameSiteLaxMode && c.SameSite != http.SameSiteStrictMode) || c.Path != wantPath || c.Secure != secure {
							t.Errorf("%s %s: Set-Cookie %q; want HttpOnly, SameSite=Lax or Strict, Path=%s, Secure=%v",
								r.res.Request.Method, r.res.Request.URL.Path, raw, wantPath, secure)
						}
						if c.Domain != "" {
							t.Errorf("%s: the cookie names a Domain (%q): it would reach other hosts", raw, c.Domain)
						}
					}
				}
				// No session token in a URL.
				if loc := r.location(); strings.Contains(loc, "token") || regexp.MustCompile(`[A-Za-z0-9_-]{40,}`).MatchString(loc) {
					t.Errorf("%s: redirect %q looks like it carries a token", r.res.Request.URL.Path, loc)
				}
			}
			if seen[web.SessionCookie] < 4 || seen[web.ConsoleCookie] < 3 {
				t.Errorf("Set-Cookie headers seen: %v; want 4 worker and 3 console", seen)
			}
		})
	}
}

// cspDirectives parses a Content-Security-Policy into directive → sources.
func cspDirectives(csp string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(csp, ";") {
		fields := strings.Fields(d)
		if len(fields) == 0 {
			continue
		}
		out[strings.ToLower(fields[0])] = fields[1:]
	}
	return out
}

// pageKind says which policy a response must carry.
type pageKind int

const (
	sitePage    pageKind = iota // the worker site's own pages: no script at all
	consolePage                 // /requester: the console's own scripts only
	contentPage                 // /content/: requester HTML, CSP-sandboxed
	submitPage                  // /mturk/externalSubmit: inside the question frame
)

// checkHeaders checks the security headers of a response of the kind.
func checkHeaders(t *testing.T, what string, r response, kind pageKind) {
	t.Helper()
	csp := r.header.Get("Content-Security-Policy")
	if csp == "" {
		t.Errorf("%s: no Content-Security-Policy", what)
		return
	}
	if r.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options %q", what, r.header.Get("X-Content-Type-Options"))
	}
	d := cspDirectives(csp)
	scripts, hasScriptSrc := d["script-src"]
	if !hasScriptSrc {
		scripts = d["default-src"]
	}
	for _, bad := range []string{"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "data:", "*", "http:", "https:"} {
		if slices.Contains(scripts, bad) {
			t.Errorf("%s: script sources %v allow %s", what, scripts, bad)
		}
	}
	switch kind {
	case sitePage, consolePage:
		if !slices.Equal(d["default-src"], []string{"'none'"}) || !slices.Equal(d["base-uri"], []string{"'none'"}) ||
			!slices.Equal(d["form-action"], []string{"'self'"}) || !slices.Equal(d["frame-ancestors"], []string{"'none'"}) {
			t.Errorf("%s: CSP %q: want default-src 'none', base-uri 'none', form-action 'self', frame-ancestors 'none'", what, csp)
		}
		if r.header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: X-Frame-Options %q", what, r.header.Get("X-Frame-Options"))
		}
		if kind == sitePage {
			if hasScriptSrc || slices.Contains(d["style-src"], "'unsafe-inline'") {
				t.Errorf("%s: the worker site's CSP allows script or inline style: %q", what, csp)
			}
		} else if !slices.Equal(scripts, []string{"'self'"}) {
			t.Errorf("%s: console script-src %v, want exactly 'self'", what, scripts)
		}
		if _, ok := d["sandbox"]; ok {
			t.Errorf("%s: a site page is sandboxed: %q", what, csp)
		}
	case contentPage:
		sb, ok := d["sandbox"]
		want := []string{"allow-scripts", "allow-forms", "allow-popups"}
		if !ok || !slices.Equal(sb, want) {
			t.Errorf("%s: content CSP %q: want exactly sandbox %v (no allow-same-origin, no top navigation)", what, csp, want)
		}
		if fa := d["frame-ancestors"]; len(fa) == 0 || slices.Contains(fa, "*") {
			t.Errorf("%s: content CSP %q: frame-ancestors must name the site", what, csp)
		}
		if r.header.Get("X-Frame-Options") != "" {
			t.Errorf("%s: X-Frame-Options on content that lives in a frame", what)
		}
	case submitPage:
		if hasScriptSrc || !slices.Equal(d["default-src"], []string{"'none'"}) || !slices.Equal(d["form-action"], []string{"'none'"}) {
			t.Errorf("%s: externalSubmit CSP %q", what, csp)
		}
	}
}

var (
	iframeRE     = regexp.MustCompile(`(?s)<iframe\b[^>]*>`)
	postFormRE   = regexp.MustCompile(`(?is)<form\b[^>]*\bmethod="post"[^>]*>`)
	eventAttrRE  = regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`)
	jsURLRE      = regexp.MustCompile(`(?i)(?:href|src|action|formaction)\s*=\s*"\s*javascript:`)
	tokenishRE   = regexp.MustCompile(`[A-Za-z0-9_-]{43}`)
	scriptTagsRE = regexp.MustCompile(`(?i)<script\b[^>]*>`)
)

func TestEveryPageCarriesTheSecurityHeaders(t *testing.T) {
	f := newSecFixture(t)
	e := f.e
	// The worker's own work page of each kind, a test in progress, the
	// content of the HTMLQuestion, and an assignment of the batch.
	hv := f.b.get("/assignments/"+f.accHTML).want(t, http.StatusOK)
	frameSrc := attr(hv.body, "iframe", "src")
	if !strings.Contains(frameSrc, "/content/"+f.accHTML) {
		t.Fatalf("work page frame %q", frameSrc)
	}
	// An admin's own console, another requester's console (no admin page)
	// and an anonymous visitor.
	other := e.browser()
	other.consoleLogin(e.Root.AccessKeyID, e.Root.SecretAccessKey)

	type get struct {
		pattern string // the GET route it covers ("" for an extra)
		path    string
		b       *browser
		status  int
		kind    pageKind
	}
	w, a := f.b, f.anon
	pages := []get{
		{"GET /{$}", "/", w, 200, sitePage},
		{"GET /{$}", "/?q=%3Cscript%3E&sort=reward", a, 200, sitePage},
		{"GET /signup", "/signup", a, 200, sitePage},
		{"GET /signup", "/signup?invite=%22%3E%3Cscript%3E", a, 200, sitePage},
		{"GET /signup", "/signup", w, 303, sitePage},
		{"GET /login", "/login", a, 200, sitePage},
		{"GET /login", "/login?next=javascript:alert(1)", a, 200, sitePage},
		{"GET /groups/{id}", "/groups/" + f.hitType, a, 200, sitePage},
		{"GET /groups/{id}", "/groups/" + f.hitType, w, 409, sitePage}, // the worker holds its HIT: an error page
		{"GET /groups/{id}", "/groups/NOSUCHTYPE", w, 409, sitePage},
		{"GET /hits/{id}", "/hits/" + f.hitHTML, w, 200, sitePage},
		{"GET /hits/{id}", "/hits/" + f.hitForm, a, 200, sitePage},
		{"GET /hits/{id}", "/hits/NOSUCHHIT", w, 404, sitePage},
		{"GET /assignments/{id}", "/assignments/" + f.accHTML, w, 200, sitePage},
		{"GET /assignments/{id}", "/assignments/" + f.accForm, w, 200, sitePage},
		{"GET /assignments/{id}", "/assignments/" + f.done, w, 200, sitePage},
		{"GET /assignments/{id}", "/assignments/" + f.accHTML, a, 303, sitePage},
		{"GET /assignments/{id}", "/assignments/NOSUCHASSIGNMENT", w, 404, sitePage},
		{"GET /my", "/my", w, 200, sitePage},
		{"GET /my", "/my", a, 303, sitePage},
		{"GET /profile", "/profile", w, 200, sitePage},
		{"GET /inbox", "/inbox", w, 200, sitePage},
		{"GET /qualifications", "/qualifications", w, 200, sitePage},
		{"GET /qualifications", "/qualifications?q=%3Cscript%3E", a, 200, sitePage},
		{"GET /qualifications/tests/{id}", "/qualifications/tests/" + f.testReq, w, 200, sitePage},
		{"GET /qualifications/tests/{id}", "/qualifications/tests/NOSUCHREQUEST", w, 404, sitePage},
		{"GET /static/", "/static/site.css", a, 200, sitePage},
		{"GET /static/", "/static/console.js", a, 200, sitePage},
		{"GET /static/", "/static/", a, 404, sitePage},
		{"/", "/no/such/page", w, 404, sitePage},
		{"/", "/requesterx", a, 404, sitePage},
		{"GET /content/{key}", frameSrc, w, 200, contentPage},
		{"GET /content/{key}", "/content/preview-" + f.hitHTML, a, 200, contentPage},
		{"GET /content/{key}", "/content/preview-" + f.pubHIT, a, 200, contentPage},
		{"GET /content/{key}", "/content/NOSUCHKEY", a, 404, contentPage},
		{"/mturk/externalSubmit", "/mturk/externalSubmit", a, 404, submitPage},
		{"/mturk/externalSubmit", "/mturk/externalSubmit?assignmentId=" + web.NotAvailable, a, 404, submitPage},
		// The console.
		{"GET /requester/login", "/requester/login", a, 200, consolePage},
		{"GET /requester/login", "/requester/login", w, 303, consolePage},
		{"GET /requester", "/requester", w, 200, consolePage},
		{"GET /requester", "/requester", a, 303, consolePage},
		{"GET /requester/{$}", "/requester/", w, 200, consolePage},
		{"GET /requester/projects", "/requester/projects", w, 200, consolePage},
		{"GET /requester/projects/new", "/requester/projects/new", w, 200, consolePage},
		{"GET /requester/projects/{id}", "/requester/projects/" + f.project, w, 200, consolePage},
		{"GET /requester/projects/{id}", "/requester/projects/" + f.project, other, 404, consolePage},
		{"GET /requester/batches", "/requester/batches", w, 200, consolePage},
		{"GET /requester/batches/{id}", "/requester/batches/" + f.draft, w, 200, consolePage},
		{"GET /requester/batches/{id}", "/requester/batches/" + f.pub, w, 200, consolePage},
		{"GET /requester/batches/{id}", "/requester/batches/NOSUCHBATCH", w, 404, consolePage},
		{"GET /requester/batches/{id}/publish-progress", "/requester/batches/" + f.draft + "/publish-progress", w, 200, consolePage},
		{"GET /requester/batches/{id}/results.csv", "/requester/batches/" + f.pub + "/results.csv", w, 200, consolePage},
		{"GET /requester/batches/{id}/review", "/requester/batches/" + f.pub + "/review?status=all", w, 200, consolePage},
		{"GET /requester/batches/{id}/review", "/requester/batches/" + f.pub + "/review?worker=%3Cscript%3E&status=%22%3E", w, 200, consolePage},
		{"GET /requester/workers", "/requester/workers", w, 200, consolePage},
		{"GET /requester/workers", "/requester/workers?worker=" + f.worker.ID, w, 200, consolePage},
		{"GET /requester/ledger", "/requester/ledger", w, 200, consolePage},
		{"GET /requester/ledger", "/requester/ledger?after=%3Cscript%3E", w, 200, consolePage},
		{"GET /requester/ledger.csv", "/requester/ledger.csv", w, 200, consolePage},
		{"GET /requester/admin", "/requester/admin", w, 200, consolePage},
		{"GET /requester/admin", "/requester/admin", other, 403, consolePage},
		{"/", "/requester/no/such/page", w, 404, consolePage},
	}

	// Every GET route of the source is visited.
	covered := map[string]bool{}
	for _, p := range pages {
		covered[p.pattern] = true
	}
	for _, r := range sourceRoutes(t) {
		if (r.method == "GET" || r.method == "") && !covered[r.pattern] {
			t.Errorf("%s: GET route %q is not visited by TestEveryPageCarriesTheSecurityHeaders: add it", r.where, r.pattern)
		}
	}

	// The POST patterns, to check that every form posts to one of them.
	postMux := http.NewServeMux()
	registered := map[string]bool{}
	for _, rt := range f.stateChangingRoutes() {
		if strings.HasPrefix(rt.pattern, "POST ") && !registered[rt.pattern] {
			registered[rt.pattern] = true
			postMux.HandleFunc(rt.pattern, func(http.ResponseWriter, *http.Request) {})
		}
	}

	tokens := []string{f.wToken, f.cToken}
	escapedSeen := 0
	for _, p := range pages {
		r := p.b.get(p.path)
		what := fmt.Sprintf("GET %s (%s)", p.path, map[*browser]string{w: "signed in", a: "anonymous", other: "other requester"}[p.b])
		if r.status != p.status {
			t.Errorf("%s: status %d, want %d", what, r.status, p.status)
		}
		checkHeaders(t, what, r, p.kind)
		for _, tok := range tokens {
			if strings.Contains(r.body, tok) || strings.Contains(r.location(), tok) || strings.Contains(fmt.Sprint(r.header), tok) {
				t.Errorf("%s: the response carries a session token", what)
			}
		}
		if p.kind == contentPage {
			if p.status == 200 && !strings.Contains(r.body, rawMarker) {
				t.Errorf("%s: the requester's HTML is not served as is:\n%s", what, r.body)
			}
			continue
		}
		if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			continue // CSS, JavaScript, CSV, JSON
		}
		// Requester and worker text is never markup on the site.
		if strings.Contains(r.body, rawMarker) {
			t.Errorf("%s: requester-supplied HTML appears unescaped:\n%s", what, r.body)
		}
		escapedSeen += strings.Count(r.body, escapedMarker)
		// No event handler attributes, no javascript: URLs, and no script
		// but the console's own files.
		if eventAttrRE.MatchString(r.body) || jsURLRE.MatchString(r.body) {
			t.Errorf("%s: inline script, an event handler attribute or a javascript: URL", what)
		}
		for _, tag := range scriptTagsRE.FindAllString(r.body, -1) {
			if p.kind != consolePage || !regexp.MustCompile(`src="/static/[a-z-]+\.js"`).MatchString(tag) {
				t.Errorf("%s: script %s", what, tag)
			}
		}
		// Every frame is sandboxed; none that shows requester HTML (on
		// the site, the content origin, or srcdoc) may be same-origin.
		for _, tag := range iframeRE.FindAllString(r.body, -1) {
			sb := attr(tag, "iframe", "sandbox")
			if !strings.Contains(tag, ` sandbox="`) {
				t.Errorf("%s: an unsandboxed frame %s", what, tag)
			}
			src := attr(tag, "iframe", "src")
			if strings.Contains(sb, "allow-same-origin") && (strings.Contains(tag, "srcdoc=") || strings.HasPrefix(src, "/") || strings.HasPrefix(src, e.URL)) {
				t.Errorf("%s: a frame of requester HTML with allow-same-origin: %s", what, tag)
			}
			if strings.Contains(tag, "srcdoc=") && sb != "" {
				t.Errorf("%s: a layout preview's sandbox is %q, want empty (no script)", what, sb)
			}
			if strings.Contains(sb, "allow-top-navigation ") || strings.HasSuffix(sb, "allow-top-navigation") || strings.Contains(sb, "allow-modals") {
				t.Errorf("%s: frame sandbox %q", what, sb)
			}
			for _, tok := range tokens {
				if strings.Contains(src, tok) {
					t.Errorf("%s: a frame URL carries a session token", what)
				}
			}
		}
		// Every POST form posts to a state-changing route of this list
		// (so it is CSRF-tested) on this site.
		for _, tag := range postFormRE.FindAllString(r.body, -1) {
			action := attr(tag, "form", "action")
			if action == "" || !strings.HasPrefix(action, "/") || strings.HasPrefix(action, "//") {
				t.Errorf("%s: form posts to %q, not a path of the site", what, action)
				continue
			}
			req, _ := http.NewRequest("POST", e.URL+action, nil)
			if _, pattern := postMux.Handler(req); pattern == "" {
				t.Errorf("%s: form posts to %s, which is not a route of stateChangingRoutes", what, action)
			}
		}
		if tokenishRE.MatchString(r.location()) {
			t.Errorf("%s: redirect %q looks like it carries a token", what, r.location())
		}
	}
	if escapedSeen < 20 {
		t.Errorf("the pages showed the escaped marker only %d times: the fixture's text does not reach them", escapedSeen)
	}
}

func TestSandboxRealmPagesCarryTheSameHeaders(t *testing.T) {
	e := newEnv(t, hitdtest.Options{WebOptions: web.Options{Sandbox: true}})
	b := e.browser()
	b.signup("sandy")
	for _, path := range []string{"/", "/my", "/no/such/page"} {
		checkHeaders(t, "sandbox "+path, b.get(path), sitePage)
	}
	checkHeaders(t, "sandbox /requester/login", b.get("/requester/login"), consolePage)
}

func TestHTMLQuestionIsolationWithAContentOrigin(t *testing.T) {
	e := newEnv(t, hitdtest.Options{SeparateContentOrigin: true})
	out, err := e.Client.CreateHIT(context.Background(), &mturk.CreateHITInput{
		Title: aws.String("Isolated"), Description: aws.String("d"), Reward: aws.String("0.05"),
		AssignmentDurationInSeconds: aws.Int64(600), LifetimeInSeconds: aws.Int64(3600), MaxAssignments: aws.Int32(1),
		Question: aws.String(markedHTMLQ),
	})
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.signup("iris")
	page := b.get("/hits/"+aws.ToString(out.HIT.HITId)).want(t, http.StatusOK)
	checkHeaders(t, "preview", page, sitePage)
	if strings.Contains(page.body, rawMarker) {
		t.Error("requester HTML on the preview page")
	}
	src := attr(page.body, "iframe", "src")
	if !strings.HasPrefix(src, e.ContentURL+"/content/") || strings.Contains(attr(page.body, "iframe", "sandbox"), "allow-same-origin") {
		t.Errorf("frame %q sandbox %q", src, attr(page.body, "iframe", "sandbox"))
	}
	c := b.get(src).want(t, http.StatusOK)
	checkHeaders(t, "content origin", c, contentPage)
	if fa := cspDirectives(c.header.Get("Content-Security-Policy"))["frame-ancestors"]; !slices.Equal(fa, []string{e.URL}) {
		t.Errorf("content origin frame-ancestors %v, want exactly the site %s", fa, e.URL)
	}
	// The content origin serves nothing of the site.
	for _, path := range []string{"/", "/my", "/requester", "/login"} {
		if r := b.get(e.ContentURL + path); r.status != http.StatusNotFound {
			t.Errorf("content origin %s: status %d, want 404", path, r.status)
		}
	}
}
