// Package testmode is the HTTP edge of hitd's test mode (hitd serve
// --test-mode, docs/testing-your-code.md): endpoints under /_test/ with
// which a requester's own test suite moves hitd's clock and acts as
// workers, so that it sees assignments abandoned, auto-approved and HITs
// expired in milliseconds instead of hours.
//
//	GET  /_test/clock           the clock: {"now", "epochSeconds", "offsetSeconds"}
//	POST /_test/clock/advance   {"seconds": N}: forward by N seconds
//	POST /_test/clock/set       {"time": "RFC 3339" or epoch seconds}: forward to that time
//	POST /_test/workers         {"username": U}: a worker API session of worker U (made if new)
//
// After moving the clock it applies everything that became due (Options.Due,
// each realm's scheduler) before answering, so the next Requester API call
// already sees its effects.
//
// What it owns: routing under /_test/, decoding (unknown members
// rejected), encoding, and two guards against other web pages on the same
// machine: it answers only requests addressed to a loopback host name or
// address (DNS rebinding), and POSTs must be application/json, which a page
// of another origin cannot send without a CORS preflight that hitd never
// grants. Errors have the REST edge's shape ({"__type", "Message",
// "TurkErrorCode"}).
//
// What it must not touch: the rules of the clock (hitd.OffsetClock) and of
// worker sessions (hitd.Service) are the domain's; it holds no state but
// one lock that keeps a move and its due work together. It is mounted only
// in test mode, whose listeners cmd/hitd keeps on loopback.
package testmode

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
	"github.com/hitd/hitd/scheduler"
)

// Prefix is the path under which every test mode endpoint lives.
const Prefix = "/_test/"

// DueRunner applies the work due at a time: a realm's scheduler.
type DueRunner interface {
	RunOnce(ctx context.Context, now time.Time) (scheduler.Stats, error)
}

// Options configures the handler.
type Options struct {
	// Clock is the clock every realm reads; the endpoints move it.
	Clock *hitd.OffsetClock
	// Service is the realm POST /_test/workers makes sessions in.
	Service *hitd.Service
	// Due runs each realm's due work after the clock moves.
	Due []DueRunner
}

type handler struct {
	opts Options
	mux  *http.ServeMux
	resp api.Responder
	move sync.Mutex // one clock move and its due work at a time
}

// New returns the handler of the /_test/ endpoints.
func New(opts Options) http.Handler {
	h := &handler{opts: opts, mux: http.NewServeMux(), resp: api.Responder{
		ContentType: "application/json",
		Times:       api.ISO8601,
		Status:      api.WireError.RESTStatus,
		Now:         opts.Clock.Now,
	}}
	h.mux.HandleFunc("GET /_test/clock", h.getClock)
	h.mux.HandleFunc("POST /_test/clock/advance", h.advance)
	h.mux.HandleFunc("POST /_test/clock/set", h.set)
	h.mux.HandleFunc("POST /_test/workers", h.worker)
	h.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.resp.Error(w, r, &api.AuthError{Type: "UnknownOperationException", Status: http.StatusNotFound,
			Message: r.Method + " " + r.URL.Path + " is not a test mode endpoint: use GET /_test/clock, POST /_test/clock/advance, POST /_test/clock/set or POST /_test/workers."})
	})
	return h
}

// Mount returns a handler that sends paths under Prefix to test and every
// other request to next.
func Mount(next, test http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, Prefix) || r.URL.Path == strings.TrimSuffix(Prefix, "/") {
			test.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	api.Info(r.Context()).Operation = "TestMode " + r.Method + " " + r.URL.Path
	if !loopbackHost(r.Host) {
		h.resp.Error(w, r, &api.AuthError{Type: "AccessDeniedException", Status: http.StatusForbidden,
			Message: "Test mode endpoints answer only requests addressed to 127.0.0.1, [::1] or localhost, not " + r.Host + "."})
		return
	}
	if r.Method == http.MethodPost {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			h.resp.Error(w, r, &api.AuthError{Type: "UnsupportedMediaType", Status: http.StatusUnsupportedMediaType,
				Message: "Send test mode requests with Content-Type: application/json."})
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	h.mux.ServeHTTP(w, r)
}

// loopbackHost reports whether a Host header names this machine by a
// loopback address or localhost.
func loopbackHost(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// clockOutput is the clock as every clock endpoint answers it.
type clockOutput struct {
	Now           string   `json:"now"`           // RFC 3339, UTC, milliseconds
	EpochSeconds  float64  `json:"epochSeconds"`  // the same instant
	OffsetSeconds float64  `json:"offsetSeconds"` // how far hitd's clock runs ahead of real time
	Applied       *applied `json:"applied,omitempty"`
}

// applied is the due work a clock move applied, over all realms.
type applied struct {
	Abandoned    int `json:"abandoned"`
	AutoApproved int `json:"autoApproved"`
	Expired      int `json:"expired"`
	Released     int `json:"released"`
	Reviewed     int `json:"reviewed"`
	Delivered    int `json:"delivered"`
}

func (h *handler) clockAt(now time.Time) clockOutput {
	now = now.UTC().Truncate(time.Millisecond)
	return clockOutput{
		Now:           now.Format(time.RFC3339Nano),
		EpochSeconds:  float64(now.UnixMilli()) / 1000,
		OffsetSeconds: math.Round(h.opts.Clock.Offset().Seconds()*1000) / 1000,
	}
}

func (h *handler) getClock(w http.ResponseWriter, r *http.Request) {
	h.output(w, r, h.clockAt(h.opts.Clock.Now()))
}

type advanceInput struct {
	Seconds *float64 `json:"seconds"`
}

func (h *handler) advance(w http.ResponseWriter, r *http.Request) {
	var in advanceInput
	if !h.decode(w, r, &in) {
		return
	}
	if in.Seconds == nil {
		h.resp.Error(w, r, hitd.Errorf(hitd.ErrMissingParameter, "Your request is missing required parameters. Required parameters include seconds."))
		return
	}
	s := *in.Seconds
	if s <= 0 || s > hitd.MaxClockOffset.Seconds() {
		h.resp.Error(w, r, hitd.Errorf(hitd.ErrOutOfRange, "The value %s for seconds is invalid: the clock moves forward by more than 0 and at most %.0f seconds (%d days).",
			strconv.FormatFloat(s, 'f', -1, 64), hitd.MaxClockOffset.Seconds(), int(hitd.MaxClockOffset/(24*time.Hour))))
		return
	}
	h.moveClock(w, r, func() (time.Time, error) {
		return h.opts.Clock.Advance(time.Duration(math.Round(s * float64(time.Second))))
	})
}

type setInput struct {
	Time json.RawMessage `json:"time"`
}

func (h *handler) set(w http.ResponseWriter, r *http.Request) {
	var in setInput
	if !h.decode(w, r, &in) {
		return
	}
	t, err := parseTime(in.Time)
	if err != nil {
		h.resp.Error(w, r, err)
		return
	}
	h.moveClock(w, r, func() (time.Time, error) { return h.opts.Clock.Set(t) })
}

// parseTime reads the "time" member: an RFC 3339 string or a number of
// seconds since the Unix epoch (fractions allowed), as the Requester API's
// two timestamp formats.
func parseTime(raw json.RawMessage) (time.Time, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return time.Time{}, hitd.Errorf(hitd.ErrMissingParameter, "Your request is missing required parameters. Required parameters include time.")
	}
	bad := hitd.Errorf(hitd.ErrInvalidParameter, "The value %s for time is invalid: give an RFC 3339 time such as \"2030-01-02T15:04:05Z\" or a number of seconds since 1970-01-01T00:00:00Z.", raw)
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return time.Time{}, bad
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, bad
		}
		return t, nil
	}
	secs, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsNaN(secs) || math.IsInf(secs, 0) || math.Abs(secs) > 1e11 { // beyond year 5000
		return time.Time{}, bad
	}
	return time.UnixMilli(int64(math.Round(secs * 1000))).UTC(), nil
}

// moveClock moves the clock with move, applies in every realm what became
// due at the new time, and answers the clock and what was applied.
func (h *handler) moveClock(w http.ResponseWriter, r *http.Request, move func() (time.Time, error)) {
	h.move.Lock()
	defer h.move.Unlock()
	now, err := move()
	if err != nil {
		h.resp.Error(w, r, err)
		return
	}
	var due hitd.DueStats
	delivered := 0
	for _, d := range h.opts.Due {
		st, err := d.RunOnce(r.Context(), now)
		due.Add(st.DueStats)
		delivered += st.Delivered
		if err != nil {
			h.resp.Error(w, r, err)
			return
		}
	}
	out := h.clockAt(now)
	out.Applied = &applied{Abandoned: due.Abandoned, AutoApproved: due.AutoApproved, Expired: due.Expired,
		Released: due.Released, Reviewed: due.Reviewed, Delivered: delivered}
	h.output(w, r, out)
}

type workerInput struct {
	Username string `json:"username"`
}

type workerOutput struct {
	WorkerID string `json:"workerId"`
	Username string `json:"username"`
	Token    string `json:"token"`   // a worker API bearer token
	Created  bool   `json:"created"` // the worker is new
}

func (h *handler) worker(w http.ResponseWriter, r *http.Request) {
	var in workerInput
	if !h.decode(w, r, &in) {
		return
	}
	if in.Username == "" {
		h.resp.Error(w, r, hitd.Errorf(hitd.ErrMissingParameter, "Your request is missing required parameters. Required parameters include username."))
		return
	}
	token, wk, created, err := h.opts.Service.TestModeWorkerSession(r.Context(), in.Username)
	if err != nil {
		h.resp.Error(w, r, err)
		return
	}
	h.output(w, r, workerOutput{WorkerID: wk.ID, Username: wk.Username, Token: token, Created: created})
}

// decode reads a JSON body into in, answering the error itself.
func (h *handler) decode(w http.ResponseWriter, r *http.Request, in any) bool {
	body, err := api.ReadBody(r)
	if err == nil {
		err = api.DecodeInput(body, in)
	}
	if err != nil {
		h.resp.Error(w, r, err)
		return false
	}
	return true
}

func (h *handler) output(w http.ResponseWriter, r *http.Request, out any) {
	b, err := json.Marshal(out)
	if err != nil {
		h.resp.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-RequestId", api.Info(r.Context()).ID)
	w.Write(b)
}
