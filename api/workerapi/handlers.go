package workerapi

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
)

// login: POST /login {"username","password"} → {"token","workerId","username"}.
func (h *handler) login(c *call) (any, error) {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := decodeBody(c, &in); err != nil {
		return nil, err
	}
	if in.Username == "" || in.Password == "" {
		return nil, hitd.Errorf(hitd.ErrMissingParameter, "Send both username and password.")
	}
	tok, w, err := h.svc.LoginWorker(c.r.Context(), in.Username, in.Password)
	if err != nil {
		return nil, err
	}
	return loginResponse{Token: tok, WorkerID: w.ID, Username: w.Username}, nil
}

// logout: POST /logout ends the session of the bearer token (204). An
// unknown or expired token is not an error: the session is gone either way.
func (h *handler) logout(c *call) (any, error) {
	if err := decodeBody(c, &struct{}{}); err != nil {
		return nil, err
	}
	return nil, h.svc.LogoutWorker(c.r.Context(), c.token)
}

// listHITGroups: GET /hits?q=&sort=&page=&pageSize=.
func (h *handler) listHITGroups(c *call) (any, error) {
	q := c.r.URL.Query()
	page, err := intParam(q, "page", 1, 1_000_000)
	if err != nil {
		return nil, err
	}
	size, err := intParam(q, "pageSize", 1, 100)
	if err != nil {
		return nil, err
	}
	res, err := h.svc.ListHITGroups(c.r.Context(), c.worker.ID, hitd.HITGroupQuery{
		Keyword: q.Get("q"), Sort: hitd.HITGroupSort(q.Get("sort")), Page: page, PageSize: size,
	})
	if err != nil {
		return nil, err
	}
	out := hitGroupPageJSON{Groups: make([]hitGroupJSON, 0, len(res.Groups)), Page: res.Page, PageSize: res.PageSize, HasNext: res.HasNext}
	for _, g := range res.Groups {
		out.Groups = append(out.Groups, groupJSON(g))
	}
	return out, nil
}

// getHIT: GET /hits/{hitId}.
func (h *handler) getHIT(c *call) (any, error) {
	v, err := h.svc.WorkerHIT(c.r.Context(), c.worker.ID, c.r.PathValue("hitId"))
	if err != nil {
		return nil, err
	}
	return hitViewJSON(v), nil
}

// previewGroup: GET /groups/{hitTypeId} → the next HIT of the group the
// caller could accept.
func (h *handler) previewGroup(c *call) (any, error) {
	v, err := h.svc.PreviewHITGroup(c.r.Context(), c.worker.ID, c.r.PathValue("hitTypeId"))
	if err != nil {
		return nil, err
	}
	return hitViewJSON(v), nil
}

// acceptHIT: POST /hits/{hitId}/accept.
func (h *handler) acceptHIT(c *call) (any, error) {
	if err := decodeBody(c, &struct{}{}); err != nil {
		return nil, err
	}
	a, err := h.svc.AcceptHIT(c.r.Context(), c.worker.ID, c.r.PathValue("hitId"))
	return acceptedJSON(a, err)
}

// acceptFromGroup: POST /groups/{hitTypeId}/accept.
func (h *handler) acceptFromGroup(c *call) (any, error) {
	if err := decodeBody(c, &struct{}{}); err != nil {
		return nil, err
	}
	a, err := h.svc.AcceptFromGroup(c.r.Context(), c.worker.ID, c.r.PathValue("hitTypeId"))
	return acceptedJSON(a, err)
}

func acceptedJSON(a *hitd.Assignment, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return acceptResponse{AssignmentID: a.ID, HITID: a.HITID, HITTypeID: a.HITTypeID, AcceptTime: utc(a.AcceptTime), Deadline: utc(a.Deadline)}, nil
}

// returnAssignment: POST /assignments/{assignmentId}/return.
func (h *handler) returnAssignment(c *call) (any, error) {
	if err := decodeBody(c, &struct{}{}); err != nil {
		return nil, err
	}
	id := c.r.PathValue("assignmentId")
	if err := h.svc.ReturnAssignment(c.r.Context(), c.worker.ID, id); err != nil {
		return nil, err
	}
	return returnResponse{AssignmentID: id, Status: string(hitd.AssignmentReturned)}, nil
}

// submitAssignment: POST /assignments/{assignmentId}/submit
// {"answers":{"name":"value" | ["v1","v2"], …}}.
func (h *handler) submitAssignment(c *call) (any, error) {
	body, err := api.ReadBody(c.r)
	if err != nil {
		return nil, err
	}
	fields, err := decodeAnswers(body)
	if err != nil {
		return nil, err
	}
	a, err := h.svc.SubmitAssignment(c.r.Context(), c.worker.ID, c.r.PathValue("assignmentId"), fields)
	if err != nil {
		return nil, err
	}
	return submitResponse{
		AssignmentID: a.ID, HITID: a.HITID, Status: string(a.Status), SubmitTime: utc(a.SubmitTime),
		AutoApprovalTime: utc(a.AutoApprovalTime), ApprovalTime: utc(a.ApprovalTime),
	}, nil
}

// assignmentStatuses are the states a listing may filter on.
var assignmentStatuses = []hitd.AssignmentStatus{
	hitd.AssignmentAccepted, hitd.AssignmentReturned, hitd.AssignmentAbandoned,
	hitd.AssignmentSubmitted, hitd.AssignmentApproved, hitd.AssignmentRejected,
}

// listAssignments: GET /assignments?status=&nextToken=&limit=. status may
// repeat or hold a comma-separated list.
func (h *handler) listAssignments(c *call) (any, error) {
	q := c.r.URL.Query()
	var statuses []hitd.AssignmentStatus
	for _, v := range q["status"] {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			st, ok := parseStatus(s)
			if !ok {
				return nil, hitd.Errorf(hitd.ErrInvalidParameter, "The status %q is not one of Accepted, Returned, Abandoned, Submitted, Approved, Rejected.", s)
			}
			statuses = append(statuses, st)
		}
	}
	limit, err := intParam(q, "limit", 1, 100)
	if err != nil {
		return nil, err
	}
	page, err := h.svc.ListWorkerAssignments(c.r.Context(), c.worker.ID, statuses, q.Get("nextToken"), limit)
	if err != nil {
		return nil, err
	}
	out := assignmentPageJSON{Assignments: make([]assignmentJSON, 0, len(page.Assignments)), NextToken: page.NextToken}
	for _, v := range page.Assignments {
		out.Assignments = append(out.Assignments, assignmentViewJSON(v))
	}
	return out, nil
}

func parseStatus(s string) (hitd.AssignmentStatus, bool) {
	for _, st := range assignmentStatuses {
		if strings.EqualFold(s, string(st)) {
			return st, true
		}
	}
	return "", false
}

// getAssignment: GET /assignments/{assignmentId}, with its answer and HIT.
func (h *handler) getAssignment(c *call) (any, error) {
	av, hv, err := h.svc.WorkerAssignment(c.r.Context(), c.worker.ID, c.r.PathValue("assignmentId"))
	if err != nil {
		return nil, err
	}
	out := assignmentViewJSON(av)
	out.Answer = av.Assignment.Answer
	out.HIT = hitViewJSON(hv)
	return out, nil
}

// profile: GET /me.
func (h *handler) profile(c *call) (any, error) {
	p, err := h.svc.WorkerProfile(c.r.Context(), c.worker.ID)
	if err != nil {
		return nil, err
	}
	w := p.Worker
	return profileJSON{
		WorkerID: w.ID, Username: w.Username, Country: w.Country, Subdivision: w.Subdivision,
		Earnings: w.Earnings.String(), Submitted: w.Submitted, Approved: w.Approved, Rejected: w.Rejected,
		Pending: p.Pending, Adult: w.Adult, Masters: w.Masters, CreationTime: utc(w.CreationTime),
	}, nil
}

// messages: GET /messages?limit=, newest first.
func (h *handler) messages(c *call) (any, error) {
	limit, err := intParam(c.r.URL.Query(), "limit", 1, 500)
	if err != nil {
		return nil, err
	}
	list, err := h.svc.WorkerMessages(c.r.Context(), c.worker.ID, limit)
	if err != nil {
		return nil, err
	}
	out := messagesJSON{Messages: make([]messageJSON, 0, len(list))}
	for _, m := range list {
		out.Messages = append(out.Messages, messageJSON{
			MessageID: m.ID, RequesterID: m.RequesterID, RequesterName: m.RequesterName,
			Subject: m.Subject, MessageText: m.MessageText, CreationTime: utc(m.CreationTime),
		})
	}
	return out, nil
}

// intParam reads an optional integer query parameter in [lo, hi]; absent
// is 0, which the Service replaces by its default.
func intParam(q url.Values, name string, lo, hi int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, hitd.Errorf(hitd.ErrInvalidParameter, "The value %q is invalid for %s: it must be a whole number.", s, name)
	}
	if n < lo || n > hi {
		return 0, hitd.Errorf(hitd.ErrOutOfRange, "The value %d is invalid for %s. Valid values range from %d to %d.", n, name, lo, hi)
	}
	return n, nil
}

// decodeBody reads a JSON request body into in; an empty body is {}.
func decodeBody(c *call, in any) error {
	body, err := api.ReadBody(c.r)
	if err != nil {
		return err
	}
	return api.DecodeInput(body, in)
}
