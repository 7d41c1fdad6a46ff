// Package postgres is the Store for deployments that outgrow one machine:
// several hitd nodes on one PostgreSQL database behave as one server.
//
// It owns the PostgreSQL schema and its migrations (embedded; applied by
// `hitd migrate` and at Open), the connection pool, transaction isolation
// and retry, and the scheduler's leader lease — and nothing else. The
// queries are package internal/sqltx's, shared with the SQLite store; the
// rules are the Service's.
//
// Choices, and why:
//
//   - Driver github.com/jackc/pgx/v5: the maintained PostgreSQL driver for
//     Go, with its own connection pool (pgxpool). The shared queries run
//     through database/sql, on pgx's stdlib adapter over that pool
//     (stdlib.OpenDBFromPool), so the pool is pgx's and the SQL is written
//     once for both stores.
//
//   - Write transactions are SERIALIZABLE, and retried when PostgreSQL
//     aborts one for a serialization failure (SQLSTATE 40001) or a deadlock
//     (40P01). The Service applies MTurk's rules in Go on rows it has read
//     — "does this HIT have a free slot", "can this requester pay", "is this
//     assignment still Submitted" — and writes the result. On SQLite those
//     read-check-write sequences are safe because one writer runs at a
//     time; PostgreSQL's serializable snapshot isolation gives the same
//     guarantee across any number of connections and nodes without a
//     lock-ordering audit of every operation: when two transactions'
//     reads and writes could not have happened one after the other, one of
//     them is rolled back and run again from the start, and then sees the
//     other's commit. That is why row locks (SELECT … FOR UPDATE) are not
//     used: under SERIALIZABLE a waiter on a changed row fails with 40001
//     anyway, and under READ COMMITTED every read that feeds a decision
//     would need one, in one global order, to stay correct.
//
//     The accept race is the hot case: workers on every node accepting the
//     last slots of one HIT all read and update that HIT's row (its
//     pending/submitted/completed counters). Exactly one of any set of
//     overlapping accepts commits; the others retry, see the new counters,
//     and either take the next free slot or find the HIT full. A worker
//     can never hold two live assignments of a HIT because a partial
//     unique index (assignments_live_per_worker) says so, whatever the
//     interleaving. UniqueRequestToken and HIT-type de-duplication are
//     primary keys (request_tokens, hit_types), so they hold across nodes
//     the same way.
//
//     Retries are bounded (maxAttempts) with jittered exponential backoff,
//     and a transaction's function must therefore be safe to run more than
//     once: it may only set its results, never accumulate them, and must
//     leave side effects outside the database until after Write returns.
//     The Service's transactions are written that way.
//
//     Serializable isolation has one cost that matters here: writers of
//     one hot row — every CreateHIT of a requester changes its balance,
//     every accept of a HIT its slot counters — conflict whenever they
//     overlap, and all but one of them run again. The Service names such a
//     row with hitd.WithWriteKey, and writers with the same key take turns
//     before their transactions begin (turns.go): in the process on a
//     mutex, across nodes on a PostgreSQL advisory lock held by the
//     connection the transaction then runs on. The transaction's snapshot
//     is taken after the lock, so it sees the previous holder's commit and
//     does not conflict with it. Keys never nest (a transaction takes at
//     most one), so turns cannot deadlock.
//
//   - Reads are REPEATABLE READ, READ ONLY: one consistent snapshot, never
//     a serialization failure.
//
//   - The scheduler runs on one node at a time, the holder of a lease row
//     (table leases) that it renews every pass and that expires after
//     LeaseTTL; when the holder dies another node takes the lease at its
//     next pass. Leases are timed by the database's clock, the one clock
//     all nodes share. The lease is an economy, not what makes due work
//     exactly-once: every due item is re-checked inside its serializable
//     transaction (hitd.Service.ApplyDue), so even two nodes that both
//     believed themselves leader would apply nothing twice, and outbox
//     deliveries are claimed per row (hitd.Service.DeliverDue).
//
//   - Sessions, invites and everything else a node knows about a user live
//     in the database; no node keeps state another needs.
//
//   - Each Store works in one schema (Options.Schema, created if missing;
//     default: the connection's search_path, normally "public"). The
//     sandbox realm is a second schema in the same database, and each
//     conformance test runs in a schema of its own.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/sqltx"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// maxAttempts bounds how often a write transaction is run before its
// serialization failure is returned.
const maxAttempts = 100

// migrationLock is the first key of the advisory lock that serialises
// migrations of one schema across nodes starting at once ("hitd").
const migrationLock = 0x68697464

// Options configures Open.
type Options struct {
	// Schema to work in, created if it does not exist. Empty: the
	// connection's search_path (from the URL, else "public").
	Schema string
	// MaxConns caps the pool; 0 keeps the URL's pool_max_conns, else
	// 4 × GOMAXPROCS (at least 8).
	MaxConns int32
}

// Store is a hitd.Store on a PostgreSQL database.
type Store struct {
	pool    *pgxpool.Pool
	db      *sql.DB
	dialect *sqltx.Dialect
	schema  string
	turns   turns
	retries atomic.Int64
}

// Retries is how many write transactions have been run again after a
// serialization failure or deadlock since Open.
func (s *Store) Retries() int64 { return s.retries.Load() }

var _ hitd.Store = (*Store)(nil)

// IsURL reports whether s names a PostgreSQL database
// (postgres:// or postgresql://).
func IsURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects to the database at url, creates the schema if needed and
// applies pending migrations.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	} else if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = int32(max(8, 4*runtime.GOMAXPROCS(0)))
	}
	if opts.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = opts.Schema
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{pool: pool, db: stdlib.OpenDBFromPool(pool), dialect: Dialect(), schema: opts.Schema}
	if _, err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Dialect is PostgreSQL's reading of internal/sqltx's queries.
func Dialect() *sqltx.Dialect {
	return &sqltx.Dialect{IsUnique: isUnique, CaseInsensitiveLike: "ILIKE", Rewrite: rewrite}
}

var indexedBy = regexp.MustCompile(`\s+INDEXED BY \w+`)

// rewrite turns a query in SQLite's spelling into PostgreSQL's: ?
// placeholders become $1, $2, …, and INDEXED BY hints (PostgreSQL's planner
// takes none) are dropped. The queries hold no ? inside string literals.
func rewrite(q string) string {
	q = indexedBy.ReplaceAllString(q, "")
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func isUnique(err error) bool { return pgCode(err) == "23505" }

// retryable reports whether a transaction that failed with err should be
// run again: a serialization failure or a deadlock.
func retryable(err error) bool {
	c := pgCode(err)
	return c == "40001" || c == "40P01"
}

// Versions lists the migrations applied to the store's schema, in order.
func (s *Store) Versions(ctx context.Context) ([]string, error) { return sqltx.Versions(ctx, s.db) }

// migrate applies the embedded migrations not yet recorded, all in one
// transaction under an advisory lock, so nodes starting together migrate
// once.
func (s *Store) migrate(ctx context.Context) ([]string, error) {
	known := Migrations()
	var applied []string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The lock comes first, keyed by the schema's name, so that nodes
		// starting together on a fresh database neither race to create the
		// schema nor apply a migration twice.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, hashtext(coalesce(nullif($2, ''), current_schema())))`,
			int32(migrationLock), s.schema); err != nil {
			return err
		}
		// Then, before anything is written, refuse a schema a newer hitd
		// has migrated.
		recorded, err := appliedIn(ctx, tx)
		if err != nil {
			return err
		}
		if err := sqltx.CheckKnown(recorded, known); err != nil {
			return err
		}
		if s.schema != "" {
			if _, err := tx.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{s.schema}.Sanitize()); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY)`); err != nil {
			return err
		}
		for _, version := range known {
			name := sqltx.MigrationFile(version)
			var done bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, version).Scan(&done); err != nil {
				return err
			}
			if done {
				continue
			}
			body, err := migrationFS.ReadFile(name)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, version); err != nil {
				return err
			}
			applied = append(applied, version)
		}
		return nil
	})
	var newer *sqltx.NewerSchemaError
	if errors.As(err, &newer) {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	return applied, nil
}

var (
	readOpts  = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	writeOpts = &sql.TxOptions{Isolation: sql.LevelSerializable}
)

// Read runs fn in a read-only transaction on one snapshot.
func (s *Store) Read(ctx context.Context, fn func(hitd.Tx) error) error {
	return s.inTx(ctx, s.db, readOpts, fn)
}

// Write runs fn in a serializable transaction, running it again (up to
// maxAttempts times) when PostgreSQL aborts it for a conflict with a
// concurrent transaction. When ctx carries a write key (hitd.WithWriteKey),
// writers with the same key take turns, across all nodes, before their
// transactions begin (see turns).
func (s *Store) Write(ctx context.Context, fn func(hitd.Tx) error) error {
	key := hitd.WriteKey(ctx)
	if key == "" {
		return s.retry(ctx, s.db, fn)
	}
	release, conn, err := s.turns.take(ctx, s.db, key)
	if err != nil {
		return err
	}
	defer release()
	return s.retry(ctx, conn, fn)
}

func (s *Store) retry(ctx context.Context, db sqltx.Beginner, fn func(hitd.Tx) error) error {
	var err error
	for attempt := range maxAttempts {
		if err = s.inTx(ctx, db, writeOpts, fn); err == nil || !retryable(err) {
			return err
		}
		s.retries.Add(1)
		// Jittered exponential backoff, 0.5 ms doubling to at most 50 ms.
		limit := min(500*time.Microsecond<<min(attempt, 7), 50*time.Millisecond)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(rand.N(limit) + 100*time.Microsecond):
		}
	}
	return fmt.Errorf("postgres: gave up after %d conflicting attempts: %w", maxAttempts, err)
}

func (s *Store) inTx(ctx context.Context, db sqltx.Beginner, opts *sql.TxOptions, fn func(hitd.Tx) error) error {
	return sqltx.Run(ctx, db, opts, func(tx *sql.Tx) error { return fn(sqltx.New(tx, s.dialect)) })
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// Close closes the pool.
func (s *Store) Close() error {
	err := s.db.Close()
	s.pool.Close()
	return err
}

// Pool is the store's connection pool, for tools that work on whole tables
// (hitd db copy).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }
