package postgres

import (
	"context"
	"fmt"

	"github.com/hitd/hitd/internal/sqltx"
	"github.com/jackc/pgx/v5"
)

// Migrations lists the schema versions this build knows, oldest first:
// what Open brings a schema up to.
func Migrations() []string { return sqltx.Migrations(migrationFS) }

// queryer is a pgx.Tx or a *pgx.Conn.
type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// appliedIn lists the migrations recorded in the search path's
// schema_migrations, oldest first; none when there is no such table (a
// new schema, or none yet).
func appliedIn(ctx context.Context, q queryer) ([]string, error) {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return nil, err
	}
	if !exists {
		return nil, nil
	}
	rows, err := q.Query(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// Status reports the schema of the database at url, in schema (empty: the
// URL's search_path), without changing or creating anything: the
// migrations applied, those this build would apply (pending), and those
// applied by a newer hitd that this build does not know (unknown; Open
// refuses such a schema). A schema that does not exist, or has no
// schema_migrations, has nothing applied.
func Status(ctx context.Context, url, schema string) (applied, pending, unknown []string, err error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("postgres: %w", err)
	}
	if schema != "" {
		cfg.RuntimeParams["search_path"] = schema
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close(ctx)
	err = pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		applied, err = appliedIn(ctx, tx)
		return err
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("postgres: %w", err)
	}
	pending, unknown = sqltx.Compare(applied, Migrations())
	return applied, pending, unknown, nil
}
