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
//   - One writer: all writes go through a pool of exactly one connection,
//     driven by one writer goroutine, with BEGIN IMMEDIATE, so write
//     transactions are serialised inside the process and take the database
//     write lock up front (no SQLITE_BUSY upgrade deadlocks). Other
//     processes (admin commands while the server runs) wait on
//     busy_timeout=10000.
//   - Group commit: a durable COMMIT costs an fsync, more than the SQL of a
//     typical Write, and one writer pays them one after another, so a
//     transaction per Write would cap the store near one Write per fsync
//     however many callers wait. Instead the writer takes every Write
//     already waiting (up to a cap) into one BEGIN IMMEDIATE transaction,
//     runs their functions one after another, each inside its own
//     SAVEPOINT, and COMMITs once: one fsync for the batch. A function that
//     fails or panics is rolled back to its savepoint alone and its caller
//     gets the error (or the panic, in the caller's goroutine); one whose
//     context ended before its turn does not run. The functions of a batch
//     run in queue order and each sees the effects of those before it,
//     exactly as if each had been its own transaction, so Write keeps its
//     serial semantics. Durability is unchanged: a caller is answered only
//     after the COMMIT that includes its changes has returned, and with
//     synchronous=FULL that COMMIT has been fsynced; if the COMMIT fails,
//     every caller in the batch gets the error. write.go has the details
//     (including what happens when SQLite itself rolls a batch back).
//   - foreign_keys=ON; STRICT tables.
//   - Reads use a separate pool of read-only (query_only) connections.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

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
	// Prepared statements of each pool: modernc.org/sqlite parses a
	// query's text on every call otherwise.
	readStmts, writeStmts *sqltx.Stmts

	// Group commit (write.go).
	mu       sync.Mutex
	queue    []*request // Writes waiting for a batch, oldest first
	closed   bool
	wake     chan struct{} // one slot: the writer has something to look at
	turnDone chan outcome  // one slot: the caller whose turn it is hands back
	stopped  chan struct{} // closed when the writer goroutine has returned
	commits  atomic.Int64  // write transactions committed

	closeOnce sync.Once
	closeErr  error
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
		// Keep savepoint sub-journals (write.go) in memory. On disk, each
		// page a Write changes is first copied to a temporary file, one
		// write(2) a page: BenchmarkWriteConcurrent/createHIT at 64
		// clients ran at about 2,000 Writes/s instead of 7,000. A
		// sub-journal holds only what a savepoint may roll back; the WAL
		// alone makes commits durable.
		q.Add("_pragma", "temp_store(MEMORY)")
		// A 64 MiB page cache (SQLite's default is 2 MiB): inserts into
		// the indexes of random IDs touch pages all over a large database,
		// and with the default cache a big transaction spills dirty pages
		// to the WAL as it goes (hitd-bench's bulk loader saw a 10,000-row
		// transaction slow from 1.3 s to 20 s at 200,000 HITs). It is a
		// ceiling, not an allocation: the cache grows only with use.
		q.Add("_pragma", "cache_size(-65536)")
	} else {
		q.Add("_pragma", "query_only(1)")
		q.Add("_pragma", "cache_size(-16384)") // 16 MiB per reader
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
		var newer *sqltx.NewerSchemaError
		if errors.As(err, &newer) {
			return nil, fmt.Errorf("sqlite: %s: %w", path, err)
		}
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
	s := &Store{write: w, read: r, dialect: Dialect(), readStmts: sqltx.NewStmts(r, 256), writeStmts: sqltx.NewStmts(w, 256),
		wake: make(chan struct{}, 1), turnDone: make(chan outcome, 1), stopped: make(chan struct{})}
	go s.writer()
	return s, nil
}

// migrate applies embedded migrations not yet recorded in schema_migrations,
// each in its own transaction. First, and before it writes anything, it
// refuses a database a newer hitd has migrated (a *sqltx.NewerSchemaError).
func migrate(ctx context.Context, db *sql.DB) error {
	known := Migrations()
	if err := sqltx.Run(ctx, db, nil, func(tx *sql.Tx) error {
		applied, err := appliedIn(ctx, tx)
		if err != nil {
			return err
		}
		return sqltx.CheckKnown(applied, known)
	}); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY) STRICT`); err != nil {
		return err
	}
	for _, version := range known {
		name := sqltx.MigrationFile(version)
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
	return sqltx.Run(ctx, s.read, nil, func(tx *sql.Tx) error { return fn(sqltx.NewCached(tx, s.dialect, s.readStmts)) })
}

// Write runs fn in a write transaction, usually shared with other
// concurrent Writes (see the package doc): fn runs in the caller's
// goroutine, after the functions queued before it and seeing their
// effects, inside its own savepoint. Write returns once the transaction
// is committed, with fn's error, or the COMMIT's; if fn panics, its
// changes are rolled back and the panic goes on in the caller. If ctx
// ends before fn's turn, fn does not run and Write returns ctx.Err().
//
// fn must not call Write (or Close) on the same store: the writer waits
// for fn to hand the transaction back, so that deadlocks, as it always
// has on the single write connection.
func (s *Store) Write(ctx context.Context, fn func(hitd.Tx) error) error {
	return s.exec(ctx, func(tx *sql.Tx) error { return fn(sqltx.NewCached(tx, s.dialect, s.writeStmts)) })
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one)
}

// Close stops the writer and closes both pools. The batch being run is
// finished and committed; Writes still queued, and later ones, fail.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		pending := s.queue
		s.queue = nil
		s.mu.Unlock()
		for _, r := range pending {
			answer(r, errClosed)
		}
		s.signal()
		<-s.stopped
		s.closeErr = errors.Join(s.readStmts.Close(), s.writeStmts.Close(), s.read.Close(), s.write.Close())
	})
	return s.closeErr
}

// DB is the store's read-only connection pool, for tools that read whole
// tables (hitd db copy).
func (s *Store) DB() *sql.DB { return s.read }

// Versions lists the migrations applied, in order.
func (s *Store) Versions(ctx context.Context) ([]string, error) { return sqltx.Versions(ctx, s.read) }
