package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/qform"
)

// groupsData fills the HIT group listing.
type groupsData struct {
	Keyword          string
	Sort             string
	Sorts            []sortOption
	Groups           []*hitd.HITGroup
	Page             int
	PrevURL, NextURL string
}

type sortOption struct {
	Value, Label string
	Selected     bool
}

var sortLabels = []sortOption{
	{Value: string(hitd.SortNewest), Label: "Newest"},
	{Value: string(hitd.SortReward), Label: "Highest reward"},
	{Value: string(hitd.SortAvailable), Label: "Most HITs available"},
}

// listURL is the listing's URL for a keyword, sort and page.
func listURL(keyword, sort string, pageNo int) string {
	v := url.Values{}
	if keyword != "" {
		v.Set("q", keyword)
	}
	if sort != "" && sort != string(hitd.SortNewest) {
		v.Set("sort", sort)
	}
	if pageNo > 1 {
		v.Set("page", strconv.Itoa(pageNo))
	}
	if len(v) == 0 {
		return "/"
	}
	return "/?" + v.Encode()
}

// groups is the home page: HIT groups a worker can accept, with search,
// sort and pagination. Anonymous visitors see every group.
func (s *Site) groups(w http.ResponseWriter, r *http.Request) {
	worker, ok := s.session(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	pageNo, _ := strconv.Atoi(q.Get("page"))
	query := hitd.HITGroupQuery{Keyword: q.Get("q"), Sort: hitd.HITGroupSort(q.Get("sort")), Page: pageNo}
	res, err := s.svc.ListHITGroups(r.Context(), workerID(worker), query)
	if err != nil {
		s.fail(w, r, worker, err)
		return
	}
	sort := string(query.Sort)
	if sort == "" {
		sort = string(hitd.SortNewest)
	}
	d := groupsData{Keyword: query.Keyword, Sort: sort, Groups: res.Groups, Page: res.Page}
	for _, o := range sortLabels {
		o.Selected = o.Value == sort
		d.Sorts = append(d.Sorts, o)
	}
	if res.Page > 1 {
		d.PrevURL = listURL(query.Keyword, sort, res.Page-1)
	}
	if res.HasNext {
		d.NextURL = listURL(query.Keyword, sort, res.Page+1)
	}
	s.render(w, r, http.StatusOK, "groups", &page{Title: "HITs", Worker: worker, Flash: flash(r), Data: d})
}

func workerID(w *hitd.Worker) string {
	if w == nil {
		return ""
	}
	return w.ID
}

// previewData fills the preview page of a HIT or a group.
type previewData struct {
	View     *hitd.WorkerHITView
	Group    bool // reached as "the next HIT of this group"
	Question questionView
}

// preview shows the next HIT of a group (/groups/{HITTypeId}, group
// true) or one HIT (/hits/{HITId}) before it is accepted.
func (s *Site) preview(group bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		worker, ok := s.session(w, r)
		if !ok {
			return
		}
		var hv *hitd.WorkerHITView
		var err error
		if group {
			hv, err = s.svc.PreviewHITGroup(r.Context(), workerID(worker), r.PathValue("id"))
		} else {
			hv, err = s.svc.WorkerHIT(r.Context(), workerID(worker), r.PathValue("id"))
		}
		if err == nil {
			var qv questionView
			if qv, err = s.questionFor(r, hv, nil, nil, nil); err == nil {
				s.render(w, r, http.StatusOK, "preview", &page{Title: hv.HIT.Title, Worker: worker, Flash: flash(r),
					Data: previewData{View: hv, Group: group, Question: qv}})
				return
			}
		}
		s.fail(w, r, worker, err)
	}
}

// acceptHIT accepts one HIT and opens its work page.
func (s *Site) acceptHIT(w http.ResponseWriter, r *http.Request) {
	hitID := r.PathValue("id")
	worker, ok := s.requireWorker(w, r, "/hits/"+url.PathEscape(hitID))
	if !ok {
		return
	}
	a, err := s.svc.AcceptHIT(r.Context(), worker.ID, hitID)
	if isCode(err, hitd.ErrAlreadyAccepted) {
		// Accepting twice (a double click, the back button) opens the
		// assignment already held.
		if hv, err2 := s.svc.WorkerHIT(r.Context(), worker.ID, hitID); err2 == nil && hv.Assignment != nil {
			redirect(w, r, "/assignments/"+url.PathEscape(hv.Assignment.ID))
			return
		}
	}
	if err != nil {
		s.fail(w, r, worker, err)
		return
	}
	redirect(w, r, "/assignments/"+url.PathEscape(a.ID))
}

// acceptFromGroup accepts the next HIT of a group and opens its work page
// in "accept & work" mode: after a submission the next HIT of the group
// is accepted too.
func (s *Site) acceptFromGroup(w http.ResponseWriter, r *http.Request) {
	typeID := r.PathValue("id")
	worker, ok := s.requireWorker(w, r, "/groups/"+url.PathEscape(typeID))
	if !ok {
		return
	}
	a, err := s.svc.AcceptFromGroup(r.Context(), worker.ID, typeID)
	if err != nil {
		s.fail(w, r, worker, err)
		return
	}
	redirect(w, r, workURL(a.ID, true))
}

// workURL is an assignment's work page; group keeps "accept & work" mode.
func workURL(assignmentID string, group bool) string {
	u := "/assignments/" + url.PathEscape(assignmentID)
	if group {
		u += "?next=group"
	}
	return u
}

// workData fills the work page of an assignment.
type workData struct {
	A        *hitd.WorkerAssignmentView
	Open     bool // accepted and within its time
	TimeUp   bool // accepted, but the time has run out
	TimeLeft string
	Question questionView
	Group    bool // "accept & work" mode
	Action   string
	Error    string
}

func (s *Site) assignment(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	worker, ok := s.requireWorker(w, r, r.URL.RequestURI())
	if !ok {
		return
	}
	s.renderWork(w, r, worker, id, r.URL.Query().Get("next") == "group", http.StatusOK, nil, nil)
}

// renderWork shows an assignment: the question and its buttons while it is
// open, its outcome afterwards.
func (s *Site) renderWork(w http.ResponseWriter, r *http.Request, worker *hitd.Worker, id string, group bool, status int, submitErr *hitd.Error, prior map[string][]string) {
	av, hv, err := s.svc.WorkerAssignment(r.Context(), worker.ID, id)
	if err != nil {
		s.fail(w, r, worker, err)
		return
	}
	a := av.Assignment
	d := workData{A: av, Group: group, Action: "/assignments/" + url.PathEscape(a.ID) + "/submit"}
	if group {
		d.Action += "?next=group"
	}
	if a.Status == hitd.AssignmentAccepted {
		now := s.now()
		d.Open = now.Before(a.Deadline)
		d.TimeUp = !d.Open
		d.TimeLeft = durationText(a.Deadline.Sub(now))
	}
	if d.Open {
		var errs qform.FieldErrors
		if submitErr != nil {
			d.Error = submitErr.Message
			errs = submitErr.Fields
		}
		if d.Question, err = s.questionFor(r, hv, a, prior, errs); err != nil {
			s.fail(w, r, worker, err)
			return
		}
	}
	s.render(w, r, status, "work", &page{Title: av.HIT.Title, Worker: worker, Flash: flash(r), Data: d})
}

func (s *Site) returnAssignment(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	worker, ok := s.requireWorker(w, r, "/my")
	if !ok {
		return
	}
	if err := s.svc.ReturnAssignment(r.Context(), worker.ID, id); err != nil {
		s.fail(w, r, worker, err)
		return
	}
	redirect(w, r, "/?msg=returned")
}

// submit takes a QuestionForm submission. Invalid answers re-render the
// form with each field's message (422). After a submission in "accept &
// work" mode the next HIT of the group is accepted and opened.
func (s *Site) submit(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	worker, ok := s.requireWorker(w, r, "/assignments/"+url.PathEscape(id))
	if !ok {
		return
	}
	group := r.URL.Query().Get("next") == "group"
	// The query string carries only the site's own "next"; answers come
	// from the body alone.
	pairs, err := orderedPairs(w, r, false)
	if err != nil {
		s.fail(w, r, worker, err)
		return
	}
	fields := fieldsOf(pairs)
	a, err := s.svc.SubmitAssignment(r.Context(), worker.ID, id, fields)
	var de *hitd.Error
	if errors.As(err, &de) && de.Code == hitd.ErrInvalidAnswer {
		s.renderWork(w, r, worker, id, group, http.StatusUnprocessableEntity, de, valuesOf(fields))
		return
	}
	if err != nil {
		s.fail(w, r, worker, err)
		return
	}
	if !group {
		redirect(w, r, "/my?msg=submitted")
		return
	}
	next, err := s.svc.AcceptFromGroup(r.Context(), worker.ID, a.HITTypeID)
	switch {
	case err == nil:
		redirect(w, r, workURL(next.ID, true)+"&msg=submitted")
	case isCode(err, hitd.ErrHITNotAvailable), isCode(err, hitd.ErrNotQualified):
		// None left for this worker (or a qualification was revoked meanwhile).
		redirect(w, r, "/my?msg=groupdone")
	default:
		s.fail(w, r, worker, err)
	}
}

// durationText says how long d is in words a worker reads at a glance:
// "2 days 3 hours", "1 hour 5 minutes", "45 seconds".
func durationText(d time.Duration) string {
	if d <= 0 {
		return "no time"
	}
	secs := int64(d.Round(time.Second) / time.Second)
	return secondsText(secs)
}

func secondsText(secs int64) string {
	units := []struct {
		n    int64
		name string
	}{{86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}}
	var parts []string
	for _, u := range units {
		if secs >= u.n && len(parts) < 2 {
			n := secs / u.n
			secs -= n * u.n
			parts = append(parts, plural(n, u.name))
		} else if len(parts) > 0 {
			break
		}
	}
	if len(parts) == 0 {
		return "0 seconds"
	}
	if len(parts) == 2 {
		return parts[0] + " " + parts[1]
	}
	return parts[0]
}

func plural(n int64, word string) string {
	s := strconv.FormatInt(n, 10) + " " + word
	if n != 1 {
		s += "s"
	}
	return s
}
