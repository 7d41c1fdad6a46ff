package sqltx

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// MigrationFile is where a store's embedded file system holds the SQL of
// migration version v.
func MigrationFile(v string) string { return "migrations/" + v + ".sql" }

// Migrations lists the migration versions in a store's embedded file
// system (the files migrations/VERSION.sql), oldest first.
func Migrations(fsys fs.FS) []string {
	names, err := fs.Glob(fsys, MigrationFile("*"))
	if err != nil {
		panic(err) // the pattern is constant
	}
	slices.Sort(names)
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.TrimSuffix(strings.TrimPrefix(n, "migrations/"), ".sql")
	}
	return out
}

// NewerSchemaError is what opening a store fails with when its database was
// migrated by a newer hitd than this one.
type NewerSchemaError struct {
	At    string // the newest migration applied, one this build does not know
	Knows string // the newest migration this build knows
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("the database's schema is at %s, newer than this hitd knows (it knows up to %s): run the hitd that upgraded it, or a newer one", e.At, e.Knows)
}

// Compare sorts a database's applied migrations against the ones a build
// knows (both oldest first): pending are known but not applied, unknown are
// applied but not known (a newer hitd applied them).
func Compare(applied, known []string) (pending, unknown []string) {
	for _, v := range known {
		if !slices.Contains(applied, v) {
			pending = append(pending, v)
		}
	}
	for _, v := range applied {
		if !slices.Contains(known, v) {
			unknown = append(unknown, v)
		}
	}
	return pending, unknown
}

// CheckKnown refuses a database whose applied migrations include one this
// build does not know: an older hitd must neither migrate nor use a schema
// a newer one has changed. The error is a *NewerSchemaError.
func CheckKnown(applied, known []string) error {
	_, unknown := Compare(applied, known)
	if len(unknown) == 0 {
		return nil
	}
	e := &NewerSchemaError{At: slices.Max(unknown), Knows: "none"}
	if len(known) > 0 {
		e.Knows = known[len(known)-1]
	}
	return e
}
