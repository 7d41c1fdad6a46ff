package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/qform"
)

// qualsPageSize is how many qualification types /qualifications shows at once.
const qualsPageSize = 20

// qualsData fills /qualifications.
type qualsData struct {
	Query    string
	Types    []qualItem
	NextURL  string // the next page, "" on the last
	FirstURL string // the first page, "" on it
	Scores   []*hitd.WorkerScore
}

// qualItem is one requestable qualification type with the worker's
// standing, in words.
type qualItem struct {
	V            *hitd.WorkerQualTypeView
	HasTest      bool
	TestDuration int64
	// Action is the button the worker gets: "request", "test" or ""
	// (none: see Why). ContinueURL links to a test in progress.
	Action      string
	ContinueURL string
	Pending     bool   // a request or test answers wait for the requester
	Rejected    string // "" or the rejection ("Your request was rejected: …")
	Why         string // why there is no button
}

func qualItemOf(v *hitd.WorkerQualTypeView, loggedIn bool) qualItem {
	it := qualItem{V: v, HasTest: v.Type.Test != ""}
	if v.Type.TestDurationInSeconds != nil {
		it.TestDuration = *v.Type.TestDurationInSeconds
	}
	last := v.LastRequest
	switch {
	case v.CanRequest && it.HasTest:
		it.Action = "test"
	case v.CanRequest:
		it.Action = "request"
	case last != nil && last.Status == hitd.QualRequestTesting:
		it.ContinueURL = testURL(last.ID)
	}
	if last != nil {
		switch last.Status {
		case hitd.QualRequestPending:
			it.Pending = true
		case hitd.QualRequestRejected:
			it.Rejected = "Your last request was rejected."
			if last.Reason != "" {
				it.Rejected = "Your last request was rejected: " + last.Reason
			}
		}
	}
	if !v.CanRequest && !(v.Score != nil && v.Score.Status == hitd.QualGranted) && !it.Pending && it.ContinueURL == "" {
		it.Why = v.Why // the score and the pending request say it themselves
	}
	if !loggedIn {
		it.Pending, it.Rejected = false, ""
	}
	return it
}

func testURL(requestID string) string { return "/qualifications/tests/" + url.PathEscape(requestID) }

// qualsURL is the listing's URL for a search and a page token.
func qualsURL(query, next string) string {
	v := url.Values{}
	if query != "" {
		v.Set("q", query)
	}
	if next != "" {
		v.Set("next", next)
	}
	if len(v) == 0 {
		return "/qualifications"
	}
	return "/qualifications?" + v.Encode()
}

// qualifications lists the requestable qualification types (with the
// worker's standing in each) and the worker's own qualifications.
// Anonymous visitors may browse; requesting needs a login.
func (s *Site) qualifications(w http.ResponseWriter, r *http.Request) {
	worker, ok := s.session(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	query, next := strings.TrimSpace(q.Get("q")), q.Get("next")
	res, err := s.svc.ListRequestableQualifications(r.Context(), workerID(worker), query, next, qualsPageSize)
	if err != nil {
		s.fail(w, r, worker, err)
		return
	}
	d := qualsData{Query: query}
	for _, v := range res.Types {
		d.Types = append(d.Types, qualItemOf(v, worker != nil))
	}
	if res.NextToken != "" {
		d.NextURL = qualsURL(query, res.NextToken)
	}
	if next != "" {
		d.FirstURL = qualsURL(query, "")
	}
	if worker != nil {
		if d.Scores, err = s.svc.WorkerScores(r.Context(), worker.ID); err != nil {
			s.fail(w, r, worker, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "quals", &page{Title: "Qualifications", Worker: worker, Flash: flash(r), Data: d})
}

// qualAction is POST /qualifications/{id}/{action}: "request" asks for a
// qualification without a test (RequestQualification); "test" opens a
// test attempt (StartQualificationTest) and its page. (One pattern for
// both, because /qualifications/{id}/request and
// /qualifications/tests/{requestId} would otherwise overlap.)
func (s *Site) qualAction(w http.ResponseWriter, r *http.Request) {
	typeID, action := r.PathValue("id"), r.PathValue("action")
	if action != "request" && action != "test" {
		s.notFound(w, r)
		return
	}
	worker, ok := s.requireWorker(w, r, "/qualifications")
	if !ok {
		return
	}
	if action == "test" {
		t, err := s.svc.StartQualificationTest(r.Context(), worker.ID, typeID)
		if err != nil {
			s.fail(w, r, worker, err)
			return
		}
		redirect(w, r, testURL(t.Request.ID))
		return
	}
	req, err := s.svc.RequestQualification(r.Context(), worker.ID, typeID)
	if err != nil {
		s.fail(w, r, worker, err)
		return
	}
	msg := "qualrequested"
	if req.Status == hitd.QualRequestAccepted {
		msg = "qualgranted"
	}
	redirect(w, r, "/qualifications?msg="+msg+"#q-"+url.PathEscape(typeID))
}

// testData fills the page of a test attempt.
type testData struct {
	T        *hitd.QualificationTest
	Open     bool // the test can be answered now
	TimeUp   bool // it was not submitted in time
	TimeLeft string
	FormHTML template.HTML
	Action   string
	Error    string
	// The outcome, once submitted.
	Granted  bool
	Score    int32
	Pending  bool
	Rejected bool
	Reason   string
}

// qualTest shows a test attempt: the form while it is open, its outcome
// afterwards.
func (s *Site) qualTest(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	worker, ok := s.requireWorker(w, r, testURL(id))
	if !ok {
		return
	}
	s.renderTest(w, r, worker, id, http.StatusOK, nil, nil)
}

func (s *Site) renderTest(w http.ResponseWriter, r *http.Request, worker *hitd.Worker, id string, status int, submitErr *hitd.Error, prior map[string][]string) {
	t, err := s.svc.QualificationTestAttempt(r.Context(), worker.ID, id)
	if err != nil {
		s.fail(w, r, worker, err)
		return
	}
	req := t.Request
	d := testData{T: t, Action: testURL(req.ID)}
	switch req.Status {
	case hitd.QualRequestTesting:
		now := s.now()
		d.Open = now.Before(req.TestDeadline)
		d.TimeUp = !d.Open
		d.TimeLeft = durationText(req.TestDeadline.Sub(now))
	case hitd.QualRequestPending:
		d.Pending = true
	case hitd.QualRequestRejected:
		d.Rejected, d.Reason = true, req.Reason
	case hitd.QualRequestAccepted:
		d.Granted = true
		v, err := s.svc.WorkerQualificationType(r.Context(), worker.ID, req.TypeID)
		if err != nil {
			s.fail(w, r, worker, err)
			return
		}
		if v.Score != nil {
			d.Score = v.Score.IntegerValue
		}
	}
	if d.Open {
		var errs qform.FieldErrors
		if submitErr != nil {
			d.Error = submitErr.Message
			errs = submitErr.Fields
		}
		d.FormHTML = t.Form.Render(prior, errs)
	}
	s.render(w, r, status, "qualtest", &page{Title: "Test: " + t.Type.Name, Worker: worker, Flash: flash(r), Data: d})
}

// submitQualTest takes a test's answers. Answers that break the form come
// back with a message per field (422); otherwise the page of the attempt
// shows the outcome.
func (s *Site) submitQualTest(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	worker, ok := s.requireWorker(w, r, testURL(id))
	if !ok {
		return
	}
	pairs, err := orderedPairs(w, r, false)
	if err != nil {
		s.fail(w, r, worker, err)
		return
	}
	fields := fieldsOf(pairs)
	_, _, err = s.svc.SubmitQualificationTest(r.Context(), worker.ID, id, fields)
	var de *hitd.Error
	if errors.As(err, &de) && de.Code == hitd.ErrInvalidAnswer {
		s.renderTest(w, r, worker, id, http.StatusUnprocessableEntity, de, valuesOf(fields))
		return
	}
	if err != nil {
		s.fail(w, r, worker, err)
		return
	}
	redirect(w, r, testURL(id))
}
