package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// adminCmd runs an admin command and returns its standard output and
// standard error.
func adminCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// TestRotateKeyCommands rotates keys while the server runs: with a grace
// period both keys work and the list shows the old one with its expiry;
// with --grace 0 the old key is refused at once (it was never used, so no
// node remembers it); revoke-key ends a grace early; keys lists them all.
func TestRotateKeyCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", "HITDKEYSROOT00000001")
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", "keys-root-secret")
	_, addr, stop := startServe(t, dir)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	base := "http://" + addr
	create := func(name string) (key, secret string) {
		out, err := runCmd(t, "requester", "create", "--name", name, "--data-dir", dir)
		if err != nil {
			t.Fatal(err)
		}
		return field(out, "AccessKeyId"), field(out, "SecretAccessKey")
	}

	key, secret := create("lab")
	out, notes, err := adminCmd(t, "requester", "rotate-key", "--access-key-id", key, "--grace", "24h", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	newKey, newSecret := field(out, "AccessKeyId"), field(out, "SecretAccessKey")
	if newKey == "" || newKey == key || newSecret == "" || newSecret == secret || field(out, "OldAccessKeyId") != key ||
		!regexp.MustCompile(`^\d{4}-\d\d-\d\dT`).MatchString(field(out, "OldKeyExpires")) {
		t.Fatalf("rotate-key printed:\n%s", out)
	}
	if !strings.Contains(notes, "keeps working for 24h0m0s") || strings.Contains(notes, "root requester") {
		t.Errorf("rotate-key notes: %q", notes)
	}
	for _, k := range [][2]string{{key, secret}, {newKey, newSecret}} {
		if got := basicStatus(t, base, k[0], k[1]); got != 200 {
			t.Errorf("key %s within the grace: %d", k[0], got)
		}
	}
	if got := basicStatus(t, base, key, newSecret); got != http.StatusForbidden {
		t.Errorf("the old key with the new secret: %d", got)
	}
	list, err := runCmd(t, "requester", "list", "--data-dir", dir)
	if err != nil || !strings.Contains(list, "OLD KEYS STILL VALID") ||
		!regexp.MustCompile(`(?m)^\S+\s+lab\s+`+newKey+`\s.*\s`+key+` until \d{4}-`).MatchString(list) {
		t.Errorf("requester list after rotating:\n%s%v", list, err)
	}

	// Rotating again: the first old key keeps its own expiry.
	out, _, err = adminCmd(t, "requester", "rotate-key", "--access-key-id", newKey, "--grace", "7d", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	third := field(out, "AccessKeyId")
	keys, err := runCmd(t, "requester", "keys", "--access-key-id", key, "--data-dir", dir) // any key names the requester
	if err != nil || !regexp.MustCompile(`(?m)^`+third+`\s+current`).MatchString(keys) ||
		!regexp.MustCompile(`(?m)^`+newKey+`\s+valid for 16[78]h`).MatchString(keys) ||
		!regexp.MustCompile(`(?m)^`+key+`\s+valid for 2[34]h`).MatchString(keys) {
		t.Errorf("requester keys:\n%s%v", keys, err)
	}
	out, err = runCmd(t, "requester", "revoke-key", "--access-key-id", newKey, "--data-dir", dir)
	if err != nil || !strings.Contains(out, newKey+" (requester ") {
		t.Errorf("revoke-key: %q %v", out, err)
	}
	keys, _ = runCmd(t, "requester", "keys", "--access-key-id", third, "--data-dir", dir)
	if !regexp.MustCompile(`(?m)^` + newKey + `\s+expired`).MatchString(keys) {
		t.Errorf("requester keys after revoking:\n%s", keys)
	}

	// --grace 0: the old key, never used, is refused at once.
	key2, secret2 := create("lab2")
	out, notes, err = adminCmd(t, "requester", "rotate-key", "--access-key-id", key2, "--grace", "0", "--data-dir", dir)
	if err != nil || !strings.Contains(notes, "is refused now") {
		t.Fatalf("rotate-key --grace 0: %q %q %v", out, notes, err)
	}
	if got := basicStatus(t, base, key2, secret2); got != http.StatusForbidden {
		t.Errorf("old key after --grace 0: %d", got)
	}
	if got := basicStatus(t, base, field(out, "AccessKeyId"), field(out, "SecretAccessKey")); got != 200 {
		t.Errorf("new key after --grace 0: %d", got)
	}

	// The root: a note about HITD_ROOT_*.
	_, notes, err = adminCmd(t, "requester", "rotate-key", "--access-key-id", "HITDKEYSROOT00000001", "--grace", "1h", "--data-dir", dir)
	if err != nil || !strings.Contains(notes, "root requester") {
		t.Errorf("rotating the root: %q %v", notes, err)
	}

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"a retired key", []string{"requester", "rotate-key", "--access-key-id", key}, "use its current key, " + third},
		{"bad grace", []string{"requester", "rotate-key", "--access-key-id", third, "--grace", "soon"}, "--grace"},
		{"negative grace", []string{"requester", "rotate-key", "--access-key-id", third, "--grace", "-1h"}, "--grace"},
		{"no key", []string{"requester", "rotate-key"}, "required"},
		{"revoke the current key", []string{"requester", "revoke-key", "--access-key-id", third}, "current key"},
		{"keys of an unknown key", []string{"requester", "keys", "--access-key-id", "HITDNOSUCHKEY"}, "No requester"},
		{"sandbox", []string{"requester", "rotate-key", "--access-key-id", third, "--sandbox"}, "production realm"},
	} {
		if _, err := runCmd(t, append(tc.args, "--data-dir", dir)...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}

// TestBalanceCommands: balance shows available and reserved money;
// adjust-balance moves it either way with a reason, refuses a negative
// result and a missing reason; deposit takes a reason too.
func TestBalanceCommands(t *testing.T) {
	dir := t.TempDir()
	out, err := runCmd(t, "requester", "create", "--name", "lab", "--starting-balance", "50.00", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	key := field(out, "AccessKeyId")
	step := func(want string, args ...string) {
		t.Helper()
		out, err := runCmd(t, append(args, "--data-dir", dir)...)
		if err != nil || strings.TrimSpace(out) != want {
			t.Errorf("%v: %q %v, want %s", args, out, err, want)
		}
	}
	step("37.50", "requester", "adjust-balance", "--access-key-id", key, "--amount", "-12.50", "--reason", "refund of a duplicate deposit")
	step("40.00", "requester", "adjust-balance", "--access-key-id", key, "--amount", "+2.50", "--reason", "goodwill")
	step("50.00", "requester", "deposit", "--access-key-id", key, "--amount", "10.00", "--reason", "invoice 7")
	out, err = runCmd(t, "requester", "balance", "--access-key-id", key, "--data-dir", dir)
	if err != nil || field(out, "Available") != "50.00" || field(out, "Reserved") != "0.00" || field(out, "Name") != "lab" {
		t.Errorf("balance:\n%s%v", out, err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"below zero", []string{"--amount", "-50.01", "--reason", "too much"}, "cannot be negative"},
		{"no reason", []string{"--amount", "-1.00"}, "--reason is required"},
		{"blank reason", []string{"--amount", "-1.00", "--reason", " "}, "needs a reason"},
		{"no amount", []string{"--reason", "r"}, "--amount is required"},
		{"bad amount", []string{"--amount", "twelve", "--reason", "r"}, "invalid"},
	} {
		args := append([]string{"requester", "adjust-balance", "--access-key-id", key, "--data-dir", dir}, tc.args...)
		if _, err := runCmd(t, args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
	// Nothing changed by the refusals; the sandbox has a balance of its own.
	out, _ = runCmd(t, "requester", "balance", "--access-key-id", key, "--data-dir", dir)
	if field(out, "Available") != "50.00" {
		t.Errorf("balance after refusals:\n%s", out)
	}
	step("9990.00", "requester", "adjust-balance", "--access-key-id", key, "--amount", "-10", "--reason", "sandbox", "--sandbox")
}

// TestWorkerDisableCommand disables a worker while the server runs: the
// worker API refuses their token and their sign-in, the list shows it, and
// enable lets them sign in again.
func TestWorkerDisableCommand(t *testing.T) {
	dir := t.TempDir()
	_, addr, stop := startServe(t, dir)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	id, err := runCmd(t, "worker", "create", "--username", "amara", "--password", "long-password", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	id = strings.TrimSpace(id)
	api := "http://" + addr + "/api/worker/v1"
	login := func() (int, string) {
		resp, err := http.Post(api+"/login", "application/json", strings.NewReader(`{"username":"amara","password":"long-password"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct {
			Token string `json:"token"`
		}
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body.Token
	}
	me := func(token string) int {
		req, _ := http.NewRequest("GET", api+"/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	status, token := login()
	if status != 200 || me(token) != 200 {
		t.Fatalf("before disabling: login %d, token %d", status, me(token))
	}
	out, err := runCmd(t, "worker", "disable", "--worker-id", id, "--data-dir", dir)
	if err != nil || !strings.Contains(out, id+" (amara): disabled") {
		t.Fatalf("disable: %q %v", out, err)
	}
	if got := me(token); got != http.StatusUnauthorized {
		t.Errorf("the token of a disabled worker: %d", got)
	}
	if got, _ := login(); got != http.StatusUnauthorized {
		t.Errorf("sign-in of a disabled worker: %d", got)
	}
	list, err := runCmd(t, "worker", "list", "--data-dir", dir)
	if err != nil || !strings.Contains(list, "DISABLED") || !regexp.MustCompile(`(?m)^`+id+`\s+amara\s.*\syes\s*$`).MatchString(list) {
		t.Errorf("worker list after disabling:\n%s%v", list, err)
	}
	if _, err := runCmd(t, "worker", "disable", "--worker-id", "ANOSUCHWORKER0", "--data-dir", dir); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("disable an unknown worker: %v", err)
	}
	if out, err := runCmd(t, "worker", "enable", "--worker-id", id, "--data-dir", dir); err != nil || !strings.Contains(out, "enabled") {
		t.Fatalf("enable: %q %v", out, err)
	}
	if got := me(token); got != http.StatusUnauthorized {
		t.Errorf("the old token after enabling: %d, want it to stay ended", got)
	}
	if status, token := login(); status != 200 || me(token) != 200 {
		t.Errorf("after enabling: login %d, token %d", status, me(token))
	}
}
