// Package hitdtest starts a hitd server for tests: a real SQLite store in a
// temporary directory, a fake clock, the real HTTP handler on httptest, and
// aws-sdk-go-v2 MTurk clients pointed at it. Every package's tests use it
// instead of building their own.
package hitdtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
	"github.com/hitd/hitd/api/server"
	"github.com/hitd/hitd/api/testmode"
	"github.com/hitd/hitd/internal/pgtest"
	"github.com/hitd/hitd/postgres"
	"github.com/hitd/hitd/scheduler"
	"github.com/hitd/hitd/sqlite"
	"github.com/hitd/hitd/web"
	"golang.org/x/crypto/bcrypt"
)

// Root credentials of every test server.
const (
	RootAccessKeyID = "HITDTESTROOT00000000"
	RootSecret      = "test-root-secret-0123456789abcdefghijklm"
)

// Env is a running test server.
type Env struct {
	T       testing.TB
	URL     string
	Clock   *hitd.FakeClock
	Service *hitd.Service
	Store   hitd.Store
	Root    *hitd.Requester
	Client  *mturk.Client // signed as the root requester
	// ContentURL is the separate content origin serving requester HTML
	// (Options.SeparateContentOrigin), "" otherwise.
	ContentURL string
	// TestClock (Options.TestMode) is the Service's clock: Clock plus the
	// offset that the /_test/clock endpoints add.
	TestClock *hitd.OffsetClock
}

// Options tweak New.
type Options struct {
	Config hitd.Config
	// Web mounts the worker web site (package web) with WebOptions.
	Web        bool
	WebOptions web.Options
	// SeparateContentOrigin (with Web) serves requester HTML from a second
	// test server, Env.ContentURL, and sets WebOptions.ContentOrigin and
	// (if empty) WebOptions.PublicURL accordingly.
	SeparateContentOrigin bool
	// RateLimiter throttles requesters on the Requester API edges
	// (server.Options.RateLimiter); nil: no limit.
	RateLimiter *api.RateLimiter
	// Observer is told of every request (server.Options.Observer).
	Observer server.RequestObserver
	// TestMode serves test mode's /_test/ endpoints (package testmode) in
	// front of the server, as hitd serve --test-mode does; the Service then
	// reads Env.TestClock.
	TestMode bool
	// Wrap, when set, wraps the server's handler, as hitd serve wraps
	// every listener's in server.TrustedProxies.Handler.
	Wrap func(http.Handler) http.Handler
}

// EnvStore selects the store the servers of New run on: unset or "sqlite"
// for SQLite in a temporary directory, "postgres" for a fresh schema of the
// database named by HITD_TEST_POSTGRES_URL (.ci/run runs the server
// suites both ways).
const EnvStore = "HITD_TEST_STORE"

func openStore(t testing.TB) hitd.Store {
	ctx := context.Background()
	var (
		s   hitd.Store
		err error
	)
	switch kind := os.Getenv(EnvStore); kind {
	case "", "sqlite":
		s, err = sqlite.Open(ctx, filepath.Join(t.TempDir(), "hitd.db"))
	case "postgres":
		url := pgtest.URL(t)
		s, err = postgres.Open(ctx, url, postgres.Options{Schema: pgtest.Schema(t, url), MaxConns: 8})
	default:
		t.Fatalf("%s=%q: want sqlite or postgres", EnvStore, kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// New starts a server. The fake clock starts at the current real time so
// that SDK signatures (made with the real time) verify; signatures are
// always checked against the real clock, so tests may move the fake clock
// freely.
func New(t testing.TB, opts ...Options) *Env {
	t.Helper()
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	if o.Config.StartingBalance == 0 {
		o.Config.StartingBalance = hitd.DefaultStartingBalance
	}
	if o.Config.PasswordCost == 0 {
		o.Config.PasswordCost = bcrypt.MinCost // fast worker sign-ups in tests
	}
	ctx := context.Background()
	db := openStore(t)
	// Every Write runs its function twice (see RetryingStore), so tests
	// catch Service code that is not safe for a store to retry.
	var store hitd.Store = RetryingStore{db}
	clock := hitd.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	var svcClock hitd.Clock = clock
	var testClock *hitd.OffsetClock
	if o.TestMode {
		testClock = hitd.NewOffsetClock(clock)
		svcClock = testClock
	}
	svc := hitd.NewService(store, svcClock, hitd.IDSource{}, o.Config)
	root, _, err := svc.EnsureRootRequester(ctx, RootAccessKeyID, RootSecret)
	if err != nil {
		t.Fatal(err)
	}
	// Unstarted servers know their address, which the web site's options need.
	srv := httptest.NewUnstartedServer(nil)
	e := &Env{T: t, URL: "http://" + srv.Listener.Addr().String(), Clock: clock, Service: svc, Store: store, Root: root, TestClock: testClock}
	sopts := server.Options{SignatureClock: hitd.SystemClock{}, RateLimiter: o.RateLimiter, Observer: o.Observer}
	var contentSrv *httptest.Server
	if o.Web {
		wo := o.WebOptions
		if o.SeparateContentOrigin {
			contentSrv = httptest.NewUnstartedServer(nil)
			e.ContentURL = "http://" + contentSrv.Listener.Addr().String()
			wo.ContentOrigin = e.ContentURL
			if wo.PublicURL == "" {
				wo.PublicURL = e.URL
			}
		}
		site := web.New(svc, wo)
		sopts.Web = site.Handler()
		if contentSrv != nil {
			contentSrv.Config.Handler = site.ContentHandler()
			contentSrv.Start()
		}
	}
	srv.Config.Handler = server.New(svc, sopts)
	if o.TestMode {
		due := []testmode.DueRunner{scheduler.New(svc, testClock, scheduler.Options{})}
		srv.Config.Handler = testmode.Mount(srv.Config.Handler, server.LogRequests(nil, testmode.New(testmode.Options{Clock: testClock, Service: svc, Due: due})))
	}
	if o.Wrap != nil {
		srv.Config.Handler = o.Wrap(srv.Config.Handler)
	}
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		if contentSrv != nil {
			contentSrv.Close()
		}
		store.Close()
	})
	e.Client = e.NewClient(RootAccessKeyID, RootSecret)
	return e
}

// NewClient returns an MTurk client with the given credentials, region
// us-east-1, no retries.
func (e *Env) NewClient(accessKeyID, secret string) *mturk.Client {
	cfg := aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: accessKeyID, SecretAccessKey: secret}, nil
		}),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	}
	return mturk.NewFromConfig(cfg, func(o *mturk.Options) { o.BaseEndpoint = aws.String(e.URL) })
}

// NewRequester creates another requester and returns it with a client
// signed as it.
func (e *Env) NewRequester(name string) (*hitd.Requester, *mturk.Client) {
	e.T.Helper()
	r, err := e.Service.CreateRequester(context.Background(), name)
	if err != nil {
		e.T.Fatal(err)
	}
	return r, e.NewClient(r.AccessKeyID, r.SecretAccessKey)
}
