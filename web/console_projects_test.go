package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/hitd/hitd"
)

// testLayout is a project layout with two placeholders.
const testLayout = `<!DOCTYPE html><html><body>
<form method="post" action="https://www.mturk.com/mturk/externalSubmit" id="mturk_form">
<input type="hidden" name="assignmentId" id="assignmentId" value="">
<p><img src="${image_url}" alt=""> Is this a ${label}?</p>
<input name="answer"><button>Submit</button>
</form></body></html>`

// projectValues is a valid project form; pairs (name, value) replace
// fields.
func projectValues(name string, pairs ...string) url.Values {
	v := url.Values{
		"name": {name}, "title": {"Label pictures (" + name + ")"}, "description": {"Say what is in the picture."},
		"keywords": {"image, label"}, "reward": {"0.05"}, "max_assignments": {"2"},
		"lifetime": {"7"}, "lifetime_unit": {"days"}, "duration": {"1"}, "duration_unit": {"hours"},
		"auto_approval": {"3"}, "auto_approval_unit": {"days"},
		"html": {testLayout},
	}
	for i := range 3 {
		n := string(rune('0' + i))
		v.Set("qual_type_"+n, "")
		v.Set("qual_comparator_"+n, hitd.CmpGreaterThanOrEqualTo)
		v.Set("qual_value_"+n, "")
		v.Set("qual_locale_"+n, "")
		v.Set("qual_guard_"+n, "")
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Set(pairs[i], pairs[i+1])
	}
	return v
}

// consoleBrowser is a browser signed in to the console as root.
func (e *env) consoleBrowser() *browser {
	b := e.browser()
	b.consoleLogin(e.Root.AccessKeyID, e.Root.SecretAccessKey)
	return b
}

// postCSV uploads content as the "csv" file field of a multipart form,
// as a browser on the site's pages would; an empty filename sends no
// file. headers (name, value pairs) are added.
func (b *browser) postCSV(path, filename, content string, headers ...string) response {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if filename != "" {
		fw, err := mw.CreateFormFile("csv", filename)
		if err != nil {
			b.t.Fatal(err)
		}
		fw.Write([]byte(content))
	}
	mw.Close()
	req, err := http.NewRequest("POST", b.url(path), &buf)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", b.base)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

var (
	projectPathRE = regexp.MustCompile(`^/requester/projects/([0-9A-Z]+)(\?|$)`)
	batchPathRE   = regexp.MustCompile(`^/requester/batches/([0-9A-Z]+)(\?|$)`)
)

// idFrom returns the ID a redirect's location names.
func idFrom(t *testing.T, re *regexp.Regexp, location string) string {
	t.Helper()
	m := re.FindStringSubmatch(location)
	if m == nil {
		t.Fatalf("redirect to %q, want one matching %s", location, re)
	}
	return m[1]
}

// createProject creates a project through the form and returns its ID.
func (b *browser) createProject(v url.Values) string {
	b.t.Helper()
	r := b.post("/requester/projects", v).want(b.t, http.StatusSeeOther)
	if !strings.HasSuffix(r.location(), "?msg=projectsaved") {
		b.t.Errorf("create redirected to %q", r.location())
	}
	return idFrom(b.t, projectPathRE, r.location())
}

// uploadBatch uploads a CSV to a project and returns the draft's ID.
func (b *browser) uploadBatch(projectID, filename, content string) string {
	b.t.Helper()
	r := b.postCSV("/requester/projects/"+projectID+"/batches", filename, content).want(b.t, http.StatusSeeOther)
	return idFrom(b.t, batchPathRE, r.location())
}

const goodCSV = "image_url,label,extra\r\n" +
	"https://img.example/1.png,\"<b>Tom & \"\"Jerry\"\"</b>\",x\r\n" +
	"https://img.example/2.png,dog,y\r\n" +
	"\r\n" +
	"https://img.example/3.png,bird,z\r\n"

func TestConsoleProjectFormValidateSaveCopyDelete(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if r := e.browser().get("/requester/projects").want(t, http.StatusSeeOther); r.location() != "/requester/login" {
		t.Errorf("no session: redirected to %q", r.location())
	}
	b := e.consoleBrowser()
	if body := b.get("/requester/projects").want(t, 200).body; !strings.Contains(body, `id="no-projects"`) || !strings.Contains(body, `href="/requester/projects/new"`) {
		t.Errorf("empty project list:\n%s", body)
	}

	// The new-project form: defaults, labels, a sandboxed preview.
	form := b.get("/requester/projects/new").want(t, 200).body
	wantIn(t, "the new-project form", form, `action="/requester/projects"`, `<label for="name">`, `name="reward" value="0.05"`,
		`name="lifetime" value="7"`, `<option value="days" selected>`, `name="qual_type_2"`, `<option value="`+hitd.QualMasters+`"`,
		`<option value="`+hitd.QualLocale+`"`, `<label for="html">`, `data-preview="layout-preview"`)
	if sb := attr(form, "iframe", "sandbox"); sb != "" || !strings.Contains(form, `sandbox=""`) {
		t.Errorf("preview sandbox %q, want empty", sb)
	}
	if src := attr(form, "iframe", "srcdoc"); !strings.Contains(src, `src="[image_url]"`) {
		t.Errorf("preview srcdoc %q: want [image_url] in place of the placeholder", src)
	}

	// Validation errors re-render the form with what was typed.
	for _, tc := range []struct {
		name  string
		pairs []string
		want  string
	}{
		{"no name", []string{"name", " "}, "Name"},
		{"bad reward", []string{"reward", "abc"}, "Reward"},
		{"bad assignments", []string{"max_assignments", "two"}, "Assignments per HIT must be a whole number"},
		{"bad lifetime", []string{"lifetime", "soon"}, "HITs stay available for must be a whole number"},
		{"bad unit", []string{"duration_unit", "weeks"}, "Time allotted per assignment"},
		{"no layout", []string{"html", "  "}, "layout"},
		{"bad qualification value", []string{"qual_type_1", hitd.QualPercentAssignmentsApproved, "qual_value_1", "lots"}, `Qualification requirement 2: &#34;lots&#34; is not a whole number`},
		{"locale without countries", []string{"qual_type_2", hitd.QualLocale, "qual_comparator_2", hitd.CmpEqualTo}, "Qualification requirement 3: Comparator EqualTo requires exactly one IntegerValue or one LocaleValue."},
		{"unknown qualification type", []string{"qual_type_0", "3NOSUCHTYPE000000000000000000Z", "qual_comparator_0", hitd.CmpExists}, "3NOSUCHTYPE000000000000000000Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := projectValues("Typed <name>", tc.pairs...)
			v.Set("title", "Kept <title> & more")
			r := b.post("/requester/projects", v).want(t, http.StatusBadRequest)
			wantIn(t, "the re-rendered form", r.body, `id="project-error"`, `role="alert"`, tc.want,
				`value="Kept &lt;title&gt; &amp; more"`, `action="/requester/projects"`)
			if tc.name != "no name" && !strings.Contains(r.body, `value="Typed &lt;name&gt;"`) {
				t.Error("the typed name is lost")
			}
		})
	}
	if ps, _ := e.Service.ListProjects(ctx, hitd.Caller{RequesterID: e.Root.ID}); len(ps) != 0 {
		t.Fatalf("invalid forms made %d projects", len(ps))
	}

	// A valid project with two requirements.
	id := b.createProject(projectValues("Pictures",
		"qual_type_0", hitd.QualPercentAssignmentsApproved, "qual_comparator_0", hitd.CmpGreaterThanOrEqualTo, "qual_value_0", "95",
		"qual_type_2", hitd.QualLocale, "qual_comparator_2", hitd.CmpIn, "qual_locale_2", "us, de-by", "qual_guard_2", hitd.GuardPreviewAndAccept,
		"auto_approval", "90", "auto_approval_unit", "minutes"))
	p, err := e.Service.GetProject(ctx, hitd.Caller{RequesterID: e.Root.ID}, id)
	if err != nil {
		t.Fatal(err)
	}
	if p.LifetimeInSeconds != 7*86400 || p.AssignmentDurationInSeconds != 3600 || p.AutoApprovalDelayInSeconds != 5400 || p.MaxAssignments != 2 || p.Reward != 5 {
		t.Errorf("project settings: %+v", p)
	}
	if len(p.QualificationRequirements) != 2 || p.QualificationRequirements[0].IntegerValues[0] != 95 ||
		p.QualificationRequirements[1].LocaleValues[1] != (hitd.Locale{Country: "DE", Subdivision: "BY"}) ||
		p.QualificationRequirements[1].ActionsGuarded != hitd.GuardPreviewAndAccept {
		t.Errorf("requirements: %+v", p.QualificationRequirements)
	}
	page := b.get("/requester/projects/"+id+"?msg=projectsaved").want(t, 200).body
	wantIn(t, "the project page", page, "Project saved.", `action="/requester/projects/`+id+`"`, `value="Pictures"`,
		`<option value="`+hitd.QualPercentAssignmentsApproved+`" selected>`, `name="qual_value_0" value="95"`,
		`name="qual_locale_1" value="US, DE-BY"`, `name="auto_approval" value="90"`, `<option value="minutes" selected>`,
		`<code>image_url</code>, <code>label</code>`, `id="upload-form"`, `enctype="multipart/form-data"`, `name="csv"`,
		`action="/requester/projects/`+id+`/copy"`, `action="/requester/projects/`+id+`/delete"`, p.LayoutID)
	list := b.get("/requester/projects").want(t, 200).body
	wantIn(t, "the project list", list, `id="project-`+id+`"`, `href="/requester/projects/`+id+`"`, "$0.05", `<code>image_url</code>, <code>label</code>`)

	// Save: a new title; an invalid save keeps the project as it was.
	b.post("/requester/projects/"+id, projectValues("Pictures", "title", "Label better pictures", "max_assignments", "0")).want(t, http.StatusBadRequest)
	r := b.post("/requester/projects/"+id, projectValues("Pictures", "title", "Label better pictures")).want(t, http.StatusSeeOther)
	if r.location() != "/requester/projects/"+id+"?msg=projectsaved" {
		t.Errorf("save redirected to %q", r.location())
	}
	if p, _ := e.Service.GetProject(ctx, hitd.Caller{RequesterID: e.Root.ID}, id); p.Title != "Label better pictures" || len(p.QualificationRequirements) != 0 {
		t.Errorf("after save: %+v", p)
	}

	// Copy, then delete the copy.
	r = b.post("/requester/projects/"+id+"/copy", nil).want(t, http.StatusSeeOther)
	copyID := idFrom(t, projectPathRE, r.location())
	if copyID == id || !strings.HasSuffix(r.location(), "?msg=projectcopied") {
		t.Fatalf("copy redirected to %q", r.location())
	}
	wantIn(t, "the copy", b.get(r.location()).want(t, 200).body, "Project copied. This is the copy.", `value="Copy of Pictures"`, "Label better pictures")
	r = b.post("/requester/projects/"+copyID+"/delete", nil).want(t, http.StatusSeeOther)
	if r.location() != "/requester/projects?msg=projectdeleted" {
		t.Errorf("delete redirected to %q", r.location())
	}
	b.get("/requester/projects/"+copyID).want(t, http.StatusNotFound)
	list = b.get("/requester/projects?msg=projectdeleted").want(t, 200).body
	wantIn(t, "the list after delete", list, "Project deleted.", `id="project-`+id+`"`)
	wantNotIn(t, "the list after delete", list, copyID)
}

func TestConsoleBatchUploadErrors(t *testing.T) {
	e := newEnv(t)
	b := e.consoleBrowser()
	id := b.createProject(projectValues("Pictures"))
	path := "/requester/projects/" + id + "/batches"
	for _, tc := range []struct {
		name, file, content string
		wants               []string
	}{
		{"missing column", "a.csv", "image_url,extra\nhttps://img.example/1.png,x\n", []string{`placeholder &#34;label&#34; has no column`, "row 1"}},
		{"bad encoding", "b.csv", "image_url,label\nhttps://img.example/1.png,cat\nhttps://img.example/2.png,d\xffg\n", []string{"row 3", `column &#34;label&#34; (B)`, "UTF-8"}},
		{"ragged row", "c.csv", "image_url,label\nhttps://img.example/1.png\n", []string{"row 2", "1 cells"}},
		{"header only", "d.csv", "image_url,label\n", []string{"no rows below the header"}},
		{"UTF-16", "e.csv", "\xff\xfei\x00", []string{"UTF-16"}},
		{"no file", "", "", []string{"Choose a CSV file"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := b.postCSV(path, tc.file, tc.content).want(t, http.StatusBadRequest)
			wantIn(t, "the project page", r.body, append([]string{`id="upload-error"`, `role="alert"`, `id="upload-form"`}, tc.wants...)...)
		})
	}
	if bs, _ := e.Service.ListBatches(context.Background(), hitd.Caller{RequesterID: e.Root.ID}, ""); len(bs) != 0 {
		t.Errorf("failed uploads made %d batches", len(bs))
	}
	// Not multipart at all.
	r := b.post(path, url.Values{"csv": {"image_url,label\n"}}).want(t, http.StatusBadRequest)
	wantIn(t, "the project page", r.body, "Choose a CSV file")
}

// publishedHITs lists root's HITs through the SDK.
func (e *env) publishedHITs() []string {
	e.t.Helper()
	out, err := e.Client.ListHITs(context.Background(), &mturk.ListHITsInput{MaxResults: aws.Int32(100)})
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []string
	for _, h := range out.HITs {
		ids = append(ids, aws.ToString(h.HITId))
	}
	return ids
}

func TestConsoleBatchDraftPublishCancelExtend(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := hitd.Caller{RequesterID: e.Root.ID}
	b := e.consoleBrowser()
	pid := b.createProject(projectValues("Pictures"))
	id := b.uploadBatch(pid, "pictures.csv", goodCSV)

	v, err := e.Service.GetBatch(ctx, c, id)
	if err != nil {
		t.Fatal(err)
	}
	if v.Batch.Name != "pictures.csv" || v.Batch.Rows != 3 || v.Batch.Status != hitd.BatchDraft {
		t.Fatalf("batch: %+v", v.Batch)
	}
	draft := b.get("/requester/batches/"+id).want(t, 200).body
	wantIn(t, "the draft page", draft,
		`id="batch-status" class="status-draft">Draft`,
		"3 HITs × 2 assignments × ($0.05 reward + $"+v.Cost.Fee.String()+" fee) = <strong id=\"batch-total\">$"+v.Cost.Total.String()+"</strong>",
		`id="balance">$`+v.Balance.String(), `action="/requester/batches/`+id+`/publish"`, `id="publish-button"`,
		`action="/requester/batches/`+id+`/cancel"`, `<code>image_url</code>`, `<code>extra</code>`,
		`&lt;b&gt;Tom &amp; &#34;Jerry&#34;&lt;/b&gt;`, // the first row's value, as text
		`<progress id="publish-progress"`, `role="status"`)
	wantNotIn(t, "the draft page", draft, "<b>Tom", `id="balance-short"`, "disabled", "allow-scripts", "allow-same-origin")
	if sb := attr(draft, "iframe", "sandbox"); sb != "" || !strings.Contains(draft, `<iframe id="batch-preview" class="layout-preview" sandbox=""`) {
		t.Errorf("preview sandbox %q", sb)
	}
	srcdoc := attr(draft, "iframe", "srcdoc")
	if !strings.Contains(srcdoc, "Is this a "+html.EscapeString(`<b>Tom & "Jerry"</b>`)+"?") || !strings.Contains(srcdoc, `src="https://img.example/1.png"`) {
		t.Errorf("preview srcdoc:\n%s", srcdoc)
	}
	// The project page previews with the first row now.
	if src := attr(b.get("/requester/projects/"+pid).want(t, 200).body, "iframe", "srcdoc"); !strings.Contains(src, `src="https://img.example/1.png"`) {
		t.Errorf("project preview srcdoc %q: want the first row's values", src)
	}
	wantIn(t, "the batch list", b.get("/requester/batches").want(t, 200).body, `id="batch-`+id+`"`, "pictures.csv", "Pictures", "Draft")
	if len(e.publishedHITs()) != 0 {
		t.Fatal("a draft has HITs")
	}

	// Extending a draft is refused; results of a draft do not exist.
	b.post("/requester/batches/"+id+"/extend", url.Values{"amount": {"1"}, "unit": {"days"}}).want(t, http.StatusConflict)
	b.get("/requester/batches/"+id+"/results.csv").want(t, http.StatusConflict)

	// Publish without script: synchronous.
	r := b.post("/requester/batches/"+id+"/publish", nil).want(t, http.StatusSeeOther)
	if r.location() != "/requester/batches/"+id+"?msg=batchpublished" {
		t.Errorf("publish redirected to %q", r.location())
	}
	hits := e.publishedHITs()
	if len(hits) != 3 {
		t.Fatalf("%d HITs after publishing, want 3", len(hits))
	}
	h, err := e.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: aws.String(hits[0])})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(h.HIT.MaxAssignments) != 2 || aws.ToString(h.HIT.Reward) != "0.05" {
		t.Errorf("HIT: %+v", h.HIT)
	}
	page := b.get(r.location()).want(t, 200).body
	wantIn(t, "the published page", page, "Batch published", `id="batch-status" class="status-published">Published`,
		`<progress id="batch-progress" max="6" value="0">`, `id="count-hits">3<`, `id="count-available">6<`,
		`href="/requester/batches/`+id+`/review"`, `href="/requester/batches/`+id+`/results.csv"`, `id="preview-hit" href="/hits/`,
		"left: the HITs expire", `action="/requester/batches/`+id+`/extend"`, `name="amount"`, `name="unit"`, `id="cancel-batch"`,
		`action="/requester/batches/`+id+`/review-upload"`)
	wantNotIn(t, "the published page", page, `id="publish-button"`)
	// A second publish is refused, with and without script.
	b.post("/requester/batches/"+id+"/publish", nil).want(t, http.StatusConflict)
	b.post("/requester/batches/"+id+"/publish", nil, "X-Requested-With", "fetch").want(t, http.StatusConflict)

	// Extend by two days.
	expiration := func() time.Time {
		t.Helper()
		out, err := e.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: aws.String(hits[1])})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToTime(out.HIT.Expiration)
	}
	before := expiration()
	r = b.post("/requester/batches/"+id+"/extend", url.Values{"amount": {"2"}, "unit": {"days"}}).want(t, http.StatusSeeOther)
	if r.location() != "/requester/batches/"+id+"?msg=batchextended" {
		t.Errorf("extend redirected to %q", r.location())
	}
	if got := expiration(); !got.Equal(before.Add(48 * time.Hour)) {
		t.Errorf("expiration after extending: %v, want %v", got, before.Add(48*time.Hour))
	}
	for _, bad := range []url.Values{{"amount": {"0"}, "unit": {"days"}}, {"amount": {"x"}, "unit": {"hours"}}, {"amount": {"1"}, "unit": {"weeks"}}} {
		r := b.post("/requester/batches/"+id+"/extend", bad).want(t, http.StatusBadRequest)
		wantIn(t, "a refused extension", r.body, `id="extend-error"`, "whole number of hours or days", `value="`+html.EscapeString(bad.Get("amount"))+`"`)
	}
	r = b.post("/requester/batches/"+id+"/extend", url.Values{"amount": {"400"}, "unit": {"days"}}).want(t, http.StatusBadRequest)
	wantIn(t, "a too long extension", r.body, `id="extend-error"`, "365 days")

	// Cancel: the HITs expire now; then extend reopens them.
	r = b.post("/requester/batches/"+id+"/cancel", nil).want(t, http.StatusSeeOther)
	if r.location() != "/requester/batches/"+id+"?msg=batchcancelled" {
		t.Errorf("cancel redirected to %q", r.location())
	}
	if got := expiration(); got.After(e.Clock.Now()) {
		t.Errorf("expiration after cancelling: %v, want at most now (%v)", got, e.Clock.Now())
	}
	page = b.get("/requester/batches/"+id).want(t, 200).body
	wantIn(t, "the cancelled page", page, "Cancelled", "Expired", `id="count-available">0<`)
	wantNotIn(t, "the cancelled page", page, `id="cancel-batch"`)
	b.post("/requester/batches/"+id+"/extend", url.Values{"amount": {"3"}, "unit": {"hours"}}).want(t, http.StatusSeeOther)
	if got, want := expiration(), e.Clock.Now().Add(3*time.Hour); !got.Equal(want) {
		t.Errorf("expiration after extending a cancelled batch: %v, want %v", got, want)
	}
	wantIn(t, "the reopened page", b.get("/requester/batches/"+id).want(t, 200).body, "Published", "3 hours left", `id="count-available">6<`)

	// Discarding a draft.
	other := b.uploadBatch(pid, "more.csv", goodCSV)
	r = b.post("/requester/batches/"+other+"/cancel", nil).want(t, http.StatusSeeOther)
	if r.location() != "/requester/batches/"+other {
		t.Errorf("discard redirected to %q", r.location())
	}
	wantIn(t, "the discarded page", b.get("/requester/batches/"+other).want(t, 200).body, `id="discarded"`, "Discarded")
	b.post("/requester/batches/"+other+"/publish", nil).want(t, http.StatusConflict)
	b.post("/requester/batches/"+other+"/extend", url.Values{"amount": {"1"}, "unit": {"days"}}).want(t, http.StatusConflict)
	b.get("/requester/batches/"+other+"/results.csv").want(t, http.StatusConflict)
	wantIn(t, "the batch list", b.get("/requester/batches").want(t, 200).body, "Discarded", "more.csv")
	if len(e.publishedHITs()) != 3 {
		t.Error("discarding a draft made HITs")
	}
}

// progressOf reads publish-progress.
func (b *browser) progressOf(batchID string) (int, map[string]any) {
	b.t.Helper()
	r := b.get("/requester/batches/" + batchID + "/publish-progress")
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		b.t.Fatalf("publish-progress: Content-Type %q, status %d\n%s", ct, r.status, r.body)
	}
	var st map[string]any
	if err := json.Unmarshal([]byte(r.body), &st); err != nil {
		b.t.Fatalf("publish-progress: %v\n%s", err, r.body)
	}
	return r.status, st
}

// waitPublished polls publish-progress until the job ends and returns its
// last state.
func (b *browser) waitPublished(batchID string) map[string]any {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, st := b.progressOf(batchID)
		if status != 200 {
			b.t.Fatalf("publish-progress: status %d: %v", status, st)
		}
		if st["state"] != "running" {
			return st
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("still publishing: %v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestConsoleBatchPublishWithProgress(t *testing.T) {
	e := newEnv(t)
	b := e.consoleBrowser()
	pid := b.createProject(projectValues("Pictures", "max_assignments", "1"))
	var csvText strings.Builder
	csvText.WriteString("image_url,label\n")
	for i := range 200 {
		csvText.WriteString("https://img.example/" + string(rune('a'+i%26)) + ".png,thing\n")
	}
	id := b.uploadBatch(pid, "many.csv", csvText.String())
	if status, st := b.progressOf(id); status != 200 || st["state"] != "idle" || st["total"] != float64(200) {
		t.Errorf("progress of an idle draft: %d %v", status, st)
	}

	r := b.post("/requester/batches/"+id+"/publish", nil, "X-Requested-With", "fetch").want(t, http.StatusAccepted)
	var st map[string]any
	if err := json.Unmarshal([]byte(r.body), &st); err != nil || st["state"] != "running" || st["total"] != float64(200) {
		t.Fatalf("publish answer %v: %s", err, r.body)
	}
	// While it runs (or once it is done), publishing again is refused.
	r = b.post("/requester/batches/"+id+"/publish", nil, "X-Requested-With", "fetch").want(t, http.StatusConflict)
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
		t.Errorf("conflict answer: %v %s", r.header, r.body)
	}
	st = b.waitPublished(id)
	if st["state"] != "done" || st["done"] != float64(200) || st["total"] != float64(200) {
		t.Errorf("final progress: %v", st)
	}
	// The job is gone once its end was seen; the batch says it is done.
	if status, st := b.progressOf(id); status != 200 || st["state"] != "done" || st["done"] != float64(200) {
		t.Errorf("progress after the end: %d %v", status, st)
	}
	if n := len(e.publishedHITs()); n != 100 { // ListHITs pages by 100
		t.Errorf("%d HITs listed, want a full page of 100", n)
	}
	v, err := e.Service.GetBatch(context.Background(), hitd.Caller{RequesterID: e.Root.ID}, id)
	if err != nil || v.Batch.Status != hitd.BatchPublished || v.Progress.HITs != 200 {
		t.Fatalf("batch after publishing: %+v %v", v, err)
	}
	wantIn(t, "the published page", b.get("/requester/batches/"+id+"?msg=batchpublished").want(t, 200).body, "Batch published", `id="count-hits">200<`)

	// Unknown batches.
	if status, st := b.progressOf("NOSUCHBATCH0000000000000000000"); status != 404 || st["state"] != "error" {
		t.Errorf("progress of an unknown batch: %d %v", status, st)
	}
	b.post("/requester/batches/NOSUCHBATCH0000000000000000000/publish", nil, "X-Requested-With", "fetch").want(t, http.StatusNotFound)
}

func TestConsoleBatchInsufficientFunds(t *testing.T) {
	e := newEnv(t)
	b := e.consoleBrowser()
	pid := b.createProject(projectValues("Expensive", "reward", "1000", "max_assignments", "5"))
	id := b.uploadBatch(pid, "costly.csv", goodCSV)
	page := b.get("/requester/batches/"+id).want(t, 200).body
	wantIn(t, "the draft page", page, `id="balance-short"`, "short of this batch", `id="publish-button" disabled`)

	// Publishing anyway is refused by the Service, with its message.
	r := b.post("/requester/batches/"+id+"/publish", nil).want(t, http.StatusBadRequest)
	wantIn(t, "the refused publish", r.body, `id="batch-error"`, "and the available balance is")
	b.post("/requester/batches/"+id+"/publish", nil, "X-Requested-With", "fetch").want(t, http.StatusAccepted)
	st := b.waitPublished(id)
	if st["state"] != "error" || !strings.Contains(st["error"].(string), "and the available balance is") {
		t.Errorf("async publish: %v", st)
	}
	if status, st := b.progressOf(id); status != 200 || st["state"] != "idle" {
		t.Errorf("progress after the failure was seen: %d %v", status, st)
	}
	if len(e.publishedHITs()) != 0 {
		t.Error("HITs were made without the money")
	}
}

// resultsCSV downloads a batch's results file.
func (b *browser) resultsCSV(batchID string) [][]string {
	b.t.Helper()
	r := b.get("/requester/batches/"+batchID+"/results.csv").want(b.t, 200)
	if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="Batch_`+batchID+`_batch_results.csv"` {
		b.t.Errorf("Content-Disposition %q", cd)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		b.t.Errorf("Content-Type %q", ct)
	}
	recs, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil {
		b.t.Fatal(err)
	}
	return recs
}

func column(t *testing.T, header []string, name string) int {
	t.Helper()
	for i, h := range header {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %q in %v", name, header)
	return -1
}

func TestConsoleBatchResultsAndReviewUpload(t *testing.T) {
	e := newEnv(t)
	b := e.consoleBrowser()
	pid := b.createProject(projectValues("Pictures", "max_assignments", "1"))
	id := b.uploadBatch(pid, "pictures.csv", goodCSV)
	b.post("/requester/batches/"+id+"/publish", nil).want(t, http.StatusSeeOther)

	recs := b.resultsCSV(id)
	header := recs[0]
	if header[0] != "HITId" || header[len(header)-2] != "Approve" || header[len(header)-1] != "Reject" {
		t.Errorf("results header %v", header)
	}
	for _, c := range []string{"Input.image_url", "Input.label", "Input.extra", "AssignmentId", "WorkerId"} {
		column(t, header, c)
	}
	if len(recs) != 4 {
		t.Fatalf("%d result lines, want a header and 3 HITs", len(recs))
	}
	if got := recs[1][column(t, header, "Input.label")]; got != `<b>Tom & "Jerry"</b>` {
		t.Errorf("Input.label of row 1: %q", got)
	}

	// Two workers each do one HIT.
	hitCol := column(t, header, "HITId")
	var aids []string
	for i, name := range []string{"wanda", "wes"} {
		w := e.browser()
		w.signup(name)
		aid := assignmentFrom(t, w.post("/hits/"+recs[i+1][hitCol]+"/accept", nil).want(t, 303).location())
		e.browser().get("/mturk/externalSubmit?assignmentId="+aid+"&answer="+name).want(t, 200)
		aids = append(aids, aid)
	}
	page := b.get("/requester/batches/"+id).want(t, 200).body
	wantIn(t, "the batch page", page, `id="count-submitted">2<`, `<progress id="batch-progress" max="3" value="2">`)

	recs = b.resultsCSV(id)
	header = recs[0]
	if len(recs) != 4 {
		t.Fatalf("%d result lines, want 4", len(recs))
	}
	aidCol, approve, reject := column(t, header, "AssignmentId"), column(t, header, "Approve"), column(t, header, "Reject")
	column(t, header, "Answer.answer")
	for _, rec := range recs[1:] {
		switch rec[aidCol] {
		case aids[0]:
			rec[approve] = "x"
		case aids[1]:
			rec[reject] = "The answer is blank."
		}
	}
	var out bytes.Buffer
	csv.NewWriter(&out).WriteAll(recs)
	r := b.postCSV("/requester/batches/"+id+"/review-upload", "reviewed.csv", out.String()).want(t, http.StatusSeeOther)
	if r.location() != "/requester/batches/"+id+"?approved=1&msg=reviewed&rejected=1&unchanged=0" {
		t.Errorf("review upload redirected to %q", r.location())
	}
	if e.statusOf(aids[0]) != hitd.AssignmentApproved || e.statusOf(aids[1]) != hitd.AssignmentRejected {
		t.Errorf("statuses after review: %s, %s", e.statusOf(aids[0]), e.statusOf(aids[1]))
	}
	page = b.get(r.location()).want(t, 200).body
	wantIn(t, "the reviewed page", page, "Review saved.", `id="review-outcome"`, "Approved 1, rejected 1.", `id="count-approved">1<`, `id="count-rejected">1<`)

	// The same file again changes nothing.
	r = b.postCSV("/requester/batches/"+id+"/review-upload", "reviewed.csv", out.String()).want(t, http.StatusSeeOther)
	if !strings.Contains(r.location(), "unchanged=2") {
		t.Errorf("second upload redirected to %q", r.location())
	}
	// Problems are shown by the upload form.
	for _, tc := range []struct{ name, file, content, want string }{
		{"no AssignmentId column", "x.csv", "HITId,Approve\nX,x\n", "AssignmentId"},
		{"approving a rejected one late", "y.csv", "AssignmentId,Approve,Reject\n" + aids[0] + ",,no\n", "Row 2"},
		{"another batch's assignment", "w.csv", "AssignmentId,Approve\nNOSUCHASSIGNMENT00000000000000,x\n", "is not a submitted assignment of this batch"},
		{"nothing marked", "z.csv", "AssignmentId,Approve,Reject\n" + aids[0] + ",,\n", "marks no assignment"},
		{"no file", "", "", "Choose a CSV file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := b.postCSV("/requester/batches/"+id+"/review-upload", tc.file, tc.content)
			if r.status != http.StatusBadRequest && r.status != http.StatusConflict {
				t.Fatalf("status %d\n%s", r.status, r.body)
			}
			wantIn(t, "the batch page", r.body, `id="review-error"`, tc.want)
		})
	}
	if e.statusOf(aids[0]) != hitd.AssignmentApproved {
		t.Error("a refused review changed an assignment")
	}
}

func TestConsoleProjectsOfAnotherRequester(t *testing.T) {
	e := newEnv(t)
	b := e.consoleBrowser()
	pid := b.createProject(projectValues("Secret project"))
	draft := b.uploadBatch(pid, "secret-draft.csv", goodCSV)
	published := b.uploadBatch(pid, "secret-live.csv", goodCSV)
	b.post("/requester/batches/"+published+"/publish", nil).want(t, http.StatusSeeOther)

	other, _ := e.NewRequester("Other lab")
	ob := e.browser()
	ob.consoleLogin(other.AccessKeyID, other.SecretAccessKey)
	wantNotIn(t, "another requester's project list", ob.get("/requester/projects").want(t, 200).body, pid, "Secret project")
	wantNotIn(t, "another requester's batch list", ob.get("/requester/batches").want(t, 200).body, draft, published, "secret-")

	ob.get("/requester/projects/"+pid).want(t, http.StatusNotFound)
	ob.post("/requester/projects/"+pid, projectValues("Mine now")).want(t, http.StatusNotFound)
	ob.post("/requester/projects/"+pid+"/copy", nil).want(t, http.StatusNotFound)
	ob.post("/requester/projects/"+pid+"/delete", nil).want(t, http.StatusNotFound)
	ob.postCSV("/requester/projects/"+pid+"/batches", "x.csv", goodCSV).want(t, http.StatusNotFound)
	for _, id := range []string{draft, published} {
		ob.get("/requester/batches/"+id).want(t, http.StatusNotFound)
		ob.post("/requester/batches/"+id+"/publish", nil).want(t, http.StatusNotFound)
		ob.post("/requester/batches/"+id+"/publish", nil, "X-Requested-With", "fetch").want(t, http.StatusNotFound)
		if status, _ := ob.progressOf(id); status != http.StatusNotFound {
			t.Errorf("progress of another's batch: status %d", status)
		}
		ob.post("/requester/batches/"+id+"/cancel", nil).want(t, http.StatusNotFound)
		ob.post("/requester/batches/"+id+"/extend", url.Values{"amount": {"1"}, "unit": {"days"}}).want(t, http.StatusNotFound)
		ob.get("/requester/batches/"+id+"/results.csv").want(t, http.StatusNotFound)
		ob.postCSV("/requester/batches/"+id+"/review-upload", "r.csv", "AssignmentId,Approve\nX,x\n").want(t, http.StatusNotFound)
	}
	// Nothing changed.
	v, err := e.Service.GetBatch(context.Background(), hitd.Caller{RequesterID: e.Root.ID}, draft)
	if err != nil || v.Batch.Status != hitd.BatchDraft {
		t.Errorf("root's draft: %+v %v", v, err)
	}
	if p, err := e.Service.GetProject(context.Background(), hitd.Caller{RequesterID: e.Root.ID}, pid); err != nil || p.Name != "Secret project" {
		t.Errorf("root's project: %+v %v", p, err)
	}
	// Without a session, the pages send to the sign-in page, and posts are refused.
	anon := e.browser()
	if r := anon.get("/requester/batches/"+draft).want(t, http.StatusSeeOther); r.location() != "/requester/login" {
		t.Errorf("anonymous batch page redirected to %q", r.location())
	}
	anon.post("/requester/batches/"+draft+"/publish", nil).want(t, http.StatusUnauthorized)
	// Cross-origin posts are refused.
	b.post("/requester/batches/"+draft+"/publish", nil, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site").want(t, http.StatusForbidden)
}
