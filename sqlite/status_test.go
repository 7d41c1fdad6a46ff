package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hitd/hitd/sqlite"
)

// TestOpenRefusesNewerSchema: a database a newer hitd has migrated (a
// version in schema_migrations this build does not know) is refused at
// Open with a message saying so, before anything is written: the older
// migrations it lacks are not applied either.
func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "newer.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{
		`CREATE TABLE schema_migrations (version TEXT PRIMARY KEY) STRICT`,
		`INSERT INTO schema_migrations VALUES ('0001_init'), ('9999_future')`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	known := sqlite.Migrations()
	latest := known[len(known)-1]

	applied, pending, unknown, err := sqlite.Status(ctx, path)
	if err != nil || !slices.Equal(applied, []string{"0001_init", "9999_future"}) || !slices.Equal(pending, known[1:]) || !slices.Equal(unknown, []string{"9999_future"}) {
		t.Errorf("Status = %v, %v, %v, %v", applied, pending, unknown, err)
	}

	s, err := sqlite.Open(ctx, path)
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a database migrated by a newer hitd")
	}
	want := "the database's schema is at 9999_future, newer than this hitd knows (it knows up to " + latest + "): run the hitd that upgraded it, or a newer one"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("Open: %v\nwant it to say: %s", err, want)
	}
	var tables []string
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	if !slices.Equal(tables, []string{"schema_migrations"}) {
		t.Errorf("tables after the refused Open: %v, want schema_migrations alone", tables)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil || n != 2 {
		t.Errorf("schema_migrations rows after the refused Open: %d, %v", n, err)
	}
}

// TestStatus reports a new database's schema without creating or
// migrating it.
func TestStatus(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	if _, _, _, err := sqlite.Status(ctx, missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Status of a missing file: %v, want fs.ErrNotExist", err)
	}
	if m, _ := filepath.Glob(missing + "*"); len(m) > 0 {
		t.Errorf("Status created %v", m)
	}

	path := filepath.Join(dir, "hitd.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	applied, pending, unknown, err := sqlite.Status(ctx, path) // while open, as beside a running server
	s.Close()
	if err != nil || !slices.Equal(applied, sqlite.Migrations()) || len(pending) != 0 || len(unknown) != 0 {
		t.Errorf("Status of a current database = %v, %v, %v, %v", applied, pending, unknown, err)
	}
	applied, _, _, err = sqlite.Status(ctx, path) // closed
	if err != nil || !slices.Equal(applied, sqlite.Migrations()) {
		t.Errorf("Status of a closed current database = %v, %v", applied, err)
	}
}
