package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"testing"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/postgres"
	"github.com/hitd/hitd/storetest"
	"github.com/jackc/pgx/v5"
)

// testURL returns HITD_TEST_POSTGRES_URL or skips the test.
func testURL(t *testing.T) string {
	url := os.Getenv("HITD_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("HITD_TEST_POSTGRES_URL is not set: skipping the PostgreSQL store's tests " +
			"(set it to e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return url
}

// schema returns a new schema name for one test and drops the schema when
// the test ends, so tests and concurrent runs never share rows.
func schema(t *testing.T, url string) string {
	name := fmt.Sprintf("hitd_test_%x", rand.Text()[:12])
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Errorf("drop schema %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+pgx.Identifier{name}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name
}

func open(t *testing.T) *postgres.Store {
	url := testURL(t)
	s, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema(t, url)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) hitd.Store { return open(t) })
}
