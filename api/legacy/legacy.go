package legacy

import (
	"errors"
	"mime"
	"net/http"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
)

// ContentType is the content type of every response.
const ContentType = "text/xml; charset=utf-8"

// codeServiceUnavailable answers a request over its requester's rate
// limit, with HTTP 503, in OperationRequest/Errors like an authentication
// failure (an *authError).
const codeServiceUnavailable = "AWS.ServiceUnavailable"

// Handler serves the legacy API.
type Handler struct {
	svc     *hitd.Service
	clock   hitd.Clock // the signature clock
	limiter *api.RateLimiter
	ops     map[string]*operation
}

// New returns the legacy edge over svc; Timestamps are checked against
// sigClock, and limiter throttles each requester (nil: no limit).
func New(svc *hitd.Service, sigClock hitd.Clock, limiter *api.RateLimiter) *Handler {
	h := &Handler{svc: svc, clock: sigClock, limiter: limiter, ops: map[string]*operation{}}
	for _, o := range operations() {
		h.ops[o.name] = o
	}
	return h
}

// Operations returns the names of the legacy operations hitd implements,
// in table order.
func Operations() []string {
	var names []string
	for _, o := range operations() {
		names = append(names, o.name)
	}
	return names
}

// IsRequest tells a legacy request on / apart from the 2017 ones: it has no
// X-Amz-Target and is a form POST, or a GET (or POST) whose query names the
// service (Service=AWSMechanicalTurkRequester) or an Operation with an
// AWSAccessKeyId.
func IsRequest(r *http.Request) bool {
	if r.Header.Get("X-Amz-Target") != "" {
		return false
	}
	if r.Method == http.MethodPost {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "application/x-www-form-urlencoded" {
			return true
		}
	}
	q := r.URL.Query()
	return q.Get("Service") == ServiceName || (q.Get("Operation") != "" && q.Get("AWSAccessKeyId") != "")
}

// ServeHTTP answers one legacy request.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := api.Info(r.Context())
	info.Protocol = api.ProtocolLegacy
	rs := responder{w: w, info: info, requestID: info.ID, now: h.svc.Clock().Now}
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		rs.status = http.StatusMethodNotAllowed
		rs.early("", hitd.Errorf(hitd.ErrInvalidParameter, "The legacy API accepts GET and POST only."))
		return
	}
	var body []byte
	if r.Method == http.MethodPost {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
			b, err := api.ReadBody(r)
			if err != nil {
				if errors.Is(err, api.ErrBodyTooLarge) {
					rs.status = http.StatusRequestEntityTooLarge
				}
				rs.early("", err)
				return
			}
			body = b
		}
	}
	p, err := parseParams(r.URL.RawQuery, string(body))
	if err != nil {
		rs.early("", err)
		return
	}
	opName := p["Operation"]
	if validName(opName) {
		info.Operation = opName
	}
	_, info.KnownOperation = h.ops[opName]
	if s, ok := p["Service"]; ok && s != ServiceName {
		rs.early(opName, hitd.Errorf(hitd.ErrInvalidParameter, "The value %q is invalid for Service. The only service is %s.", printable(s), ServiceName))
		return
	}
	if opName == "" {
		rs.early(opName, hitd.Errorf(hitd.ErrMissingParameter, "Your request is missing required parameters. Required parameters include Operation."))
		return
	}
	caller, err := authenticate(r.Context(), h.svc, h.clock.Now(), r, p)
	if err != nil {
		rs.early(opName, err)
		return
	}
	info.RequesterID = caller.RequesterID
	if !h.limiter.Allow(caller.RequesterID) {
		// MTurk: "If you exceed the limit you will receive a 503 Service
		// Unavailable error." boto 2 retries a 500, 502, 503 or 504 with
		// backoff (boto/connection.py, _mexe), so old clients slow down.
		w.Header().Set("Retry-After", "1")
		info.Throttled = true
		rs.status = http.StatusServiceUnavailable
		rs.early(opName, &authError{codeServiceUnavailable, "Rate exceeded: this requester sends more requests than the server's rate limit allows. Slow down and try again."})
		return
	}
	o, ok := h.ops[opName]
	if !ok {
		rs.early(opName, hitd.Errorf(hitd.ErrUnknownOperation, "The operation %s is not a legacy (2014-08-15) MTurk Requester API operation that hitd implements.", printable(opName)))
		return
	}
	write, err := o.run(r.Context(), h.svc, caller, &decoder{p: p})
	if err != nil {
		rs.failed(o, err)
		return
	}
	rs.ok(o, write)
}

// validName reports whether an operation name can name XML elements.
func validName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// responder writes one response document.
type responder struct {
	w         http.ResponseWriter
	info      *api.RequestInfo
	requestID string
	now       func() time.Time
	status    int // 0: chosen by outcome
}

func (rs responder) begin(b *xb, root string) {
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.open(root)
}

// ok writes a successful result.
func (rs responder) ok(o *operation, write func(*xb)) {
	var b xb
	root := o.name + "Response"
	rs.begin(&b, root)
	b.open("OperationRequest")
	b.text("RequestId", rs.requestID)
	b.close("OperationRequest")
	b.open(o.resultElement())
	b.WriteString("<Request><IsValid>True</IsValid></Request>")
	if write != nil {
		write(&b)
	}
	b.close(o.resultElement())
	b.close(root)
	rs.send(http.StatusOK, b.String())
}

// failed writes an error of the operation itself, inside its result's
// Request element, as MTurk did.
func (rs responder) failed(o *operation, err error) {
	code, msg, status := rs.describe(err)
	var b xb
	root := o.name + "Response"
	rs.begin(&b, root)
	b.open("OperationRequest")
	b.text("RequestId", rs.requestID)
	b.close("OperationRequest")
	b.open(o.resultElement())
	b.WriteString("<Request><IsValid>False</IsValid>")
	writeErrors(&b, code, msg)
	b.WriteString("</Request>")
	b.close(o.resultElement())
	b.close(root)
	rs.send(status, b.String())
}

// early writes an error found before an operation ran (parameters,
// credentials, an unknown operation) in OperationRequest, as MTurk did.
func (rs responder) early(opName string, err error) {
	code, msg, status := rs.describe(err)
	root := "Response"
	if validName(opName) {
		root = opName + "Response"
	}
	var b xb
	rs.begin(&b, root)
	b.open("OperationRequest")
	b.text("RequestId", rs.requestID)
	writeErrors(&b, code, msg)
	b.close("OperationRequest")
	b.close(root)
	rs.send(status, b.String())
}

func writeErrors(b *xb, code, msg string) {
	b.WriteString("<Errors><Error>")
	b.text("Code", code)
	b.text("Message", msg)
	b.WriteString("</Error></Errors>")
}

// describe maps err to a code, message and HTTP status: request errors
// (including authentication) are 200, as MTurk's legacy API answered them;
// a fault of hitd's is 500.
func (rs responder) describe(err error) (code, msg string, status int) {
	rs.info.Failed = true
	var ae *authError
	if errors.As(err, &ae) {
		return ae.Code, ae.Message, rs.statusOr(http.StatusOK)
	}
	we := api.ToWire(err, rs.now())
	if we.Fault {
		rs.info.Err = err // logged, never shown
		return we.TurkErrorCode, we.Message, rs.statusOr(http.StatusInternalServerError)
	}
	return we.TurkErrorCode, we.Message, rs.statusOr(http.StatusOK)
}

func (rs responder) statusOr(def int) int {
	if rs.status != 0 {
		return rs.status
	}
	return def
}

func (rs responder) send(status int, body string) {
	h := rs.w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("x-amzn-RequestId", rs.requestID)
	rs.w.WriteHeader(status)
	rs.w.Write([]byte(body))
}
