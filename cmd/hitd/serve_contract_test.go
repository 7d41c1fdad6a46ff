package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/aws/smithy-go"
)

// keyClient is an MTurk client for the server at base signed with the
// given keys, without retries.
func keyClient(base, key, secret string) *mturk.Client {
	cfg := aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}, nil
		}),
		Retryer: func() aws.Retryer { return aws.NopRetryer{} },
	}
	return mturk.NewFromConfig(cfg, func(o *mturk.Options) { o.BaseEndpoint = aws.String(base) })
}

// jsonLogLines decodes the JSON log lines (--log-format json) in s.
func jsonLogLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

// TestServeRequestLogAndGracefulShutdown checks two promises of `hitd
// serve`: one structured log line per request naming its operation,
// requester, status and latency; and on SIGTERM, a request already being
// received is finished and answered before the server stops.
func TestServeRequestLogAndGracefulShutdown(t *testing.T) {
	const key, secret = "HITDLOGROOTKEY000001", "log-root-secret-0123456789abcdefghijklm"
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", key)
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", secret)
	addr := freeAddr(t)
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	// SIGTERM stops it below; cancel only ends a server that failed the test.
	serveCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		done <- run(serveCtx, []string{"serve", "--listen", addr, "--data-dir", t.TempDir(), "--log-format", "json"}, stdout, stderr)
	}()
	stopped := false
	defer func() {
		if !stopped {
			cancel()
			<-done
		}
	}()
	if !waitHealthy(t, addr, stderr) {
		t.FailNow()
	}
	ctx := context.Background()
	base := "http://" + addr
	c := keyClient(base, key, secret)
	if _, err := c.CreateHITType(ctx, &mturk.CreateHITTypeInput{Title: aws.String("t"), Description: aws.String("d"),
		Reward: aws.String("0.10"), AssignmentDurationInSeconds: aws.Int64(300)}); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetHIT(ctx, &mturk.GetHITInput{HITId: aws.String("3NOSUCHHIT0000000000000000000")})
	var re *types.RequestError
	if !errors.As(err, &re) {
		t.Fatalf("GetHIT of an unknown HIT: %v", err)
	}

	var rootID string
	lines := jsonLogLines(t, stderr.String())
	for _, l := range lines {
		if l["msg"] == "hitd listening" {
			rootID, _ = l["root_requester"].(string)
		}
	}
	if rootID == "" {
		t.Fatalf("no 'hitd listening' line naming the root requester:\n%s", stderr.String())
	}
	for _, want := range []struct {
		op     string
		status float64
	}{{"CreateHITType", 200}, {"GetHIT", 400}} {
		var found map[string]any
		for _, l := range lines {
			if l["msg"] == "request" && l["operation"] == want.op {
				found = l
			}
		}
		if found == nil {
			t.Errorf("no request log line for %s:\n%s", want.op, stderr.String())
			continue
		}
		latency, ok := found["latency_ms"].(float64)
		if found["requester"] != rootID || found["status"] != want.status || !ok || latency < 0 || found["level"] != "INFO" {
			t.Errorf("log line for %s: %v; want requester %s, status %v, latency_ms", want.op, found, rootID, want.status)
		}
	}

	// A request whose body is still arriving when SIGTERM comes.
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"Title":"in flight","Description":"d","Reward":"0.25","AssignmentDurationInSeconds":300}`
	fmt.Fprintf(conn, "POST /v1/create-hit-type HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAuthorization: Basic %s\r\nContent-Length: %d\r\n\r\n%s",
		addr, basicAuth(key, secret), len(body), body[:20])
	time.Sleep(200 * time.Millisecond) // the server has started reading it
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// The server stops listening but waits for the request.
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			break
		}
		resp.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts new requests 5 s after SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-done:
		stopped = true
		t.Fatalf("hitd serve returned with a request in flight: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if _, err := io.WriteString(conn, body[20:]); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to the in-flight request: %v", err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !regexp.MustCompile(`"HITTypeId":"[A-Z0-9]{30}"`).Match(raw) {
		t.Errorf("in-flight request: %d %s", resp.StatusCode, raw)
	}
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			t.Errorf("hitd serve after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("hitd serve did not stop after its last request")
	}
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Errorf("no 'stopped' line:\n%s", stderr.String())
	}
}

func basicAuth(user, password string) string {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth(user, password)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// TestRootKeysFromEnvReplaceGeneratedOnes: a data directory whose root
// requester got generated keys, started later with HITD_ROOT_ACCESS_KEY_ID
// and HITD_ROOT_SECRET_ACCESS_KEY, keeps the same root requester (its HITs,
// its balance) with the configured keys; the generated ones stop working.
func TestRootKeysFromEnvReplaceGeneratedOnes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", "")
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", "")
	out, addr, stop := startServe(t, dir)
	m := regexp.MustCompile(`aws_access_key_id += (\S+)\s+aws_secret_access_key += (\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		stop()
		t.Fatalf("no generated credentials printed:\n%s", out.String())
	}
	genKey, genSecret := m[1], m[2]
	h, err := keyClient("http://"+addr, genKey, genSecret).CreateHITType(ctx, &mturk.CreateHITTypeInput{Title: aws.String("t"),
		Description: aws.String("d"), Reward: aws.String("0.10"), AssignmentDurationInSeconds: aws.Int64(300)})
	if err != nil {
		stop()
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	const key, secret = "HITDCHOSENROOTKEY001", "chosen-root-secret-0123456789abcdefghij"
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", key)
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", secret)
	out, addr, stop = startServe(t, dir)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	if strings.Contains(out.String(), "aws_secret_access_key") {
		t.Errorf("printed credentials although they came from the environment:\n%s", out.String())
	}
	// The same requester: the same properties give the same HIT type.
	again, err := keyClient("http://"+addr, key, secret).CreateHITType(ctx, &mturk.CreateHITTypeInput{Title: aws.String("t"),
		Description: aws.String("d"), Reward: aws.String("0.10"), AssignmentDurationInSeconds: aws.Int64(300)})
	if err != nil || aws.ToString(again.HITTypeId) != aws.ToString(h.HITTypeId) {
		t.Errorf("with the configured keys: HIT type %v, %v; want the root's %s", aws.ToString(again.HITTypeId), err, aws.ToString(h.HITTypeId))
	}
	_, err = keyClient("http://"+addr, genKey, genSecret).GetAccountBalance(ctx, &mturk.GetAccountBalanceInput{})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "UnrecognizedClientException" {
		t.Errorf("the generated keys after the change: %v, want UnrecognizedClientException", err)
	}
	list, err := runCmd(t, "requester", "list", "--data-dir", dir)
	if err != nil || strings.Count(list, key) != 1 || strings.Contains(list, genKey) {
		t.Errorf("requester list:\n%s (%v)", list, err)
	}
}
