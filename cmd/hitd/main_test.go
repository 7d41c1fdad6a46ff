package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a writer goroutine and a reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `hitd serve` until the returned stop is called.
func startServe(t *testing.T, dataDir string) (stdout *syncBuffer, addr string, stop func() error) {
	t.Helper()
	addr = freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--listen", addr, "--data-dir", dataDir}, stdout, stderr) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("server did not become healthy: %v\n%s", err, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return stdout, addr, func() error { cancel(); return <-done }
}

func TestServePrintsGeneratedRootCredentialsOnce(t *testing.T) {
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", "")
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", "")
	dir := t.TempDir()
	out, _, stop := startServe(t, dir)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "aws_secret_access_key") || !strings.Contains(out.String(), "aws_access_key_id     = HITD") {
		t.Fatalf("first start did not print the root credentials:\n%s", out.String())
	}
	out2, _, stop := startServe(t, dir)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out2.String(), "aws_secret_access_key") {
		t.Fatalf("second start printed credentials again:\n%s", out2.String())
	}
}

func TestRootCredentialsFromEnvAndRequesterCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", "HITDENVROOTKEY000001")
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", "env-secret")
	out, _, stop := startServe(t, dir)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	if strings.Contains(out.String(), "aws_secret_access_key") {
		t.Errorf("printed credentials although they came from the environment")
	}
	// Admin commands work while the server runs.
	var created, listed bytes.Buffer
	if err := run(context.Background(), []string{"requester", "create", "--name", "lab-a", "--data-dir", dir}, &created, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"RequesterId:", "AccessKeyId:     HITD", "SecretAccessKey:", "Balance:         10000.00"} {
		if !strings.Contains(created.String(), want) {
			t.Errorf("requester create output lacks %q:\n%s", want, created.String())
		}
	}
	if err := run(context.Background(), []string{"requester", "list", "--data-dir", dir}, &listed, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(listed.String(), "lab-a") || !strings.Contains(listed.String(), "HITDENVROOTKEY000001") || strings.Contains(listed.String(), "env-secret") {
		t.Errorf("requester list:\n%s", listed.String())
	}
}

func TestStartingBalanceFlag(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"requester", "create", "--name", "x", "--data-dir", dir, "--starting-balance", "25.50"}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Balance:         25.50") {
		t.Errorf("output:\n%s", out.String())
	}
	if err := run(context.Background(), []string{"requester", "create", "--name", "x", "--data-dir", dir, "--starting-balance", "lots"}, &out, &bytes.Buffer{}); err == nil {
		t.Error("bad --starting-balance accepted")
	}
}

func TestDBFlag(t *testing.T) {
	for db, want := range map[string]string{"": "d/hitd.db", "sqlite:/x/y.db": "/x/y.db", "sqlite:///x/y.db": "/x/y.db"} {
		if got, err := sqlitePath("d", db); err != nil || got != want {
			t.Errorf("sqlitePath(%q) = %q, %v; want %q", db, got, err, want)
		}
	}
	if _, err := sqlitePath("d", "postgres://u:pw@h/db"); err == nil || strings.Contains(err.Error(), "pw") {
		t.Errorf("postgres URL: %v (must fail and not leak the password)", err)
	}
}
