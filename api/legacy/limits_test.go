package legacy_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hitd/hitd/api"
	"github.com/hitd/hitd/internal/hitdtest"
)

// TestLegacyThrottled: beyond a requester's burst the legacy edge answers
// HTTP 503 with AWS.ServiceUnavailable, as MTurk did ("If you exceed the
// limit you will receive a 503 Service Unavailable error"), which boto 2
// retries with backoff.
func TestLegacyThrottled(t *testing.T) {
	stopped := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // no refill
	e := hitdtest.New(t, hitdtest.Options{RateLimiter: api.NewRateLimiter(1, 2, func() time.Time { return stopped })})
	c := newClient(t, e)
	c.do("GetAccountBalance").ok()
	c.do("GetAccountBalance").ok()
	r := c.do("GetAccountBalance")
	if r.status != http.StatusServiceUnavailable || r.code() != "AWS.ServiceUnavailable" || r.root != "GetAccountBalanceResponse" {
		t.Fatalf("beyond the burst: status %d, code %q, root %q:\n%s", r.status, r.code(), r.root, r.body)
	}
}

// TestLegacyBodyLimit: a form body over api.MaxBodyBytes is answered 413
// with the legacy error document, declared or sent chunked.
func TestLegacyBodyLimit(t *testing.T) {
	e := hitdtest.New(t)
	form := "Service=AWSMechanicalTurkRequester&Operation=GetAccountBalance&Question=" + strings.Repeat("x", api.MaxBodyBytes)
	for _, chunked := range []bool{false, true} {
		var body io.Reader = strings.NewReader(form)
		if chunked {
			body = io.MultiReader(body) // no length: sent chunked
		}
		req, _ := http.NewRequest(http.MethodPost, e.URL+"/", body)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		r := &resp{t: t, op: "GetAccountBalance", status: res.StatusCode, body: string(b)}
		r.parse()
		if r.status != http.StatusRequestEntityTooLarge || r.code() != "AWS.MechanicalTurk.ParameterOutOfRange" || !strings.Contains(r.get("Message"), "1048576 bytes") {
			t.Errorf("chunked %v: status %d:\n%s", chunked, r.status, r.body)
		}
	}
}
