// Package awsjson is the AWS JSON 1.1 edge: POST / with
// X-Amz-Target: MTurkRequesterServiceV20170117.<Operation>, SigV4-signed,
// timestamps as epoch seconds. It is what boto3, the AWS CLI and every AWS
// SDK speak. It translates and dispatches through api.Table; it holds no
// rules and touches no storage.
package awsjson

import (
	"net/http"
	"strings"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
)

// TargetPrefix is the X-Amz-Target prefix of the 2017-01-17 API.
const TargetPrefix = "MTurkRequesterServiceV20170117."

// ContentType is the AWS JSON 1.1 media type.
const ContentType = "application/x-amz-json-1.1"

// Handler serves the AWS JSON 1.1 protocol.
type Handler struct {
	table *api.Table
	svc   *hitd.Service
	auth  *api.Authenticator
	resp  api.Responder
}

// New returns the edge's handler; limiter throttles each requester (nil:
// no limit).
func New(table *api.Table, svc *hitd.Service, auth *api.Authenticator, limiter *api.RateLimiter) *Handler {
	return &Handler{table: table, svc: svc, auth: auth, resp: api.Responder{
		ContentType: ContentType,
		Times:       api.EpochSeconds,
		Status:      api.WireError.JSONStatus,
		Now:         svc.Clock().Now,
		Limiter:     limiter,
	}}
}

// ServeHTTP handles one request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := api.Info(r.Context())
	info.Protocol = api.ProtocolAWSJSON
	target := r.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, TargetPrefix)
	info.Operation = name
	if r.Method != http.MethodPost {
		h.resp.Error(w, r, &api.AuthError{Type: "UnknownOperationException", Message: "The AWS JSON protocol requires POST.", Status: http.StatusMethodNotAllowed})
		return
	}
	o, known := h.table.ByName(name)
	if !ok || !known {
		info.Operation = target
		h.resp.Error(w, r, &api.AuthError{Type: "UnknownOperationException",
			Message: "X-Amz-Target " + quote(target) + " is not an operation of the MTurk Requester API. Expected " + TargetPrefix + "<Operation>, for example " + TargetPrefix + "GetAccountBalance.",
			Status:  http.StatusBadRequest})
		return
	}
	info.KnownOperation = true
	h.resp.Dispatch(w, r, h.svc, o, h.auth.SigV4)
}

func quote(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return "\"" + s + "\""
}
