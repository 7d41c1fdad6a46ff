package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/hitd/hitd"
)

// ErrBodyTooLarge is ReadBody's error for a body of more than MaxBodyBytes.
// The edges answer it with HTTP 413 (Request Entity Too Large) in their own
// error shape: on the JSON edges a RequestError with TurkErrorCode
// AWS.MechanicalTurk.ParameterOutOfRange, which the SDKs raise as
// RequestError and do not retry.
var ErrBodyTooLarge = hitd.Errorf(hitd.ErrOutOfRange,
	"The request body is larger than %d bytes (%d MiB), the most one request may send. (A Question may be at most %d bytes.)",
	MaxBodyBytes, MaxBodyBytes>>20, hitd.MaxQuestionBytes)

// ReadBody reads a request body up to MaxBodyBytes. A body declared
// (Content-Length) or found larger is ErrBodyTooLarge; a declared one is
// refused before any of it is read, and the server closes the connection
// after answering rather than read the rest. The buffer grows with the
// bytes that arrive, never with what Content-Length claims.
func ReadBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBodyBytes {
		return nil, ErrBodyTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, hitd.Errorf(hitd.ErrInvalidParameter, "The request body could not be read.")
	}
	if len(b) > MaxBodyBytes {
		return nil, ErrBodyTooLarge
	}
	return b, nil
}

// Responder writes responses for one edge: its content type, its timestamp
// format and its choice of HTTP status for errors.
type Responder struct {
	ContentType string
	Times       TimeFormat
	Status      func(WireError) int
	Now         func() time.Time
	// Limiter throttles each requester once authenticated; nil: no limit.
	Limiter *RateLimiter
}

// Dispatch finishes a request once its edge knows the operation: it reads
// the body, authenticates it with authenticate, takes the requester's
// token from rs.Limiter (or answers Throttled), runs o as the caller and
// writes the output or the error.
func (rs Responder) Dispatch(w http.ResponseWriter, r *http.Request, svc *hitd.Service, o *Operation,
	authenticate func(*http.Request, []byte) (hitd.Caller, error)) {
	body, err := ReadBody(r)
	if err != nil {
		rs.Error(w, r, err)
		return
	}
	caller, err := authenticate(r, body)
	if err != nil {
		rs.Error(w, r, err)
		return
	}
	Info(r.Context()).RequesterID = caller.RequesterID
	if !rs.Limiter.Allow(caller.RequesterID) {
		Info(r.Context()).Throttled = true
		rs.Error(w, r, Throttled)
		return
	}
	out, err := o.Invoke(r.Context(), svc, caller, body)
	if err != nil {
		rs.Error(w, r, err)
		return
	}
	rs.Output(w, r, out)
}

// Output writes a successful operation output.
func (rs Responder) Output(w http.ResponseWriter, r *http.Request, out any) {
	b, err := EncodeOutput(out, rs.Times)
	if err != nil {
		rs.Error(w, r, err)
		return
	}
	rs.write(w, r, http.StatusOK, b)
}

// Error writes err in the wire's error shape.
func (rs Responder) Error(w http.ResponseWriter, r *http.Request, err error) {
	Info(r.Context()).Failed = true
	var ae *AuthError
	if errors.As(err, &ae) {
		b, _ := json.Marshal(ae)
		rs.write(w, r, ae.Status, b)
		return
	}
	we := ToWire(err, rs.Now())
	if we.Fault {
		Info(r.Context()).Err = err // logged, never shown
	}
	status := rs.Status(we)
	if errors.Is(err, ErrBodyTooLarge) {
		status = http.StatusRequestEntityTooLarge
	}
	b, _ := json.Marshal(we)
	rs.write(w, r, status, b)
}

func (rs Responder) write(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", rs.ContentType)
	h.Set("x-amzn-RequestId", Info(r.Context()).ID)
	w.WriteHeader(status)
	w.Write(body)
}
