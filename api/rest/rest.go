// Package rest is the REST JSON edge: POST /v1/<kebab-case-operation> and
// the same under /api/v1/, with the same request and response bodies as
// the AWS JSON edge but ISO-8601 timestamps, HTTP 404 for a named resource
// that does not exist, and HTTP Basic (access key id : secret) accepted
// beside SigV4 so that `curl -u KEY:SECRET` works. It translates and
// dispatches through api.Table; it holds no rules and touches no storage.
package rest

import (
	"mime"
	"net/http"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
	"github.com/hitd/hitd/api/sigv4"
)

// Handler serves the REST edge. Mount it on "POST /v1/{op}" and
// "POST /api/v1/{op}".
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
		ContentType: "application/json",
		Times:       api.ISO8601,
		Status:      api.WireError.RESTStatus,
		Now:         svc.Clock().Now,
		Limiter:     limiter,
	}}
}

// ServeHTTP handles one request; the operation is the {op} path value.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := api.Info(r.Context())
	info.Protocol = api.ProtocolREST
	path := r.PathValue("op")
	o, ok := h.table.ByPath(path)
	if !ok {
		info.Operation = path
		h.resp.Error(w, r, &api.AuthError{Type: "UnknownOperationException",
			Message: "/v1/" + path + " is not an operation of the MTurk Requester API. Operations are kebab-case, for example /v1/get-account-balance.",
			Status:  http.StatusNotFound})
		return
	}
	info.Operation, info.KnownOperation = o.Name, true
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.resp.Error(w, r, &api.AuthError{Type: "MethodNotAllowed", Message: "Use POST with a JSON body.", Status: http.StatusMethodNotAllowed})
		return
	}
	switch ct := r.Header.Get("Content-Type"); {
	case ct == "", hasMediaType(ct, "application/json"), hasMediaType(ct, "application/x-amz-json-1.1"):
	default:
		h.resp.Error(w, r, &api.AuthError{Type: "UnsupportedMediaType", Message: "Content-Type must be application/json or application/x-amz-json-1.1, not " + ct + ".", Status: http.StatusUnsupportedMediaType})
		return
	}
	h.resp.Dispatch(w, r, h.svc, o, func(r *http.Request, body []byte) (hitd.Caller, error) {
		if sigv4.HasSignature(r) {
			return h.auth.SigV4(r, body)
		}
		caller, err := h.auth.Basic(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Basic realm="hitd"`)
		}
		return caller, err
	})
}

func hasMediaType(ct, want string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == want
}
