package workerapi

import (
	"time"

	"github.com/hitd/hitd"
)

// The response shapes. Members are lowerCamelCase; times are RFC 3339 in
// UTC (encoding/json's time.Time format, milliseconds when there are any)
// and left out while zero; money is a decimal string such as "0.05".

type loginResponse struct {
	Token    string `json:"token"`
	WorkerID string `json:"workerId"`
	Username string `json:"username"`
}

type hitGroupJSON struct {
	HITTypeID                   string    `json:"hitTypeId"`
	Title                       string    `json:"title"`
	Description                 string    `json:"description"`
	Keywords                    string    `json:"keywords"`
	RequesterID                 string    `json:"requesterId"`
	RequesterName               string    `json:"requesterName"`
	Reward                      string    `json:"reward"`
	AssignmentDurationInSeconds int64     `json:"assignmentDurationInSeconds"`
	HITsAvailable               int       `json:"hitsAvailable"`
	LatestCreation              time.Time `json:"latestCreation,omitzero"`
	EarliestExpiration          time.Time `json:"earliestExpiration,omitzero"`
	accessJSON
}

// accessJSON says whether the caller meets a HIT's qualification
// requirements (may accept it) and, in words, which they do not meet.
type accessJSON struct {
	Qualified bool     `json:"qualified"`
	Unmet     []string `json:"unmet"`
}

func accessOf(a hitd.Access) accessJSON {
	out := accessJSON{Qualified: a.Accept, Unmet: a.Unmet}
	if out.Unmet == nil {
		out.Unmet = []string{}
	}
	return out
}

type hitGroupPageJSON struct {
	Groups   []hitGroupJSON `json:"groups"`
	Page     int            `json:"page"`
	PageSize int            `json:"pageSize"`
	HasNext  bool           `json:"hasNext"`
}

// hitJSON is a HIT as a worker sees it. It never carries the requester's
// annotation.
type hitJSON struct {
	HITID                       string    `json:"hitId"`
	HITTypeID                   string    `json:"hitTypeId"`
	Title                       string    `json:"title"`
	Description                 string    `json:"description"`
	Keywords                    string    `json:"keywords"`
	RequesterName               string    `json:"requesterName"`
	Reward                      string    `json:"reward"`
	AssignmentDurationInSeconds int64     `json:"assignmentDurationInSeconds"`
	AutoApprovalDelayInSeconds  int64     `json:"autoApprovalDelayInSeconds"`
	CreationTime                time.Time `json:"creationTime,omitzero"`
	Expiration                  time.Time `json:"expiration,omitzero"`
	HITStatus                   string    `json:"hitStatus"`
	MaxAssignments              int       `json:"maxAssignments"`
	NumberAvailable             int       `json:"numberAvailable"`
	// The question: its kind, the Question XML as the requester wrote it,
	// and what the kind adds (the ExternalQuestion URL, the frame height of
	// an ExternalQuestion or HTMLQuestion, a QuestionForm's identifiers,
	// which are the field names a submission uses).
	QuestionType        string   `json:"questionType"`
	Question            string   `json:"question"`
	ExternalURL         string   `json:"externalUrl,omitempty"`
	FrameHeight         *int     `json:"frameHeight,omitempty"`
	QuestionIdentifiers []string `json:"questionIdentifiers,omitempty"`
	// The caller's accepted, not yet submitted assignment of this HIT.
	AssignmentID string    `json:"assignmentId,omitempty"`
	Deadline     time.Time `json:"deadline,omitzero"`
	accessJSON
}

type acceptResponse struct {
	AssignmentID string    `json:"assignmentId"`
	HITID        string    `json:"hitId"`
	HITTypeID    string    `json:"hitTypeId"`
	AcceptTime   time.Time `json:"acceptTime"`
	Deadline     time.Time `json:"deadline"`
}

type returnResponse struct {
	AssignmentID string `json:"assignmentId"`
	Status       string `json:"status"`
}

type submitResponse struct {
	AssignmentID     string    `json:"assignmentId"`
	HITID            string    `json:"hitId"`
	Status           string    `json:"status"`
	SubmitTime       time.Time `json:"submitTime"`
	AutoApprovalTime time.Time `json:"autoApprovalTime,omitzero"`
	ApprovalTime     time.Time `json:"approvalTime,omitzero"`
}

type assignmentJSON struct {
	AssignmentID      string    `json:"assignmentId"`
	HITID             string    `json:"hitId"`
	HITTypeID         string    `json:"hitTypeId"`
	Title             string    `json:"title"`
	RequesterName     string    `json:"requesterName"`
	Reward            string    `json:"reward"`
	Status            string    `json:"status"`
	AcceptTime        time.Time `json:"acceptTime,omitzero"`
	Deadline          time.Time `json:"deadline,omitzero"`
	SubmitTime        time.Time `json:"submitTime,omitzero"`
	AutoApprovalTime  time.Time `json:"autoApprovalTime,omitzero"`
	ApprovalTime      time.Time `json:"approvalTime,omitzero"`
	RejectionTime     time.Time `json:"rejectionTime,omitzero"`
	RequesterFeedback string    `json:"requesterFeedback,omitempty"`
	// Only in GET /assignments/{id}: the submitted QuestionFormAnswers XML
	// and the HIT with its question.
	Answer string   `json:"answer,omitempty"`
	HIT    *hitJSON `json:"hit,omitempty"`
}

type assignmentPageJSON struct {
	Assignments []assignmentJSON `json:"assignments"`
	NextToken   string           `json:"nextToken,omitempty"`
}

type profileJSON struct {
	WorkerID     string    `json:"workerId"`
	Username     string    `json:"username"`
	Country      string    `json:"country"`
	Subdivision  string    `json:"subdivision"`
	Earnings     string    `json:"earnings"`
	Submitted    int       `json:"submitted"`
	Approved     int       `json:"approved"`
	Rejected     int       `json:"rejected"`
	Pending      int       `json:"pending"`
	Adult        bool      `json:"adult"`   // declared 18 or older (the Adult qualification)
	Masters      bool      `json:"masters"` // granted Masters by the operator
	CreationTime time.Time `json:"creationTime,omitzero"`
}

type messageJSON struct {
	MessageID     string    `json:"messageId"`
	RequesterID   string    `json:"requesterId"`
	RequesterName string    `json:"requesterName"`
	Subject       string    `json:"subject"`
	MessageText   string    `json:"messageText"`
	CreationTime  time.Time `json:"creationTime,omitzero"`
}

type messagesJSON struct {
	Messages []messageJSON `json:"messages"`
}

// utc returns t in UTC (zero stays zero).
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

func groupJSON(g *hitd.HITGroup) hitGroupJSON {
	return hitGroupJSON{
		HITTypeID: g.HITTypeID, Title: g.Title, Description: g.Description, Keywords: g.Keywords,
		RequesterID: g.RequesterID, RequesterName: g.RequesterName, Reward: g.Reward.String(),
		AssignmentDurationInSeconds: g.AssignmentDurationInSeconds, HITsAvailable: g.HITsAvailable,
		LatestCreation: utc(g.LatestCreation), EarliestExpiration: utc(g.EarliestExpiration),
		accessJSON: accessOf(g.Access),
	}
}

func hitViewJSON(v *hitd.WorkerHITView) *hitJSON {
	d := v.HIT
	out := &hitJSON{
		HITID: d.HITId, HITTypeID: d.HITTypeId, Title: d.Title, Description: d.Description, Keywords: d.Keywords,
		RequesterName: v.RequesterName, Reward: d.Reward,
		AssignmentDurationInSeconds: d.AssignmentDurationInSeconds, AutoApprovalDelayInSeconds: d.AutoApprovalDelayInSeconds,
		CreationTime: utc(d.CreationTime), Expiration: utc(d.Expiration), HITStatus: string(d.HITStatus),
		MaxAssignments: d.MaxAssignments, NumberAvailable: d.NumberOfAssignmentsAvailable,
		Question: d.Question, accessJSON: accessOf(v.Access),
	}
	if q := v.Question; q != nil {
		out.QuestionType = string(q.Kind)
		switch q.Kind {
		case hitd.QuestionExternal:
			out.ExternalURL = q.ExternalURL
			out.FrameHeight = &q.FrameHeight
		case hitd.QuestionHTML:
			out.FrameHeight = &q.FrameHeight
		case hitd.QuestionForm:
			out.QuestionIdentifiers = q.QuestionIdentifiers
		}
	}
	if a := v.Assignment; a != nil && a.Status == hitd.AssignmentAccepted {
		out.AssignmentID, out.Deadline = a.ID, utc(a.Deadline)
	}
	return out
}

func assignmentViewJSON(v *hitd.WorkerAssignmentView) assignmentJSON {
	a := v.Assignment
	out := assignmentJSON{
		AssignmentID: a.ID, HITID: a.HITID, HITTypeID: a.HITTypeID, RequesterName: v.RequesterName,
		Reward: v.Reward.String(), Status: string(a.Status),
		AcceptTime: utc(a.AcceptTime), Deadline: utc(a.Deadline), SubmitTime: utc(a.SubmitTime),
		AutoApprovalTime: utc(a.AutoApprovalTime), ApprovalTime: utc(a.ApprovalTime), RejectionTime: utc(a.RejectionTime),
		RequesterFeedback: a.RequesterFeedback,
	}
	if v.HIT != nil {
		out.Title = v.HIT.Title
	}
	return out
}
