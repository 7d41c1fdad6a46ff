package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	sdkKey    = "AKIAHITDTEST00000001"
	sdkSecret = "hitd/secret/key+for/round/trip/tests0"
)

var sdkTime = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

type verifyResult struct {
	id  string
	err error
}

// sdkServer runs v behind a real net/http server, so the request it sees has
// been through Go's HTTP parsing exactly as in production.
func sdkServer(t *testing.T, v *Verifier) (*httptest.Server, <-chan verifyResult) {
	t.Helper()
	results := make(chan verifyResult, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			results <- verifyResult{err: err}
			return
		}
		id, err := v.Verify(r, body)
		results <- verifyResult{id, err}
	}))
	t.Cleanup(srv.Close)
	return srv, results
}

func sdkVerifier(now time.Time) *Verifier {
	return &Verifier{
		Service: "mturk-requester",
		Regions: []string{"us-east-1", "us-west-2"},
		Now:     func() time.Time { return now },
		Lookup: func(_ context.Context, id string) (string, bool, error) {
			if id == sdkKey {
				return sdkSecret, true, nil
			}
			return "", false, nil
		},
	}
}

func hexSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestSDKRoundTrip(t *testing.T) {
	body := []byte(`{"HITId":"3AQF3RZ558H03P7ZPD2X6DZSK6P6N1","MaxResults":10}`)
	type tc struct {
		name     string
		key      string
		secret   string
		service  string
		region   string
		now      time.Time
		tamper   func(r *http.Request)
		wantCode string
		wantMsg  string
	}
	cases := []tc{
		{name: "ok"},
		{name: "ok-other-region", region: "us-west-2"},
		{name: "wrong-secret", secret: "not-the-secret", wantCode: CodeInvalidSignature, wantMsg: "does not match the signature you provided"},
		{name: "unknown-key", key: "AKIAUNKNOWN000000000", wantCode: CodeUnrecognizedClient, wantMsg: "The security token included in the request is invalid."},
		{name: "clock-16m-ahead", now: sdkTime.Add(16 * time.Minute), wantCode: CodeInvalidSignature,
			wantMsg: "Signature expired: 20260314T150926Z is now earlier than 20260314T151026Z (20260314T152526Z - 15 min.)"},
		{name: "clock-16m-behind", now: sdkTime.Add(-16 * time.Minute), wantCode: CodeInvalidSignature,
			wantMsg: "Signature not yet current: 20260314T150926Z is still later than 20260314T150826Z (20260314T145326Z + 15 min.)"},
		{name: "clock-14m-ahead-ok", now: sdkTime.Add(14 * time.Minute)},
		{name: "body-tampered", tamper: func(r *http.Request) {
			b := bytes.Replace(body, []byte("10"), []byte("99"), 1)
			r.Body = io.NopCloser(bytes.NewReader(b))
			r.ContentLength = int64(len(b))
		}, wantCode: CodeInvalidSignature},
		{name: "header-tampered", tamper: func(r *http.Request) {
			r.Header.Set("X-Amz-Target", "MTurkRequesterServiceV20170117.DeleteHIT")
		}, wantCode: CodeInvalidSignature},
		{name: "query-added", tamper: func(r *http.Request) { r.URL.RawQuery = "a=b" }, wantCode: CodeInvalidSignature},
		{name: "wrong-service", service: "sqs", wantCode: CodeInvalidSignature,
			wantMsg: "Credential should be scoped to correct service: 'mturk-requester'."},
		{name: "wrong-region", region: "eu-west-1", wantCode: CodeInvalidSignature,
			wantMsg: "Credential should be scoped to a valid region, not 'eu-west-1'."},
		{name: "authorization-removed", tamper: func(r *http.Request) { r.Header.Del("Authorization") },
			wantCode: CodeMissingAuthenticationToken, wantMsg: "Missing Authentication Token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key, secret, service, region, now := c.key, c.secret, c.service, c.region, c.now
			if key == "" {
				key = sdkKey
			}
			if secret == "" {
				secret = sdkSecret
			}
			if service == "" {
				service = "mturk-requester"
			}
			if region == "" {
				region = "us-east-1"
			}
			if now.IsZero() {
				now = sdkTime
			}
			srv, results := sdkServer(t, sdkVerifier(now))

			req, err := http.NewRequest(http.MethodPost, srv.URL+"/", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-amz-json-1.1")
			req.Header.Set("X-Amz-Target", "MTurkRequesterServiceV20170117.ListAssignmentsForHIT")
			creds := aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
			if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hexSHA256(body), service, region, sdkTime); err != nil {
				t.Fatal(err)
			}
			if c.tamper != nil {
				c.tamper(req)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			res := <-results

			if c.wantCode == "" {
				if res.err != nil || res.id != sdkKey {
					t.Fatalf("Verify = %q, %v; want %q", res.id, res.err, sdkKey)
				}
				return
			}
			e, ok := res.err.(*Error)
			if !ok {
				t.Fatalf("err = %#v, want *Error %s", res.err, c.wantCode)
			}
			if e.Code != c.wantCode || e.Status != http.StatusBadRequest || !strings.Contains(e.Message, c.wantMsg) {
				t.Fatalf("err = %+v, want %s containing %q", e, c.wantCode, c.wantMsg)
			}
		})
	}
}

func TestSDKPresignRoundTrip(t *testing.T) {
	srv, results := sdkServer(t, sdkVerifier(sdkTime.Add(10*time.Minute)))
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/some/path?Action=GetAccountBalance&Version=2017-01-17", nil)
	if err != nil {
		t.Fatal(err)
	}
	q := req.URL.Query()
	q.Set("X-Amz-Expires", "900")
	req.URL.RawQuery = q.Encode()
	creds := aws.Credentials{AccessKeyID: sdkKey, SecretAccessKey: sdkSecret}
	u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, hexSHA256(nil), "mturk-requester", "us-east-1", sdkTime)
	if err != nil {
		t.Fatal(err)
	}
	get := func(u string) verifyResult {
		preq, _ := http.NewRequest(http.MethodGet, u, nil)
		for k, v := range hdr {
			if k != "Host" {
				preq.Header[k] = v
			}
		}
		if !HasSignature(preq) {
			t.Fatal("HasSignature = false for presigned URL")
		}
		resp, err := srv.Client().Do(preq)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return <-results
	}
	if res := get(u); res.err != nil || res.id != sdkKey {
		t.Fatalf("presigned Verify = %q, %v", res.id, res.err)
	}
	if res := get(strings.Replace(u, "GetAccountBalance", "GetAccountBalancf", 1)); codeOf(res.err) != CodeInvalidSignature {
		t.Fatalf("tampered presigned URL: err = %v", res.err)
	}
	// Past the 900s expiry.
	srv2, results2 := sdkServer(t, sdkVerifier(sdkTime.Add(16*time.Minute)))
	u2 := strings.Replace(u, srv.URL, srv2.URL, 1)
	preq, _ := http.NewRequest(http.MethodGet, u2, nil)
	resp, err := srv2.Client().Do(preq)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if res := <-results2; codeOf(res.err) != CodeInvalidSignature || !strings.Contains(res.err.Error(), "Signature expired") {
		t.Fatalf("expired presigned URL: err = %v", res.err)
	}
}
