package server_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/hitd/hitd/api"
	"github.com/hitd/hitd/api/workerapi"
	"github.com/hitd/hitd/internal/hitdtest"
)

// recorder is a server.RequestObserver that keeps every observation.
type recorder struct {
	mu  sync.Mutex
	got []string // "protocol operation outcome"
}

func (r *recorder) ObserveRequest(protocol, operation, outcome string, d time.Duration) {
	if d < 0 {
		operation += " (negative duration)"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, protocol+" "+operation+" "+outcome)
}

// take returns the observations so far and forgets them.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := r.got
	r.got = nil
	return got
}

// TestRequestObserver: every request is observed once with its protocol,
// an operation that is either one the edge implements, "unknown", or the
// web route's pattern (never the raw path or a made-up name), and its
// outcome, whatever status the protocol uses for errors.
func TestRequestObserver(t *testing.T) {
	rec := &recorder{}
	env := hitdtest.New(t, hitdtest.Options{Web: true, Observer: rec})
	ctx := context.Background()
	post := func(path, contentType, body string, hdr ...string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, env.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", contentType)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		if strings.HasPrefix(path, "/v1/") {
			req.SetBasicAuth(hitdtest.RootAccessKeyID, hitdtest.RootSecret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	get := func(path string) {
		t.Helper()
		resp, err := http.Get(env.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	cases := []struct {
		name string
		do   func()
		want string
	}{
		{"AWS JSON", func() {
			if _, err := env.Client.GetAccountBalance(ctx, &mturk.GetAccountBalanceInput{}); err != nil {
				t.Fatal(err)
			}
		}, "awsjson GetAccountBalance ok"},
		{"AWS JSON error", func() {
			if _, err := env.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: aws.String("NOSUCHHIT")}); err == nil {
				t.Fatal("GetHIT of no HIT succeeded")
			}
		}, "awsjson GetHIT client_error"},
		{"AWS JSON made-up operation", func() {
			post("/", "application/x-amz-json-1.1", "{}", "X-Amz-Target", "MTurkRequesterServiceV20170117.Made-Up-"+fmt.Sprint(time.Now().UnixNano()))
		}, "awsjson unknown client_error"},
		{"REST", func() { post("/v1/get-account-balance", "application/json", "{}") }, "rest GetAccountBalance ok"},
		{"REST made-up operation", func() { post("/v1/made-up-op", "application/json", "{}") }, "rest unknown client_error"},
		// The legacy API answers request errors with HTTP 200.
		{"legacy error", func() { get("/onca/xml?Service=AWSMechanicalTurkRequester&Operation=GetAccountBalance") }, "legacy GetAccountBalance client_error"},
		{"legacy made-up operation", func() { get("/onca/xml?Service=AWSMechanicalTurkRequester&Operation=MadeUp") }, "legacy unknown client_error"},
		{"worker API", func() {
			post(workerapi.Prefix+"/login", "application/json", `{"username":"nobody","password":"wrong-password"}`)
		},
			"worker-api WorkerAPI.Login client_error"},
		{"web page", func() { get("/") }, "web GET /{$} ok"},
		{"web page with a parameter", func() { get("/groups/NOSUCHGROUP") }, "web GET /groups/{id} client_error"},
		{"no such page", func() { get("/no/such/page") }, "web / client_error"},
		{"health check", func() { get("/healthz") }, "web GET /healthz ok"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec.take()
			c.do()
			if got := rec.take(); len(got) != 1 || got[0] != c.want {
				t.Errorf("observed %q, want [%q]", got, c.want)
			}
		})
	}
}

// TestRequestObserverThrottled: a request the rate limiter refuses is
// "throttled", not a client error (the AWS JSON edge answers it HTTP 400).
func TestRequestObserverThrottled(t *testing.T) {
	rec := &recorder{}
	stopped := time.Now() // a clock that never moves: no token comes back
	env := hitdtest.New(t, hitdtest.Options{Observer: rec, RateLimiter: api.NewRateLimiter(1, 1, func() time.Time { return stopped })})
	ctx := context.Background()
	if _, err := env.Client.GetAccountBalance(ctx, &mturk.GetAccountBalanceInput{}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Client.GetAccountBalance(ctx, &mturk.GetAccountBalanceInput{}); err == nil || !strings.Contains(err.Error(), "ThrottlingException") {
		t.Fatalf("second call: %v, want ThrottlingException", err)
	}
	want := []string{"awsjson GetAccountBalance ok", "awsjson GetAccountBalance throttled"}
	if got := rec.take(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("observed %q, want %q", got, want)
	}
}
