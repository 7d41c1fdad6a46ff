package hitd

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/hitd/hitd/qform"
)

// This file holds what a worker does with HITs: browse groups, preview,
// accept, return and submit. The web site and the worker API call these.

// HITGroupSort orders the worker's HIT group listing.
type HITGroupSort string

// Sort orders for HIT groups.
const (
	SortNewest    HITGroupSort = "newest"    // most recently created HIT first
	SortReward    HITGroupSort = "reward"    // highest reward first
	SortAvailable HITGroupSort = "available" // most HITs available first
)

// HITGroupQuery selects a page of HIT groups for a worker.
type HITGroupQuery struct {
	Keyword  string // matched against title, description and keywords
	Sort     HITGroupSort
	Page     int // 1-based
	PageSize int // default 20, at most 100
	// Set by the Service:
	Now      time.Time
	WorkerID string
	Offset   int
	Limit    int
}

// HITGroup is one HIT type with HITs a worker can accept.
type HITGroup struct {
	HITTypeID                   string
	Title                       string
	Description                 string
	Keywords                    string
	RequesterID                 string
	RequesterName               string
	Reward                      Cents
	AssignmentDurationInSeconds int64
	HITsAvailable               int       // HITs of the group with a free slot
	LatestCreation              time.Time // newest HIT of the group
	EarliestExpiration          time.Time
	// Access is what the worker may do with the group's HITs, with the
	// requirements they do not meet (set by ListHITGroups).
	Access Access
}

// HITGroupPage is one page of HIT groups.
type HITGroupPage struct {
	Groups   []*HITGroup
	Page     int
	PageSize int
	HasNext  bool
}

// WorkerHITView is a HIT as a worker sees it: the requester's annotation
// is not shown; the question is parsed for rendering.
type WorkerHITView struct {
	HIT           *HITData
	RequesterName string
	Question      *ParsedQuestion
	// Assignment is the worker's accepted (not yet submitted) assignment of
	// this HIT, or nil.
	Assignment *Assignment
	// Access is what the worker may do with the HIT; Unmet says why not.
	Access Access
}

// WorkerAssignmentView is one of a worker's assignments with its HIT.
type WorkerAssignmentView struct {
	Assignment    *Assignment
	HIT           *HITData
	RequesterName string
	Reward        Cents
}

// AssignmentQuery selects assignments. Exactly one of HITID, WorkerID or
// RequesterID is usually set; Statuses empty means any.
type AssignmentQuery struct {
	HITID       string
	WorkerID    string
	RequesterID string
	Statuses    []AssignmentStatus
	AfterSeq    int64 // for keyset pagination in Seq order
	Descending  bool  // newest first (then AfterSeq means "before")
	Limit       int
}

// OpenHITQuery selects HITs of a type that a worker can accept now.
type OpenHITQuery struct {
	HITTypeID string
	WorkerID  string // exclude HITs this worker holds or held a live assignment of
	Now       time.Time
	Limit     int
}

// ListHITGroups returns a page of the HIT groups a worker can work on.
func (s *Service) ListHITGroups(ctx context.Context, workerID string, q HITGroupQuery) (*HITGroupPage, error) {
	switch q.Sort {
	case SortNewest, SortReward, SortAvailable:
	case "":
		q.Sort = SortNewest
	default:
		return nil, Errorf(ErrInvalidParameter, "Sort by newest, reward or available, not %q.", q.Sort)
	}
	if q.Page < 1 {
		q.Page = 1
	}
	if q.PageSize < 1 {
		q.PageSize = 20
	}
	if q.PageSize > 100 {
		q.PageSize = 100
	}
	q.Keyword = strings.TrimSpace(q.Keyword)
	if err := maxRunes("search", q.Keyword, 200); err != nil {
		return nil, err
	}
	q.Now, q.WorkerID = s.now(), workerID
	skip, want := (q.Page-1)*q.PageSize, q.PageSize+1
	out := &HITGroupPage{Page: q.Page, PageSize: q.PageSize}
	err := s.store.Read(ctx, func(tx Tx) error {
		facts, err := loadFacts(ctx, tx, workerID)
		if err != nil {
			return err
		}
		// Groups whose requirements hide them from this worker
		// (DiscoverPreviewAndAccept) are filtered here, so the store is
		// read in batches until the page is full.
		const batch = 200
		var visible []*HITGroup
		for q.Offset = 0; len(visible) < skip+want; q.Offset += batch {
			q.Limit = batch
			groups, err := tx.HITGroups(ctx, q)
			if err != nil {
				return err
			}
			for _, g := range groups {
				t, err := tx.HITType(ctx, g.HITTypeID)
				if err != nil {
					return err
				}
				if g.Access, err = facts.access(ctx, tx, t); err != nil {
					return err
				}
				if g.Access.Discover {
					visible = append(visible, g)
				}
			}
			if len(groups) < batch {
				break
			}
		}
		if len(visible) <= skip {
			out.Groups = []*HITGroup{}
			return nil
		}
		visible = visible[skip:]
		if len(visible) > q.PageSize {
			visible, out.HasNext = visible[:q.PageSize], true
		}
		out.Groups = visible
		return nil
	})
	if err != nil {
		return nil, internal("list HIT groups", err)
	}
	return out, nil
}

// workerView builds a worker's view of h. With own set the worker is
// looking at their own assignment's HIT, which they may always see.
func (s *Service) workerView(ctx context.Context, tx Tx, h *HIT, workerID string, now time.Time, own bool) (*WorkerHITView, error) {
	if workerID != "" && !own {
		if blocked, err := tx.IsBlocked(ctx, h.RequesterID, workerID); err != nil {
			return nil, err
		} else if blocked {
			return nil, Errorf(ErrHITNotFound, "Hit %s does not exist.", h.ID)
		}
	}
	t, err := tx.HITType(ctx, h.HITTypeID)
	if err != nil {
		return nil, err
	}
	r, err := tx.RequesterByID(ctx, h.RequesterID)
	if err != nil {
		return nil, err
	}
	facts, err := loadFacts(ctx, tx, workerID)
	if err != nil {
		return nil, err
	}
	access, err := facts.access(ctx, tx, t)
	if err != nil {
		return nil, err
	}
	if !access.Preview && !own {
		return nil, notQualified("preview", access)
	}
	q, err := ParseQuestion(h.Question, QuestionPolicy{AllowHTTPExternalURLs: true})
	if err != nil {
		return nil, err
	}
	d := hitData(h, t, now)
	d.RequesterAnnotation = ""
	v := &WorkerHITView{HIT: d, RequesterName: r.Name, Question: q, Access: access}
	if workerID != "" {
		a, err := tx.LiveAssignment(ctx, h.ID, workerID)
		switch {
		case err == nil && a.Status == AssignmentAccepted:
			v.Assignment = a
		case err != nil && !errors.Is(err, ErrNoRows):
			return nil, err
		}
	}
	return v, nil
}

// visibleHIT loads a HIT a worker may look at: not deleted. (Qualification
// requirements with RequiredToPreview join this check later.)
func visibleHIT(ctx context.Context, tx Tx, hitID string) (*HIT, error) {
	h, err := tx.HIT(ctx, hitID)
	if err == nil && h.Disposed {
		err = ErrNoRows
	}
	if err != nil {
		return nil, notFound(err, ErrHITNotFound, "Hit %s does not exist.", hitID)
	}
	return h, nil
}

// WorkerHIT returns one HIT for preview or work.
func (s *Service) WorkerHIT(ctx context.Context, workerID, hitID string) (*WorkerHITView, error) {
	var out *WorkerHITView
	err := s.store.Read(ctx, func(tx Tx) error {
		h, err := visibleHIT(ctx, tx, hitID)
		if err != nil {
			return err
		}
		out, err = s.workerView(ctx, tx, h, workerID, s.now(), false)
		return err
	})
	if err != nil {
		return nil, internal("worker HIT", err)
	}
	return out, nil
}

// PreviewHITGroup returns the next HIT of a group the worker could accept.
func (s *Service) PreviewHITGroup(ctx context.Context, workerID, hitTypeID string) (*WorkerHITView, error) {
	var out *WorkerHITView
	err := s.store.Read(ctx, func(tx Tx) error {
		now := s.now()
		hits, err := tx.OpenHITs(ctx, OpenHITQuery{HITTypeID: hitTypeID, WorkerID: workerID, Now: now, Limit: 1})
		if err != nil {
			return err
		}
		if len(hits) == 0 {
			return Errorf(ErrHITNotAvailable, "There are no more HITs in this group that you can accept.")
		}
		out, err = s.workerView(ctx, tx, hits[0], workerID, now, false)
		return err
	})
	if err != nil {
		return nil, internal("preview HIT group", err)
	}
	return out, nil
}

// AcceptHIT gives the worker one slot of the HIT. It is atomic: a HIT never
// has more live assignments than MaxAssignments, and a worker never holds
// two live assignments of one HIT, however many accepts race.
func (s *Service) AcceptHIT(ctx context.Context, workerID, hitID string) (*Assignment, error) {
	var a *Assignment
	err := s.store.Write(WithWriteKey(ctx, "hit:"+hitID), func(tx Tx) error {
		h, err := visibleHIT(ctx, tx, hitID)
		if err != nil {
			return err
		}
		a, err = s.accept(ctx, tx, workerID, h)
		return err
	})
	if err != nil {
		return nil, internal("accept HIT", err)
	}
	return a, nil
}

// AcceptFromGroup accepts the next HIT of a group the worker can take
// ("accept and work on the next one").
func (s *Service) AcceptFromGroup(ctx context.Context, workerID, hitTypeID string) (*Assignment, error) {
	var a *Assignment
	// Workers accepting from one group all want its oldest open HIT.
	err := s.store.Write(WithWriteKey(ctx, "group:"+hitTypeID), func(tx Tx) error {
		hits, err := tx.OpenHITs(ctx, OpenHITQuery{HITTypeID: hitTypeID, WorkerID: workerID, Now: s.now(), Limit: 1})
		if err != nil {
			return err
		}
		if len(hits) == 0 {
			return Errorf(ErrHITNotAvailable, "There are no more HITs in this group that you can accept.")
		}
		a, err = s.accept(ctx, tx, workerID, hits[0])
		return err
	})
	if err != nil {
		return nil, internal("accept from group", err)
	}
	return a, nil
}

func (s *Service) accept(ctx context.Context, tx Tx, workerID string, h *HIT) (*Assignment, error) {
	now := s.now()
	if w, err := tx.WorkerByID(ctx, workerID); err != nil {
		return nil, notFound(err, ErrNotAuthenticated, "Log in first.")
	} else if w.Disabled {
		return nil, errWorkerDisabled()
	}
	if h.Reviewing || !now.Before(h.Expiration) {
		return nil, Errorf(ErrHITNotAvailable, "This HIT is no longer available.")
	}
	if blocked, err := tx.IsBlocked(ctx, h.RequesterID, workerID); err != nil {
		return nil, err
	} else if blocked {
		return nil, Errorf(ErrHITNotFound, "Hit %s does not exist.", h.ID) // a blocked worker does not see the requester's HITs
	}
	// Whether the worker holds this HIT already is left to the insert
	// (a unique index) rather than read first: on PostgreSQL that read
	// would take a predicate lock that every other accept's insert
	// conflicts with. The existing assignment is looked up only to word
	// the refusal.
	if h.Available() == 0 {
		if err := alreadyAccepted(ctx, tx, h.ID, workerID); err != nil {
			return nil, err
		}
		return nil, Errorf(ErrHITNotAvailable, "All assignments of this HIT have been taken.")
	}
	t, err := tx.HITType(ctx, h.HITTypeID)
	if err != nil {
		return nil, err
	}
	// Checked in the accept transaction: a qualification revoked a moment
	// ago is seen here.
	facts, err := loadFacts(ctx, tx, workerID)
	if err != nil {
		return nil, err
	}
	if access, err := facts.access(ctx, tx, t); err != nil {
		return nil, err
	} else if !access.Accept {
		return nil, notQualified("accept", access)
	}
	a := &Assignment{
		ID: s.ids.AssignmentID(), HITID: h.ID, HITTypeID: t.ID, RequesterID: h.RequesterID, WorkerID: workerID,
		Status: AssignmentAccepted, AcceptTime: now, Deadline: now.Add(time.Duration(t.AssignmentDurationInSeconds) * time.Second),
		AutoApprovalDelayInSeconds: t.AutoApprovalDelayInSeconds,
	}
	if err := tx.InsertAssignment(ctx, a); errors.Is(err, ErrDuplicate) {
		if err := alreadyAccepted(ctx, tx, h.ID, workerID); err != nil {
			return nil, err
		}
		return nil, Errorf(ErrAlreadyAccepted, "You have already accepted this HIT.")
	} else if err != nil {
		return nil, err
	}
	h.Pending++
	if err := tx.UpdateHIT(ctx, h); err != nil {
		return nil, err
	}
	return a, s.emit(ctx, tx, h, EventAssignmentAccepted, a.ID, now)
}

// alreadyAccepted returns the AlreadyAccepted error for a worker who holds
// a live assignment of the HIT, and nil when they hold none.
func alreadyAccepted(ctx context.Context, tx Tx, hitID, workerID string) error {
	prior, err := tx.LiveAssignment(ctx, hitID, workerID)
	switch {
	case errors.Is(err, ErrNoRows):
		return nil
	case err != nil:
		return err
	case prior.Status == AssignmentAccepted:
		return Errorf(ErrAlreadyAccepted, "You have already accepted this HIT (assignment %s).", prior.ID)
	}
	return Errorf(ErrAlreadyAccepted, "You have already submitted this HIT.")
}

// workerAssignment loads an assignment of the worker's; workerID "" trusts
// the assignment ID alone (MTurk's externalSubmit, where the ID is the
// credential).
func workerAssignment(ctx context.Context, tx Tx, workerID, id string) (*Assignment, error) {
	if id == "" || id == "ASSIGNMENT_ID_NOT_AVAILABLE" {
		return nil, Errorf(ErrAssignmentNotFound, "Accept the HIT before submitting it (no assignmentId).")
	}
	a, err := tx.Assignment(ctx, id)
	if err == nil && workerID != "" && a.WorkerID != workerID {
		err = ErrNoRows
	}
	if err != nil {
		return nil, notFound(err, ErrAssignmentNotFound, "Assignment %s does not exist.", id)
	}
	return a, nil
}

// ReturnAssignment gives an accepted assignment back; its slot is free again.
func (s *Service) ReturnAssignment(ctx context.Context, workerID, assignmentID string) error {
	err := s.store.Write(ctx, func(tx Tx) error {
		a, err := workerAssignment(ctx, tx, workerID, assignmentID)
		if err != nil {
			return err
		}
		if a.Status != AssignmentAccepted {
			return Errorf(ErrInvalidAssignmentState, "This assignment is %s; only an accepted assignment can be returned.", a.Status)
		}
		return s.freeSlot(ctx, tx, a, AssignmentReturned, s.now())
	})
	return internal("return assignment", err)
}

// freeSlot ends an accepted assignment (returned or abandoned) and frees
// its slot, releasing its money if the HIT has expired meanwhile.
func (s *Service) freeSlot(ctx context.Context, tx Tx, a *Assignment, status AssignmentStatus, now time.Time) error {
	h, err := tx.HIT(ctx, a.HITID)
	if err != nil {
		return err
	}
	before := h.StatusAt(now)
	a.Status = status
	if err := tx.UpdateAssignment(ctx, a); err != nil {
		return err
	}
	h.Pending--
	if err := s.settleAndSave(ctx, tx, h, now); err != nil {
		return err
	}
	event := EventAssignmentReturned
	if status == AssignmentAbandoned {
		event = EventAssignmentAbandoned
	}
	if err := s.emit(ctx, tx, h, event, a.ID, now); err != nil {
		return err
	}
	return s.emitIfReviewable(ctx, tx, h, before, now)
}

// settleAndSave brings h's funding to its target and saves h (and its
// requester, when money moved).
func (s *Service) settleAndSave(ctx context.Context, tx Tx, h *HIT, now time.Time) error {
	if fundTarget(h, now) != h.Funded {
		t, err := tx.HITType(ctx, h.HITTypeID)
		if err != nil {
			return err
		}
		r, err := tx.RequesterByID(ctx, h.RequesterID)
		if err != nil {
			return err
		}
		p := purse{now: now}
		if err := p.settle(r, h, t, now); err != nil {
			return err
		}
		if err := tx.UpdateRequester(ctx, r); err != nil {
			return err
		}
		if err := p.flush(ctx, tx); err != nil {
			return err
		}
	}
	return tx.UpdateHIT(ctx, h)
}

// SubmitAssignment submits the worker's answers. fields are the submitted
// form fields in order (the "assignmentId" field excluded). For a
// QuestionForm HIT they are checked against the form (ErrInvalidAnswer
// with Error.Fields on failure); for HTMLQuestion and ExternalQuestion HITs
// every field is a free-text answer, as on MTurk. workerID "" trusts the
// assignment ID alone (externalSubmit).
func (s *Service) SubmitAssignment(ctx context.Context, workerID, assignmentID string, fields []qform.Field) (*Assignment, error) {
	var a *Assignment
	err := s.store.Write(ctx, func(tx Tx) error {
		now := s.now()
		var err error
		if a, err = workerAssignment(ctx, tx, workerID, assignmentID); err != nil {
			return err
		}
		if a.Status != AssignmentAccepted {
			return Errorf(ErrInvalidAssignmentState, "This assignment is already %s.", strings.ToLower(string(a.Status)))
		}
		if !now.Before(a.Deadline) {
			return Errorf(ErrInvalidAssignmentState, "The time allotted for this assignment ran out at %s.", a.Deadline.Format(time.RFC1123))
		}
		h, err := tx.HIT(ctx, a.HITID)
		if err != nil {
			return err
		}
		answer, err := answerXML(h.Question, fields)
		if err != nil {
			return err
		}
		w, err := tx.WorkerByID(ctx, a.WorkerID)
		if err != nil {
			return err
		}
		if w.Disabled { // externalSubmit names no worker: it is checked here
			return errWorkerDisabled()
		}
		before := h.StatusAt(now)
		a.Status, a.Answer = AssignmentSubmitted, answer
		a.SubmitTime = now
		a.AutoApprovalTime = now.Add(time.Duration(a.AutoApprovalDelayInSeconds) * time.Second)
		h.Pending--
		h.Submitted++
		w.Submitted++
		if err := tx.UpdateAssignment(ctx, a); err != nil {
			return err
		}
		if err := tx.UpdateWorker(ctx, w); err != nil {
			return err
		}
		if err := tx.UpdateHIT(ctx, h); err != nil {
			return err
		}
		if err := s.emit(ctx, tx, h, EventAssignmentSubmitted, a.ID, now); err != nil {
			return err
		}
		if err := s.emitIfReviewable(ctx, tx, h, before, now); err != nil {
			return err
		}
		if h.AssignmentReviewPolicy != nil {
			if err := s.runKnownAnswers(ctx, tx, h, w, a, now); err != nil {
				return err
			}
		}
		if a.Status == AssignmentSubmitted && (a.AutoApprovalDelayInSeconds == 0 || h.Disabled) {
			// A zero delay approves at once, as on MTurk; so does a HIT
			// disabled while this assignment was in progress.
			return s.approve(ctx, tx, h, w, a, "", now)
		}
		return nil
	})
	if err != nil {
		return nil, internal("submit assignment", err)
	}
	return a, nil
}

// answerXML turns submitted fields into QuestionFormAnswers XML.
func answerXML(question string, fields []qform.Field) (string, error) {
	pq, err := ParseQuestion(question, QuestionPolicy{AllowHTTPExternalURLs: true})
	if err != nil {
		return "", err
	}
	if pq.Kind != QuestionForm {
		return qform.EncodeAnswers(qform.FreeTextAnswers(fields)), nil
	}
	form, err := qform.Parse(question)
	if err != nil {
		return "", Errorf(ErrXMLParse, "%s", err.Error())
	}
	answers, err := validateForm(form, fields)
	if err != nil {
		return "", err
	}
	return qform.EncodeAnswers(answers), nil
}

// validateForm checks submitted fields against a QuestionForm: the answers
// in form order, or ErrInvalidAnswer naming every bad field.
func validateForm(form *qform.Form, fields []qform.Field) ([]qform.Answer, error) {
	values := make(map[string][]string, len(fields))
	for _, f := range fields {
		values[f.Name] = append(values[f.Name], f.Values...)
	}
	answers, ferrs := form.Validate(values)
	if len(ferrs) > 0 {
		names := make([]string, 0, len(ferrs))
		for n := range ferrs {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, &Error{Code: ErrInvalidAnswer, Message: "Some answers are not valid: " + strings.Join(names, ", ") + ".", Fields: ferrs}
	}
	return answers, nil
}

// WorkerAssignment returns one of the worker's assignments with its HIT.
func (s *Service) WorkerAssignment(ctx context.Context, workerID, assignmentID string) (*WorkerAssignmentView, *WorkerHITView, error) {
	var av *WorkerAssignmentView
	var hv *WorkerHITView
	err := s.store.Read(ctx, func(tx Tx) error {
		a, err := workerAssignment(ctx, tx, workerID, assignmentID)
		if err != nil {
			return err
		}
		h, err := tx.HIT(ctx, a.HITID)
		if err != nil {
			return err
		}
		now := s.now()
		if hv, err = s.workerView(ctx, tx, h, a.WorkerID, now, true); err != nil {
			return err
		}
		if a.Status == AssignmentAccepted {
			hv.Assignment = a
		}
		t, err := tx.HITType(ctx, h.HITTypeID)
		if err != nil {
			return err
		}
		av = &WorkerAssignmentView{Assignment: a, HIT: hv.HIT, RequesterName: hv.RequesterName, Reward: t.Reward}
		return nil
	})
	if err != nil {
		return nil, nil, internal("worker assignment", err)
	}
	return av, hv, nil
}

// WorkerAssignmentPage is one page of a worker's assignments, newest first.
type WorkerAssignmentPage struct {
	Assignments []*WorkerAssignmentView
	NextToken   string
}

// ListWorkerAssignments returns the worker's assignments, newest first.
// Returned and abandoned assignments are included (the worker sees them).
func (s *Service) ListWorkerAssignments(ctx context.Context, workerID string, statuses []AssignmentStatus, nextToken string, limit int) (*WorkerAssignmentPage, error) {
	if limit <= 0 || limit > 100 {
		limit = 25
	}
	before, err := decodeSeqToken(nextToken)
	if err != nil {
		return nil, err
	}
	out := &WorkerAssignmentPage{Assignments: []*WorkerAssignmentView{}}
	err = s.store.Read(ctx, func(tx Tx) error {
		list, err := tx.ListAssignments(ctx, AssignmentQuery{WorkerID: workerID, Statuses: statuses, AfterSeq: before, Descending: true, Limit: limit + 1})
		if err != nil {
			return err
		}
		list, out.NextToken = pageOf(list, limit, assignmentSeq)
		now := s.now()
		types, requesters := map[string]*HITType{}, map[string]string{}
		for _, a := range list {
			h, err := tx.HIT(ctx, a.HITID)
			if err != nil {
				return err
			}
			t, ok := types[h.HITTypeID]
			if !ok {
				if t, err = tx.HITType(ctx, h.HITTypeID); err != nil {
					return err
				}
				types[h.HITTypeID] = t
			}
			name, ok := requesters[h.RequesterID]
			if !ok {
				r, err := tx.RequesterByID(ctx, h.RequesterID)
				if err != nil {
					return err
				}
				name, requesters[h.RequesterID] = r.Name, r.Name
			}
			d := hitData(h, t, now)
			d.RequesterAnnotation, d.Question = "", ""
			out.Assignments = append(out.Assignments, &WorkerAssignmentView{Assignment: a, HIT: d, RequesterName: name, Reward: t.Reward})
		}
		return nil
	})
	if err != nil {
		return nil, internal("list worker assignments", err)
	}
	return out, nil
}
