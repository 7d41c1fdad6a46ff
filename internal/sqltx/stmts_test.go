package sqltx

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// TestStmtsPrepareInTheBackground: a transaction on a one-connection pool
// asks for a statement it holds the only connection for; it gets none
// (runs unprepared) instead of waiting for itself, and once the connection
// is free the statement is prepared and later transactions use it.
func TestStmtsPrepareInTheBackground(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(`CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	c := NewStmts(db, 2)
	d := &Dialect{}
	const q = `INSERT INTO kv (k, v) VALUES (?, ?)`
	insert := func(k string) {
		t.Helper()
		if err := Run(ctx, db, nil, func(tx *sql.Tx) error {
			_, err := (&txn{tx: tx, d: d, stmts: c}).exec(ctx, q, k, 1)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	insert("a") // starts preparing q, which waits for the connection this transaction holds
	deadline := time.Now().Add(5 * time.Second)
	for c.get(q) == nil {
		if time.Now().After(deadline) {
			t.Fatal("the statement was never prepared")
		}
		time.Sleep(time.Millisecond)
	}
	insert("b") // prepared this time
	c.get(`SELECT 1`)
	c.get(`SELECT 2`) // over max: never cached
	c.pending.Wait()
	if c.get(`SELECT 2`) != nil || len(c.m) != 2 {
		t.Errorf("the cache holds %d texts, want its max of 2", len(c.m))
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM kv`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("rows %d, %v", n, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if c.get(`SELECT 3`) != nil {
		t.Error("a closed cache prepared a statement")
	}
}
