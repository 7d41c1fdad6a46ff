package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/hitd/hitd"
)

// WireError is an error as the wire shows it.
type WireError struct {
	Type          string `json:"__type"`                  // RequestError or ServiceFault (botocore's exception class)
	Message       string `json:"Message"`                 // ends with " (<epoch-ms>)" as MTurk's did
	TurkErrorCode string `json:"TurkErrorCode,omitempty"` // e.g. AWS.MechanicalTurk.HITDoesNotExist
	NotFound      bool   `json:"-"`                       // the named resource does not exist (REST answers 404)
	Fault         bool   `json:"-"`                       // our fault, not the caller's (HTTP 500)
}

// wireCodes is the one mapping from domain codes to TurkErrorCodes.
var wireCodes = map[hitd.Code]struct {
	turk     string
	notFound bool
}{
	hitd.ErrInvalidParameter: {"AWS.MechanicalTurk.InvalidParameterValue", false},
	hitd.ErrMissingParameter: {"AWS.MechanicalTurk.MissingParameters", false},
	hitd.ErrOutOfRange:       {"AWS.MechanicalTurk.ParameterOutOfRange", false},
	hitd.ErrXMLParse:         {"AWS.MechanicalTurk.XMLParseError", false},
	hitd.ErrHITNotFound:      {"AWS.MechanicalTurk.HITDoesNotExist", true},
	hitd.ErrHITTypeNotFound:  {"AWS.MechanicalTurk.HITTypeDoesNotExist", true},
	hitd.ErrQualTypeNotFound: {"AWS.MechanicalTurk.QualificationTypeDoesNotExist", true},
	hitd.ErrLayoutNotFound:   {"AWS.MechanicalTurk.HITLayoutDoesNotExist", true},
	hitd.ErrRequesterExists:  {"AWS.MechanicalTurk.RequesterAlreadyExists", false},
	hitd.ErrHITAlreadyExists: {"AWS.MechanicalTurk.HitAlreadyExists", false},
	hitd.ErrInvalidHITState:  {"AWS.MechanicalTurk.InvalidHITState", false},
	hitd.ErrNotImplemented:   {"AWS.MechanicalTurk.OperationNotImplemented", false},
	hitd.ErrUnknownOperation: {"AWS.MechanicalTurk.UnknownOperation", false},
	hitd.ErrNotAuthorized:    {"AWS.NotAuthorized", false},

	hitd.ErrAssignmentNotFound:       {"AWS.MechanicalTurk.AssignmentDoesNotExist", true},
	hitd.ErrInvalidAssignmentState:   {"AWS.MechanicalTurk.InvalidAssignmentState", false},
	hitd.ErrInsufficientFunds:        {"AWS.MechanicalTurk.InsufficientFunds", false},
	hitd.ErrInvalidMaxAssignmentsInc: {"AWS.MechanicalTurk.InvalidMaximumAssignmentsIncrease", false},
	hitd.ErrWorkerNotFound:           {"AWS.MechanicalTurk.WorkerDoesNotExist", true},
	hitd.ErrDuplicateRequest:         {"AWS.MechanicalTurk.DuplicateRequest", false},
	hitd.ErrQualTypeExists:           {"AWS.MechanicalTurk.QualificationTypeAlreadyExists", false},
	hitd.ErrQualificationNotFound:    {"AWS.MechanicalTurk.QualificationDoesNotExist", true},
	hitd.ErrQualRequestNotFound:      {"AWS.MechanicalTurk.QualificationRequestDoesNotExist", true},
}

// ToWire maps any error from the Service or a codec to its wire form. now
// stamps the message with epoch milliseconds, as MTurk did.
func ToWire(err error, now time.Time) WireError {
	var de *hitd.Error
	if !errors.As(err, &de) || de.Code == hitd.ErrInternal {
		return WireError{
			Type:          "ServiceFault",
			Message:       stamp("The service is unable to process your request. Try again later.", now),
			TurkErrorCode: "AWS.MechanicalTurk.ServiceFault",
			Fault:         true,
		}
	}
	w, ok := wireCodes[de.Code]
	if !ok {
		w.turk = "AWS.MechanicalTurk." + string(de.Code)
	}
	return WireError{Type: "RequestError", Message: stamp(de.Message, now), TurkErrorCode: w.turk, NotFound: w.notFound}
}

func stamp(msg string, now time.Time) string {
	return msg + " (" + strconv.FormatInt(now.UnixMilli(), 10) + ")"
}

// RESTStatus is the HTTP status the REST edge uses for e.
func (e WireError) RESTStatus() int {
	switch {
	case e.Fault:
		return http.StatusInternalServerError
	case e.NotFound:
		return http.StatusNotFound
	}
	return http.StatusBadRequest
}

// JSONStatus is the HTTP status the AWS JSON 1.1 edge uses for e: 400 for
// every RequestError, as MTurk did, and 500 for a ServiceFault.
func (e WireError) JSONStatus() int {
	if e.Fault {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}
