package api

import (
	"net/http"

	"github.com/hitd/hitd"
)

// WorkerStatus is the HTTP status the worker-facing edges (the worker site
// and the worker JSON API) answer a domain error code with. The Requester
// API edges use WireError's statuses instead, as MTurk did.
func WorkerStatus(code hitd.Code) int {
	switch code {
	case hitd.ErrNotAuthenticated:
		return http.StatusUnauthorized
	case hitd.ErrNotAuthorized, hitd.ErrSignupClosed, hitd.ErrNotQualified:
		return http.StatusForbidden
	case hitd.ErrHITNotFound, hitd.ErrHITTypeNotFound, hitd.ErrAssignmentNotFound, hitd.ErrWorkerNotFound,
		hitd.ErrQualTypeNotFound, hitd.ErrQualRequestNotFound:
		return http.StatusNotFound
	case hitd.ErrHITNotAvailable, hitd.ErrAlreadyAccepted, hitd.ErrInvalidAssignmentState, hitd.ErrInvalidHITState, hitd.ErrUsernameTaken,
		hitd.ErrInvalidQualRequest:
		return http.StatusConflict
	case hitd.ErrInvalidAnswer:
		return http.StatusUnprocessableEntity
	case hitd.ErrInternal:
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}
