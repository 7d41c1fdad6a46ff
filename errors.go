package hitd

import (
	"errors"
	"fmt"
)

// Code classifies a domain error. Codes are stable names; the protocol edges
// own the single mapping from a Code to a wire error (TurkErrorCode, HTTP
// status), see api/errors.go.
type Code string

// Error codes. A code says what went wrong in domain terms; the message says
// it in words a requester can act on.
const (
	ErrInvalidParameter Code = "InvalidParameterValue" // a value is malformed or not allowed
	ErrMissingParameter Code = "MissingParameter"      // a required value is absent
	ErrOutOfRange       Code = "ParameterOutOfRange"   // a number or length is outside its bounds
	ErrXMLParse         Code = "XMLParseError"         // Question XML is not well-formed or not a known schema
	ErrHITNotFound      Code = "HITDoesNotExist"
	ErrHITTypeNotFound  Code = "HITTypeDoesNotExist"
	ErrQualTypeNotFound Code = "QualificationTypeDoesNotExist"
	ErrLayoutNotFound   Code = "HITLayoutDoesNotExist"
	ErrRequesterExists  Code = "RequesterAlreadyExists"
	ErrHITAlreadyExists Code = "HitAlreadyExists" // UniqueRequestToken reused within its lifetime
	ErrInvalidHITState  Code = "InvalidHITState"  // the HIT's state does not allow the operation
	ErrNotImplemented   Code = "NotImplemented"   // the operation exists in MTurk but not (yet) in hitd
	ErrUnknownOperation Code = "UnknownOperation" // no such operation in the API
	ErrNotAuthorized    Code = "NotAuthorized"    // the caller may not do this
	ErrInternal         Code = "ServiceFault"     // a fault on our side; never the caller's doing

	ErrAssignmentNotFound       Code = "AssignmentDoesNotExist"
	ErrInvalidAssignmentState   Code = "InvalidAssignmentState" // the assignment's state does not allow the operation
	ErrInsufficientFunds        Code = "InsufficientFunds"
	ErrInvalidMaxAssignmentsInc Code = "InvalidMaximumAssignmentsIncrease"
	ErrWorkerNotFound           Code = "WorkerDoesNotExist"
	ErrQualTypeExists           Code = "QualificationTypeAlreadyExists"
	ErrQualificationNotFound    Code = "QualificationDoesNotExist"
	ErrQualRequestNotFound      Code = "QualificationRequestDoesNotExist"
	ErrInvalidQualState         Code = "InvalidQualificationState"        // the worker's qualification is revoked
	ErrInvalidQualRequest       Code = "InvalidQualificationRequestState" // the worker may not request (or submit) now
	ErrDuplicateRequest         Code = "DuplicateRequest"                 // a UniqueRequestToken reused within its lifetime (other than CreateHIT)

	// Worker-side codes: the worker site and worker API report them; the
	// Requester API never does.
	ErrNotAuthenticated Code = "NotAuthenticated" // no or an expired session, or a wrong username/password
	ErrUsernameTaken    Code = "UsernameTaken"
	ErrSignupClosed     Code = "SignupClosed"    // sign-up needs an invite code, or is off
	ErrHITNotAvailable  Code = "HITNotAvailable" // no free slot, expired, or not visible to this worker
	ErrAlreadyAccepted  Code = "AlreadyAccepted" // the worker already holds an assignment of this HIT
	ErrNotQualified     Code = "NotQualified"    // the worker does not meet the HIT's qualification requirements
	ErrInvalidAnswer    Code = "InvalidAnswer"   // a submission breaks the form's constraints; see Error.Fields

	// Requester-console codes: the console and `hitd batch` report them;
	// the Requester API never does.
	ErrProjectNotFound   Code = "ProjectDoesNotExist"
	ErrBatchNotFound     Code = "BatchDoesNotExist"
	ErrInvalidBatchState Code = "InvalidBatchState" // e.g. publishing a batch twice
	ErrInvalidBatchInput Code = "InvalidBatchInput" // a row or column of an input or review file is wrong; the message names it
)

// Error is the domain's error type: a Code and a human-readable Message.
type Error struct {
	Code    Code
	Message string
	// Fields names the bad fields of a worker's submission (ErrInvalidAnswer):
	// field name → what is wrong with it.
	Fields map[string]string
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the Code of err if it is (or wraps) an *Error, and
// ErrInternal otherwise.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ErrInternal
}

// ErrorMessage returns the message of err if it is (or wraps) an *Error, and a
// generic message otherwise: internal details never reach the caller.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "The service is unable to process your request. Try again later."
}

// ErrNoRows is returned by Store methods when the looked-up row does not
// exist. The Service turns it into a resource-specific *Error.
var ErrNoRows = errors.New("hitd: no rows")
