package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// restCall calls a REST operation on base with HTTP Basic credentials and
// returns the decoded JSON answer.
func restCall(t *testing.T, base, host, op, key, secret string, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/v1/"+op, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	req.SetBasicAuth(key, secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %s: %v", op, b, err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %d %s", op, resp.StatusCode, b)
	}
	return out
}

func TestServeSandboxRealm(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", "HITDSANDBOXROOT00001")
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", "sandbox-root-secret")
	sandboxAddr := freeAddr(t)
	_, addr, stop := startServe(t, dir, "--starting-balance", "12.00", "--sandbox-listen", sandboxAddr, "--sandbox-hosts", "sandbox.hitd.test, other.test")
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	key, secret := "HITDSANDBOXROOT00001", "sandbox-root-secret"
	for _, c := range []struct{ name, base, host, want string }{
		{"production", "http://" + addr, "", "12.00"},
		{"--sandbox-listen", "http://" + sandboxAddr, "", "10000.00"},
		{"--sandbox-hosts", "http://" + addr, "Sandbox.HITD.test:443", "10000.00"},
	} {
		got := restCall(t, c.base, c.host, "get-account-balance", key, secret, "{}")["AvailableBalance"]
		if got != c.want {
			t.Errorf("%s: balance %v, want %s", c.name, got, c.want)
		}
	}

	// Admin commands reach the sandbox with --sandbox.
	ctx := context.Background()
	var created, prodList, sandList bytes.Buffer
	if err := run(ctx, []string{"worker", "create", "--sandbox", "--username", "tryout", "--password", "tryout-password", "--data-dir", dir}, &created, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"worker", "list", "--data-dir", dir}, &prodList, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"worker", "list", "--sandbox", "--data-dir", dir}, &sandList, io.Discard); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(prodList.String(), "tryout") || !strings.Contains(sandList.String(), "tryout") {
		t.Errorf("sandbox worker in lists:\nproduction:\n%s\nsandbox:\n%s", prodList.String(), sandList.String())
	}
	var dep bytes.Buffer
	if err := run(ctx, []string{"requester", "deposit", "--sandbox", "--access-key-id", key, "--amount", "1.00", "--data-dir", dir}, &dep, io.Discard); err != nil || strings.TrimSpace(dep.String()) != "10001.00" {
		t.Errorf("sandbox deposit: %q, %v", dep.String(), err)
	}
	err := run(ctx, []string{"requester", "create", "--sandbox", "--name", "x", "--data-dir", dir}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "production") {
		t.Errorf("requester create --sandbox: %v", err)
	}
	// The sandbox site says what it is.
	resp, err := http.Get("http://" + sandboxAddr + "/")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "sandbox-banner") {
		t.Errorf("sandbox site has no banner:\n%s", b)
	}
}

func TestSandboxPath(t *testing.T) {
	for _, c := range []struct {
		dataDir, db, sandboxDB string
		want                   location
	}{
		{"d", "", "", location{path: "d/sandbox.db"}},
		{"d", "sqlite:/x/hitd.db", "", location{path: "/x/hitd-sandbox.db"}},
		{"d", "sqlite:/x/hitd.db", "sqlite:/y/s.db", location{path: "/y/s.db"}},
		{"d", "postgres://h/db", "", location{url: "postgres://h/db", schema: "sandbox"}},
		{"d", "postgres://h/db", "postgres://h/db", location{url: "postgres://h/db", schema: "sandbox"}},
		{"d", "postgres://h/db", "sqlite:/y/s.db", location{path: "/y/s.db"}},
		{"d", "postgres://h/db?search_path=lab1", "", location{url: "postgres://h/db?search_path=lab1", schema: "lab1_sandbox"}},
	} {
		got, err := sandboxLocation(c.dataDir, c.db, c.sandboxDB)
		if err != nil || got != c.want {
			t.Errorf("sandboxLocation(%q, %q, %q) = %+v, %v; want %+v", c.dataDir, c.db, c.sandboxDB, got, err, c.want)
		}
	}
}
