package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hitd/hitd"
)

// basicStatus calls GetAccountBalance on base over REST with HTTP Basic
// credentials and returns the status code.
func basicStatus(t *testing.T, base, key, secret string) int {
	t.Helper()
	req, err := http.NewRequest("POST", base+"/v1/get-account-balance", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(key, secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// eventually waits up to a few key-cache lifetimes for base to answer
// key's requests with want: the command runs in another process, so the
// server notices within hitd.KeyCacheTTL.
func eventually(t *testing.T, what, base, key, secret string, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * hitd.KeyCacheTTL)
	for {
		got := basicStatus(t, base, key, secret)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: status %d, want %d", what, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRequesterDisableCommand disables a requester while the server runs:
// production and the sandbox refuse its keys within the key cache's
// lifetime, the list shows it, and enable lets it in again.
func TestRequesterDisableCommand(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", "HITDDISABLEROOT00001")
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", "disable-root-secret")
	sandboxAddr := freeAddr(t)
	_, addr, stop := startServe(t, dir, "--sandbox-listen", sandboxAddr)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	out, err := runCmd(t, "requester", "create", "--name", "lab", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`AccessKeyId:\s+(\S+)`).FindStringSubmatch(out)[1]
	secret := regexp.MustCompile(`SecretAccessKey:\s+(\S+)`).FindStringSubmatch(out)[1]
	prod, sandbox := "http://"+addr, "http://"+sandboxAddr
	for _, base := range []string{prod, sandbox} {
		if got := basicStatus(t, base, key, secret); got != 200 {
			t.Fatalf("%s before disabling: %d", base, got)
		}
	}

	out, err = runCmd(t, "requester", "disable", "--access-key-id", key, "--data-dir", dir)
	if err != nil || !strings.Contains(out, "disabled") || !strings.Contains(out, key) {
		t.Fatalf("disable: %q %v", out, err)
	}
	eventually(t, "production, disabled", prod, key, secret, http.StatusForbidden)
	eventually(t, "sandbox, disabled", sandbox, key, secret, http.StatusForbidden)
	if got := basicStatus(t, prod, "HITDDISABLEROOT00001", "disable-root-secret"); got != 200 {
		t.Errorf("the root requester after disabling another: %d", got)
	}
	list, err := runCmd(t, "requester", "list", "--data-dir", dir)
	if err != nil || !strings.Contains(list, "DISABLED") || !regexp.MustCompile(`(?m)^\S+\s+lab\s+`+key+`\s+\S+\s+yes\s`).MatchString(list) {
		t.Errorf("requester list after disabling:\n%s%v", list, err)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown key", []string{"requester", "disable", "--access-key-id", "HITDNOSUCHKEY"}, "No requester"},
		{"no key", []string{"requester", "enable"}, "required"},
		{"sandbox", []string{"requester", "enable", "--access-key-id", key, "--sandbox"}, "production realm"},
	} {
		if _, err := runCmd(t, append(tc.args, "--data-dir", dir)...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}

	out, err = runCmd(t, "requester", "enable", "--access-key-id", key, "--data-dir", dir)
	if err != nil || !strings.Contains(out, "enabled") {
		t.Fatalf("enable: %q %v", out, err)
	}
	eventually(t, "production, enabled", prod, key, secret, 200)
	eventually(t, "sandbox, enabled", sandbox, key, secret, 200)
}
