package web

import (
	"crypto/rand"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/batchcsv"
)

// This file is the requester console's review, workers, ledger and admin
// pages:
//
//	GET  /requester/batches/{id}/review   a batch's assignments, inputs and answers side by side
//	POST /requester/review                approve or reject the selected (or all shown) assignments
//	GET  /requester/workers               the workers who worked for the requester
//	POST /requester/workers/{id}/bonus    SendBonus
//	POST /requester/workers/{id}/block    CreateWorkerBlock
//	POST /requester/workers/{id}/unblock  DeleteWorkerBlock
//	POST /requester/workers/{id}/grant    AssociateQualificationWithWorker
//	GET  /requester/ledger                the requester's ledger, oldest first, 200 a page
//	GET  /requester/ledger.csv            the whole ledger as CSV
//	GET  /requester/admin                 requesters and workers (admins only)
//	POST /requester/admin/deposit         Deposit
//	POST /requester/admin/workers/{id}/masters, …/adult
//
// Every action goes through the same Service operations as the Requester
// API (or the hitd command, for the admin's), as hitd.Caller{RequesterID}
// of the signed-in requester, so the console can do nothing the API could
// not. Forms that send the requester back somewhere take a `return` field,
// which must be a path under /requester. Requester and worker data are
// only ever template text, never template.HTML.

// reviewPageRows is the most assignments the review page lists; "all
// shown" actions act on the same (capped) list.
const reviewPageRows = 1000

// ledgerPageEntries is how many entries a ledger page lists.
const ledgerPageEntries = 200

func (s *Site) consoleReviewRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /requester/batches/{id}/review", s.consoleReview)
	mux.HandleFunc("POST /requester/review", s.consoleReviewPost)
	mux.HandleFunc("GET /requester/workers", s.consoleWorkers)
	mux.HandleFunc("POST /requester/workers/{id}/bonus", s.consoleWorkerAction(workerBonus))
	mux.HandleFunc("POST /requester/workers/{id}/block", s.consoleWorkerAction(workerBlock))
	mux.HandleFunc("POST /requester/workers/{id}/unblock", s.consoleWorkerAction(workerUnblock))
	mux.HandleFunc("POST /requester/workers/{id}/grant", s.consoleWorkerAction(workerGrant))
	mux.HandleFunc("GET /requester/ledger", s.consoleLedger)
	mux.HandleFunc("GET /requester/ledger.csv", s.consoleLedgerCSV)
	mux.HandleFunc("GET /requester/admin", s.consoleAdmin)
	mux.HandleFunc("POST /requester/admin/deposit", s.consoleAdminDeposit)
	mux.HandleFunc("POST /requester/admin/workers/{id}/masters", s.consoleAdminWorker("masters"))
	mux.HandleFunc("POST /requester/admin/workers/{id}/adult", s.consoleAdminWorker("adult"))
}

// safeConsoleReturn returns p if it is a path of the console (under
// /requester, with no way out of it), and fallback otherwise.
func safeConsoleReturn(p, fallback string) string {
	if p == "" || localPath(p) != p || strings.ContainsAny(p, "\\#") {
		return fallback
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || strings.Contains(u.Path, "..") {
		return fallback
	}
	if u.Path != consolePath && !strings.HasPrefix(u.Path, consolePath+"/") {
		return fallback
	}
	return p
}

// addFlashParam adds ?msg=key to a console path (replacing any msg it had).
func addFlashParam(p, key string) string {
	u, err := url.Parse(p)
	if err != nil {
		return consolePath + "?msg=" + key
	}
	q := u.Query()
	q.Set("msg", key)
	u.RawQuery = q.Encode()
	return u.String()
}

// formFailureStatus is the status of a page re-rendered after a console
// form failed with a domain error of the given code.
func formFailureStatus(code hitd.Code) int {
	switch code {
	case hitd.ErrHITNotFound, hitd.ErrAssignmentNotFound, hitd.ErrWorkerNotFound, hitd.ErrQualTypeNotFound,
		hitd.ErrBatchNotFound, hitd.ErrProjectNotFound:
		return http.StatusNotFound
	case hitd.ErrNotAuthorized:
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

// ---- Review ----

// reviewStatuses are the review page's status filter values; the first is
// the default.
var reviewStatuses = []struct{ value, label string }{
	{"Submitted", "Submitted (to review)"},
	{"Approved", "Approved"},
	{"Rejected", "Rejected"},
	{"all", "All"},
}

// reviewFilter is what the review page shows: assignments of one status
// (or "all") and, if Worker is set, of one worker.
type reviewFilter struct {
	Status string
	Worker string
}

func newReviewFilter(status, worker string) reviewFilter {
	f := reviewFilter{Status: reviewStatuses[0].value, Worker: strings.TrimSpace(worker)}
	for _, st := range reviewStatuses {
		if strings.EqualFold(status, st.value) {
			f.Status = st.value
		}
	}
	return f
}

func (f reviewFilter) matchStatus(a *hitd.Assignment) bool {
	return f.Status == "all" || string(a.Status) == f.Status
}

func (f reviewFilter) match(a *hitd.Assignment) bool {
	return f.matchStatus(a) && (f.Worker == "" || a.WorkerID == f.Worker)
}

// path is the review page of batch id with this filter.
func (f reviewFilter) path(batchID string) string {
	q := url.Values{"status": {f.Status}}
	if f.Worker != "" {
		q.Set("worker", f.Worker)
	}
	return consolePath + "/batches/" + url.PathEscape(batchID) + "/review?" + q.Encode()
}

// shown returns the assignments the filter shows, in the results' order,
// at most reviewPageRows of them, and how many matched in all.
func (f reviewFilter) shown(results []hitd.BatchResult) (shown []hitd.BatchResult, matched int) {
	for _, res := range results {
		if res.Assignment == nil || !f.match(res.Assignment) {
			continue
		}
		matched++
		if len(shown) < reviewPageRows {
			shown = append(shown, res)
		}
	}
	return shown, matched
}

type reviewOption struct {
	Value, Label string
	Selected     bool
}

type reviewRow struct {
	ID, WorkerID, HITID string
	Status              string
	Line                int // the input file's row
	Submitted           time.Time
	Inputs              []string // by reviewData.Columns
	Answers             []string // by reviewData.Fields; several values joined by "|", as in the results file
	AnswerUnreadable    bool
	Feedback            string // the requester's feedback so far
	Selected            bool
	ManageURL           string // the worker's bonus, block and qualification forms
}

type reviewData struct {
	Batch          *hitd.Batch
	Filter         reviewFilter
	StatusOptions  []reviewOption
	WorkerOptions  []reviewOption
	Columns        []string
	Fields         []string
	Rows           []reviewRow
	Matched        int // assignments the filter matches (Rows may be capped)
	Total          int // reported assignments of the batch
	Counts         map[string]int
	Return         string // this page, for the forms to come back to
	Error          string
	Feedback       string
	FeedbackMaxLen int
}

func (s *Site) consoleReview(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	s.renderReview(w, r, req, r.PathValue("id"), newReviewFilter(q.Get("status"), q.Get("worker")), http.StatusOK, "", "", nil)
}

// renderReview renders a batch's review page with status; errMsg,
// feedback and selected refill it after a failed review.
func (s *Site) renderReview(w http.ResponseWriter, r *http.Request, req *hitd.Requester, batchID string, f reviewFilter,
	status int, errMsg, feedback string, selected map[string]bool) {
	b, results, err := s.svc.BatchResults(r.Context(), hitd.Caller{RequesterID: req.ID}, batchID)
	if err != nil {
		s.consoleError(w, r, req, err)
		return
	}
	d := reviewData{Batch: b, Filter: f, Columns: b.Columns, Counts: map[string]int{}, Return: f.path(b.ID),
		Error: errMsg, Feedback: feedback, FeedbackMaxLen: hitd.MaxFeedbackRunes}
	workers := map[string]bool{}
	for _, res := range results {
		if a := res.Assignment; a != nil {
			d.Total++
			workers[a.WorkerID] = true
			if f.Worker == "" || a.WorkerID == f.Worker {
				d.Counts[string(a.Status)]++
				d.Counts["all"]++
			}
		}
	}
	for _, st := range reviewStatuses {
		d.StatusOptions = append(d.StatusOptions, reviewOption{Value: st.value,
			Label: st.label + " (" + strconv.Itoa(d.Counts[st.value]) + ")", Selected: st.value == f.Status})
	}
	d.WorkerOptions = []reviewOption{{Value: "", Label: "All workers", Selected: f.Worker == ""}}
	if f.Worker != "" && !workers[f.Worker] {
		workers[f.Worker] = true // keep the filter visible even when it matches nothing
	}
	ids := make([]string, 0, len(workers))
	for id := range workers {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		d.WorkerOptions = append(d.WorkerOptions, reviewOption{Value: id, Label: id, Selected: id == f.Worker})
	}

	shown, matched := f.shown(results)
	d.Matched = matched
	answers := make([]map[string][]string, len(shown))
	unreadable := make([]bool, len(shown))
	fieldSet := map[string]bool{}
	for i, res := range shown {
		a, err := batchcsv.AnswerFields(res.Assignment.Answer)
		if err != nil {
			unreadable[i] = true
			continue
		}
		answers[i] = a
		for name := range a {
			fieldSet[name] = true
		}
	}
	for name := range fieldSet {
		d.Fields = append(d.Fields, name)
	}
	slices.Sort(d.Fields)
	for i, res := range shown {
		a := res.Assignment
		row := reviewRow{ID: a.ID, WorkerID: a.WorkerID, HITID: a.HITID, Status: string(a.Status), Line: res.Row.Line,
			Submitted: a.SubmitTime, AnswerUnreadable: unreadable[i], Feedback: a.RequesterFeedback, Selected: selected[a.ID],
			ManageURL: workersPath(a.WorkerID, a.ID, d.Return)}
		in := res.Row.Input(b.Columns)
		for _, c := range b.Columns {
			row.Inputs = append(row.Inputs, in[c])
		}
		for _, name := range d.Fields {
			row.Answers = append(row.Answers, strings.Join(answers[i][name], "|"))
		}
		d.Rows = append(d.Rows, row)
	}
	title := "Review " + b.Name
	s.render(w, r, status, "console_review", &page{Title: title, Console: true, Requester: req, Flash: flash(r), Data: d})
}

// workersPath is the workers page showing one worker's forms, with the
// bonus form's assignment filled in and forms returning to ret.
func workersPath(workerID, assignmentID, ret string) string {
	q := url.Values{"worker": {workerID}}
	if assignmentID != "" {
		q.Set("assignment", assignmentID)
	}
	if ret != "" {
		q.Set("return", ret)
	}
	return consolePath + "/workers?" + q.Encode()
}

func (s *Site) consoleReviewPost(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	if err := r.ParseForm(); err != nil {
		s.renderConsoleNotice(w, r, req, http.StatusBadRequest, "Not reviewed", "The form could not be read. Go back and try again.")
		return
	}
	batchID := strings.TrimSpace(r.PostFormValue("batch"))
	f := newReviewFilter(r.PostFormValue("status"), r.PostFormValue("worker"))
	feedback := r.PostFormValue("feedback")
	fallback := consolePath
	if batchID != "" {
		fallback = f.path(batchID)
	}
	ret := safeConsoleReturn(r.PostFormValue("return"), fallback)

	var ids []string
	seen := map[string]bool{}
	for _, id := range r.PostForm["assignment"] {
		if id = strings.TrimSpace(id); id != "" && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	fail := func(msg string) {
		if batchID == "" {
			s.renderConsoleNotice(w, r, req, http.StatusBadRequest, "Not reviewed", msg)
			return
		}
		s.renderReview(w, r, req, batchID, f, http.StatusBadRequest, msg, feedback, seen)
	}
	action := r.PostFormValue("action")
	approve := action == "approve" || action == "approve-all"
	switch action {
	case "approve", "reject":
		if len(ids) == 0 {
			fail("Select at least one assignment, or use “Approve all shown” or “Reject all shown”. Nothing was reviewed.")
			return
		}
	case "approve-all", "reject-all":
		if batchID == "" {
			fail("The form did not say which batch to review. Nothing was reviewed.")
			return
		}
		_, results, err := s.svc.BatchResults(r.Context(), hitd.Caller{RequesterID: req.ID}, batchID)
		if err != nil {
			s.consoleError(w, r, req, err)
			return
		}
		shown, _ := f.shown(results)
		ids, seen = nil, map[string]bool{}
		for _, res := range shown {
			ids = append(ids, res.Assignment.ID)
		}
		if len(ids) == 0 {
			fail("No assignments are shown, so nothing was reviewed.")
			return
		}
	default:
		fail("Choose Approve or Reject. Nothing was reviewed.")
		return
	}
	decisions := make([]hitd.ReviewDecision, len(ids))
	for i, id := range ids {
		decisions[i] = hitd.ReviewDecision{AssignmentID: id, Approve: approve, Feedback: feedback}
	}
	if _, err := s.svc.ReviewAssignments(r.Context(), hitd.Caller{RequesterID: req.ID}, decisions); err != nil {
		if hitd.ErrorCode(err) == hitd.ErrInternal {
			s.consoleFail(w, r, err)
			return
		}
		fail(hitd.ErrorMessage(err) + " Nothing was reviewed.")
		return
	}
	redirect(w, r, addFlashParam(ret, "reviewed"))
}

// renderConsoleNotice renders the console's error page with a message.
func (s *Site) renderConsoleNotice(w http.ResponseWriter, r *http.Request, req *hitd.Requester, status int, title, msg string) {
	s.render(w, r, status, "error", &page{Title: title, Console: true, Requester: req, Data: errorData{Message: msg}})
}

// ---- Workers ----

type workerActionKind int

const (
	workerBonus workerActionKind = iota
	workerBlock
	workerUnblock
	workerGrant
)

// workerForm is what the worker forms were filled in with, to refill them
// after an error.
type workerForm struct {
	Assignment, Amount, Reason string // bonus
	BlockReason                string
	Type, Value                string // grant
}

type workerQualView struct {
	Name   string
	TypeID string
	Value  int32
	Status string // "" when granted
}

type workerView struct {
	*hitd.RequesterWorker
	Rate    string // "83%", or "—" before any review
	Quals   []workerQualView
	Open    bool // the actions are shown unfolded
	Unknown bool // has not worked on the requester's HITs
	Error   string
	Form    workerForm
	Token   string // the bonus form's UniqueRequestToken, so a resubmitted form pays once
}

type grantTypeOption struct {
	ID, Name string
	Active   bool
}

type workersData struct {
	Workers []*workerView
	Focus   string // ?worker=
	Types   []grantTypeOption
	Return  string
}

func (s *Site) consoleWorkers(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	s.renderWorkers(w, r, req, http.StatusOK, strings.TrimSpace(q.Get("worker")), q.Get("return"),
		workerForm{Assignment: strings.TrimSpace(q.Get("assignment")), Value: "1"}, "")
}

// renderWorkers renders the workers page, only the worker focus if set,
// with form values and an error for that worker.
func (s *Site) renderWorkers(w http.ResponseWriter, r *http.Request, req *hitd.Requester, status int, focus, ret string, form workerForm, errMsg string) {
	c := hitd.Caller{RequesterID: req.ID}
	list, err := s.svc.RequesterWorkers(r.Context(), c)
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	types, err := s.ownQualTypes(r, c)
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	names := map[string]string{}
	for _, t := range types {
		names[t.ID] = t.Name
	}
	self := consolePath + "/workers"
	if focus != "" {
		self = workersPath(focus, "", "")
	}
	d := workersData{Focus: focus, Types: types, Return: safeConsoleReturn(ret, self)}
	if form.Value == "" {
		form.Value = "1"
	}
	for _, rw := range list {
		if focus != "" && rw.WorkerID != focus {
			continue
		}
		d.Workers = append(d.Workers, newWorkerView(rw, names))
	}
	if focus != "" && len(d.Workers) == 0 {
		v := newWorkerView(&hitd.RequesterWorker{WorkerStats: hitd.WorkerStats{WorkerID: focus}, ApprovalRate: -1}, names)
		v.Unknown = true
		d.Workers = append(d.Workers, v)
	}
	for _, v := range d.Workers {
		v.Token = rand.Text()
		if focus != "" {
			v.Open, v.Form, v.Error = true, form, errMsg
		} else {
			v.Form = workerForm{Value: "1"}
		}
	}
	s.render(w, r, status, "console_workers", &page{Title: "Workers", Console: true, Requester: req, Flash: flash(r), Data: d})
}

func newWorkerView(rw *hitd.RequesterWorker, names map[string]string) *workerView {
	v := &workerView{RequesterWorker: rw, Rate: "—"}
	if rw.ApprovalRate >= 0 {
		v.Rate = strconv.Itoa(rw.ApprovalRate) + "%"
	}
	for _, q := range rw.Qualifications {
		qv := workerQualView{Name: names[q.TypeID], TypeID: q.TypeID, Value: q.IntegerValue}
		if qv.Name == "" {
			qv.Name = q.TypeID
		}
		if q.Status != hitd.QualGranted {
			qv.Status = string(q.Status)
		}
		v.Quals = append(v.Quals, qv)
	}
	return v
}

// ownQualTypes returns the requester's live qualification types (active
// or not), for names and the grant form.
func (s *Site) ownQualTypes(r *http.Request, c hitd.Caller) ([]grantTypeOption, error) {
	var out []grantTypeOption
	in := &hitd.ListQualificationTypesInput{MustBeRequestable: new(false), MustBeOwnedByCaller: new(true), MaxResults: new(int64(hitd.MaxListMaxResults))}
	for {
		page, err := s.svc.ListQualificationTypes(r.Context(), c, in)
		if err != nil {
			return nil, err
		}
		for _, t := range page.QualificationTypes {
			out = append(out, grantTypeOption{ID: t.QualificationTypeId, Name: t.Name, Active: t.QualificationTypeStatus == hitd.QualTypeActive})
		}
		if page.NextToken == "" || len(page.QualificationTypes) == 0 {
			return out, nil
		}
		in.NextToken = page.NextToken
	}
}

func (s *Site) consoleWorkerAction(kind workerActionKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, ok := s.consoleUser(w, r)
		if !ok {
			return
		}
		workerID := r.PathValue("id")
		c := hitd.Caller{RequesterID: req.ID}
		ret := r.PostFormValue("return")
		back := safeConsoleReturn(ret, consolePath+"/workers")
		form := workerForm{
			Assignment: strings.TrimSpace(r.PostFormValue("assignment")), Amount: strings.TrimSpace(r.PostFormValue("amount")),
			Reason: r.PostFormValue("reason"), Type: r.PostFormValue("qualification"), Value: strings.TrimSpace(r.PostFormValue("value")),
		}
		var err error
		var msg string
		switch kind {
		case workerBonus:
			msg = "bonussent"
			amount := strings.TrimSpace(strings.TrimPrefix(form.Amount, "$"))
			_, err = s.svc.SendBonus(r.Context(), c, &hitd.SendBonusInput{WorkerId: workerID, AssignmentId: form.Assignment,
				BonusAmount: amount, Reason: form.Reason, UniqueRequestToken: r.PostFormValue("token")})
			if isCode(err, hitd.ErrDuplicateRequest) {
				err = nil // the same form sent twice: the first one paid
			}
		case workerBlock:
			msg = "blocked"
			form.BlockReason, form.Reason = form.Reason, ""
			_, err = s.svc.CreateWorkerBlock(r.Context(), c, &hitd.CreateWorkerBlockInput{WorkerId: workerID, Reason: form.BlockReason})
		case workerUnblock:
			msg = "unblocked"
			_, err = s.svc.DeleteWorkerBlock(r.Context(), c, &hitd.DeleteWorkerBlockInput{WorkerId: workerID})
		case workerGrant:
			msg = "granted"
			form.Reason = ""
			if form.Value == "" {
				form.Value = "1"
			}
			v, perr := strconv.ParseInt(form.Value, 10, 32)
			if perr != nil {
				err = hitd.Errorf(hitd.ErrInvalidParameter, "The value %q is not a whole number; a qualification's value is a whole number such as 1 or 85.", form.Value)
				break
			}
			_, err = s.svc.AssociateQualificationWithWorker(r.Context(), c, &hitd.AssociateQualificationWithWorkerInput{
				QualificationTypeId: form.Type, WorkerId: workerID, IntegerValue: new(int32(v)), SendNotification: new(false)})
		}
		if err != nil {
			if hitd.ErrorCode(err) == hitd.ErrInternal {
				s.consoleFail(w, r, err)
				return
			}
			s.renderWorkers(w, r, req, formFailureStatus(hitd.ErrorCode(err)), workerID, ret, form, hitd.ErrorMessage(err))
			return
		}
		redirect(w, r, addFlashParam(back, msg))
	}
}

// ---- Ledger ----

// ledgerKinds are the ledger entry kinds in words.
var ledgerKinds = map[hitd.LedgerKind]string{
	hitd.LedgerDeposit:  "Deposit",
	hitd.LedgerReserve:  "Reserve for HIT",
	hitd.LedgerRelease:  "Release (refund)",
	hitd.LedgerReward:   "Reward paid",
	hitd.LedgerFee:      "Fee",
	hitd.LedgerBonus:    "Bonus",
	hitd.LedgerBonusFee: "Bonus fee",
	// An operator's correction (hitd requester adjust-balance); its reason
	// is shown with it.
	hitd.LedgerAdjustment: "Adjustment",
}

func ledgerKind(k hitd.LedgerKind) string {
	if s, ok := ledgerKinds[k]; ok {
		return s
	}
	return string(k)
}

type ledgerRow struct {
	Seq     int64
	Time    time.Time
	Kind    string
	Class   string // the kind, for styling: deposit, reserve, …
	RefKind string // "HIT", "Assignment", "Bonus" or ""
	Ref     string
	Worker  string // the worker paid, for rewards and bonuses
	Reason  string // why an operator moved the money, for deposits and adjustments
	// Exactly one of the amounts is set: In and Out moved the available
	// balance; Reserve was paid out of a HIT's reserve (already taken from
	// the balance when the HIT was funded).
	In, Out, Reserve string
}

type ledgerData struct {
	Balance  hitd.Cents
	Rows     []ledgerRow
	After    int64
	NextURL  string
	FirstURL string
	PageSize int
}

func ledgerRowOf(e hitd.LedgerEntry) ledgerRow {
	row := ledgerRow{Seq: e.Seq, Time: e.Time, Kind: ledgerKind(e.Kind), Class: string(e.Kind), Ref: e.Ref, Reason: e.Reason}
	switch e.Kind {
	case hitd.LedgerReserve, hitd.LedgerRelease:
		row.RefKind = "HIT"
	case hitd.LedgerReward, hitd.LedgerFee:
		row.RefKind = "Assignment"
	case hitd.LedgerBonus, hitd.LedgerBonusFee:
		row.RefKind = "Bonus"
	}
	if w, ok := strings.CutPrefix(e.To, "worker:"); ok {
		row.Worker = w
	}
	amount := "$" + e.Amount.String() // the template adds the sign
	switch e.Direction() {
	case 1:
		row.In = amount
	case -1:
		row.Out = amount
	default:
		row.Reserve = amount
	}
	return row
}

func (s *Site) consoleLedger(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	c := hitd.Caller{RequesterID: req.ID}
	after, err := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if err != nil || after < 0 {
		after = 0
	}
	entries, err := s.svc.Ledger(r.Context(), c, after, ledgerPageEntries+1)
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	bal, err := s.svc.GetAccountBalance(r.Context(), c, &hitd.GetAccountBalanceInput{})
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	balance, _ := hitd.ParseCents(bal.AvailableBalance)
	d := ledgerData{Balance: balance, After: after, PageSize: ledgerPageEntries}
	if len(entries) > ledgerPageEntries {
		entries = entries[:ledgerPageEntries]
		d.NextURL = consolePath + "/ledger?after=" + strconv.FormatInt(entries[len(entries)-1].Seq, 10)
	}
	if after > 0 {
		d.FirstURL = consolePath + "/ledger"
	}
	for _, e := range entries {
		d.Rows = append(d.Rows, ledgerRowOf(e))
	}
	s.render(w, r, http.StatusOK, "console_ledger", &page{Title: "Ledger", Console: true, Requester: req, Flash: flash(r), Data: d})
}

// ledgerCSVHeader is the header of /requester/ledger.csv.
var ledgerCSVHeader = []string{"Seq", "Time", "Kind", "Amount", "Direction", "From", "To", "Reference", "Reason"}

func (s *Site) consoleLedgerCSV(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return
	}
	c := hitd.Caller{RequesterID: req.ID}
	const batch = 1000
	entries, err := s.svc.Ledger(r.Context(), c, 0, batch)
	if err != nil {
		s.consoleFail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="hitd-ledger-`+req.ID+`.csv"`)
	h.Set("Cache-Control", "no-store")
	cw := csv.NewWriter(w)
	cw.Write(ledgerCSVHeader)
	for {
		for _, e := range entries {
			cw.Write([]string{strconv.FormatInt(e.Seq, 10), e.Time.UTC().Format(time.RFC3339), string(e.Kind), e.Amount.String(),
				strconv.Itoa(e.Direction()), e.From, e.To, e.Ref, e.Reason})
		}
		if len(entries) < batch {
			break
		}
		if entries, err = s.svc.Ledger(r.Context(), c, entries[len(entries)-1].Seq, batch); err != nil {
			// The header is sent: the file ends early, and the log says why.
			s.logger.Error("web: ledger.csv", "requester", req.ID, "error", err)
			break
		}
	}
	cw.Flush()
}

// ---- Admin ----

type adminData struct {
	Requesters []*hitd.Requester
	Workers    []*hitd.Worker
	Error      string
	ErrorKey   string // the access key ID the error is about
	Amount     string
}

// consoleAdminUser returns the signed-in requester if they are an admin;
// anyone else gets a 403 page.
func (s *Site) consoleAdminUser(w http.ResponseWriter, r *http.Request) (*hitd.Requester, bool) {
	req, ok := s.consoleUser(w, r)
	if !ok {
		return nil, false
	}
	if !req.Admin {
		s.renderConsoleNotice(w, r, req, http.StatusForbidden, "Admins only",
			"This page is for the server's administrators, and your requester account is not one. An operator can create an admin requester with “hitd requester create --admin”.")
		return nil, false
	}
	return req, true
}

func (s *Site) consoleAdmin(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleAdminUser(w, r)
	if !ok {
		return
	}
	s.renderAdmin(w, r, req, http.StatusOK, adminData{})
}

func (s *Site) renderAdmin(w http.ResponseWriter, r *http.Request, req *hitd.Requester, status int, d adminData) {
	var err error
	if d.Requesters, err = s.svc.ListRequesters(r.Context()); err != nil {
		s.consoleFail(w, r, err)
		return
	}
	if d.Workers, err = s.svc.ListWorkers(r.Context()); err != nil {
		s.consoleFail(w, r, err)
		return
	}
	s.render(w, r, status, "console_admin", &page{Title: "Admin", Console: true, Requester: req, Flash: flash(r), Data: d})
}

func (s *Site) consoleAdminDeposit(w http.ResponseWriter, r *http.Request) {
	req, ok := s.consoleAdminUser(w, r)
	if !ok {
		return
	}
	key := strings.TrimSpace(r.PostFormValue("access_key_id"))
	amount := strings.TrimSpace(r.PostFormValue("amount"))
	if _, err := s.svc.Deposit(r.Context(), hitd.DepositInput{AccessKeyID: key, Amount: strings.TrimSpace(strings.TrimPrefix(amount, "$"))}); err != nil {
		if hitd.ErrorCode(err) == hitd.ErrInternal {
			s.consoleFail(w, r, err)
			return
		}
		s.renderAdmin(w, r, req, http.StatusBadRequest, adminData{Error: hitd.ErrorMessage(err), ErrorKey: key, Amount: amount})
		return
	}
	redirect(w, r, consolePath+"/admin?msg=deposited")
}

// consoleAdminWorker sets a worker's Masters or Adult flag from the field
// of the same name: "on" or "off".
func (s *Site) consoleAdminWorker(field string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, ok := s.consoleAdminUser(w, r)
		if !ok {
			return
		}
		var on bool
		switch r.PostFormValue(field) {
		case "on":
			on = true
		case "off":
		default:
			s.renderAdmin(w, r, req, http.StatusBadRequest, adminData{Error: "The form must set " + field + " to on or off; nothing was changed."})
			return
		}
		id := r.PathValue("id")
		var err error
		if field == "masters" {
			_, err = s.svc.SetWorkerMasters(r.Context(), id, on)
		} else {
			_, err = s.svc.SetWorkerAdult(r.Context(), id, on)
		}
		if err != nil {
			if hitd.ErrorCode(err) == hitd.ErrInternal {
				s.consoleFail(w, r, err)
				return
			}
			s.renderAdmin(w, r, req, formFailureStatus(hitd.ErrorCode(err)), adminData{Error: hitd.ErrorMessage(err)})
			return
		}
		redirect(w, r, consolePath+"/admin?msg=workerupdated")
	}
}
