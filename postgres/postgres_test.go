package postgres_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/pgtest"
	"github.com/hitd/hitd/postgres"
	"github.com/hitd/hitd/storetest"
	"github.com/jackc/pgx/v5"
)

func open(t *testing.T) *postgres.Store {
	url := pgtest.URL(t)
	s, err := postgres.Open(context.Background(), url, postgres.Options{Schema: pgtest.Schema(t, url)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) hitd.Store { return open(t) })
}

// TestWriteKeysTakeTurns: writers of one hot row that name it with
// hitd.WithWriteKey take turns instead of conflicting, so none of them is
// run again, and the row ends right.
func TestWriteKeysTakeTurns(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	r := &hitd.Requester{ID: "A1", Name: "n", AccessKeyID: "K1", SecretAccessKey: "S", Balance: 1000}
	if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, r) }); err != nil {
		t.Fatal(err)
	}
	decrement := func(ctx context.Context) error {
		return s.Write(ctx, func(tx hitd.Tx) error {
			r, err := tx.RequesterByID(ctx, "A1")
			if err != nil {
				return err
			}
			r.Balance--
			return tx.UpdateRequester(ctx, r)
		})
	}
	const goroutines, each = 16, 20
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				if err := decrement(hitd.WithWriteKey(ctx, "requester:A1")); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := s.Retries(); n != 0 {
		t.Errorf("%d transactions were run again; writers with one key should take turns", n)
	}
	var got hitd.Cents
	if err := s.Read(ctx, func(tx hitd.Tx) error {
		r, err := tx.RequesterByID(ctx, "A1")
		got = r.Balance
		return err
	}); err != nil || got != 1000-goroutines*each {
		t.Fatalf("balance %v, %v; want %d", got, err, 1000-goroutines*each)
	}

	// A writer whose context ends while it waits for its turn gives up
	// with the context's error, and the key is free again afterwards.
	hold := make(chan struct{})
	holding := make(chan struct{})
	go func() {
		s.Write(hitd.WithWriteKey(ctx, "requester:A1"), func(tx hitd.Tx) error {
			close(holding)
			<-hold
			return nil
		})
	}()
	<-holding
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := decrement(hitd.WithWriteKey(cctx, "requester:A1")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting past the deadline: %v, want context.DeadlineExceeded", err)
	}
	close(hold)
	if err := decrement(hitd.WithWriteKey(ctx, "requester:A1")); err != nil {
		t.Errorf("after the holder finished: %v", err)
	}
}

// TestOpenRefusesNewerSchema: a schema a newer hitd has migrated is refused
// at Open, under the migration lock and before anything is written, and
// Status reports it without changing it.
func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	id := pgx.Identifier{schema}.Sanitize()
	for _, stmt := range []string{
		`CREATE SCHEMA ` + id,
		`CREATE TABLE ` + id + `.schema_migrations (version TEXT PRIMARY KEY)`,
		`INSERT INTO ` + id + `.schema_migrations VALUES ('0001_schema'), ('9999_future')`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	known := postgres.Migrations()
	applied, pending, unknown, err := postgres.Status(ctx, url, schema)
	if err != nil || !slices.Equal(applied, []string{"0001_schema", "9999_future"}) || !slices.Equal(pending, known[1:]) || !slices.Equal(unknown, []string{"9999_future"}) {
		t.Errorf("Status = %v, %v, %v, %v", applied, pending, unknown, err)
	}

	s, err := postgres.Open(ctx, url, postgres.Options{Schema: schema})
	if err == nil {
		s.Close()
		t.Fatal("Open accepted a schema migrated by a newer hitd")
	}
	want := "the database's schema is at 9999_future, newer than this hitd knows (it knows up to " + known[len(known)-1] + "): run the hitd that upgraded it, or a newer one"
	if !strings.Contains(err.Error(), want) {
		t.Errorf("Open: %v\nwant it to say: %s", err, want)
	}
	rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, schema)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || !slices.Equal(tables, []string{"schema_migrations"}) {
		t.Errorf("tables after the refused Open: %v, %v; want schema_migrations alone", tables, err)
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM `+id+`.schema_migrations`).Scan(&n); err != nil || n != 2 {
		t.Errorf("schema_migrations rows after the refused Open: %d, %v", n, err)
	}
}

// TestStatus reports a schema that does not exist without creating it,
// then a current one.
func TestStatus(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	schema := pgtest.Schema(t, url)
	applied, pending, unknown, err := postgres.Status(ctx, url, schema)
	if err != nil || len(applied) != 0 || !slices.Equal(pending, postgres.Migrations()) || len(unknown) != 0 {
		t.Errorf("Status of a missing schema = %v, %v, %v, %v", applied, pending, unknown, err)
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&exists); err != nil || exists {
		t.Errorf("Status created schema %s (%v)", schema, err)
	}
	s, err := postgres.Open(ctx, url, postgres.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	applied, pending, unknown, err = postgres.Status(ctx, pgtest.URLWithSchema(url, schema), "")
	if err != nil || !slices.Equal(applied, postgres.Migrations()) || len(pending) != 0 || len(unknown) != 0 {
		t.Errorf("Status of a current schema = %v, %v, %v, %v", applied, pending, unknown, err)
	}
}
