// Package pgtest gives tests a PostgreSQL database to themselves: the URL
// from HITD_TEST_POSTGRES_URL (or a skip saying how to set it) and a fresh
// schema per test, dropped when the test ends, so tests and concurrent runs
// never share rows.
package pgtest

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvURL is the environment variable that names the test database.
const EnvURL = "HITD_TEST_POSTGRES_URL"

// URL returns the test database's URL, or skips the test when it is not
// configured.
func URL(t testing.TB) string {
	t.Helper()
	url := os.Getenv(EnvURL)
	if url == "" {
		t.Skip(EnvURL + " is not set: skipping a test that needs PostgreSQL " +
			"(set it to e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return url
}

// Schema returns the name of a schema for this test alone (not created:
// the stores create their schema). When the test ends it drops the schema
// and every schema named after it (NAME_sandbox), with their tables.
func Schema(t testing.TB, url string) string {
	t.Helper()
	name := "hitd_test_" + strings.ToLower(rand.Text()[:12])
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Errorf("drop schema %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		rows, err := conn.Query(ctx, `SELECT nspname FROM pg_namespace WHERE nspname = $1 OR nspname LIKE $1 || '\_%'`, name)
		if err != nil {
			t.Errorf("drop schema %s: %v", name, err)
			return
		}
		schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Errorf("drop schema %s: %v", name, err)
			return
		}
		for _, s := range schemas {
			if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{s}.Sanitize()+` CASCADE`); err != nil {
				t.Errorf("drop schema %s: %v", s, err)
			}
		}
	})
	return name
}

// URLWithSchema returns url with search_path set to schema, the form
// `hitd serve --db` takes.
func URLWithSchema(url, schema string) string {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "search_path=" + schema
}
