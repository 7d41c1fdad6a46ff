package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/batchcsv"
)

// This file is the requester console's projects and batches, as MTurk's
// requester site had them (project.go in package hitd says what they
// are):
//
//	GET  /requester/projects                        the requester's projects
//	GET  /requester/projects/new                    the form for a new one
//	POST /requester/projects                        create it
//	GET  /requester/projects/{id}                   edit form, batches, CSV upload
//	POST /requester/projects/{id}                   save
//	POST /requester/projects/{id}/copy              copy ("Copy of …")
//	POST /requester/projects/{id}/delete            delete
//	POST /requester/projects/{id}/batches           upload a CSV: a draft batch
//	GET  /requester/batches                         every batch, newest first
//	GET  /requester/batches/{id}                    a draft's preview and cost, or progress
//	POST /requester/batches/{id}/publish            make its HITs
//	GET  /requester/batches/{id}/publish-progress   JSON, while publishing
//	POST /requester/batches/{id}/cancel             expire its HITs (discard a draft)
//	POST /requester/batches/{id}/extend             more time for its HITs
//	GET  /requester/batches/{id}/results.csv        MTurk's batch-results file
//	POST /requester/batches/{id}/review-upload      that file, marked, read back
//
// Every page works without script. /static/console.js adds two things:
// the project form's layout preview follows the HTML as it is typed, and
// publishing shows a progress bar (see publishJobs).
//
// Requester HTML is never part of a console page: layout previews are
// <iframe sandbox srcdoc> frames, whose srcdoc attribute html/template
// escapes, with an empty sandbox (no scripts, an opaque origin).

// Limits of the console's uploads.
const (
	// maxBatchUploadBytes caps an input or reviewed results file.
	maxBatchUploadBytes = 64 << 20
	// projectQualRows is how many qualification requirement rows the
	// project form offers (more if the project already has more).
	projectQualRows = 3
	// publishJobTTL is how long a finished publish job nobody asked about
	// is kept for its progress bar.
	publishJobTTL = 10 * time.Minute
)

func (s *Site) consoleProjectRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /requester/projects", s.consoleProjects)
	mux.HandleFunc("GET /requester/projects/new", s.consoleProjectNew)
	mux.HandleFunc("POST /requester/projects", s.consoleProjectCreate)
	mux.HandleFunc("GET /requester/projects/{id}", s.consoleProject)
	mux.HandleFunc("POST /requester/projects/{id}", s.consoleProjectSave)
	mux.HandleFunc("POST /requester/projects/{id}/copy", s.consoleProjectCopy)
	mux.HandleFunc("POST /requester/projects/{id}/delete", s.consoleProjectDelete)
	mux.HandleFunc("POST /requester/projects/{id}/batches", s.consoleBatchUpload)
	mux.HandleFunc("GET /requester/batches", s.consoleBatches)
	mux.HandleFunc("GET /requester/batches/{id}", s.consoleBatch)
	mux.HandleFunc("POST /requester/batches/{id}/publish", s.consoleBatchPublish)
	mux.HandleFunc("GET /requester/batches/{id}/publish-progress", s.consoleBatchPublishProgress)
	mux.HandleFunc("POST /requester/batches/{id}/cancel", s.consoleBatchCancel)
	mux.HandleFunc("POST /requester/batches/{id}/extend", s.consoleBatchExtend)
	mux.HandleFunc("GET /requester/batches/{id}/results.csv", s.consoleBatchResults)
	mux.HandleFunc("POST /requester/batches/{id}/review-upload", s.consoleBatchReviewUpload)
}

func callerOf(req *hitd.Requester) hitd.Caller { return hitd.Caller{RequesterID: req.ID} }

func projectURL(id string) string { return "/requester/projects/" + url.PathEscape(id) }
func batchURL(id string) string   { return "/requester/batches/" + url.PathEscape(id) }

// consoleStatus is the status of a page that shows a domain error next to
// the form that caused it.
func consoleStatus(err error) int {
	switch hitd.ErrorCode(err) {
	case hitd.ErrProjectNotFound, hitd.ErrBatchNotFound:
		return http.StatusNotFound
	case hitd.ErrInvalidBatchState:
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

// ---- Projects ----

type projectListData struct {
	Projects []projectListItem
}

type projectListItem struct {
	P            *hitd.Project
	Placeholders []string
}

func (s *Site) consoleProjects(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	ps, err := s.svc.ListProjects(r.Context(), callerOf(req))
	if err != nil {
		s.consoleError(w, r, req, err)
		return
	}
	d := projectListData{}
	for _, p := range ps {
		d.Projects = append(d.Projects, projectListItem{P: p, Placeholders: p.Placeholders()})
	}
	s.render(w, r, http.StatusOK, "console_projects", &page{Title: "Projects", Console: true, Requester: req, Flash: flash(r), Data: d})
}

// projectPageData fills console_project.html: the form of a new project,
// or the page of an existing one (its form, batches and CSV upload).
type projectPageData struct {
	Project     *hitd.Project // nil: a new project
	Form        projectForm
	Error       string // the form's problem
	UploadError string // the CSV upload's problem
	QualTypes   []qualTypeOption
	OwnTypes    []qualTypeOption
	Comparators []labelled
	Guards      []labelled
	Units       []labelled
	// PreviewHTML is the layout filled with Samples (the first row of the
	// project's latest batch, or "[column]"), for the preview frame's
	// srcdoc; SamplesJSON is Samples for console.js.
	PreviewHTML string
	SamplesJSON string
	Batches     []*hitd.Batch
	MaxUpload   string
}

// projectForm is the project form's values as typed.
type projectForm struct {
	Name, Title, Description, Keywords, Reward, MaxAssignments string
	Durations                                                  []durationField
	Reqs                                                       []qualReqField
	HTML                                                       string
	// reqRows are the form's row numbers (1-based) of the requirements
	// given to the Service, in order.
	reqRows []int
}

// durationField is a number of units: the form's way to give seconds.
type durationField struct {
	Name, Label, Help string
	Amount, Unit      string
}

// qualReqField is one qualification requirement row of the form.
type qualReqField struct {
	N                                      int // 1-based, for labels
	Index                                  int // 0-based, for field names
	Type, Comparator, Value, Locale, Guard string
}

type qualTypeOption struct{ ID, Name string }

type labelled struct{ Value, Label string }

// projectComparators are MTurk's comparators, in words.
var projectComparators = []labelled{
	{hitd.CmpGreaterThanOrEqualTo, "at least (≥)"},
	{hitd.CmpGreaterThan, "more than (>)"},
	{hitd.CmpLessThanOrEqualTo, "at most (≤)"},
	{hitd.CmpLessThan, "less than (<)"},
	{hitd.CmpEqualTo, "equal to (=)"},
	{hitd.CmpNotEqualTo, "not equal to (≠)"},
	{hitd.CmpExists, "has the qualification"},
	{hitd.CmpDoesNotExist, "does not have it"},
	{hitd.CmpIn, "one of"},
	{hitd.CmpNotIn, "none of"},
}

var projectGuards = []labelled{
	{"", "Accept (default)"},
	{hitd.GuardPreviewAndAccept, "Preview and accept"},
	{hitd.GuardDiscoverPreviewAndAccept, "Find, preview and accept"},
}

// durationUnits are the units of the form's durations, in seconds.
var durationUnits = []struct {
	labelled
	secs int64
}{
	{labelled{"minutes", "minutes"}, 60},
	{labelled{"hours", "hours"}, 3600},
	{labelled{"days", "days"}, 86400},
	{labelled{"seconds", "seconds"}, 1},
}

func durationUnitLabels() []labelled {
	out := make([]labelled, len(durationUnits))
	for i, u := range durationUnits {
		out[i] = u.labelled
	}
	return out
}

// durationOf shows seconds in the largest unit that divides them.
func durationOf(secs int64) (amount, unit string) {
	for _, u := range []string{"days", "hours", "minutes"} {
		n := unitSeconds(u)
		if secs > 0 && secs%n == 0 {
			return strconv.FormatInt(secs/n, 10), u
		}
	}
	return strconv.FormatInt(secs, 10), "seconds"
}

func unitSeconds(unit string) int64 {
	for _, u := range durationUnits {
		if u.Value == unit {
			return u.secs
		}
	}
	return 0
}

// projectDurations are the form's three durations.
func projectDurations(lifetime, duration, autoApproval int64) []durationField {
	f := []durationField{
		{Name: "lifetime", Label: "HITs stay available for", Help: "After this, workers can no longer find or accept the batch's HITs."},
		{Name: "duration", Label: "Time allotted per assignment", Help: "How long a worker has to finish a HIT once accepted."},
		{Name: "auto_approval", Label: "Auto-approve and pay after", Help: "Submitted work you have not reviewed by then is approved and paid."},
	}
	for i, secs := range []int64{lifetime, duration, autoApproval} {
		f[i].Amount, f[i].Unit = durationOf(secs)
	}
	return f
}

// newProjectForm is the form of a new project: MTurk's defaults.
func newProjectForm() projectForm {
	return projectForm{
		Reward: "0.05", MaxAssignments: "1",
		Durations: projectDurations(7*86400, 3600, 3*86400),
		Reqs:      qualReqFields(nil),
		HTML:      projectSampleHTML,
	}
}

const projectSampleHTML = `<!DOCTYPE html>
<html><body>
<form method="post" action="https://www.mturk.com/mturk/externalSubmit" id="mturk_form">
<input type="hidden" name="assignmentId" id="assignmentId" value="">
<p>Describe the image in a few words.</p>
<p><img src="${image_url}" alt="The image to describe" style="max-width:100%"></p>
<p><label>Description: <input name="description" required></label></p>
<p><button type="submit">Submit</button></p>
</form>
<script>
document.getElementById("assignmentId").value = new URLSearchParams(location.search).get("assignmentId") || "";
</script>
</body></html>
`

// projectFormOf is an existing project's form.
func projectFormOf(p *hitd.Project) projectForm {
	f := projectForm{
		Name: p.Name, Title: p.Title, Description: p.Description, Keywords: p.Keywords,
		Reward: p.Reward.String(), MaxAssignments: strconv.Itoa(p.MaxAssignments),
		Durations: projectDurations(p.LifetimeInSeconds, p.AssignmentDurationInSeconds, p.AutoApprovalDelayInSeconds),
		HTML:      p.HTML,
	}
	var reqs []qualReqField
	for _, q := range p.QualificationRequirements {
		r := qualReqField{Type: q.QualificationTypeId, Comparator: q.Comparator, Guard: q.ActionsGuarded}
		if r.Guard == "" && q.RequiredToPreview != nil && *q.RequiredToPreview {
			r.Guard = hitd.GuardPreviewAndAccept
		}
		var vs []string
		for _, v := range q.IntegerValues {
			vs = append(vs, strconv.Itoa(int(v)))
		}
		r.Value = strings.Join(vs, ", ")
		var ls []string
		for _, l := range q.LocaleValues {
			if l.Subdivision != "" {
				ls = append(ls, l.Country+"-"+l.Subdivision)
			} else {
				ls = append(ls, l.Country)
			}
		}
		r.Locale = strings.Join(ls, ", ")
		reqs = append(reqs, r)
	}
	f.Reqs = qualReqFields(reqs)
	return f
}

// qualReqFields numbers the rows and pads them to projectQualRows.
func qualReqFields(reqs []qualReqField) []qualReqField {
	for len(reqs) < projectQualRows {
		reqs = append(reqs, qualReqField{})
	}
	for i := range reqs {
		reqs[i].Index, reqs[i].N = i, i+1
	}
	return reqs
}

// parseProjectForm reads the project form. It returns the values as typed
// (to show again) and the input for the Service, or a message saying what
// cannot even be given to the Service.
func parseProjectForm(r *http.Request) (projectForm, *hitd.ProjectInput, string) {
	v := func(name string) string { return r.PostFormValue(name) }
	f := projectForm{
		Name: v("name"), Title: v("title"), Description: v("description"), Keywords: v("keywords"),
		Reward: strings.TrimSpace(v("reward")), MaxAssignments: strings.TrimSpace(v("max_assignments")),
		HTML: strings.ReplaceAll(v("html"), "\r\n", "\n"),
	}
	f.Durations = projectDurations(0, 0, 0)
	for i := range f.Durations {
		d := &f.Durations[i]
		d.Amount, d.Unit = strings.TrimSpace(v(d.Name)), v(d.Name+"_unit")
	}
	for i := 0; i < 100; i++ {
		k := strconv.Itoa(i)
		if _, ok := r.PostForm["qual_type_"+k]; !ok {
			break
		}
		f.Reqs = append(f.Reqs, qualReqField{Type: strings.TrimSpace(v("qual_type_" + k)), Comparator: v("qual_comparator_" + k),
			Value: strings.TrimSpace(v("qual_value_" + k)), Locale: strings.TrimSpace(v("qual_locale_" + k)), Guard: v("qual_guard_" + k)})
	}
	f.Reqs = qualReqFields(f.Reqs)

	in := &hitd.ProjectInput{
		Name: f.Name, Title: f.Title, Description: f.Description, Keywords: f.Keywords,
		Reward: strings.TrimPrefix(f.Reward, "$"), HTML: f.HTML,
	}
	n, err := strconv.ParseInt(f.MaxAssignments, 10, 64)
	if err != nil {
		return f, nil, "Assignments per HIT must be a whole number, such as 1 or 3."
	}
	in.MaxAssignments = &n
	secs := make([]*int64, len(f.Durations))
	for i, d := range f.Durations {
		amount, err := strconv.ParseInt(d.Amount, 10, 64)
		unit := unitSeconds(d.Unit)
		if err != nil || amount < 0 || unit == 0 || amount > 1<<40 {
			return f, nil, fmt.Sprintf("%s must be a whole number of minutes, hours, days or seconds.", d.Label)
		}
		x := amount * unit
		secs[i] = &x
	}
	in.LifetimeInSeconds, in.AssignmentDurationInSeconds, in.AutoApprovalDelayInSeconds = secs[0], secs[1], secs[2]
	for _, q := range f.Reqs {
		if q.Type == "" {
			continue
		}
		req := hitd.QualificationRequirement{QualificationTypeId: q.Type, Comparator: q.Comparator, ActionsGuarded: q.Guard}
		for _, s := range splitList(q.Value) {
			x, err := strconv.ParseInt(s, 10, 32)
			if err != nil {
				return f, nil, fmt.Sprintf("Qualification requirement %d: %q is not a whole number.", q.N, s)
			}
			req.IntegerValues = append(req.IntegerValues, int32(x))
		}
		for _, s := range splitList(q.Locale) {
			country, sub, _ := strings.Cut(strings.ToUpper(s), "-")
			req.LocaleValues = append(req.LocaleValues, hitd.Locale{Country: country, Subdivision: sub})
		}
		in.QualificationRequirements = append(in.QualificationRequirements, req)
		f.reqRows = append(f.reqRows, q.N)
	}
	return f, in, ""
}

var serviceReqRE = regexp.MustCompile(`^QualificationRequirement (\d+):`)

// formProblem is a Service error's message for the project form: a
// requirement is named by its row of the form (rows left empty are not
// given to the Service, so its numbers can differ).
func (f *projectForm) formProblem(err error) string {
	m := hitd.ErrorMessage(err)
	if sm := serviceReqRE.FindStringSubmatch(m); sm != nil {
		if n, _ := strconv.Atoi(sm[1]); n >= 1 && n <= len(f.reqRows) {
			m = fmt.Sprintf("Qualification requirement %d:", f.reqRows[n-1]) + m[len(sm[0]):]
		}
	}
	return m
}

// splitList splits "a, b c" into its items.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\t' })
}

// systemQualTypes are the system qualification types the form offers
// (the retired Masters kinds are left out).
func (s *Site) systemQualTypes() []qualTypeOption {
	masters := hitd.QualMasters
	if s.opts.Sandbox {
		masters = hitd.QualMastersSandbox
	}
	return []qualTypeOption{
		{hitd.QualPercentAssignmentsApproved, "HIT approval rate (%)"},
		{hitd.QualNumberHITsApproved, "Number of HITs approved"},
		{hitd.QualLocale, "Location (country, region)"},
		{masters, "Masters"},
		{hitd.QualAdult, "Adult content (18 or older)"},
		{hitd.QualPercentAssignmentsRejected, "HIT rejection rate (%)"},
		{hitd.QualPercentAssignmentsAbandoned, "HIT abandonment rate (%)"},
		{hitd.QualPercentAssignmentsReturned, "HIT return rate (%)"},
		{hitd.QualPercentAssignmentsSubmitted, "HIT submission rate (%)"},
	}
}

// projectPage fills the parts of a project page that do not depend on
// what was typed: the qualification types, the batches, the samples.
func (s *Site) projectPage(ctx context.Context, req *hitd.Requester, p *hitd.Project, f projectForm) (*projectPageData, error) {
	c := callerOf(req)
	d := &projectPageData{Project: p, Form: f, QualTypes: s.systemQualTypes(), Comparators: projectComparators,
		Guards: projectGuards, Units: durationUnitLabels(), MaxUpload: fmt.Sprintf("%d MiB", maxBatchUploadBytes>>20)}
	no, yes, limit := false, true, int64(100)
	types, err := s.svc.ListQualificationTypes(ctx, c, &hitd.ListQualificationTypesInput{MustBeRequestable: &no, MustBeOwnedByCaller: &yes, MaxResults: &limit})
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, t := range d.QualTypes {
		known[t.ID] = true
	}
	for _, t := range types.QualificationTypes {
		d.OwnTypes = append(d.OwnTypes, qualTypeOption{t.QualificationTypeId, t.Name})
		known[t.QualificationTypeId] = true
	}
	for _, q := range f.Reqs { // a type not offered (another requester's, say) stays selectable
		if q.Type != "" && !known[q.Type] {
			d.OwnTypes = append(d.OwnTypes, qualTypeOption{q.Type, q.Type})
			known[q.Type] = true
		}
	}
	samples := map[string]string{}
	if p != nil {
		if d.Batches, err = s.svc.ListBatches(ctx, c, p.ID); err != nil {
			return nil, err
		}
		if len(d.Batches) > 0 {
			if samples, err = s.batchSamples(ctx, c, d.Batches[0]); err != nil {
				return nil, err
			}
		}
	}
	d.PreviewHTML = layoutPreview(f.HTML, samples)
	j, err := json.Marshal(samples)
	if err != nil {
		return nil, err
	}
	d.SamplesJSON = string(j)
	return d, nil
}

// batchSamples returns a batch's first row, for previews.
func (s *Site) batchSamples(ctx context.Context, c hitd.Caller, b *hitd.Batch) (map[string]string, error) {
	if b.Status == hitd.BatchDraft {
		v, err := s.svc.GetBatch(ctx, c, b.ID)
		if err != nil {
			return nil, err
		}
		return v.FirstRow, nil
	}
	if !b.HasHITs() { // a discarded draft
		return nil, nil
	}
	_, results, err := s.svc.BatchResults(ctx, c, b.ID)
	if err != nil || len(results) == 0 {
		return nil, err
	}
	return results[0].Row.Input(b.Columns), nil
}

// layoutPreview fills a layout's placeholders with sample values, or
// "[name]" where there is none, as console.js does as the HTML is edited.
func layoutPreview(src string, samples map[string]string) string {
	l := &hitd.HITLayout{HTML: src}
	var params []hitd.HITLayoutParameter
	for _, n := range l.Placeholders() {
		v, ok := samples[n]
		if !ok {
			v = "[" + n + "]"
		}
		params = append(params, hitd.HITLayoutParameter{Name: n, Value: v})
	}
	out, err := l.Render(params)
	if err != nil {
		return ""
	}
	return out
}

func (s *Site) renderProject(w http.ResponseWriter, r *http.Request, req *hitd.Requester, status int, d *projectPageData) {
	title := "New project"
	if d.Project != nil {
		title = "Project: " + d.Project.Name
	}
	s.render(w, r, status, "console_project", &page{Title: title, Console: true, Requester: req, Flash: flash(r), Data: d})
}

func (s *Site) consoleProjectNew(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	d, err := s.projectPage(r.Context(), req, nil, newProjectForm())
	if err != nil {
		s.consoleError(w, r, req, err)
		return
	}
	s.renderProject(w, r, req, http.StatusOK, d)
}

func (s *Site) consoleProjectCreate(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	s.saveProjectForm(w, r, req, nil, func(in *hitd.ProjectInput) (*hitd.Project, error) {
		return s.svc.CreateProject(r.Context(), callerOf(req), in)
	})
}

// saveProjectForm reads the project form and saves it (save: create, or
// update p): it goes to the project's page, or shows the form again with
// what was typed and what is wrong, with status 400.
func (s *Site) saveProjectForm(w http.ResponseWriter, r *http.Request, req *hitd.Requester, p *hitd.Project, save func(*hitd.ProjectInput) (*hitd.Project, error)) {
	f, in, problem := parseProjectForm(r)
	if problem == "" {
		saved, err := save(in)
		if err == nil {
			redirect(w, r, projectURL(saved.ID)+"?msg=projectsaved")
			return
		}
		if code := hitd.ErrorCode(err); code == hitd.ErrInternal || code == hitd.ErrProjectNotFound {
			s.consoleError(w, r, req, err)
			return
		}
		problem = f.formProblem(err)
	}
	d, err := s.projectPage(r.Context(), req, p, f)
	if err != nil {
		s.consoleError(w, r, req, err)
		return
	}
	d.Error = problem
	s.renderProject(w, r, req, http.StatusBadRequest, d)
}

func (s *Site) consoleProject(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	p, err := s.svc.GetProject(r.Context(), callerOf(req), r.PathValue("id"))
	if err != nil {
		s.consoleError(w, r, req, err)
		return
	}
	d, err := s.projectPage(r.Context(), req, p, projectFormOf(p))
	if err != nil {
		s.consoleError(w, r, req, err)
		return
	}
	s.renderProject(w, r, req, http.StatusOK, d)
}

func (s *Site) consoleProjectSave(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	c := callerOf(req)
	p, err := s.svc.GetProject(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.consoleError(w, r, req, err)
		return
	}
	s.saveProjectForm(w, r, req, p, func(in *hitd.ProjectInput) (*hitd.Project, error) {
		return s.svc.UpdateProject(r.Context(), c, p.ID, in)
	})
}

func (s *Site) consoleProjectCopy(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	p, err := s.svc.CopyProject(r.Context(), callerOf(req), r.PathValue("id"))
	if err != nil {
		s.consoleError(w, r, req, err)
		return
	}
	redirect(w, r, projectURL(p.ID)+"?msg=projectcopied")
}

func (s *Site) consoleProjectDelete(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	if err := s.svc.DeleteProject(r.Context(), callerOf(req), r.PathValue("id")); err != nil {
		s.consoleError(w, r, req, err)
		return
	}
	redirect(w, r, "/requester/projects?msg=projectdeleted")
}

// uploadedCSV returns the file of an upload form's "csv" field, streamed
// from the request (bounded by maxBatchUploadBytes), or a message for the
// requester.
func uploadedCSV(w http.ResponseWriter, r *http.Request) (*multipart.Part, string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBatchUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "Choose a CSV file to upload."
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			if uploadExceeded(err) {
				return nil, uploadTooLarge
			}
			return nil, "Choose a CSV file to upload."
		}
		if part.FormName() == "csv" {
			if part.FileName() == "" {
				return nil, "Choose a CSV file to upload."
			}
			return part, ""
		}
		part.Close()
	}
}

var uploadTooLarge = fmt.Sprintf("The file is larger than %d MiB. Split it into several files.", maxBatchUploadBytes>>20)

func uploadExceeded(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

// csvProblem is a message for a CSV file's problem (a *batchcsv.Error
// names its row and column), or "" if err is something else.
func csvProblem(err error) string {
	var ce *batchcsv.Error
	switch {
	case errors.As(err, &ce):
		m := ce.Error()
		return "The file cannot be used: " + m + "."
	case uploadExceeded(err):
		return uploadTooLarge
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, multipart.ErrMessageTooLarge):
		return "The upload was cut short. Try again."
	}
	return ""
}

func (s *Site) consoleBatchUpload(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	c := callerOf(req)
	p, err := s.svc.GetProject(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.consoleError(w, r, req, err)
		return
	}
	part, problem := uploadedCSV(w, r)
	if problem == "" {
		in, err := batchcsv.ParseInput(part, batchcsv.InputOptions{Required: p.Placeholders(), MaxRows: hitd.MaxBatchRows})
		if err == nil {
			var b *hitd.Batch
			b, err = s.svc.CreateBatch(r.Context(), c, &hitd.BatchInput{ProjectID: p.ID, Name: part.FileName(),
				Columns: in.Columns, Rows: in.Rows, Lines: in.RowNumbers})
			if err == nil {
				redirect(w, r, batchURL(b.ID))
				return
			}
		}
		switch code := hitd.ErrorCode(err); {
		case csvProblem(err) != "":
			problem = csvProblem(err)
		case code == hitd.ErrProjectNotFound:
			s.consoleError(w, r, req, err)
			return
		case code != hitd.ErrInternal:
			problem = hitd.ErrorMessage(err)
		default:
			s.consoleFail(w, r, err)
			return
		}
	}
	d, err := s.projectPage(r.Context(), req, p, projectFormOf(p))
	if err != nil {
		s.consoleError(w, r, req, err)
		return
	}
	d.UploadError = problem
	s.renderProject(w, r, req, http.StatusBadRequest, d)
}

// ---- Batches ----

type batchListData struct {
	Batches []batchListItem
}

type batchListItem struct {
	B           *hitd.Batch
	ProjectName string // "" if the project was deleted
	Discarded   bool
}

func (s *Site) consoleBatches(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	c := callerOf(req)
	bs, err := s.svc.ListBatches(r.Context(), c, "")
	if err != nil {
		s.consoleError(w, r, req, err)
		return
	}
	ps, err := s.svc.ListProjects(r.Context(), c)
	if err != nil {
		s.consoleError(w, r, req, err)
		return
	}
	names := map[string]string{}
	for _, p := range ps {
		names[p.ID] = p.Name
	}
	var d batchListData
	for _, b := range bs {
		d.Batches = append(d.Batches, batchListItem{B: b, ProjectName: names[b.ProjectID], Discarded: discarded(b)})
	}
	s.render(w, r, http.StatusOK, "console_batches", &page{Title: "Batches", Console: true, Requester: req, Flash: flash(r), Data: d})
}

// discarded reports whether b is a draft that was discarded: cancelled
// without ever having HITs.
func discarded(b *hitd.Batch) bool { return b.Status == hitd.BatchCancelled && !b.HasHITs() }

// batchPageData fills console_batch.html.
type batchPageData struct {
	V         *hitd.BatchView
	Draft     bool
	Discarded bool
	// Drafts: how much the balance lacks (0: enough), and whether Publish
	// is offered.
	Short      hitd.Cents
	CanPublish bool
	Job        *publishState // a publish in progress
	// Published batches.
	Finished   int    // assignments submitted, approved or rejected
	TimeLeft   string // "" once expired
	FirstHITID string // a HIT to preview on the worker site
	Outcome    *hitd.ReviewOutcome
	ExtendBy   string
	ExtendUnit string
	// Problems, each shown by the form that caused it.
	Error       string // publish, cancel
	ExtendError string
	ReviewError string
}

func (s *Site) batchPage(ctx context.Context, req *hitd.Requester, id string) (*batchPageData, error) {
	c := callerOf(req)
	v, err := s.svc.GetBatch(ctx, c, id)
	if err != nil {
		return nil, err
	}
	d := &batchPageData{V: v, Draft: v.Batch.Status == hitd.BatchDraft, Discarded: discarded(v.Batch), ExtendBy: "1", ExtendUnit: "days"}
	switch {
	case d.Draft:
		if v.Cost.Total > v.Balance {
			d.Short = v.Cost.Total - v.Balance
		}
		d.Job = s.publish.peek(req.ID, v.Batch.ID)
		if d.Job != nil && d.Job.State != publishRunning { // it failed (or just ended): say so once
			s.publish.observe(req.ID, v.Batch.ID)
			d.Error, d.Job = d.Job.Error, nil
		}
		d.CanPublish = v.Project != nil && d.Short == 0 && d.Job == nil
	case !d.Discarded:
		pr := v.Progress
		d.Finished = pr.Submitted + pr.Approved + pr.Rejected
		if !pr.Expired {
			d.TimeLeft = secondsText(int64(pr.Expiration.Sub(s.now()).Seconds()))
		}
		_, results, err := s.svc.BatchResults(ctx, c, id)
		if err != nil {
			return nil, err
		}
		if len(results) > 0 {
			d.FirstHITID = results[0].HIT.ID
		}
	}
	return d, nil
}

func (s *Site) renderBatch(w http.ResponseWriter, r *http.Request, req *hitd.Requester, status int, d *batchPageData) {
	s.render(w, r, status, "console_batch", &page{Title: "Batch: " + d.V.Batch.Name, Console: true, Requester: req, Flash: flash(r), Data: d})
}

// batchProblem re-renders a batch page with a problem set by set, or
// renders the error page if the batch cannot be shown.
func (s *Site) batchProblem(w http.ResponseWriter, r *http.Request, req *hitd.Requester, err error, set func(*batchPageData, string)) {
	code := hitd.ErrorCode(err)
	if code == hitd.ErrInternal || code == hitd.ErrBatchNotFound {
		s.consoleError(w, r, req, err)
		return
	}
	d, perr := s.batchPage(r.Context(), req, r.PathValue("id"))
	if perr != nil {
		s.consoleError(w, r, req, perr)
		return
	}
	set(d, hitd.ErrorMessage(err))
	s.renderBatch(w, r, req, consoleStatus(err), d)
}

func (s *Site) consoleBatch(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	d, err := s.batchPage(r.Context(), req, r.PathValue("id"))
	if err != nil {
		s.consoleError(w, r, req, err)
		return
	}
	if r.URL.Query().Get("msg") == "reviewed" {
		q := r.URL.Query()
		n := func(k string) int { x, _ := strconv.Atoi(q.Get(k)); return max(x, 0) }
		d.Outcome = &hitd.ReviewOutcome{Approved: n("approved"), Rejected: n("rejected"), Unchanged: n("unchanged")}
	}
	s.renderBatch(w, r, req, http.StatusOK, d)
}

func (s *Site) consoleBatchPublish(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	c, id := callerOf(req), r.PathValue("id")
	async := r.Header.Get("X-Requested-With") == "fetch"
	fail := func(err error) {
		if async {
			publishJSON(w, consoleStatus(err), &publishState{State: publishError, Error: hitd.ErrorMessage(err)})
			return
		}
		s.batchProblem(w, r, req, err, func(d *batchPageData, m string) { d.Error = m })
	}
	v, err := s.svc.GetBatch(r.Context(), c, id)
	if err != nil {
		if hitd.ErrorCode(err) == hitd.ErrInternal {
			s.logger.Error("web: console error", "method", r.Method, "path", r.URL.Path, "error", err)
		}
		fail(err)
		return
	}
	if v.Batch.Status != hitd.BatchDraft {
		fail(hitd.Errorf(hitd.ErrInvalidBatchState, "Batch %s is not a draft: it was published or discarded already.", id))
		return
	}
	job, started := s.publish.start(req.ID, id, v.Batch.Rows)
	if !started {
		if async {
			publishJSON(w, http.StatusConflict, job)
			return
		}
		if job.State == publishDone {
			fail(hitd.Errorf(hitd.ErrInvalidBatchState, "Batch %s is published already.", id))
			return
		}
		fail(hitd.Errorf(hitd.ErrInvalidBatchState, "Batch %s is being published already; wait for it to finish.", id))
		return
	}
	if async {
		ctx := context.WithoutCancel(r.Context())
		go func() {
			_, err := s.svc.PublishBatch(ctx, c, id, s.publish.progressFunc(req.ID, id))
			if err != nil && hitd.ErrorCode(err) == hitd.ErrInternal {
				s.logger.Error("web: publishing a batch", "batch", id, "error", err)
			}
			s.publish.finish(req.ID, id, err)
		}()
		publishJSON(w, http.StatusAccepted, job)
		return
	}
	_, err = s.svc.PublishBatch(r.Context(), c, id, s.publish.progressFunc(req.ID, id))
	s.publish.remove(req.ID, id)
	if err != nil {
		fail(err)
		return
	}
	redirect(w, r, batchURL(id)+"?msg=batchpublished")
}

func (s *Site) consoleBatchPublishProgress(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if st := s.publish.observe(req.ID, id); st != nil {
		publishJSON(w, http.StatusOK, st)
		return
	}
	// No job: the batch says where it is.
	v, err := s.svc.GetBatch(r.Context(), callerOf(req), id)
	if err != nil {
		if hitd.ErrorCode(err) == hitd.ErrInternal {
			s.logger.Error("web: console error", "method", r.Method, "path", r.URL.Path, "error", err)
		}
		publishJSON(w, consoleStatus(err), &publishState{State: publishError, Error: hitd.ErrorMessage(err)})
		return
	}
	st := &publishState{State: publishIdle, Total: v.Batch.Rows}
	if v.Batch.Status == hitd.BatchPublished || (v.Batch.Status == hitd.BatchCancelled && !discarded(v.Batch)) {
		st.State, st.Done = publishDone, v.Batch.Rows
	}
	publishJSON(w, http.StatusOK, st)
}

func publishJSON(w http.ResponseWriter, status int, st *publishState) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(st)
}

func (s *Site) consoleBatchCancel(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if st := s.publish.peek(req.ID, id); st != nil && st.State == publishRunning {
		s.batchProblem(w, r, req, hitd.Errorf(hitd.ErrInvalidBatchState, "Batch %s is being published; wait for it to finish.", id),
			func(d *batchPageData, m string) { d.Error = m })
		return
	}
	b, err := s.svc.CancelBatch(r.Context(), callerOf(req), id)
	if err != nil {
		s.batchProblem(w, r, req, err, func(d *batchPageData, m string) { d.Error = m })
		return
	}
	if discarded(b) {
		redirect(w, r, batchURL(id))
		return
	}
	redirect(w, r, batchURL(id)+"?msg=batchcancelled")
}

func (s *Site) consoleBatchExtend(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	amountText, unitText := strings.TrimSpace(r.PostFormValue("amount")), r.PostFormValue("unit")
	setExtend := func(d *batchPageData, m string) { d.ExtendError, d.ExtendBy, d.ExtendUnit = m, amountText, unitText }
	amount, err := strconv.ParseInt(amountText, 10, 64)
	unit := map[string]int64{"hours": 3600, "days": 86400}[unitText]
	if err != nil || amount <= 0 || unit == 0 || amount > 1<<30 {
		s.batchProblem(w, r, req, hitd.Errorf(hitd.ErrInvalidParameter, "Give a whole number of hours or days to extend the batch by."), setExtend)
		return
	}
	if _, err := s.svc.ExtendBatch(r.Context(), callerOf(req), r.PathValue("id"), amount*unit); err != nil {
		s.batchProblem(w, r, req, err, setExtend)
		return
	}
	redirect(w, r, batchURL(r.PathValue("id"))+"?msg=batchextended")
}

func (s *Site) consoleBatchResults(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	b, results, err := s.svc.BatchResults(r.Context(), callerOf(req), r.PathValue("id"))
	if err != nil {
		s.consoleError(w, r, req, err)
		return
	}
	var buf strings.Builder
	if err := batchcsv.WriteResults(&buf, batchcsv.FromBatch(b, results)); err != nil {
		s.consoleFail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="Batch_`+b.ID+`_batch_results.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	io.WriteString(w, buf.String())
}

func (s *Site) consoleBatchReviewUpload(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	c, id := callerOf(req), r.PathValue("id")
	setReview := func(d *batchPageData, m string) { d.ReviewError = m }
	// The batch must be the caller's, and published; its assignments are
	// the ones the file may mark.
	_, results, err := s.svc.BatchResults(r.Context(), c, id)
	if err != nil {
		s.batchProblem(w, r, req, err, setReview)
		return
	}
	ofBatch := make(map[string]bool, len(results))
	for _, res := range results {
		if res.Assignment != nil {
			ofBatch[res.Assignment.ID] = true
		}
	}
	part, problem := uploadedCSV(w, r)
	if problem != "" {
		s.batchProblem(w, r, req, hitd.Errorf(hitd.ErrInvalidBatchInput, "%s", problem), setReview)
		return
	}
	ds, err := batchcsv.ParseReview(part)
	if err != nil {
		if m := csvProblem(err); m != "" {
			err = hitd.Errorf(hitd.ErrInvalidBatchInput, "%s", m)
		}
		s.batchProblem(w, r, req, err, setReview)
		return
	}
	if len(ds) == 0 {
		s.batchProblem(w, r, req, hitd.Errorf(hitd.ErrInvalidBatchInput,
			"The file marks no assignment: put an x in the Approve column, or a reason in the Reject column, of the rows to review."), setReview)
		return
	}
	for _, d := range ds {
		if !ofBatch[d.AssignmentID] {
			s.batchProblem(w, r, req, hitd.Errorf(hitd.ErrInvalidBatchInput,
				"Row %d: assignment %s is not a submitted assignment of this batch, so nothing was changed. Upload this batch's results file.", d.Row, d.AssignmentID), setReview)
			return
		}
	}
	out, err := s.svc.ReviewAssignments(r.Context(), c, batchcsv.ReviewDecisions(ds))
	if err != nil {
		s.batchProblem(w, r, req, err, setReview)
		return
	}
	q := url.Values{"msg": {"reviewed"}, "approved": {strconv.Itoa(out.Approved)},
		"rejected": {strconv.Itoa(out.Rejected)}, "unchanged": {strconv.Itoa(out.Unchanged)}}
	redirect(w, r, batchURL(id)+"?"+q.Encode())
}

// ---- Publishing in the background ----

// publishJobs are the batches being published from this site, for the
// progress bar console.js shows: the only state the site keeps besides
// sessions, in memory, per process. A publish is one transaction (all
// HITs or none), so a job lost with the process is a batch still in
// draft, to be published again.
//
// A job is removed when its end has been reported by publish-progress,
// or publishJobTTL after it ended if nobody asked; running jobs are
// bounded by the requests that started them.
type publishJobs struct {
	mu   sync.Mutex
	jobs map[publishKey]*publishState
}

type publishKey struct{ requesterID, batchID string }

// States of a publish job.
const (
	publishRunning = "running"
	publishDone    = "done"
	publishError   = "error"
	publishIdle    = "idle" // no job: the batch is a draft
)

// publishState is a job's progress, as publish-progress reports it.
type publishState struct {
	Done  int    `json:"done"`
	Total int    `json:"total"`
	State string `json:"state"`
	Error string `json:"error,omitempty"`
	ended time.Time
}

// sweep removes finished jobs older than publishJobTTL; j.mu is held.
func (j *publishJobs) sweep() {
	for k, st := range j.jobs {
		if st.State != publishRunning && time.Since(st.ended) > publishJobTTL {
			delete(j.jobs, k)
		}
	}
}

// start registers a running job, unless one is running for the batch,
// or has just published it: then it returns that job's state and false.
func (j *publishJobs) start(requesterID, batchID string, total int) (*publishState, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.jobs == nil {
		j.jobs = map[publishKey]*publishState{}
	}
	j.sweep()
	k := publishKey{requesterID, batchID}
	if st := j.jobs[k]; st != nil && st.State != publishError {
		c := *st
		return &c, false
	}
	st := &publishState{State: publishRunning, Total: total}
	j.jobs[k] = st
	c := *st
	return &c, true
}

func (j *publishJobs) progressFunc(requesterID, batchID string) func(done, total int) {
	k := publishKey{requesterID, batchID}
	return func(done, total int) {
		j.mu.Lock()
		defer j.mu.Unlock()
		if st := j.jobs[k]; st != nil && st.State != publishError {
			st.Done, st.Total = done, total
		}
	}
}

// finish records a job's end.
func (j *publishJobs) finish(requesterID, batchID string, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	st := j.jobs[publishKey{requesterID, batchID}]
	if st == nil {
		return
	}
	st.ended = time.Now()
	if err != nil {
		st.State, st.Error = publishError, hitd.ErrorMessage(err)
		if hitd.ErrorCode(err) == hitd.ErrInternal {
			st.Error = "Something went wrong on the server, and the batch was not published. Try again later."
		}
		return
	}
	st.State, st.Done = publishDone, st.Total
}

func (j *publishJobs) remove(requesterID, batchID string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.jobs, publishKey{requesterID, batchID})
}

// peek returns a copy of a job's state, nil if there is none.
func (j *publishJobs) peek(requesterID, batchID string) *publishState {
	j.mu.Lock()
	defer j.mu.Unlock()
	if st := j.jobs[publishKey{requesterID, batchID}]; st != nil {
		c := *st
		return &c
	}
	return nil
}

// observe is peek, and removes a job that has ended: its end is reported
// once.
func (j *publishJobs) observe(requesterID, batchID string) *publishState {
	j.mu.Lock()
	defer j.mu.Unlock()
	k := publishKey{requesterID, batchID}
	st := j.jobs[k]
	if st == nil {
		return nil
	}
	c := *st
	if st.State != publishRunning {
		delete(j.jobs, k)
	}
	return &c
}
