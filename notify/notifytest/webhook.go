package notifytest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hitd/hitd/notify"
)

// Webhook is a fake webhook receiver on 127.0.0.1. It verifies every POST
// with notify.VerifyWebhook (5 minutes of skew allowed), answering 401 when
// the signature or timestamp does not verify, 415 for a Content-Type other
// than application/json, and 204 after recording the body.
type Webhook struct {
	t      testing.TB
	secret string
	srv    *httptest.Server

	mu       sync.Mutex
	changed  chan struct{}
	bodies   []string
	headers  []http.Header
	fail     []int
	requests int
	rejected []string
}

// NewWebhook starts a receiver verifying with secret; it stops when the
// test ends.
func NewWebhook(t testing.TB, secret string) *Webhook {
	h := &Webhook{t: t, secret: secret, changed: make(chan struct{})}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	return h
}

// URL is the receiver's URL (http on 127.0.0.1, which
// notify.ValidateDestination accepts).
func (h *Webhook) URL() string { return h.srv.URL + "/notifytest-hook" }

// Config returns a notify.Config with this receiver's secret.
func (h *Webhook) Config() notify.Config { return notify.Config{WebhookSecret: h.secret} }

// FailNext makes the next n requests fail with status before verification.
func (h *Webhook) FailNext(n, status int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for range n {
		h.fail = append(h.fail, status)
	}
}

// Messages returns the accepted bodies in order.
func (h *Webhook) Messages() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bodies...)
}

// Headers returns the request headers of the accepted requests, in order.
func (h *Webhook) Headers() []http.Header {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]http.Header(nil), h.headers...)
}

// Requests counts requests received, failed ones included.
func (h *Webhook) Requests() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests
}

// Rejected returns why requests were refused, in order.
func (h *Webhook) Rejected() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.rejected...)
}

// Wait blocks until at least n bodies were accepted and returns them, or
// fails the test after timeout.
func (h *Webhook) Wait(n int, timeout time.Duration) []string {
	h.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		h.mu.Lock()
		got, ch := len(h.bodies), h.changed
		h.mu.Unlock()
		if got >= n {
			return h.Messages()
		}
		select {
		case <-ch:
		case <-deadline.C:
			h.t.Fatalf("notifytest webhook: waited %s for %d bodies, got %d (requests %d, rejected %q)",
				timeout, n, got, h.Requests(), h.Rejected())
			return nil
		}
	}
}

func (h *Webhook) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
	h.mu.Lock()
	h.requests++
	status := 0
	if len(h.fail) > 0 {
		status, h.fail = h.fail[0], h.fail[1:]
	}
	h.mu.Unlock()
	if status != 0 {
		http.Error(w, "injected failure", status)
		return
	}
	reject := func(status int, why string) {
		h.mu.Lock()
		h.rejected = append(h.rejected, why)
		h.mu.Unlock()
		http.Error(w, why, status)
	}
	switch {
	case err != nil:
		reject(http.StatusBadRequest, "reading body: "+err.Error())
	case r.Method != http.MethodPost:
		reject(http.StatusMethodNotAllowed, "method "+r.Method)
	case r.Header.Get("Content-Type") != "application/json":
		reject(http.StatusUnsupportedMediaType, "Content-Type "+r.Header.Get("Content-Type"))
	default:
		if err := notify.VerifyWebhook(h.secret, r.Header, body, time.Now(), 5*time.Minute); err != nil {
			reject(http.StatusUnauthorized, err.Error())
			return
		}
		h.mu.Lock()
		h.bodies = append(h.bodies, string(body))
		h.headers = append(h.headers, r.Header.Clone())
		close(h.changed)
		h.changed = make(chan struct{})
		h.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}
}
