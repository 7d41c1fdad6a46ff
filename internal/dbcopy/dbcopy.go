// Package dbcopy moves a deployment from the SQLite store to the PostgreSQL
// store (hitd db copy): every row of every hitd table, in one PostgreSQL
// transaction that commits only after the copy has been checked.
//
// It owns the copy and its checks — which tables, in which order, how a
// SQLite value becomes a PostgreSQL one, and the proof that nothing was lost
// — and nothing else. It must not create or migrate tables (each store owns
// its schema; both are opened, and so migrated, before Copy runs), nor hold
// any of the Service's rules: rows are copied as they are.
//
// How, and why:
//
//   - The tables are the destination's: every base table of its current
//     schema except PostgreSQL's own (schema_migrations, leases). The order,
//     parents before the tables that refer to them, comes from the foreign
//     keys in pg_catalog rather than from a list, so a table a future
//     migration adds is copied, not skipped. Before anything is written the
//     two schemas are compared table by table and column by column: a table
//     or column on one side only is an error, never a silent loss.
//   - The source is read in one SQLite read transaction, one snapshot, so a
//     server still writing to the file cannot tear the copy; the destination
//     is written in one transaction with its tables locked against other
//     writers (EXCLUSIVE: readers still read, and see the old rows until
//     commit).
//   - Rows go through PostgreSQL's COPY protocol (pgx CopyFrom), streamed
//     from the SQLite cursor, so a large deployment is neither slow nor held
//     in memory. Both schemas store times as unix milliseconds and booleans
//     as 0/1, so a value only changes its Go type: INTEGER → bigint, TEXT →
//     text, BLOB → bytea, NULL → NULL; anything else is an error naming the
//     table, row and column.
//   - Identity columns (seq) are copied as they are, then each identity is
//     moved past the highest copied value, so the next insert on PostgreSQL
//     continues the numbering.
//   - Before the commit, each table's rows are counted on both sides, and the
//     money audit (hitd.Tx.AuditMoney, the stores' shared query) is run on
//     the source snapshot and on the uncommitted copy; any difference rolls
//     everything back.
package dbcopy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/sqltx"
	"github.com/hitd/hitd/postgres"
	"github.com/hitd/hitd/sqlite"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Options configures Copy.
type Options struct {
	// Force empties the destination's tables first, in the copy's
	// transaction, instead of refusing a destination that has rows.
	Force bool
}

// TableCount is how many rows one table holds after the copy (the same on
// both sides).
type TableCount struct {
	Table string
	Rows  int64
}

// Report is what Copy copied.
type Report struct {
	// Tables in the order they were copied: parents first.
	Tables []TableCount
	// Money is the books after the copy, equal on both sides. Copy copies
	// an unbalanced source faithfully; Money.Balanced says whether it was.
	Money hitd.MoneyAudit
}

// notCopied are the destination's tables that belong to PostgreSQL's store
// itself, not to the deployment.
var notCopied = map[string]bool{"schema_migrations": true, "leases": true}

// columnTypes are the PostgreSQL types a SQLite value is converted to.
var columnTypes = []string{"bigint", "text", "bytea"}

type column struct {
	name     string
	pgType   string // information_schema.columns.data_type
	identity bool
}

type table struct {
	name    string
	columns []column
	parents []string // tables its foreign keys refer to
}

// Copy copies every row of every hitd table from the SQLite store src into
// the PostgreSQL store dst's schema, in one PostgreSQL transaction (all or
// nothing), and checks the copy before committing it: per-table row counts
// equal, and the money audits of source and copy equal. A destination with
// rows is refused unless opts.Force.
func Copy(ctx context.Context, src *sqlite.Store, dst *postgres.Store, opts Options) (*Report, error) {
	stx, err := src.DB().BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("dbcopy: source: %w", err)
	}
	defer stx.Rollback()

	// The rows go through pgx (CopyFrom) and the audit through
	// internal/sqltx (database/sql); both run on one connection in one
	// transaction, which database/sql's Conn.Raw makes possible.
	db := stdlib.OpenDBFromPool(dst.Pool())
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("dbcopy: destination: %w", err)
	}
	defer conn.Close()
	dtx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("dbcopy: destination: %w", err)
	}
	defer dtx.Rollback()

	rep := &Report{}
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("dbcopy: destination: unexpected driver connection %T", dc)
		}
		tables, err := copyTables(ctx, stx, c.Conn(), opts)
		rep.Tables = tables
		return err
	})
	if err != nil {
		return nil, err
	}

	before, err := sqltx.New(stx, sqlite.Dialect()).AuditMoney(ctx)
	if err != nil {
		return nil, fmt.Errorf("dbcopy: source: money audit: %w", err)
	}
	after, err := sqltx.New(dtx, postgres.Dialect()).AuditMoney(ctx)
	if err != nil {
		return nil, fmt.Errorf("dbcopy: destination: money audit: %w", err)
	}
	if !sameBooks(before, after) {
		return nil, fmt.Errorf("dbcopy: the copy's books differ from the source's (nothing was committed): source %+v, copy %+v", *before, *after)
	}
	if err := dtx.Commit(); err != nil {
		return nil, fmt.Errorf("dbcopy: commit: %w", err)
	}
	rep.Money = *after
	return rep, nil
}

// sameBooks reports whether two audits agree in every field. Mismatches
// are compared as sets: each database sorts the account names by its own
// collation.
func sameBooks(a, b *hitd.MoneyAudit) bool {
	x, y := *a, *b
	x.Mismatches, y.Mismatches = slices.Sorted(slices.Values(x.Mismatches)), slices.Sorted(slices.Values(y.Mismatches))
	return reflect.DeepEqual(x, y)
}

// copyTables does the copy's work on the destination's connection pg,
// inside its open transaction, reading the source through stx.
func copyTables(ctx context.Context, stx *sql.Tx, pg *pgx.Conn, opts Options) ([]TableCount, error) {
	var schema *string
	if err := pg.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return nil, fmt.Errorf("dbcopy: destination: %w", err)
	}
	if schema == nil {
		return nil, errors.New("dbcopy: destination: its search_path names no existing schema")
	}
	tables, err := destinationTables(ctx, pg)
	if err != nil {
		return nil, err
	}
	if err := compareSchemas(ctx, stx, tables); err != nil {
		return nil, err
	}
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = pgx.Identifier{*schema, t.name}.Sanitize()
	}
	all := strings.Join(names, ", ")
	if _, err := pg.Exec(ctx, `LOCK TABLE `+all+` IN EXCLUSIVE MODE`); err != nil {
		return nil, fmt.Errorf("dbcopy: destination: lock tables: %w", err)
	}
	if opts.Force {
		if _, err := pg.Exec(ctx, `TRUNCATE `+all); err != nil {
			return nil, fmt.Errorf("dbcopy: destination: empty tables: %w", err)
		}
	} else if err := refuseRows(ctx, pg, tables, names); err != nil {
		return nil, err
	}

	counts := make([]TableCount, len(tables))
	for i, t := range tables {
		n, err := copyTable(ctx, stx, pg, pgx.Identifier{*schema, t.name}, t)
		if err != nil {
			return nil, fmt.Errorf("dbcopy: table %s: %w", t.name, err)
		}
		counts[i] = TableCount{Table: t.name, Rows: n}
	}
	return counts, nil
}

// destinationTables lists the tables to copy, parents first, with their
// columns in the destination's order.
func destinationTables(ctx context.Context, pg *pgx.Conn) ([]*table, error) {
	rows, err := pg.Query(ctx, `SELECT c.table_name, c.column_name, c.data_type, c.is_identity = 'YES'
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
		ORDER BY c.table_name, c.ordinal_position`)
	if err != nil {
		return nil, fmt.Errorf("dbcopy: destination: list columns: %w", err)
	}
	byName := map[string]*table{}
	var tableName string
	var c column
	_, err = pgx.ForEachRow(rows, []any{&tableName, &c.name, &c.pgType, &c.identity}, func() error {
		if notCopied[tableName] {
			return nil
		}
		if !slices.Contains(columnTypes, c.pgType) {
			return fmt.Errorf("dbcopy: table %s: column %s is %s, which dbcopy does not convert to (only %s)",
				tableName, c.name, c.pgType, strings.Join(columnTypes, ", "))
		}
		t := byName[tableName]
		if t == nil {
			t = &table{name: tableName}
			byName[tableName] = t
		}
		t.columns = append(t.columns, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(byName) == 0 {
		return nil, errors.New("dbcopy: destination: its schema has no hitd tables (was it migrated?)")
	}

	rows, err = pg.Query(ctx, `SELECT DISTINCT child.relname, parent.relname
		FROM pg_constraint k
		JOIN pg_class child ON child.oid = k.conrelid
		JOIN pg_namespace n ON n.oid = child.relnamespace
		JOIN pg_class parent ON parent.oid = k.confrelid
		WHERE k.contype = 'f' AND n.nspname = current_schema()`)
	if err != nil {
		return nil, fmt.Errorf("dbcopy: destination: list foreign keys: %w", err)
	}
	var child, parent string
	_, err = pgx.ForEachRow(rows, []any{&child, &parent}, func() error {
		t := byName[child]
		if t == nil || child == parent {
			return nil
		}
		if byName[parent] == nil {
			return fmt.Errorf("dbcopy: table %s refers to %s, which is not copied", child, parent)
		}
		t.parents = append(t.parents, parent)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return parentsFirst(byName)
}

// parentsFirst orders tables so that every table comes after the tables it
// refers to; among tables free to go, by name, so the order is stable.
func parentsFirst(byName map[string]*table) ([]*table, error) {
	names := slices.Sorted(maps.Keys(byName))
	placed := map[string]bool{}
	var order []*table
	for len(order) < len(names) {
		progress := false
		for _, n := range names {
			t := byName[n]
			if placed[n] || slices.ContainsFunc(t.parents, func(p string) bool { return !placed[p] }) {
				continue
			}
			placed[n] = true
			order = append(order, t)
			progress = true
		}
		if !progress {
			var left []string
			for _, n := range names {
				if !placed[n] {
					left = append(left, n)
				}
			}
			return nil, fmt.Errorf("dbcopy: destination: the foreign keys of %s form a cycle", strings.Join(left, ", "))
		}
	}
	return order, nil
}

// compareSchemas checks that the source has exactly the destination's
// tables and columns (SQLite's own tables and schema_migrations aside), so
// that no row or column is left behind unnoticed.
func compareSchemas(ctx context.Context, stx *sql.Tx, tables []*table) error {
	rows, err := stx.QueryContext(ctx, `SELECT m.name, p.name FROM sqlite_schema AS m, pragma_table_info(m.name) AS p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'`)
	if err != nil {
		return fmt.Errorf("dbcopy: source: list columns: %w", err)
	}
	defer rows.Close()
	source := map[string][]string{}
	for rows.Next() {
		var t, c string
		if err := rows.Scan(&t, &c); err != nil {
			return fmt.Errorf("dbcopy: source: list columns: %w", err)
		}
		if !notCopied[t] {
			source[t] = append(source[t], c)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("dbcopy: source: list columns: %w", err)
	}
	var problems []string
	for _, t := range tables {
		cols, ok := source[t.name]
		if !ok {
			problems = append(problems, "table "+t.name+" is missing from the source")
			continue
		}
		delete(source, t.name)
		for _, c := range t.columns {
			if i := slices.Index(cols, c.name); i >= 0 {
				cols = slices.Delete(cols, i, i+1)
			} else {
				problems = append(problems, "column "+t.name+"."+c.name+" is missing from the source")
			}
		}
		for _, c := range cols {
			problems = append(problems, "column "+t.name+"."+c+" is missing from the destination")
		}
	}
	for t := range source {
		problems = append(problems, "table "+t+" is missing from the destination")
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("dbcopy: the two schemas differ (is one of them from another hitd version?): %s", strings.Join(problems, "; "))
	}
	return nil
}

// refuseRows returns an error naming every destination table that has rows.
func refuseRows(ctx context.Context, pg *pgx.Conn, tables []*table, names []string) error {
	var full []string
	for i, t := range tables {
		var n int64
		if err := pg.QueryRow(ctx, `SELECT count(*) FROM `+names[i]).Scan(&n); err != nil {
			return fmt.Errorf("dbcopy: table %s: %w", t.name, err)
		}
		if n > 0 {
			full = append(full, fmt.Sprintf("%s has %d rows", t.name, n))
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("dbcopy: the destination is not empty (%s); copy into an empty schema, or force the copy to replace its rows",
			strings.Join(full, ", "))
	}
	return nil
}

// copyTable copies one table's rows, checks the count on both sides and
// moves the table's identities past the copied values. ident is the
// table's schema-qualified PostgreSQL name.
func copyTable(ctx context.Context, stx *sql.Tx, pg *pgx.Conn, ident pgx.Identifier, t *table) (int64, error) {
	qualified := ident.Sanitize()
	cols := make([]string, len(t.columns))
	quoted := make([]string, len(t.columns))
	for i, c := range t.columns {
		cols[i] = c.name
		quoted[i] = pgx.Identifier{c.name}.Sanitize() // SQLite quotes identifiers the same way
	}
	from := pgx.Identifier{t.name}.Sanitize()
	rows, err := stx.QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM `+from)
	if err != nil {
		return 0, fmt.Errorf("read source: %w", err)
	}
	defer rows.Close()
	copied, err := pg.CopyFrom(ctx, ident, cols, newRowSource(rows, t.columns))
	if err != nil {
		return 0, err
	}

	var source, dest int64
	if err := stx.QueryRowContext(ctx, `SELECT count(*) FROM `+from).Scan(&source); err != nil {
		return 0, fmt.Errorf("count source rows: %w", err)
	}
	if err := pg.QueryRow(ctx, `SELECT count(*) FROM `+qualified).Scan(&dest); err != nil {
		return 0, fmt.Errorf("count copied rows: %w", err)
	}
	if source != copied || dest != copied {
		return 0, fmt.Errorf("the source has %d rows, %d were copied and the destination has %d", source, copied, dest)
	}

	for _, c := range t.columns {
		if !c.identity {
			continue
		}
		// setval(…, 1, false): the next value is 1, as in a new table.
		col := pgx.Identifier{c.name}.Sanitize()
		if _, err := pg.Exec(ctx, `SELECT setval(pg_get_serial_sequence($1, $2), coalesce(max(`+col+`), 1), max(`+col+`) IS NOT NULL) FROM `+qualified,
			qualified, c.name); err != nil {
			return 0, fmt.Errorf("move identity %s past the copied rows: %w", c.name, err)
		}
	}
	return copied, nil
}

// rowSource feeds SQLite rows to CopyFrom, one at a time.
type rowSource struct {
	rows    *sql.Rows
	columns []column
	scanned []any
	dest    []any // pointers into scanned
	n       int64 // rows read so far
}

func newRowSource(rows *sql.Rows, columns []column) *rowSource {
	s := &rowSource{rows: rows, columns: columns, scanned: make([]any, len(columns)), dest: make([]any, len(columns))}
	for i := range s.scanned {
		s.dest[i] = &s.scanned[i]
	}
	return s
}

func (s *rowSource) Next() bool { return s.rows.Next() }
func (s *rowSource) Err() error { return s.rows.Err() }

func (s *rowSource) Values() ([]any, error) {
	s.n++
	if err := s.rows.Scan(s.dest...); err != nil {
		return nil, fmt.Errorf("row %d: %w", s.n, err)
	}
	out := make([]any, len(s.columns))
	for i, c := range s.columns {
		v, err := convert(s.scanned[i], c.pgType)
		if err != nil {
			return nil, fmt.Errorf("row %d, column %s: %w", s.n, c.name, err)
		}
		out[i] = v
	}
	return out, nil
}

// convert turns a value as the SQLite driver returns it into the Go value
// pgx encodes as pgType. The source's tables are STRICT, so each column
// holds its declared type or NULL; anything else is refused, not coerced.
func convert(v any, pgType string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch x := v.(type) {
	case int64:
		if pgType == "bigint" {
			return x, nil
		}
	case string:
		if pgType == "text" {
			if !utf8.ValidString(x) || strings.ContainsRune(x, 0) {
				return nil, errors.New("the text is not valid UTF-8 without NUL characters, as PostgreSQL's text must be")
			}
			return x, nil
		}
	case []byte:
		if pgType == "bytea" {
			if x == nil {
				// The driver returns an empty BLOB as a nil []byte (NULL
				// comes as a nil any, above), which pgx would send as NULL.
				return []byte{}, nil
			}
			return x, nil
		}
	}
	return nil, fmt.Errorf("a %T value cannot go into a %s column", v, pgType)
}
