package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/sqlite"
)

// runCmdIn runs an admin command with input as its standard input and
// returns its standard output.
func runCmdIn(t *testing.T, input string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := runIO(context.Background(), args, strings.NewReader(input), &out, &bytes.Buffer{})
	return out.String(), err
}

// consoleLogin signs in to the console of the SQLite store in dir.
func consoleLogin(t *testing.T, dir, key, secret string) (*hitd.Requester, error) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(dir, "hitd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, r, err := hitd.NewService(st, hitd.SystemClock{}, hitd.IDSource{}, hitd.Config{}).ConsoleLogin(context.Background(), key, secret)
	return r, err
}

// field returns the value of "Name: value" in a command's output.
func field(out, name string) string {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func TestRequesterConsoleCommands(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("HITD_REQUESTER_PASSWORD", "")

	out, err := runCmd(t, "requester", "create", "--name", "operator", "--admin", "--data-dir", dir)
	if err != nil || field(out, "Admin") != "yes" {
		t.Fatalf("requester create --admin: %q %v", out, err)
	}
	adminKey := field(out, "AccessKeyId")
	out, err = runCmd(t, "requester", "create", "--name", "lab", "--data-dir", dir)
	if err != nil || field(out, "Admin") != "" {
		t.Fatalf("requester create: %q %v", out, err)
	}
	labKey, labSecret := field(out, "AccessKeyId"), field(out, "SecretAccessKey")
	list, err := runCmd(t, "requester", "list", "--data-dir", dir)
	if err != nil || !strings.Contains(list, "ADMIN") {
		t.Fatalf("requester list: %q %v", list, err)
	}
	for _, line := range strings.Split(list, "\n") {
		if strings.Contains(line, adminKey) != strings.Contains(line, "yes") {
			t.Errorf("requester list: the admin and only the admin says yes:\n%s", list)
		}
	}
	if r, err := consoleLogin(t, dir, adminKey, "whatever-secret"); err == nil {
		t.Errorf("signed in before a password was set: %+v", r)
	}

	// From standard input: one line, without its line ending.
	out, err = runCmdIn(t, "stdin-password-1\r\nsecond line is not read\n", "requester", "set-password", "--access-key-id", adminKey, "--data-dir", dir)
	if err != nil || !strings.Contains(out, adminKey) {
		t.Fatalf("set-password from stdin: %q %v", out, err)
	}
	if r, err := consoleLogin(t, dir, adminKey, "stdin-password-1"); err != nil || !r.Admin || r.Name != "operator" {
		t.Errorf("login with the password from stdin: %+v %v", r, err)
	}

	// From the environment, which wins over stdin.
	t.Setenv("HITD_REQUESTER_PASSWORD", "env-password-1")
	if out, err := runCmdIn(t, "ignored-password\n", "requester", "set-password", "--access-key-id", labKey, "--data-dir", dir); err != nil {
		t.Fatalf("set-password from the environment: %q %v", out, err)
	}
	if r, err := consoleLogin(t, dir, labKey, "env-password-1"); err != nil || r.Admin {
		t.Errorf("login with the password from the environment: %+v %v", r, err)
	}
	if _, err := consoleLogin(t, dir, labKey, "ignored-password"); err == nil {
		t.Error("stdin was read although HITD_REQUESTER_PASSWORD is set")
	}
	if _, err := consoleLogin(t, dir, labKey, labSecret); err != nil {
		t.Errorf("login with the secret access key: %v", err)
	}

	t.Setenv("HITD_REQUESTER_PASSWORD", "")
	for _, tc := range []struct {
		name, input string
		args        []string
		want        string // in the error
	}{
		{"short password", "short\n", []string{"--access-key-id", labKey}, "at least 8"},
		{"empty stdin", "", []string{"--access-key-id", labKey}, "HITD_REQUESTER_PASSWORD"},
		{"empty line", "\n", []string{"--access-key-id", labKey}, "HITD_REQUESTER_PASSWORD"},
		{"unknown key", "long-enough-1\n", []string{"--access-key-id", "HITDNOSUCHKEY"}, "No requester"},
		{"no key", "long-enough-1\n", nil, "required"},
		{"password flag", "long-enough-1\n", []string{"--access-key-id", labKey, "--password", "x"}, "not defined"},
		{"sandbox", "long-enough-1\n", []string{"--access-key-id", labKey, "--sandbox"}, "production realm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := runCmdIn(t, tc.input, append(append([]string{"requester", "set-password"}, tc.args...), "--data-dir", dir)...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
	// The failures changed nothing.
	if _, err := consoleLogin(t, dir, labKey, "env-password-1"); err != nil {
		t.Errorf("lab's password after the failed commands: %v", err)
	}
}
