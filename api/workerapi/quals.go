package workerapi

import (
	"strings"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
)

// The qualification endpoints: browse requestable types, request one,
// take its test, and list the caller's own qualifications.

// qualTypeJSON is a qualification type as a worker sees it, with the
// caller's standing. The answer key is never included, nor the test
// itself: it comes with POST /qualifications/{id}/test.
type qualTypeJSON struct {
	QualificationTypeID   string    `json:"qualificationTypeId"`
	Name                  string    `json:"name"`
	Description           string    `json:"description"`
	Keywords              string    `json:"keywords"`
	RequesterName         string    `json:"requesterName"`
	Status                string    `json:"status"`
	CreationTime          time.Time `json:"creationTime,omitzero"`
	HasTest               bool      `json:"hasTest"`
	TestDurationInSeconds *int64    `json:"testDurationInSeconds,omitempty"`
	RetryDelayInSeconds   *int64    `json:"retryDelayInSeconds,omitempty"`
	AutoGranted           bool      `json:"autoGranted"`
	// The caller's standing: the qualification they hold (or held), their
	// newest request or test attempt, and whether they may request (or
	// take the test) now — if not, why, and from when (retryAt).
	Score       *scoreJSON       `json:"score,omitempty"`
	LastRequest *qualRequestJSON `json:"lastRequest,omitempty"`
	CanRequest  bool             `json:"canRequest"`
	Why         string           `json:"why,omitempty"`
	RetryAt     time.Time        `json:"retryAt,omitzero"`
}

// scoreJSON is a worker's qualification.
type scoreJSON struct {
	QualificationTypeID string    `json:"qualificationTypeId,omitempty"`
	Name                string    `json:"name,omitempty"`
	RequesterName       string    `json:"requesterName,omitempty"`
	IntegerValue        int32     `json:"integerValue"`
	Status              string    `json:"status"`
	GrantTime           time.Time `json:"grantTime,omitzero"`
}

// qualRequestJSON is a request for a qualification, or a test attempt.
type qualRequestJSON struct {
	RequestID    string    `json:"requestId"`
	Status       string    `json:"status"`
	StartTime    time.Time `json:"startTime,omitzero"`
	TestDeadline time.Time `json:"testDeadline,omitzero"`
	SubmitTime   time.Time `json:"submitTime,omitzero"`
	Reason       string    `json:"reason,omitempty"`
}

type qualTypePageJSON struct {
	QualificationTypes []qualTypeJSON `json:"qualificationTypes"`
	NextToken          string         `json:"nextToken,omitempty"`
}

// qualOutcomeJSON answers a request or a test submission: Accepted (with
// the granted value) or Pending (the requester decides).
type qualOutcomeJSON struct {
	RequestID           string `json:"requestId"`
	QualificationTypeID string `json:"qualificationTypeId"`
	Status              string `json:"status"`
	IntegerValue        *int32 `json:"integerValue,omitempty"`
}

// qualTestJSON is an open test attempt.
type qualTestJSON struct {
	RequestID           string    `json:"requestId"`
	QualificationTypeID string    `json:"qualificationTypeId"`
	Name                string    `json:"name"`
	TestDeadline        time.Time `json:"testDeadline"`
	Test                string    `json:"test"`
	QuestionIdentifiers []string  `json:"questionIdentifiers"`
}

type scoresJSON struct {
	Qualifications []scoreJSON `json:"qualifications"`
}

func qualTypeViewJSON(v *hitd.WorkerQualTypeView) qualTypeJSON {
	t := v.Type
	out := qualTypeJSON{
		QualificationTypeID: t.QualificationTypeId, Name: t.Name, Description: t.Description, Keywords: t.Keywords,
		RequesterName: v.RequesterName, Status: string(t.QualificationTypeStatus), CreationTime: utc(t.CreationTime),
		HasTest: t.Test != "", TestDurationInSeconds: t.TestDurationInSeconds, RetryDelayInSeconds: t.RetryDelayInSeconds,
		AutoGranted: t.AutoGranted, CanRequest: v.CanRequest, Why: v.Why, RetryAt: utc(v.RetryAt),
	}
	if q := v.Score; q != nil {
		out.Score = &scoreJSON{IntegerValue: q.IntegerValue, Status: string(q.Status), GrantTime: utc(q.GrantTime)}
	}
	if r := v.LastRequest; r != nil {
		out.LastRequest = &qualRequestJSON{RequestID: r.ID, Status: string(r.Status), StartTime: utc(r.StartTime),
			TestDeadline: utc(r.TestDeadline), SubmitTime: utc(r.SubmitTime), Reason: r.Reason}
	}
	return out
}

// listQualifications: GET /qualifications?q=&nextToken=&limit=.
func (h *handler) listQualifications(c *call) (any, error) {
	q := c.r.URL.Query()
	limit, err := intParam(q, "limit", 1, 100)
	if err != nil {
		return nil, err
	}
	page, err := h.svc.ListRequestableQualifications(c.r.Context(), c.worker.ID, strings.TrimSpace(q.Get("q")), q.Get("nextToken"), limit)
	if err != nil {
		return nil, err
	}
	out := qualTypePageJSON{QualificationTypes: make([]qualTypeJSON, 0, len(page.Types)), NextToken: page.NextToken}
	for _, v := range page.Types {
		out.QualificationTypes = append(out.QualificationTypes, qualTypeViewJSON(v))
	}
	return out, nil
}

// getQualification: GET /qualifications/{qualificationTypeId}.
func (h *handler) getQualification(c *call) (any, error) {
	v, err := h.svc.WorkerQualificationType(c.r.Context(), c.worker.ID, c.r.PathValue("qualificationTypeId"))
	if err != nil {
		return nil, err
	}
	return qualTypeViewJSON(v), nil
}

// requestQualification: POST /qualifications/{qualificationTypeId}/request.
func (h *handler) requestQualification(c *call) (any, error) {
	if err := decodeBody(c, &struct{}{}); err != nil {
		return nil, err
	}
	typeID := c.r.PathValue("qualificationTypeId")
	r, err := h.svc.RequestQualification(c.r.Context(), c.worker.ID, typeID)
	if err != nil {
		return nil, err
	}
	out := qualOutcomeJSON{RequestID: r.ID, QualificationTypeID: r.TypeID, Status: string(r.Status)}
	if r.Status == hitd.QualRequestAccepted {
		// Auto-granted: report the value granted.
		v, err := h.svc.WorkerQualificationType(c.r.Context(), c.worker.ID, typeID)
		if err != nil {
			return nil, err
		}
		if v.Score != nil {
			out.IntegerValue = &v.Score.IntegerValue
		}
	}
	return out, nil
}

// startQualificationTest: POST /qualifications/{qualificationTypeId}/test
// → the test and its deadline. While an attempt is open, it is returned
// again.
func (h *handler) startQualificationTest(c *call) (any, error) {
	if err := decodeBody(c, &struct{}{}); err != nil {
		return nil, err
	}
	t, err := h.svc.StartQualificationTest(c.r.Context(), c.worker.ID, c.r.PathValue("qualificationTypeId"))
	if err != nil {
		return nil, err
	}
	out := qualTestJSON{RequestID: t.Request.ID, QualificationTypeID: t.Request.TypeID, Name: t.Type.Name,
		TestDeadline: utc(t.Request.TestDeadline), Test: t.Type.Test, QuestionIdentifiers: []string{}}
	for _, q := range t.Form.Questions() {
		out.QuestionIdentifiers = append(out.QuestionIdentifiers, q.Identifier)
	}
	return out, nil
}

// submitQualificationTest: POST /qualifications/tests/{requestId}/submit
// {"answers":{…}}, read in order like an assignment's answers.
func (h *handler) submitQualificationTest(c *call) (any, error) {
	body, err := api.ReadBody(c.r)
	if err != nil {
		return nil, err
	}
	fields, err := decodeAnswers(body)
	if err != nil {
		return nil, err
	}
	r, granted, err := h.svc.SubmitQualificationTest(c.r.Context(), c.worker.ID, c.r.PathValue("requestId"), fields)
	if err != nil {
		return nil, err
	}
	out := qualOutcomeJSON{RequestID: r.ID, QualificationTypeID: r.TypeID, Status: string(r.Status)}
	if granted != nil {
		out.IntegerValue = &granted.IntegerValue
	}
	return out, nil
}

// myQualifications: GET /me/qualifications → the qualifications the
// caller holds or held.
func (h *handler) myQualifications(c *call) (any, error) {
	list, err := h.svc.WorkerScores(c.r.Context(), c.worker.ID)
	if err != nil {
		return nil, err
	}
	out := scoresJSON{Qualifications: make([]scoreJSON, 0, len(list))}
	for _, s := range list {
		q := s.Qualification
		out.Qualifications = append(out.Qualifications, scoreJSON{QualificationTypeID: q.TypeID, Name: s.TypeName,
			RequesterName: s.RequesterName, IntegerValue: q.IntegerValue, Status: string(q.Status), GrantTime: utc(q.GrantTime)})
	}
	return out, nil
}
