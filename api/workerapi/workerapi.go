package workerapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
)

// Prefix is the path every endpoint lives under.
const Prefix = "/api/worker/v1"

// Options configures the handler.
type Options struct {
	Logger *slog.Logger // internal errors and panics are logged here; nil: discard
}

// handler serves the worker API for one Service.
type handler struct {
	svc    *hitd.Service
	logger *slog.Logger
	mux    *http.ServeMux
}

// call is one authenticated (or, for login, anonymous) request.
type call struct {
	r      *http.Request
	token  string       // the bearer token, "" on login
	worker *hitd.Worker // nil on login and logout
}

// endpoint answers one method of one path. It returns the response body
// (nil: 204 No Content) or an error.
type endpoint struct {
	// auth says what the endpoint needs: a valid session (authWorker), only
	// a bearer token (authToken: logout, which must work on an expired
	// session too) or nothing (authNone: login).
	auth authNeed
	name string // for the access log, e.g. "WorkerAPI.AcceptHIT"
	fn   func(*call) (any, error)
}

type authNeed int

const (
	authWorker authNeed = iota
	authToken
	authNone
)

// route maps HTTP methods to the endpoints of one path.
type route struct {
	h       *handler
	methods map[string]endpoint
}

// New returns the worker API handler. It matches full paths under Prefix
// (mount it with mux.Handle(workerapi.Prefix+"/", h)); any other path is a
// 404 in the API's error shape.
func New(svc *hitd.Service, opts Options) http.Handler {
	h := &handler{svc: svc, logger: opts.Logger, mux: http.NewServeMux()}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	h.handle("/login", "POST", authNone, "Login", h.login)
	h.handle("/logout", "POST", authToken, "Logout", h.logout)
	h.handle("/hits", "GET", authWorker, "ListHITGroups", h.listHITGroups)
	h.handle("/hits/{hitId}", "GET", authWorker, "GetHIT", h.getHIT)
	h.handle("/hits/{hitId}/accept", "POST", authWorker, "AcceptHIT", h.acceptHIT)
	h.handle("/groups/{hitTypeId}", "GET", authWorker, "PreviewHITGroup", h.previewGroup)
	h.handle("/groups/{hitTypeId}/accept", "POST", authWorker, "AcceptFromGroup", h.acceptFromGroup)
	h.handle("/assignments", "GET", authWorker, "ListAssignments", h.listAssignments)
	h.handle("/assignments/{assignmentId}", "GET", authWorker, "GetAssignment", h.getAssignment)
	h.handle("/assignments/{assignmentId}/return", "POST", authWorker, "ReturnAssignment", h.returnAssignment)
	h.handle("/assignments/{assignmentId}/submit", "POST", authWorker, "SubmitAssignment", h.submitAssignment)
	h.handle("/me", "GET", authWorker, "GetProfile", h.profile)
	h.handle("/messages", "GET", authWorker, "ListMessages", h.messages)
	h.handle("/me/qualifications", "GET", authWorker, "ListMyQualifications", h.myQualifications)
	h.handle("/qualifications", "GET", authWorker, "ListQualificationTypes", h.listQualifications)
	h.handle("/qualifications/{qualificationTypeId}", "GET", authWorker, "GetQualificationType", h.getQualification)
	h.handle("/qualifications/{qualificationTypeId}/request", "POST", authWorker, "RequestQualification", h.requestQualification)
	h.handle("/qualifications/{qualificationTypeId}/test", "POST", authWorker, "StartQualificationTest", h.startQualificationTest)
	h.handle("/qualifications/tests/{requestId}/submit", "POST", authWorker, "SubmitQualificationTest", h.submitQualificationTest)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.writeError(w, r, &statusError{http.StatusNotFound, hitd.ErrUnknownOperation,
			"There is no " + Prefix + " endpoint at " + r.URL.Path + "; see docs/worker-api.md."})
	})
	return h
}

// handle registers fn for method on Prefix+path.
func (h *handler) handle(path, method string, auth authNeed, name string, fn func(*call) (any, error)) {
	// Patterns carry no method: route answers a wrong method itself, with
	// 405 and an Allow header in the API's error shape, where ServeMux
	// would write plain text.
	ep := endpoint{auth: auth, name: "WorkerAPI." + name, fn: fn}
	rt := &route{h: h, methods: map[string]endpoint{method: ep}}
	if method == http.MethodGet {
		rt.methods[http.MethodHead] = ep
	}
	h.mux.Handle(Prefix+path, rt)
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			h.logger.Error("worker API panic", "method", r.Method, "path", r.URL.Path, "panic", p)
			api.Info(r.Context()).Err = errors.New("panic in worker API")
			// If the response had started, the client sees a cut-off body;
			// otherwise this writes a proper 500.
			writeJSON(w, http.StatusInternalServerError, errorBody{errorDetail{Code: hitd.ErrInternal, Message: hitd.ErrorMessage(nil)}})
		}
	}()
	w.Header().Set("Cache-Control", "no-store")
	api.Info(r.Context()).Protocol = api.ProtocolWorkerAPI
	h.mux.ServeHTTP(w, r)
}

func (rt *route) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := rt.h
	ep, ok := rt.methods[r.Method]
	if !ok {
		allow := make([]string, 0, len(rt.methods))
		for m := range rt.methods {
			allow = append(allow, m)
		}
		sort.Strings(allow)
		w.Header().Set("Allow", strings.Join(allow, ", "))
		h.writeError(w, r, &statusError{http.StatusMethodNotAllowed, hitd.ErrUnknownOperation,
			"Use " + strings.Join(allow, " or ") + " for " + r.URL.Path + ", not " + r.Method + "."})
		return
	}
	info := api.Info(r.Context())
	info.Operation, info.KnownOperation = ep.name, true
	c := &call{r: r}
	if ep.auth != authNone {
		tok, err := bearerToken(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		c.token = tok
		if ep.auth == authWorker {
			if c.worker, err = h.svc.WorkerForSession(r.Context(), tok); err != nil {
				h.writeError(w, r, err)
				return
			}
		}
	}
	out, err := ep.fn(c)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	if out == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// bearerToken reads "Authorization: Bearer <token>".
func bearerToken(r *http.Request) (string, error) {
	v := r.Header.Get("Authorization")
	if v == "" {
		return "", hitd.Errorf(hitd.ErrNotAuthenticated, "Log in first: send the token from POST %s/login as \"Authorization: Bearer <token>\".", Prefix)
	}
	scheme, tok, _ := strings.Cut(v, " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", hitd.Errorf(hitd.ErrNotAuthenticated, "The Authorization header must be \"Bearer <token>\".")
	}
	return tok, nil
}

// statusError is an error of the API itself (routing), with its status.
type statusError struct {
	status  int
	code    hitd.Code
	message string
}

func (e *statusError) Error() string { return string(e.code) + ": " + e.message }

// errorBody is the shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    hitd.Code         `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// writeError writes err in the API's error shape. Anything that is not a
// domain error is internal: logged, and answered with a generic message.
func (h *handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var se *statusError
	if errors.As(err, &se) {
		writeJSON(w, se.status, errorBody{errorDetail{Code: se.code, Message: se.message}})
		return
	}
	var de *hitd.Error
	if !errors.As(err, &de) || de.Code == hitd.ErrInternal {
		info := api.Info(r.Context())
		if info.Err == nil {
			info.Err = err // the server's access log reports it
		}
		h.logger.Error("worker API internal error", "method", r.Method, "path", r.URL.Path,
			"operation", info.Operation, "request_id", info.ID, "error", err.Error())
		writeJSON(w, http.StatusInternalServerError, errorBody{errorDetail{Code: hitd.ErrInternal, Message: hitd.ErrorMessage(err)}})
		return
	}
	status := api.WorkerStatus(de.Code)
	if errors.Is(err, api.ErrBodyTooLarge) {
		status = http.StatusRequestEntityTooLarge
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="hitd worker API"`)
	}
	body := errorBody{errorDetail{Code: de.Code, Message: de.Message}}
	if len(de.Fields) > 0 {
		body.Error.Fields = de.Fields
	}
	writeJSON(w, status, body)
}

// writeJSON writes v as the response. HTML characters are not escaped
// (Question XML stays readable); nosniff keeps browsers from reading the
// body as anything but JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only our own response types are encoded; they always marshal.
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"code":"ServiceFault","message":"The service is unable to process your request. Try again later."}}` + "\n")
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
