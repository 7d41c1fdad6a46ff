package main

import (
	"strings"
	"testing"

	"github.com/hitd/hitd/internal/pgtest"
	"github.com/hitd/hitd/postgres"
)

// TestDBCopyCommand moves a data directory's two realms to PostgreSQL with
// hitd db copy, refuses a second copy into the now non-empty schemas
// unless forced, and reads the copy back with the admin commands.
func TestDBCopyCommand(t *testing.T) {
	url := pgtest.URL(t)
	to := pgtest.URLWithSchema(url, pgtest.Schema(t, url))
	dir := t.TempDir()
	if _, err := runCmd(t, "requester", "create", "--name", "lab", "--data-dir", dir); err != nil {
		t.Fatal(err)
	}
	workerID, err := runCmd(t, "worker", "create", "--username", "bob", "--password", "pass-1234-xyz", "--data-dir", dir, "--sandbox")
	if err != nil {
		t.Fatal(err)
	}
	from := "sqlite:" + dir + "/hitd.db"
	out, err := runCmd(t, "db", "copy", "--from", from, "--to", to)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"production: copied", "production: money verified: deposits 10000.00", "sandbox: copied", "sandbox: money verified"} {
		if !strings.Contains(out, want) {
			t.Errorf("db copy output lacks %q:\n%s", want, out)
		}
	}
	if _, err := runCmd(t, "db", "copy", "--from", from, "--to", to); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second copy into a non-empty database: %v, want a refusal", err)
	}
	if _, err := runCmd(t, "db", "copy", "--from", from, "--to", to, "--force"); err != nil {
		t.Errorf("--force copy: %v", err)
	}
	if out, err := runCmd(t, "requester", "list", "--db", to); err != nil || !strings.Contains(out, "lab") {
		t.Errorf("requester list on the copy: %v\n%s", err, out)
	}
	if out, err := runCmd(t, "worker", "list", "--sandbox", "--db", to); err != nil || !strings.Contains(out, strings.TrimSpace(workerID)) {
		t.Errorf("sandbox worker list on the copy: %v\n%s", err, out)
	}
	latest := postgres.Migrations()[len(postgres.Migrations())-1]
	if out, err := runCmd(t, "migrate", "--db", to); err != nil || !strings.Contains(out, "production") || !strings.Contains(out, latest) {
		t.Errorf("migrate: %v\n%s", err, out)
	}
	for _, bad := range [][]string{{"db", "copy", "--from", url, "--to", to}, {"db", "copy", "--from", from, "--to", "sqlite:/x.db"}, {"db", "copy", "--from", "sqlite:" + dir + "/nope.db", "--to", to}} {
		if _, err := runCmd(t, bad...); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
}
