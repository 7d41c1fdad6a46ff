package main

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hitd/hitd/internal/pgtest"
	"github.com/hitd/hitd/postgres"
	"github.com/hitd/hitd/sqlite"
)

// TestVersionCommand checks the shape of "hitd version" and "hitd
// --version": the version, the commit ("unknown" under go test, which
// stamps none) and the Go toolchain and platform.
func TestVersionCommand(t *testing.T) {
	shape := regexp.MustCompile(`^hitd (\S+) \(commit ([0-9a-f]{1,12}…?|unknown)(, modified)?\) (go\S+) (\S+/\S+)\n$`)
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := runCmd(t, args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		m := shape.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("%v printed %q", args, out)
		}
		if m[1] != version || m[4] != runtime.Version() || m[5] != runtime.GOOS+"/"+runtime.GOARCH {
			t.Errorf("%v printed %q", args, out)
		}
	}
	defer func(v string) { version = v }(version)
	version = "v1.2.3"
	if out, _ := runCmd(t, "version"); !strings.HasPrefix(out, "hitd v1.2.3 (commit ") {
		t.Errorf("with -X main.version=v1.2.3: %q", out)
	}
	if _, err := runCmd(t, "version", "extra"); err == nil {
		t.Error("version accepted an argument")
	}
}

// TestVersionCommitFromLdflags: a commit set with -X main.commit (as
// scripts/build does) wins over the build's VCS stamp, with
// -X main.commitModified=true adding ", modified".
func TestVersionCommitFromLdflags(t *testing.T) {
	defer func(c, m string) { commit, commitModified = c, m }(commit, commitModified)
	for _, tc := range []struct{ commit, modified, want string }{
		{"0123456789abcdef0123456789abcdef01234567", "", "(commit 0123456789ab…)"},
		{"0123456789abcdef0123456789abcdef01234567", "true", "(commit 0123456789ab…, modified)"},
		{"abc1234", "false", "(commit abc1234)"},
	} {
		commit, commitModified = tc.commit, tc.modified
		if out, _ := runCmd(t, "version"); !strings.Contains(out, tc.want) {
			t.Errorf("-X main.commit=%s -X main.commitModified=%q: %q, want %q", tc.commit, tc.modified, out, tc.want)
		}
	}
}

// TestMigrateStatusSQLite: hitd migrate --status reports each realm
// without creating or migrating anything, then applied versions after
// hitd migrate, and an unknown (newer) version, which hitd migrate then
// refuses.
func TestMigrateStatusSQLite(t *testing.T) {
	dir := t.TempDir()
	out, err := runCmd(t, "migrate", "--status", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"production sqlite:" + dir + "/hitd.db: no database yet (the file does not exist)", "sandbox sqlite:" + dir + "/sandbox.db: no database yet"} {
		if !strings.Contains(out, want) {
			t.Errorf("status of an empty data directory lacks %q:\n%s", want, out)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("migrate --status created %v", entries)
	}

	if _, err := runCmd(t, "migrate", "--data-dir", dir); err != nil {
		t.Fatal(err)
	}
	known := sqlite.Migrations()
	latest := known[len(known)-1]
	out, err = runCmd(t, "migrate", "--status", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "production sqlite:"+dir+"/hitd.db: schema at "+latest+", up to date") ||
		strings.Count(out, "  applied  ") != 2*len(known) || strings.Contains(out, "pending") {
		t.Errorf("status after migrate: %v\n%s", err, out)
	}

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "hitd.db"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`INSERT INTO schema_migrations VALUES ('9999_future')`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, err = runCmd(t, "migrate", "--status", "--data-dir", dir)
	if err != nil || !strings.Contains(out, "schema at 9999_future, NEWER than this hitd knows") || !strings.Contains(out, "  unknown  9999_future") {
		t.Errorf("status of a newer schema: %v\n%s", err, out)
	}
	_, err = runCmd(t, "migrate", "--data-dir", dir)
	if err == nil || !strings.Contains(err.Error(), "production realm") ||
		!strings.Contains(err.Error(), "the database's schema is at 9999_future, newer than this hitd knows (it knows up to "+latest+")") {
		t.Errorf("migrate of a newer schema: %v", err)
	}
}

// TestMigrateStatusPostgres: the same on PostgreSQL, where a schema that
// does not exist has "no schema yet" and is not created.
func TestMigrateStatusPostgres(t *testing.T) {
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	db := pgtest.URLWithSchema(url, schema)
	out, err := runCmd(t, "migrate", "--status", "--db", db)
	if err != nil || !strings.Contains(out, "production") || strings.Count(out, "no schema yet") != 2 {
		t.Errorf("status of a new schema: %v\n%s", err, out)
	}
	applied, _, _, err := postgres.Status(context.Background(), url, schema)
	if err != nil || len(applied) != 0 {
		t.Errorf("after migrate --status: %v, %v", applied, err)
	}
	if _, err := runCmd(t, "migrate", "--db", db); err != nil {
		t.Fatal(err)
	}
	known := postgres.Migrations()
	out, err = runCmd(t, "migrate", "--status", "--db", db)
	if err != nil || strings.Count(out, "schema at "+known[len(known)-1]+", up to date") != 2 || strings.Contains(out, "pending") {
		t.Errorf("status after migrate: %v\n%s", err, out)
	}
}

// TestServeLogsVersion: serve's start-up line names the version and the
// commit.
func TestServeLogsVersion(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	args := []string{"serve", "--listen", freeAddr(t), "--data-dir", t.TempDir()}
	go func() { done <- run(ctx, args, stdout, stderr) }()
	line := regexp.MustCompile(`msg="hitd listening" .* version=dev commit=unknown modified=false`)
	for deadline := time.Now().Add(10 * time.Second); !line.MatchString(stderr.String()); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Error("no start-up line with the version and commit:\n" + stderr.String())
			break
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
}
