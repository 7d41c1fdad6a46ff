// Package sqlite is the embedded Store: hitd's default, one file in the data
// directory.
//
// It owns the schema and its migrations (embedded, applied at Open), the
// connections and the transactions, and nothing else: no rules live here,
// only rows. The queries themselves are shared with package postgres and
// live in internal/sqltx, written in SQLite's spelling.
//
// Choices, and why:
//   - Driver modernc.org/sqlite: pure Go, so hitd stays one static binary
//     that cross-compiles with CGO_ENABLED=0 (docs/performance.md has the
//     write-path benchmark against mattn/go-sqlite3).
//   - journal_mode=WAL: readers never block the writer or each other.
//   - synchronous=FULL: a commit is fsynced before it is acknowledged, so an
//     acknowledged write survives a crash or power loss (NORMAL would not
//     guarantee that in WAL mode).
//   - One writer path: all writes go through a pool of exactly one
//     connection, with BEGIN IMMEDIATE, so write transactions are
//     serialised inside the process and take the database write lock up
//     front (no SQLITE_BUSY upgrade deadlocks). Other processes (admin
//     commands while the server runs) wait on busy_timeout=10000.
//   - foreign_keys=ON; STRICT tables.
//   - Reads use a separate pool of read-only (query_only) connections.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"sort"
	"strings"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/sqltx"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Store is a hitd.Store on one SQLite database file.
type Store struct {
	write   *sql.DB
	read    *sql.DB
	dialect *sqltx.Dialect
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "UNIQUE constraint failed") ||
		strings.Contains(err.Error(), "PRIMARY KEY constraint failed"))
}

// Dialect is SQLite's: the queries in package sqltx are written in its
// spelling, so nothing is rewritten.
func Dialect() *sqltx.Dialect {
	return &sqltx.Dialect{IsUnique: isUnique, CaseInsensitiveLike: "LIKE"}
}

var _ hitd.Store = (*Store)(nil)

func dsn(path string, writer bool) string {
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	if writer {
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Open opens (creating if needed) the database at path and applies any
// pending migrations.
func Open(ctx context.Context, path string) (*Store, error) {
	w, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: migrate %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &Store{write: w, read: r, dialect: Dialect()}, nil
}

// migrate applies embedded migrations not yet recorded in schema_migrations,
// each in its own transaction.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY) STRICT`); err != nil {
		return err
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		version := strings.TrimSuffix(strings.TrimPrefix(name, "migrations/"), ".sql")
		body, err := migrationFS.ReadFile(name)
		if err != nil {
			return err
		}
		if err := sqltx.Run(ctx, db, nil, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version) VALUES (?)`, version)
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// Read runs fn in a read transaction.
func (s *Store) Read(ctx context.Context, fn func(hitd.Tx) error) error {
	return sqltx.Run(ctx, s.read, nil, func(tx *sql.Tx) error { return fn(sqltx.New(tx, s.dialect)) })
}

// Write runs fn in the single write transaction path.
func (s *Store) Write(ctx context.Context, fn func(hitd.Tx) error) error {
	return sqltx.Run(ctx, s.write, nil, func(tx *sql.Tx) error { return fn(sqltx.New(tx, s.dialect)) })
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}

// Close closes both pools.
func (s *Store) Close() error {
	return errors.Join(s.read.Close(), s.write.Close())
}

// DB is the store's read-only connection pool, for tools that read whole
// tables (hitd db copy).
func (s *Store) DB() *sql.DB { return s.read }

// Versions lists the migrations applied, in order.
func (s *Store) Versions(ctx context.Context) ([]string, error) { return sqltx.Versions(ctx, s.read) }
