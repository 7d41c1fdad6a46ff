package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
	"github.com/hitd/hitd/api/server"
	"github.com/hitd/hitd/internal/hitdtest"
)

// This file drives authentication through both JSON edges with requests
// signed by aws-sdk-go-v2's own SigV4 signer, then changed the ways an
// attacker (or a broken client) would change them. Every refusal must be
// an AWS-shaped JSON error (no 500, no stack trace) and must write nothing.
// The legacy edge's cases are in api/legacy/auth_test.go; the Service's
// (disabled requesters, key cache) in service_requester_test.go.

// createHITBody is a CreateHIT that reserves money: a refused one that got
// through would show in the HIT count and the balance.
var createHITBody = `{"Title":"Auth probe","Description":"d","Reward":"0.05","AssignmentDurationInSeconds":600,` +
	`"LifetimeInSeconds":3600,"MaxAssignments":1,"Question":` + jsonString(externalQ) + `}`

// edge is one JSON protocol: where CreateHIT goes and how it is named.
type edge struct {
	name, path, target string
}

var jsonEdges = []edge{
	{"awsjson", "/", "MTurkRequesterServiceV20170117.CreateHIT"},
	{"rest", "/v1/create-hit", ""},
}

// signing is what a request is signed with.
type signing struct {
	key, secret, region, service string
	at                           time.Time
}

func rootSigning() signing {
	return signing{hitdtest.RootAccessKeyID, hitdtest.RootSecret, "us-east-1", api.SigningService, time.Now()}
}

// newSigned builds a CreateHIT request to base on e, changed by pre (if
// given) and then signed with s by the SDK's signer over body.
func newSigned(t *testing.T, base string, e edge, body string, s signing, pre ...func(*http.Request)) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+e.path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if e.target != "" {
		req.Header.Set("X-Amz-Target", e.target)
	}
	for _, f := range pre {
		f(req)
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: s.key, SecretAccessKey: s.secret},
		req, hex.EncodeToString(sum[:]), s.service, s.region, s.at); err != nil {
		t.Fatal(err)
	}
	return req
}

// setBody replaces req's body after signing.
func setBody(req *http.Request, body string) {
	req.Body = io.NopCloser(strings.NewReader(body))
	req.ContentLength = int64(len(body))
}

// send sends req and returns its status, headers and raw body.
func send(t *testing.T, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// wantRefusal checks an AWS-shaped authentication error: the status, JSON
// with __type and Message, the edge's content type, a request ID, and
// nothing that looks like a stack trace or an internal error.
func wantRefusal(t *testing.T, status int, hdr http.Header, raw []byte, wantStatus int, wantType, wantMsg string) {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("refusal is not JSON (%d): %q", status, raw)
	}
	if status != wantStatus || body["__type"] != wantType {
		t.Fatalf("got %d %s, want %d %s", status, raw, wantStatus, wantType)
	}
	msg, _ := body["Message"].(string)
	if !strings.Contains(msg, wantMsg) {
		t.Errorf("Message %q does not contain %q", msg, wantMsg)
	}
	if ct := hdr.Get("Content-Type"); ct != "application/x-amz-json-1.1" && ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if hdr.Get("x-amzn-RequestId") == "" {
		t.Error("no x-amzn-RequestId")
	}
	for _, leak := range []string{"goroutine", ".go:", "panic", "ServiceFault", "runtime.", hitdtest.RootSecret} {
		if bytes.Contains(raw, []byte(leak)) {
			t.Errorf("refusal leaks %q: %s", leak, raw)
		}
	}
}

// ledger is what a requester owns that a CreateHIT changes.
type ledger struct {
	hits    int
	balance string
}

func ledgerOf(t *testing.T, svc *hitd.Service, requesterID string) ledger {
	t.Helper()
	ctx := context.Background()
	c := hitd.Caller{RequesterID: requesterID}
	var l ledger
	in := &hitd.ListHITsInput{MaxResults: aws.Int64(100)}
	for {
		out, err := svc.ListHITs(ctx, c, in)
		if err != nil {
			t.Fatal(err)
		}
		l.hits += len(out.HITs)
		if out.NextToken == "" || len(out.HITs) == 0 {
			break
		}
		in.NextToken = out.NextToken
	}
	bal, err := svc.GetAccountBalance(ctx, c, &hitd.GetAccountBalanceInput{})
	if err != nil {
		t.Fatal(err)
	}
	l.balance = bal.AvailableBalance
	return l
}

func TestSigV4Tampering(t *testing.T) {
	env := hitdtest.New(t)
	lab, _ := env.NewRequester("lab")
	type tc struct {
		name string
		sign func(*signing)
		// pre changes the request before signing, post after.
		pre, post  func(*http.Request)
		wantType   string // "" for success
		wantMsg    string
		restStatus int // REST's status when it differs from the JSON edge's 400
	}
	future, past := 6*time.Minute, -6*time.Minute
	cases := []tc{
		{name: "as signed"},
		{name: "body: one byte changed", post: func(r *http.Request) {
			setBody(r, strings.Replace(createHITBody, `"Reward":"0.05"`, `"Reward":"0.06"`, 1))
		},
			wantType: "InvalidSignatureException", wantMsg: "signature we calculated does not match"},
		{name: "body: one byte changed, payload hash header kept", pre: func(r *http.Request) {
			sum := sha256.Sum256([]byte(createHITBody))
			r.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
		}, post: func(r *http.Request) { setBody(r, strings.Replace(createHITBody, "Auth probe", "Auth probf", 1)) },
			wantType: "InvalidSignatureException", wantMsg: "x-amz-content-sha256"},
		{name: "X-Amz-Target changed", pre: func(r *http.Request) { r.Header.Set("X-Amz-Target", "MTurkRequesterServiceV20170117.CreateHIT") },
			post:     func(r *http.Request) { r.Header.Set("X-Amz-Target", "MTurkRequesterServiceV20170117.CreateHITType") },
			wantType: "InvalidSignatureException", wantMsg: "does not match"},
		{name: "X-Amz-Date changed", post: func(r *http.Request) {
			d, _ := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
			r.Header.Set("X-Amz-Date", d.Add(time.Second).Format("20060102T150405Z"))
		}, wantType: "InvalidSignatureException", wantMsg: "does not match"},
		{name: "Host changed", post: func(r *http.Request) { r.Host = "mturk-requester.us-east-1.amazonaws.com" },
			wantType: "InvalidSignatureException", wantMsg: "does not match"},
		{name: "Content-Type changed", post: func(r *http.Request) { r.Header.Set("Content-Type", "application/json") },
			wantType: "InvalidSignatureException", wantMsg: "does not match"},
		{name: "unsigned header added", post: func(r *http.Request) { r.Header.Set("X-Forwarded-For", "10.0.0.1") }},
		{name: "Authorization signature changed", post: func(r *http.Request) {
			a := r.Header.Get("Authorization")
			last := a[len(a)-1]
			repl := byte('0')
			if last == '0' {
				repl = '1'
			}
			r.Header.Set("Authorization", a[:len(a)-1]+string(repl))
		}, wantType: "InvalidSignatureException", wantMsg: "does not match"},
		{name: "Authorization dropped", post: func(r *http.Request) { r.Header.Del("Authorization") },
			wantType: "MissingAuthenticationTokenException", wantMsg: "Missing Authentication Token", restStatus: http.StatusUnauthorized},
		{name: "wrong secret", sign: func(s *signing) { s.secret = "not-the-secret" },
			wantType: "InvalidSignatureException", wantMsg: "does not match"},
		{name: "unknown access key", sign: func(s *signing) { s.key = "HITDNOSUCHKEY0000000" },
			wantType: "UnrecognizedClientException", wantMsg: "The security token included in the request is invalid."},
		{name: "another requester's key with the root's secret", sign: func(s *signing) { s.key = lab.AccessKeyID },
			wantType: "InvalidSignatureException", wantMsg: "does not match"},
		{name: "wrong service", sign: func(s *signing) { s.service = "sqs" },
			wantType: "InvalidSignatureException", wantMsg: "Credential should be scoped to correct service: 'mturk-requester'."},
		{name: "wrong scope terminator", post: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/aws4_request", "/aws5_request", 1))
		}, wantType: "InvalidSignatureException", wantMsg: "terminator"},
		{name: "any region by default", sign: func(s *signing) { s.region = "eu-west-1" }},
		{name: "signed 6 minutes ago", sign: func(s *signing) { s.at = s.at.Add(past) },
			wantType: "InvalidSignatureException", wantMsg: "Signature expired: "},
		{name: "signed 6 minutes ahead", sign: func(s *signing) { s.at = s.at.Add(future) },
			wantType: "InvalidSignatureException", wantMsg: "Signature not yet current: "},
		{name: "signed 4 minutes ago", sign: func(s *signing) { s.at = s.at.Add(-4 * time.Minute) }},
		{name: "signed 4 minutes ahead", sign: func(s *signing) { s.at = s.at.Add(4 * time.Minute) }},
	}
	for _, e := range jsonEdges {
		for _, c := range cases {
			t.Run(e.name+"/"+c.name, func(t *testing.T) {
				s := rootSigning()
				if c.sign != nil {
					c.sign(&s)
				}
				var pre []func(*http.Request)
				if c.pre != nil {
					pre = append(pre, c.pre)
				}
				req := newSigned(t, env.URL, e, createHITBody, s, pre...)
				if c.post != nil {
					c.post(req)
				}
				before, beforeLab := ledgerOf(t, env.Service, env.Root.ID), ledgerOf(t, env.Service, lab.ID)
				status, hdr, raw := send(t, req)
				after, afterLab := ledgerOf(t, env.Service, env.Root.ID), ledgerOf(t, env.Service, lab.ID)
				if c.wantType == "" {
					if status != 200 || after.hits != before.hits+1 {
						t.Fatalf("want success: %d %s (HITs %d → %d)", status, raw, before.hits, after.hits)
					}
					return
				}
				want := http.StatusBadRequest
				if e.name == "rest" && c.restStatus != 0 {
					want = c.restStatus
				}
				wantRefusal(t, status, hdr, raw, want, c.wantType, c.wantMsg)
				if after != before || afterLab != beforeLab {
					t.Errorf("a refused request wrote: root %+v → %+v, lab %+v → %+v", before, after, beforeLab, afterLab)
				}
			})
		}
	}
}

// TestSignatureWindowMessages checks the exact AWS wording of a request
// signed outside the five-minute window.
func TestSignatureWindowMessages(t *testing.T) {
	env := hitdtest.New(t)
	now := time.Now().UTC()
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{now.Add(-10 * time.Minute), "Signature expired: " + now.Add(-10*time.Minute).Format("20060102T150405Z") + " is now earlier than "},
		{now.Add(10 * time.Minute), "Signature not yet current: " + now.Add(10*time.Minute).Format("20060102T150405Z") + " is still later than "},
	} {
		s := rootSigning()
		s.at = c.at
		status, hdr, raw := send(t, newSigned(t, env.URL, jsonEdges[0], createHITBody, s))
		wantRefusal(t, status, hdr, raw, 400, "InvalidSignatureException", c.want)
		wantRefusal(t, status, hdr, raw, 400, "InvalidSignatureException", " 5 min.)")
	}
}

// TestSigV4Replay replays a captured request: within the window it is
// accepted, as on AWS (and a UniqueRequestToken makes a replayed create
// harmless); after the window it is refused; with any byte changed it is
// refused at once.
func TestSigV4Replay(t *testing.T) {
	env := hitdtest.New(t)
	sigClock := hitd.NewFakeClock(time.Now().UTC().Truncate(time.Second))
	srv := httptest.NewServer(server.New(env.Service, server.Options{SignatureClock: sigClock}))
	defer srv.Close()
	body := strings.Replace(createHITBody, `{`, `{"UniqueRequestToken":"replay-1",`, 1)
	s := rootSigning()
	s.at = sigClock.Now()
	for _, e := range jsonEdges {
		t.Run(e.name, func(t *testing.T) {
			captured := newSigned(t, srv.URL, e, body, s)
			replay := func(mod func(*http.Request)) (int, http.Header, []byte) {
				req := captured.Clone(context.Background())
				setBody(req, body)
				if mod != nil {
					mod(req)
				}
				return send(t, req)
			}
			before := ledgerOf(t, env.Service, env.Root.ID)
			status, _, raw := replay(nil)
			if e.name == jsonEdges[0].name && status != 200 {
				t.Fatalf("first send: %d %s", status, raw)
			}
			// The replay within the window is authenticated; the token stops a second HIT.
			status, _, raw = replay(nil)
			if status == 200 || !strings.Contains(string(raw), "AWS.MechanicalTurk.HitAlreadyExists") {
				t.Fatalf("replay within the window: %d %s, want HitAlreadyExists", status, raw)
			}
			status, hdr, raw := replay(func(r *http.Request) { setBody(r, strings.Replace(body, "replay-1", "replay-2", 1)) })
			wantRefusal(t, status, hdr, raw, 400, "InvalidSignatureException", "does not match")
			sigClock.Advance(api.SignatureWindow + time.Second)
			defer sigClock.Advance(-api.SignatureWindow - time.Second)
			status, hdr, raw = replay(nil)
			wantRefusal(t, status, hdr, raw, 400, "InvalidSignatureException", "Signature expired")
			if after := ledgerOf(t, env.Service, env.Root.ID); e.name == jsonEdges[0].name && after.hits != before.hits+1 {
				t.Errorf("HITs %d → %d, want one more", before.hits, after.hits)
			} else if e.name != jsonEdges[0].name && after != before {
				t.Errorf("the REST replays wrote: %+v → %+v", before, after)
			}
		})
	}
}

// TestSigV4Regions: with Options.Regions set, a credential scoped to
// another region is refused with AWS's words.
func TestSigV4Regions(t *testing.T) {
	env := hitdtest.New(t)
	srv := httptest.NewServer(server.New(env.Service, server.Options{SignatureClock: hitd.SystemClock{}, Regions: []string{"us-east-1"}}))
	defer srv.Close()
	for _, e := range jsonEdges {
		s := rootSigning()
		if status, _, raw := send(t, newSigned(t, srv.URL, e, createHITBody, s)); status != 200 {
			t.Fatalf("%s, us-east-1: %d %s", e.name, status, raw)
		}
		before := ledgerOf(t, env.Service, env.Root.ID)
		s.region = "eu-west-1"
		status, hdr, raw := send(t, newSigned(t, srv.URL, e, createHITBody, s))
		wantRefusal(t, status, hdr, raw, 400, "InvalidSignatureException", "Credential should be scoped to a valid region, not 'eu-west-1'.")
		if after := ledgerOf(t, env.Service, env.Root.ID); after != before {
			t.Errorf("%s: a refused request wrote: %+v → %+v", e.name, before, after)
		}
	}
}

// TestDisabledRequesterRefused: a disabled requester's SigV4 and HTTP Basic
// requests are refused like an unknown key's, at once on this node, and
// accepted again once it is enabled.
func TestDisabledRequesterRefused(t *testing.T) {
	env := hitdtest.New(t)
	ctx := context.Background()
	lab, _ := env.NewRequester("lab")
	s := rootSigning()
	s.key, s.secret = lab.AccessKeyID, lab.SecretAccessKey
	basic := func() *http.Request {
		req, _ := http.NewRequest(http.MethodPost, env.URL+"/v1/create-hit", strings.NewReader(createHITBody))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth(lab.AccessKeyID, lab.SecretAccessKey)
		return req
	}
	// Warm every cache first.
	for _, e := range jsonEdges {
		if status, _, raw := send(t, newSigned(t, env.URL, e, createHITBody, s)); status != 200 {
			t.Fatalf("%s before disabling: %d %s", e.name, status, raw)
		}
	}
	if status, _, raw := send(t, basic()); status != 200 {
		t.Fatalf("Basic before disabling: %d %s", status, raw)
	}
	if _, err := env.Service.SetRequesterDisabled(ctx, lab.AccessKeyID, true); err != nil {
		t.Fatal(err)
	}
	before := ledgerOf(t, env.Service, lab.ID)
	for _, e := range jsonEdges {
		status, hdr, raw := send(t, newSigned(t, env.URL, e, createHITBody, s))
		wantRefusal(t, status, hdr, raw, 400, "UnrecognizedClientException", "The security token included in the request is invalid.")
	}
	status, hdr, raw := send(t, basic())
	wantRefusal(t, status, hdr, raw, http.StatusForbidden, "UnrecognizedClientException", "not valid")
	if after := ledgerOf(t, env.Service, lab.ID); after != before {
		t.Errorf("a disabled requester's requests wrote: %+v → %+v", before, after)
	}
	// Others are unaffected.
	if status, _, raw := send(t, newSigned(t, env.URL, jsonEdges[0], createHITBody, rootSigning())); status != 200 {
		t.Fatalf("root while lab is disabled: %d %s", status, raw)
	}
	if _, err := env.Service.SetRequesterDisabled(ctx, lab.AccessKeyID, false); err != nil {
		t.Fatal(err)
	}
	for _, e := range jsonEdges {
		if status, _, raw := send(t, newSigned(t, env.URL, e, createHITBody, s)); status != 200 {
			t.Fatalf("%s after enabling: %d %s", e.name, status, raw)
		}
	}
}

// TestBasicAuthRefusals: HTTP Basic on the REST edge refuses a wrong
// secret, an unknown key and a missing header with 403/401, writing nothing.
func TestBasicAuthRefusals(t *testing.T) {
	env := hitdtest.New(t)
	for _, c := range []struct {
		name, key, secret string
		basic             bool
		status            int
		typ               string
	}{
		{"wrong secret", hitdtest.RootAccessKeyID, hitdtest.RootSecret + "x", true, 403, "UnrecognizedClientException"},
		{"secret prefix", hitdtest.RootAccessKeyID, hitdtest.RootSecret[:10], true, 403, "UnrecognizedClientException"},
		{"empty secret", hitdtest.RootAccessKeyID, "", true, 403, "UnrecognizedClientException"},
		{"unknown key", "HITDNOSUCHKEY0000000", hitdtest.RootSecret, true, 403, "UnrecognizedClientException"},
		{"no credentials", "", "", false, 401, "MissingAuthenticationTokenException"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, env.URL+"/v1/create-hit", strings.NewReader(createHITBody))
			req.Header.Set("Content-Type", "application/json")
			if c.basic {
				req.SetBasicAuth(c.key, c.secret)
			}
			before := ledgerOf(t, env.Service, env.Root.ID)
			status, hdr, raw := send(t, req)
			wantRefusal(t, status, hdr, raw, c.status, c.typ, "")
			if c.status == 401 && !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("401 without WWW-Authenticate: %v", hdr)
			}
			if after := ledgerOf(t, env.Service, env.Root.ID); after != before {
				t.Errorf("a refused request wrote: %+v → %+v", before, after)
			}
		})
	}
}
