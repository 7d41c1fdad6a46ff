package sqlite

// Backups (hitd backup, hitd restore; docs/backup.md). This file owns the
// SQLite side: taking a snapshot of a live database file, checking a file
// that claims to be a hitd database, and telling whether a file is in use.
// Choosing file names, refusing to overwrite and renaming into place are
// the command's.
//
// Why VACUUM INTO: it reads the source inside one read transaction, so the
// copy is one snapshot, exactly the database as of some commit; in WAL mode
// that transaction blocks neither the server's writer nor its readers (the
// WAL only grows until the snapshot ends and a checkpoint catches up). It
// writes a compact file in rollback-journal mode, with no -wal beside it:
// one self-contained file, unlike a copy of the live file, which misses
// whatever the WAL holds. The online backup API (sqlite3_backup_step)
// would do as well but restarts whenever another connection writes, so
// under steady load it may never finish.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/sqltx"
	sqlitedriver "modernc.org/sqlite"
)

// Migrations lists the schema versions this build knows, oldest first:
// what Open brings a database up to.
func Migrations() []string { return sqltx.Migrations(migrationFS) }

// rawDSN is a DSN for a plain connection to path, outside any Store: no
// migrations, no journal_mode change, and no writes: mode=ro opens the
// file read-only; query_only opens it for writing but refuses to write,
// which lets the last connection to a WAL-mode file remove its -wal and
// -shm on close, as a read-only one cannot.
func rawDSN(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	if readOnly {
		q.Set("mode", "ro")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// Backup writes a consistent snapshot of the database at src (which a
// server may be using) to dst, with VACUUM INTO. dst must not exist or
// must be an empty file (so a caller can create it first, with the mode it
// wants). src is opened read-only: Backup never changes it, and never
// creates it. The caller should fsync dst.
func Backup(ctx context.Context, src, dst string) error {
	if fi, err := os.Stat(src); err != nil {
		return err
	} else if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a file", src)
	}
	abs, err := filepath.Abs(dst)
	if err != nil {
		return err
	}
	db, err := sql.Open("sqlite", rawDSN(src, true))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, abs); err != nil {
		return fmt.Errorf("sqlite: back up %s: %w", src, err)
	}
	return db.Close()
}

// FileReport is what Inspect found in a database file.
type FileReport struct {
	// Integrity is PRAGMA integrity_check's answer: ["ok"] when the file
	// is sound, else its first complaints.
	Integrity []string
	// Versions are the migrations recorded in the file, in order.
	Versions []string
	// Rows counts the rows of every table.
	Rows map[string]int64
	// Money is the money audit (the Service's AuditMoney query) of the
	// file, read in the same snapshot as Rows; nil when the file's schema
	// is not exactly this build's (see Current), because the audit's
	// query is written for this build's schema.
	Money *hitd.MoneyAudit
}

// Sound reports whether integrity_check found nothing wrong.
func (r *FileReport) Sound() bool { return len(r.Integrity) == 1 && r.Integrity[0] == "ok" }

// Version is the newest migration recorded in the file ("" for none).
func (r *FileReport) Version() string {
	if len(r.Versions) == 0 {
		return ""
	}
	return r.Versions[len(r.Versions)-1]
}

// Current reports whether the file's schema is exactly this build's.
func (r *FileReport) Current() bool { return slices.Equal(r.Versions, Migrations()) }

// Unknown lists the file's migrations this build does not know: a newer
// hitd made the file, and this one cannot use it.
func (r *FileReport) Unknown() []string {
	known := Migrations()
	var out []string
	for _, v := range r.Versions {
		if !slices.Contains(known, v) {
			out = append(out, v)
		}
	}
	return out
}

// Inspect checks the hitd database file at path without changing what it
// holds (query_only, no migrations): PRAGMA integrity_check, then in one
// read transaction the schema versions, every table's row count and, when
// the schema is this build's, the money audit. It fails when the file is
// not a SQLite database or has no schema_migrations table; a damaged
// database that SQLite can still open is reported in Integrity instead.
// It is meant for files no server is using (a backup, a copy being
// restored): like any last connection, it checkpoints a WAL-mode file's
// log into it on close.
func Inspect(ctx context.Context, path string) (*FileReport, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err // never create it
	}
	db, err := sql.Open("sqlite", rawDSN(path, false))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	rep := &FileReport{Rows: map[string]int64{}}
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check(20)`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: %s: %w", path, err)
		}
		rep.Integrity = append(rep.Integrity, msg)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("sqlite: %s: integrity check: %w", path, err)
	}
	err = sqltx.Run(ctx, db, nil, func(tx *sql.Tx) error {
		if err := versionsIn(ctx, tx, &rep.Versions); err != nil {
			return fmt.Errorf("not a hitd database (no schema_migrations): %w", err)
		}
		var tables []string
		if err := column(ctx, tx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`, &tables); err != nil {
			return err
		}
		for _, t := range tables {
			var n int64
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM "`+strings.ReplaceAll(t, `"`, `""`)+`"`).Scan(&n); err != nil {
				return fmt.Errorf("count %s: %w", t, err)
			}
			rep.Rows[t] = n
		}
		if rep.Current() {
			m, err := sqltx.New(tx, Dialect()).AuditMoney(ctx)
			if err != nil {
				return fmt.Errorf("money audit: %w", err)
			}
			rep.Money = m
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	return rep, nil
}

func versionsIn(ctx context.Context, tx *sql.Tx, out *[]string) error {
	return column(ctx, tx, `SELECT version FROM schema_migrations ORDER BY version`, out)
}

// column reads a one-column query's text values.
func column(ctx context.Context, tx *sql.Tx, query string, out *[]string) error {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		*out = append(*out, s)
	}
	return rows.Err()
}

// InUse reports whether some connection, in this process or another on
// this machine, has the database at path open (a running server keeps
// its connections open): it asks for an exclusive lock on the file
// without waiting. The answer is only as good as the file system's
// locks (not across NFS), and only of the moment. Any failure other than
// a lock conflict (a damaged file, say) reports false. The file must
// exist: InUse would create it.
func InUse(ctx context.Context, path string) bool {
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=busy_timeout(0)&_pragma=locking_mode(EXCLUSIVE)")
	if err != nil {
		return false
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	// In exclusive locking mode the first transaction takes the file's
	// exclusive lock and keeps it until the connection closes; with WAL,
	// every open connection of another process holds a shared lock.
	_, err = db.ExecContext(ctx, `BEGIN EXCLUSIVE; COMMIT`)
	var se *sqlitedriver.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
			return true
		}
	}
	return false
}
