package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"os"

	"github.com/hitd/hitd/internal/sqltx"
)

// appliedIn lists the migrations recorded in tx's database, oldest first;
// none when it has no schema_migrations table (a new, empty file).
func appliedIn(ctx context.Context, tx *sql.Tx) ([]string, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, nil
	}
	var out []string
	return out, versionsIn(ctx, tx, &out)
}

// Status reports the schema of the database file at path without changing
// or creating anything (the file is opened read-only, and no migration is
// run): the migrations applied, those this build would apply (pending),
// and those applied by a newer hitd that this build does not know
// (unknown; Open refuses such a file). A file without schema_migrations
// has nothing applied. A missing file is an error satisfying
// errors.Is(err, fs.ErrNotExist).
func Status(ctx context.Context, path string) (applied, pending, unknown []string, err error) {
	if _, err := os.Stat(path); err != nil {
		return nil, nil, nil, err // never create it
	}
	db, err := sql.Open("sqlite", rawDSN(path, true))
	if err != nil {
		return nil, nil, nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	err = sqltx.Run(ctx, db, nil, func(tx *sql.Tx) error {
		applied, err = appliedIn(ctx, tx)
		return err
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	pending, unknown = sqltx.Compare(applied, Migrations())
	return applied, pending, unknown, nil
}
