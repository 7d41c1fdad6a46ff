package hitd

import "time"

// HITStatus is a HIT's status as MTurk reports it.
type HITStatus string

// HIT statuses.
const (
	HITStatusAssignable   HITStatus = "Assignable"
	HITStatusUnassignable HITStatus = "Unassignable"
	HITStatusReviewable   HITStatus = "Reviewable"
	HITStatusReviewing    HITStatus = "Reviewing"
	HITStatusDisposed     HITStatus = "Disposed"
)

// HITReviewStatus is the requester-facing review mark of a HIT.
type HITReviewStatus string

// HIT review statuses.
const (
	ReviewNotReviewed           HITReviewStatus = "NotReviewed"
	ReviewMarkedForReview       HITReviewStatus = "MarkedForReview"
	ReviewReviewedAppropriate   HITReviewStatus = "ReviewedAppropriate"
	ReviewReviewedInappropriate HITReviewStatus = "ReviewedInappropriate"
)

// Limits from the MTurk API reference.
const (
	MaxTitleRunes          = 128
	MaxDescriptionRunes    = 2000
	MaxKeywordsRunes       = 1000
	MaxAnnotationRunes     = 255
	MaxRequestTokenRunes   = 64
	MinAssignmentDuration  = 30
	MaxAssignmentDuration  = 31536000
	MaxAutoApprovalDelay   = 2592000
	DefaultAutoApproval    = 2592000
	MinLifetime            = 30
	MaxLifetime            = 31536000
	MinMaxAssignments      = 1
	MaxMaxAssignments      = 1000000
	MaxQualificationReqs   = 10
	RequestTokenLifetime   = 24 * time.Hour
	DefaultListMaxResults  = 10
	MaxListMaxResults      = 100
	MaxExpirationExtension = 31536000 // seconds from now an UpdateExpirationForHIT may reach
)

// HITType is a reusable set of HIT properties. Its ID is derived from its
// properties and its requester, so registering the same properties twice
// yields the same HITTypeId, on any node and after any restart.
type HITType struct {
	ID                          string
	RequesterID                 string
	Title                       string
	Description                 string
	Keywords                    string
	Reward                      Cents
	AssignmentDurationInSeconds int64
	AutoApprovalDelayInSeconds  int64
	QualificationRequirements   []QualificationRequirement
	CreationTime                time.Time
}

// HIT is one task, as stored. Its title, reward and the other type
// properties live on its HITType.
type HIT struct {
	ID                     string
	Seq                    int64 // store-assigned, increasing; orders ListHITs
	HITTypeID              string
	RequesterID            string
	Question               string
	LayoutID               string
	LayoutParameters       []HITLayoutParameter
	MaxAssignments         int
	LifetimeInSeconds      int64
	CreationTime           time.Time
	Expiration             time.Time
	RequesterAnnotation    string
	UniqueRequestToken     string
	AssignmentReviewPolicy *ReviewPolicy
	HITReviewPolicy        *ReviewPolicy
	ReviewStatus           HITReviewStatus
	Reviewing              bool // set by UpdateHITReviewStatus; cleared by Revert
	Disposed               bool // deleted by the requester; only GetHIT (as Disposed) and DeleteHIT still find it
	// Assignment counts, kept consistent by the Service in the same
	// transaction as the assignment change.
	Pending   int // accepted, not yet submitted
	Submitted int // submitted, awaiting approval or rejection
	Completed int // approved or rejected
	// Money: Funded slots each hold SlotCost(type, MaxAssignments) in the
	// HIT's reserve, so Reserved == Funded × SlotCost at all times. A slot
	// is funded while it can still be worked or paid for; an expired HIT's
	// free slots are released to the requester.
	Funded   int
	Reserved Cents
	// HITPolicyDone: the HIT-level review policy has run since the HIT last
	// became reviewable (an extension by a policy clears it).
	HITPolicyDone bool
	// ExpiryNotified: the HITExpired event for the current expiration was
	// sent (extending the HIT clears it).
	ExpiryNotified bool
	// Disabled (the legacy DisableHIT): the HIT is disposed, and its
	// assignments still in progress are approved as soon as they are
	// submitted.
	Disabled bool
}

// Live is the number of slots held by assignments not yet approved or
// rejected.
func (h *HIT) Live() int { return h.Pending + h.Submitted }

// Available is the number of assignment slots nobody holds.
func (h *HIT) Available() int {
	n := h.MaxAssignments - h.Pending - h.Submitted - h.Completed
	if n < 0 {
		return 0
	}
	return n
}

// StatusAt is the HIT's status at time now. It is derived, not stored, so
// expiry needs no background job to become visible.
func (h *HIT) StatusAt(now time.Time) HITStatus {
	switch {
	case h.Disposed:
		return HITStatusDisposed
	case h.Reviewing:
		return HITStatusReviewing
	case now.Before(h.Expiration) && h.Available() > 0:
		return HITStatusAssignable
	case h.Pending > 0:
		return HITStatusUnassignable
	case h.PolicyPending():
		return HITStatusReviewing
	default:
		return HITStatusReviewable
	}
}

// PolicyPending reports whether h has a HIT-level review policy that has
// not run yet on work it holds. A HIT that would otherwise be Reviewable
// is Reviewing until the scheduler runs the policy (as on MTurk); a HIT
// that expired with no work submitted has nothing to review. The SQL in
// internal/sqltx (ListReviewableHITs, HITsDueForReview) mirrors this.
func (h *HIT) PolicyPending() bool {
	return h.HITReviewPolicy != nil && !h.HITPolicyDone && h.Submitted+h.Completed > 0
}

// Locale is a country and optional subdivision (ISO 3166 / 3166-2 codes).
type Locale struct {
	Country     string `json:"Country"`
	Subdivision string `json:"Subdivision,omitempty"`
}

// QualificationRequirement is a condition on a worker's qualifications.
type QualificationRequirement struct {
	QualificationTypeId string   `json:"QualificationTypeId"`
	Comparator          string   `json:"Comparator"`
	IntegerValues       []int32  `json:"IntegerValues,omitempty"`
	LocaleValues        []Locale `json:"LocaleValues,omitempty"`
	RequiredToPreview   *bool    `json:"RequiredToPreview,omitempty"`
	ActionsGuarded      string   `json:"ActionsGuarded,omitempty"`
}

// ReviewPolicy names a review policy and its parameters.
type ReviewPolicy struct {
	PolicyName string            `json:"PolicyName"`
	Parameters []PolicyParameter `json:"Parameters,omitempty"`
}

// PolicyParameter is one parameter of a ReviewPolicy.
type PolicyParameter struct {
	Key        string              `json:"Key,omitempty"`
	Values     []string            `json:"Values,omitempty"`
	MapEntries []ParameterMapEntry `json:"MapEntries,omitempty"`
}

// ParameterMapEntry is a key with values, used by ScoreMyKnownAnswers' AnswerKey.
type ParameterMapEntry struct {
	Key    string   `json:"Key,omitempty"`
	Values []string `json:"Values,omitempty"`
}

// HITLayoutParameter fills one placeholder of a HIT layout.
type HITLayoutParameter struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// HITData is a HIT as the API reports it: the HIT joined with its type, its
// status computed at the time of the request.
type HITData struct {
	HITId                        string                     `json:"HITId"`
	HITTypeId                    string                     `json:"HITTypeId"`
	HITGroupId                   string                     `json:"HITGroupId"`
	HITLayoutId                  string                     `json:"HITLayoutId,omitempty"`
	CreationTime                 time.Time                  `json:"CreationTime"`
	Title                        string                     `json:"Title"`
	Description                  string                     `json:"Description"`
	Question                     string                     `json:"Question,omitempty"`
	Keywords                     string                     `json:"Keywords,omitempty"`
	HITStatus                    HITStatus                  `json:"HITStatus"`
	MaxAssignments               int                        `json:"MaxAssignments"`
	Reward                       string                     `json:"Reward"`
	AutoApprovalDelayInSeconds   int64                      `json:"AutoApprovalDelayInSeconds"`
	Expiration                   time.Time                  `json:"Expiration"`
	AssignmentDurationInSeconds  int64                      `json:"AssignmentDurationInSeconds"`
	RequesterAnnotation          string                     `json:"RequesterAnnotation,omitempty"`
	QualificationRequirements    []QualificationRequirement `json:"QualificationRequirements"`
	HITReviewStatus              HITReviewStatus            `json:"HITReviewStatus"`
	NumberOfAssignmentsPending   int                        `json:"NumberOfAssignmentsPending"`
	NumberOfAssignmentsAvailable int                        `json:"NumberOfAssignmentsAvailable"`
	NumberOfAssignmentsCompleted int                        `json:"NumberOfAssignmentsCompleted"`
}

// hitData joins a HIT with its type as the API reports it at time now.
func hitData(h *HIT, t *HITType, now time.Time) *HITData {
	quals := t.QualificationRequirements
	if quals == nil {
		quals = []QualificationRequirement{}
	}
	return &HITData{
		HITId:                        h.ID,
		HITTypeId:                    t.ID,
		HITGroupId:                   t.ID,
		HITLayoutId:                  h.LayoutID,
		CreationTime:                 h.CreationTime,
		Title:                        t.Title,
		Description:                  t.Description,
		Question:                     h.Question,
		Keywords:                     t.Keywords,
		HITStatus:                    h.StatusAt(now),
		MaxAssignments:               h.MaxAssignments,
		Reward:                       t.Reward.String(),
		AutoApprovalDelayInSeconds:   t.AutoApprovalDelayInSeconds,
		Expiration:                   h.Expiration,
		AssignmentDurationInSeconds:  t.AssignmentDurationInSeconds,
		RequesterAnnotation:          h.RequesterAnnotation,
		QualificationRequirements:    quals,
		HITReviewStatus:              h.ReviewStatus,
		NumberOfAssignmentsPending:   h.Pending,
		NumberOfAssignmentsAvailable: h.Available(),
		NumberOfAssignmentsCompleted: h.Completed,
	}
}
