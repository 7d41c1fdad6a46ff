package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/smithy-go"
	"github.com/hitd/hitd/api"
	"github.com/hitd/hitd/api/awsjson"
	"github.com/hitd/hitd/api/server"
	"github.com/hitd/hitd/internal/hitdtest"
)

// unsized hides a body's length, so the client sends it chunked, without
// a Content-Length.
type unsized struct{ io.Reader }

// TestRequestBodyLimits: on the AWS JSON, REST and worker JSON edges a body
// over api.MaxBodyBytes, whether its Content-Length says so or it is sent
// chunked, is answered 413 in the edge's own error shape, and one at the
// limit is read.
func TestRequestBodyLimits(t *testing.T) {
	env := hitdtest.New(t)
	edges := []struct {
		name, path string
		header     http.Header
		worker     bool // the worker API's error shape
	}{
		{"AWS JSON", "/", http.Header{"X-Amz-Target": {awsjson.TargetPrefix + "GetAccountBalance"}, "Content-Type": {awsjson.ContentType}}, false},
		{"REST", "/v1/get-account-balance", http.Header{"Content-Type": {"application/json"}}, false},
		{"worker API", "/api/worker/v1/login", http.Header{"Content-Type": {"application/json"}}, true},
	}
	for _, e := range edges {
		for _, chunked := range []bool{false, true} {
			for _, size := range []int{api.MaxBodyBytes, api.MaxBodyBytes + 1, 8 << 20} {
				var body io.Reader = strings.NewReader("{}" + strings.Repeat(" ", size-2))
				if chunked {
					body = unsized{body}
				}
				req, _ := http.NewRequest(http.MethodPost, env.URL+e.path, body)
				req.Header = e.header.Clone()
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatalf("%s, %d bytes (chunked %v): %v", e.name, size, chunked, err)
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if size <= api.MaxBodyBytes {
					if resp.StatusCode == http.StatusRequestEntityTooLarge {
						t.Errorf("%s: a body of exactly the limit (chunked %v) was refused: %s", e.name, chunked, raw)
					}
					continue
				}
				if resp.StatusCode != http.StatusRequestEntityTooLarge {
					t.Errorf("%s, %d bytes (chunked %v): status %d, want 413: %s", e.name, size, chunked, resp.StatusCode, raw)
					continue
				}
				var got struct {
					Type          string `json:"__type"`
					Message       string
					TurkErrorCode string
					Error         struct{ Code, Message string } // the worker API's shape
				}
				if err := json.Unmarshal(raw, &got); err != nil {
					t.Fatalf("%s: the 413 is not JSON: %q", e.name, raw)
				}
				if e.worker {
					if got.Error.Code != "ParameterOutOfRange" || !strings.Contains(got.Error.Message, "1048576 bytes") {
						t.Errorf("%s: %s", e.name, raw)
					}
					continue
				}
				if got.Type != "RequestError" || got.TurkErrorCode != "AWS.MechanicalTurk.ParameterOutOfRange" || !strings.Contains(got.Message, "1048576 bytes") {
					t.Errorf("%s: %s", e.name, raw)
				}
			}
		}
	}
}

// limitsServer serves env's handler (with opts) from an http.Server made
// by server.NewHTTPServer with limits l, on a listener with conns' cap.
func limitsServer(t *testing.T, env *hitdtest.Env, l server.Limits, conns *server.ConnLimit) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.NewHTTPServer(server.New(env.Service, server.Options{}), nil, l)
	go srv.Serve(conns.Listener(ln))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// guard is how long a test waits for what the server must do within a
// few hundred milliseconds: only a broken server takes it.
const guard = 20 * time.Second

// closedByServer reads c until the server closes it, reporting whether it
// did within guard.
func closedByServer(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(guard))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return false
	}
	return true // EOF (io.Copy's nil) or a reset: the server closed it
}

// TestSlowClientsAreCutOff: a client that trickles its headers
// (slowloris), one whose body never finishes and an idle keep-alive
// connection are each closed by the server, which is built as hitd serve
// builds it (server.NewHTTPServer), here with short timeouts.
func TestSlowClientsAreCutOff(t *testing.T) {
	env := hitdtest.New(t)
	l := server.Limits{ReadHeaderTimeout: 200 * time.Millisecond, ReadTimeout: 400 * time.Millisecond,
		WriteTimeout: 5 * time.Second, IdleTimeout: 300 * time.Millisecond, MaxHeaderBytes: 1 << 20}
	addr := limitsServer(t, env, l, nil)
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	t.Run("headers trickled byte by byte", func(t *testing.T) {
		c := dial()
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			c.Write([]byte("POST / HTTP/1.1\r\nHost: hitd\r\n"))
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				if _, err := c.Write([]byte("X")); err != nil {
					return // the server is gone
				}
			}
		}()
		if !closedByServer(t, c) {
			t.Fatalf("a client trickling its headers was still connected after %v (ReadHeaderTimeout %v)", guard, l.ReadHeaderTimeout)
		}
	})

	t.Run("a body that never finishes", func(t *testing.T) {
		c := dial()
		io.WriteString(c, "POST /v1/get-account-balance HTTP/1.1\r\nHost: hitd\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"a\":")
		if !closedByServer(t, c) {
			t.Fatalf("a client stalling mid-body was still connected after %v (ReadTimeout %v)", guard, l.ReadTimeout)
		}
	})

	t.Run("idle keep-alive", func(t *testing.T) {
		c := dial()
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: hitd\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != http.StatusOK || resp.Close {
			t.Fatalf("healthz: %d, close %v", resp.StatusCode, resp.Close)
		}
		if !closedByServer(t, c) {
			t.Fatalf("an idle connection was still open after %v (IdleTimeout %v)", guard, l.IdleTimeout)
		}
	})
}

// TestConnectionCap: with a cap of 2, a third connection is not accepted
// (its request gets no answer) until one of the two closes.
func TestConnectionCap(t *testing.T) {
	env := hitdtest.New(t)
	l := server.DefaultLimits
	conns := server.NewConnLimit(2)
	addr := limitsServer(t, env, l, conns)
	type client struct {
		c  net.Conn
		br *bufio.Reader
	}
	open := func() *client {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: hitd\r\n\r\n")
		return &client{c, bufio.NewReader(c)}
	}
	answered := func(cl *client, within time.Duration) bool {
		cl.c.SetReadDeadline(time.Now().Add(within))
		resp, err := http.ReadResponse(cl.br, nil)
		if err != nil {
			return false
		}
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode == http.StatusOK
	}
	a, b := open(), open()
	if !answered(a, guard) || !answered(b, guard) {
		t.Fatal("the first two connections were not served")
	}
	if n := conns.Open(); n != 2 {
		t.Fatalf("%d connections open under the cap, want 2", n)
	}
	c := open()
	// Nothing can answer c while a and b are open, so this wait cannot
	// fail a correct server; it only gives a broken one time to answer.
	if answered(c, 300*time.Millisecond) {
		t.Fatal("a third connection was served while two were open under a cap of 2")
	}
	a.c.Close()
	c.c.SetReadDeadline(time.Time{})
	if !answered(c, guard) {
		t.Fatal("the third connection was not served after one of the two closed")
	}
}

// throttleEnv is a server whose requesters may make 1 request a second
// with bursts of 2, on a time source that moves only when step is set:
// each call to it moves it by step.
func throttleEnv(t *testing.T) (*hitdtest.Env, *atomic.Int64, func(time.Duration)) {
	var now atomic.Int64
	var step atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	calls := &atomic.Int64{}
	clock := func() time.Time {
		calls.Add(1)
		return time.Unix(0, now.Add(step.Load()))
	}
	env := hitdtest.New(t, hitdtest.Options{RateLimiter: api.NewRateLimiter(1, 2, clock)})
	return env, calls, func(d time.Duration) { step.Store(int64(d)) }
}

// TestRateLimitThrottles: beyond a requester's burst every Requester API
// edge refuses with the throttling error the SDKs retry, and other
// requesters are not affected.
func TestRateLimitThrottles(t *testing.T) {
	env, _, _ := throttleEnv(t)
	ctx := context.Background()
	for i := range 2 {
		if _, err := env.Client.GetAccountBalance(ctx, &mturk.GetAccountBalanceInput{}); err != nil {
			t.Fatalf("request %d of the burst: %v", i+1, err)
		}
	}
	_, err := env.Client.GetAccountBalance(ctx, &mturk.GetAccountBalanceInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "ThrottlingException" || ae.ErrorMessage() != "Rate exceeded" {
		t.Fatalf("beyond the burst: %v, want ThrottlingException", err)
	}
	// aws-sdk-go-v2's standard retryer counts it a throttle, so retries it.
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) != aws.TrueTernary {
		t.Fatal("aws-sdk-go-v2 does not see the error as a throttle")
	}

	// The wire: AWS JSON and REST, 400 with the exact body.
	for _, req := range []*http.Request{
		signedJSON(t, env, awsjson.TargetPrefix+"GetAccountBalance", "{}"),
		restReq(t, env, "/v1/get-account-balance", "{}"),
	} {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || string(raw) != `{"__type":"ThrottlingException","Message":"Rate exceeded"}` {
			t.Errorf("%s: %d %s", req.URL.Path, resp.StatusCode, raw)
		}
	}

	// Another requester has its own bucket.
	_, other := env.NewRequester("other")
	if _, err := other.GetAccountBalance(ctx, &mturk.GetAccountBalanceInput{}); err != nil {
		t.Fatalf("another requester was throttled: %v", err)
	}
}

// TestRateLimitSDKRetries: the MTurk client of aws-sdk-go-v2 with its
// default retryer gets past throttling by itself. The limiter's time moves
// half a token per request, so from the fourth call on every call is
// throttled once and its retry allowed.
func TestRateLimitSDKRetries(t *testing.T) {
	env, calls, setStep := throttleEnv(t)
	setStep(500 * time.Millisecond)
	cfg := aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: hitdtest.RootAccessKeyID, SecretAccessKey: hitdtest.RootSecret}, nil
		}),
		// No Retryer: the SDK's default, retry.NewStandard().
	}
	client := mturk.NewFromConfig(cfg, func(o *mturk.Options) { o.BaseEndpoint = aws.String(env.URL) })
	retried := 0
	for i := range 5 {
		out, err := client.GetAccountBalance(context.Background(), &mturk.GetAccountBalanceInput{})
		if err != nil {
			t.Fatalf("call %d: %v; the SDK's retryer did not get past the throttle", i+1, err)
		}
		if attempts, ok := retry.GetAttemptResults(out.ResultMetadata); ok && len(attempts.Results) > 1 {
			retried++
		}
	}
	if retried == 0 || calls.Load() <= 5 {
		t.Fatalf("%d calls retried, %d requests reached the limiter; want the throttled ones retried", retried, calls.Load())
	}
}

// TestRateLimitOffByDefault: without a limiter nothing is throttled.
func TestRateLimitOffByDefault(t *testing.T) {
	env := hitdtest.New(t)
	for i := range 50 {
		if _, err := env.Client.GetAccountBalance(context.Background(), &mturk.GetAccountBalanceInput{}); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
	}
}
