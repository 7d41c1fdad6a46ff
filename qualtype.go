package hitd

import "time"

// QualificationTypeStatus is Active or Inactive.
type QualificationTypeStatus string

// Qualification type statuses.
const (
	QualTypeActive   QualificationTypeStatus = "Active"
	QualTypeInactive QualificationTypeStatus = "Inactive"
)

// QualificationStatus is the state of a worker's qualification.
type QualificationStatus string

// Qualification statuses.
const (
	QualGranted QualificationStatus = "Granted"
	QualRevoked QualificationStatus = "Revoked"
)

// QualificationType is a requester-defined qualification.
type QualificationType struct {
	ID                    string
	Seq                   int64 // store-assigned; orders listings
	RequesterID           string
	Name                  string
	Description           string
	Keywords              string
	Status                QualificationTypeStatus
	Test                  string // QuestionForm XML, "" for none
	AnswerKey             string // AnswerKey XML, "" for none
	TestDurationInSeconds int64
	RetryDelayInSeconds   *int64 // nil: a worker may not retake the test or request again
	AutoGranted           bool
	AutoGrantedValue      int32
	CreationTime          time.Time
	Deleted               bool // DeleteQualificationType: unusable at once, gone from listings
}

// Qualification is a score a worker holds for a qualification type.
type Qualification struct {
	Seq          int64
	TypeID       string
	WorkerID     string
	IntegerValue int32
	Status       QualificationStatus
	GrantTime    time.Time
}

// WorkerBlock is a requester's block of a worker: the worker sees none of
// the requester's HITs and cannot accept them.
type WorkerBlock struct {
	Seq          int64
	RequesterID  string
	WorkerID     string
	Reason       string
	CreationTime time.Time
}

// Limits on qualification types.
const (
	MaxQualNameRunes        = 255
	MaxQualDescriptionRunes = 2000
	MaxQualKeywordsRunes    = 1000
	MaxTestDuration         = 31536000
	MaxRetryDelay           = 31536000
)

// QualTypeQuery selects qualification types for ListQualificationTypes.
type QualTypeQuery struct {
	Query       string // matched against name, description and keywords
	RequesterID string // "" for every requester's
	OnlyActive  bool   // MustBeRequestable
	AfterSeq    int64
	Limit       int
}

// QualificationQuery selects qualifications of one type.
type QualificationQuery struct {
	TypeID   string
	Status   QualificationStatus // "" for both
	AfterSeq int64
	Limit    int
}

// QualificationRequestStatus is the state of a worker's request for a
// qualification (or attempt at its test).
type QualificationRequestStatus string

// Qualification request states.
const (
	QualRequestTesting  QualificationRequestStatus = "Testing"  // the test is open; TestDeadline applies
	QualRequestPending  QualificationRequestStatus = "Pending"  // waiting for the requester
	QualRequestAccepted QualificationRequestStatus = "Accepted" // granted (by the requester or the answer key)
	QualRequestRejected QualificationRequestStatus = "Rejected"
)

// QualificationRequest is a worker's request for a qualification: a plain
// request, or an attempt at its test with the answers.
type QualificationRequest struct {
	ID           string
	Seq          int64
	TypeID       string
	RequesterID  string // the type's owner
	WorkerID     string
	Status       QualificationRequestStatus
	Answer       string // QuestionFormAnswers XML of the test; "" without a test
	StartTime    time.Time
	TestDeadline time.Time // StartTime + TestDurationInSeconds; zero without a test
	SubmitTime   time.Time // zero while testing
	Reason       string    // the requester's reason for a rejection
}

// QualRequestQuery selects pending requests for a requester's types.
type QualRequestQuery struct {
	RequesterID string
	TypeID      string // "" for all the requester's types
	Status      QualificationRequestStatus
	AfterSeq    int64
	Limit       int
}
