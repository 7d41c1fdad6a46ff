package legacy_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api/legacy"
	"github.com/hitd/hitd/api/server"
	"github.com/hitd/hitd/internal/hitdtest"
)

// Authentication cases beyond TestSignatures' (wrong secret, unknown key,
// stale and future Timestamp, tampered Operation, Timestamp and parameter):
// a captured request replayed, Expires, and disabled requesters. Every
// refusal must be MTurk's XML error and must write nothing.

// sigEnv is a test server whose signature clock the test moves.
type sigEnv struct {
	*hitdtest.Env
	sigClock *hitd.FakeClock
	url      string
}

func newSigEnv(t *testing.T) *sigEnv {
	e := hitdtest.New(t)
	clock := hitd.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	srv := httptest.NewServer(server.New(e.Service, server.Options{SignatureClock: clock}))
	t.Cleanup(srv.Close)
	return &sigEnv{Env: e, sigClock: clock, url: srv.URL}
}

// client is newClient against the server with the movable clock.
func (e *sigEnv) client(t *testing.T) *client {
	c := newClient(t, e.Env)
	c.base, c.now = e.url, e.sigClock.Now
	return c
}

// capture sends op through c and returns the signed parameters it sent.
func capture(c *client, op string, kv ...string) (*resp, url.Values) {
	var sent url.Values
	prev := c.tamper
	r := c.with(func(c *client) {
		c.tamper = func(v url.Values) {
			if prev != nil {
				prev(v)
			}
			sent = url.Values{}
			for k, vs := range v {
				sent[k] = append([]string(nil), vs...)
			}
		}
	}).do(op, kv...)
	return r, sent
}

// replay sends v again, as a form POST to /, and parses the answer.
func replay(t *testing.T, base, op string, v url.Values) *resp {
	t.Helper()
	res, err := http.Post(base+"/", "application/x-www-form-urlencoded; charset=UTF-8", strings.NewReader(v.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	r := &resp{t: t, op: op, status: res.StatusCode, body: b.String(), contentType: res.Header.Get("Content-Type")}
	r.parse()
	return r
}

// refused checks a refusal: the code, MTurk's XML shape (fails), and no
// internal detail in it.
func refused(r *resp, code, msgPart string) {
	r.t.Helper()
	r.fails(code)
	if !strings.Contains(r.get("Message"), msgPart) {
		r.t.Errorf("%s: message %q does not mention %q", r.op, r.get("Message"), msgPart)
	}
	for _, leak := range []string{"goroutine", ".go:", "panic", "ServiceFault", hitdtest.RootSecret} {
		if strings.Contains(r.body, leak) {
			r.t.Errorf("%s: refusal leaks %q:\n%s", r.op, leak, r.body)
		}
	}
}

// hitCount and balance are what a refused CreateHIT must not change.
func hitCount(t *testing.T, e *hitdtest.Env, requesterID string) (int, string) {
	t.Helper()
	ctx := context.Background()
	c := hitd.Caller{RequesterID: requesterID}
	n := 0
	in := &hitd.ListHITsInput{}
	for {
		out, err := e.Service.ListHITs(ctx, c, in)
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.HITs)
		if out.NextToken == "" || len(out.HITs) == 0 {
			break
		}
		in.NextToken = out.NextToken
	}
	bal, err := e.Service.GetAccountBalance(ctx, c, &hitd.GetAccountBalanceInput{})
	if err != nil {
		t.Fatal(err)
	}
	return n, bal.AvailableBalance
}

func TestReplayedRequests(t *testing.T) {
	for _, kind := range []string{"1", "2"} {
		t.Run("SignatureVersion "+kind, func(t *testing.T) {
			e := newSigEnv(t)
			c := e.client(t).with(func(c *client) { c.sig = kind })
			first, captured := capture(c, "CreateHIT", hitParams("UniqueRequestToken", "legacy-replay")...)
			first.ok()
			hits, bal := hitCount(t, e.Env, e.Root.ID)

			// Within the window the captured request authenticates, as on
			// AWS; its UniqueRequestToken keeps it from making a second HIT.
			replay(t, e.url, "CreateHIT", captured).fails("AWS.MechanicalTurk.HitAlreadyExists")
			// With one parameter changed it does not authenticate at all.
			for name, value := range map[string]string{"Reward.1.Amount": "0.06", "UniqueRequestToken": "legacy-replay-2", "MaxAssignments": "30"} {
				changed := url.Values{}
				for k, vs := range captured {
					changed[k] = vs
				}
				changed.Set(name, value)
				refused(replay(t, e.url, "CreateHIT", changed), "AWS.BadClaimsSupplied", "Signature does not match")
			}
			// After the window (15 minutes, as AWS's query APIs) it is refused.
			e.sigClock.Advance(legacy.MaxSkew + time.Second)
			refused(replay(t, e.url, "CreateHIT", captured), "AWS.BadClaimsSupplied", "more than 15 minutes away")
			if h, b := hitCount(t, e.Env, e.Root.ID); h != hits || b != bal {
				t.Errorf("replays wrote: %d HITs %s → %d HITs %s", hits, bal, h, b)
			}
		})
	}
}

func TestExpires(t *testing.T) {
	e := newSigEnv(t)
	c := e.client(t)
	at := func(d time.Duration) string { return e.sigClock.Now().Add(d).UTC().Format("2006-01-02T15:04:05Z") }
	// A future Expires is fine; a passed one, or one that is not a time, is refused.
	c.do("GetAccountBalance", "Expires", at(time.Minute)).ok()
	refused(c.do("GetAccountBalance", "Expires", at(-time.Second)), "AWS.BadClaimsSupplied", "has expired")
	refused(c.do("GetAccountBalance", "Expires", at(0)), "AWS.BadClaimsSupplied", "has expired")
	c.do("GetAccountBalance", "Expires", "soon").fails("AWS.MechanicalTurk.InvalidParameterValue")

	// A captured request with Expires is refused once Expires passes, well
	// within the Timestamp window.
	first, captured := capture(c, "CreateHIT", hitParams("Expires", at(time.Minute), "UniqueRequestToken", "expires-1")...)
	first.ok()
	hits, bal := hitCount(t, e.Env, e.Root.ID)
	e.sigClock.Advance(2 * time.Minute)
	refused(replay(t, e.url, "CreateHIT", captured), "AWS.BadClaimsSupplied", "has expired")
	// Expires is covered by the signature: moving it later breaks it.
	captured.Set("Expires", at(time.Hour))
	refused(replay(t, e.url, "CreateHIT", captured), "AWS.BadClaimsSupplied", "Signature does not match")
	if h, b := hitCount(t, e.Env, e.Root.ID); h != hits || b != bal {
		t.Errorf("refused requests wrote: %d HITs %s → %d HITs %s", hits, bal, h, b)
	}
}

func TestDisabledRequesterLegacy(t *testing.T) {
	e := hitdtest.New(t)
	lab, _ := e.NewRequester("lab")
	for _, kind := range []string{"rest", "1", "2"} {
		c := newClient(t, e).with(func(c *client) { c.sig, c.key, c.secret = kind, lab.AccessKeyID, lab.SecretAccessKey })
		c.do("GetAccountBalance").ok()
		if _, err := e.Service.SetRequesterDisabled(context.Background(), lab.AccessKeyID, true); err != nil {
			t.Fatal(err)
		}
		hits, bal := hitCount(t, e, lab.ID)
		refused(c.do("CreateHIT", hitParams()...), "AWS.NotAuthorized", "not authorized")
		refused(c.do("GetAccountBalance"), "AWS.NotAuthorized", "not authorized")
		if h, b := hitCount(t, e, lab.ID); h != hits || b != bal {
			t.Errorf("sig %s: a disabled requester's request wrote: %d HITs %s → %d HITs %s", kind, hits, bal, h, b)
		}
		newClient(t, e).do("GetAccountBalance").ok() // the root is unaffected
		if _, err := e.Service.SetRequesterDisabled(context.Background(), lab.AccessKeyID, false); err != nil {
			t.Fatal(err)
		}
		c.do("GetAccountBalance").ok()
	}
}
