package main

// hitd backup and hitd restore (docs/backup.md): the file handling around
// package sqlite's Backup, Inspect and InUse — which realm's file, refusing
// to overwrite, a temporary name in the destination's directory renamed
// into place only once the copy is complete, fsynced and checked, so a
// crash never leaves half a file under the name asked for.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hitd/hitd/sqlite"
)

// realmFile is the SQLite file (or PostgreSQL location) of the realm the
// flags name: production, or the sandbox with --sandbox.
func (f *storeFlags) realmFile() (location, string, error) {
	if f.sandbox {
		l, err := sandboxLocation(f.dataDir, f.db, f.sandboxDB)
		return l, "sandbox", err
	}
	l, err := parseDB(f.dataDir, f.db)
	return l, "production", err
}

func backupCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs, true)
	to := fs.String("to", "", "the backup file to write (created mode 0600)")
	force := fs.Bool("force", false, "replace --to if it exists")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: hitd backup --to FILE [--sandbox] [--force] [--data-dir DIR | --db sqlite:PATH]")
		fmt.Fprintln(fs.Output(), "Writes a consistent snapshot of one realm's SQLite database while the server runs.")
		fs.PrintDefaults()
	}
	if err := sf.parse(fs, args, "backup"); err != nil {
		return err
	}
	if *to == "" {
		return errors.New("backup: --to FILE is required")
	}
	src, realmName, err := sf.realmFile()
	if err != nil {
		return err
	}
	if src.url != "" {
		return postgresGuidance("backup", &sf)
	}
	if fi, err := os.Stat(src.path); err != nil {
		return fmt.Errorf("backup: the %s database: %w", realmName, err)
	} else if !fi.Mode().IsRegular() {
		return fmt.Errorf("backup: the %s database %s is not a file", realmName, src.path)
	}
	dst := *to
	if err := checkReplace(dst, *force); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if same(src.path, dst) {
		return fmt.Errorf("backup: --to %s is the database itself", dst)
	}

	if fi, err := os.Stat(filepath.Dir(dst)); err != nil || !fi.IsDir() {
		return fmt.Errorf("backup: --to %s: directory %s does not exist", dst, filepath.Dir(dst))
	}
	tmp, err := tempBeside(dst, ".backup-")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer removeDB(tmp) // a no-op once renamed
	start := time.Now()
	if err := sqlite.Backup(ctx, src.path, tmp); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	rep, err := sqlite.Inspect(ctx, tmp)
	if err != nil {
		return fmt.Errorf("backup: checking the copy: %w", err)
	}
	if !rep.Sound() {
		return fmt.Errorf("backup: the copy fails integrity_check (nothing written to %s): %s", dst, strings.Join(rep.Integrity, "; "))
	}
	// Whatever SQLite left beside a file being replaced would be taken
	// for the new file's journal.
	for _, suffix := range dbSuffixes[1:] {
		if err := os.Remove(dst + suffix); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("backup: %w", err)
		}
	}
	if err := renameInto(tmp, dst); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	size := int64(-1)
	if fi, err := os.Stat(dst); err == nil {
		size = fi.Size()
	}
	fmt.Fprintf(stdout, "backup: %s realm (%s) → %s: %d bytes in %s; %s\n",
		realmName, src.path, dst, size, time.Since(start).Round(time.Millisecond), summary(rep))
	if rep.Money != nil && !rep.Money.Balanced() {
		return fmt.Errorf("backup: written, but the books do not balance (in the live database too, since the backup is a faithful copy): %+v", *rep.Money)
	}
	return nil
}

func restoreCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs, true)
	from := fs.String("from", "", "the backup file to restore (made by hitd backup)")
	force := fs.Bool("force", false, "replace an existing database (kept beside it as NAME.replaced-TIME), and restore a backup whose books do not balance")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: hitd restore --from FILE [--sandbox] [--force] [--data-dir DIR | --db sqlite:PATH]")
		fmt.Fprintln(fs.Output(), "Puts a backup in place as one realm's SQLite database. Stop the server first.")
		fs.PrintDefaults()
	}
	if err := sf.parse(fs, args, "restore"); err != nil {
		return err
	}
	if *from == "" {
		return errors.New("restore: --from FILE is required")
	}
	dst, realmName, err := sf.realmFile()
	if err != nil {
		return err
	}
	if dst.url != "" {
		return postgresGuidance("restore", &sf)
	}
	if fi, err := os.Stat(*from); err != nil {
		return fmt.Errorf("restore: %w", err)
	} else if !fi.Mode().IsRegular() {
		return fmt.Errorf("restore: %s is not a file", *from)
	}
	if _, err := os.Stat(*from + "-wal"); err == nil {
		return fmt.Errorf("restore: %s has a write-ahead log beside it (%s-wal): it is a live database, or a copy taken without its log; restore a file that hitd backup made", *from, *from)
	}
	if same(*from, dst.path) {
		return fmt.Errorf("restore: --from %s is the %s database itself", *from, realmName)
	}
	// A -wal or -journal left without its database counts as one: under
	// the restored file's name SQLite would replay it.
	exists := false
	for _, suffix := range dbSuffixes {
		if _, err := os.Lstat(dst.path + suffix); err == nil {
			exists = true
		}
	}
	if _, err := os.Stat(dst.path); err == nil && sqlite.InUse(ctx, dst.path) {
		return fmt.Errorf("restore: %s is in use (is hitd serve running?): stop the server first", dst.path)
	}
	if exists && !*force {
		return fmt.Errorf("restore: the %s database %s exists; stop the server and give --force to replace it (it is kept beside, renamed)", realmName, dst.path)
	}
	if err := os.MkdirAll(filepath.Dir(dst.path), 0o700); err != nil {
		return fmt.Errorf("restore: %w", err)
	}

	// Work on a copy in the destination's directory, never on --from: the
	// backup stays as it was, and the rename into place is atomic.
	tmp, err := tempBeside(dst.path, ".restore-")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer removeDB(tmp)
	if err := copyFile(*from, tmp); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	rep, err := sqlite.Inspect(ctx, tmp)
	if err != nil {
		if inner := errors.Unwrap(err); inner != nil {
			err = inner // not "sqlite: TEMPORARY NAME: …"
		}
		return fmt.Errorf("restore: %s is not a usable hitd backup: %w; nothing was changed", *from, err)
	}
	if !rep.Sound() {
		return fmt.Errorf("restore: %s is damaged (integrity_check: %s); nothing was changed", *from, strings.Join(rep.Integrity, "; "))
	}
	if u := rep.Unknown(); len(u) > 0 {
		known := sqlite.Migrations()
		return fmt.Errorf("restore: %s was made by a newer hitd (schema %s; this hitd knows up to %s): restore it with that version", *from, strings.Join(u, ", "), known[len(known)-1])
	}
	from0 := rep.Version()
	if !rep.Current() {
		// An older backup: bring it up to this build's schema now, as
		// serve would, so it is checked as the server will use it.
		s, err := sqlite.Open(ctx, tmp)
		if err != nil {
			return fmt.Errorf("restore: migrating %s: %w", *from, err)
		}
		if err := s.Close(); err != nil {
			return fmt.Errorf("restore: migrating %s: %w", *from, err)
		}
		if rep, err = sqlite.Inspect(ctx, tmp); err != nil {
			return fmt.Errorf("restore: after migrating: %w", err)
		}
		if !rep.Sound() || rep.Money == nil {
			return fmt.Errorf("restore: after migrating %s from %s: integrity %s", *from, from0, strings.Join(rep.Integrity, "; "))
		}
	}
	if !rep.Money.Balanced() && !*force {
		return fmt.Errorf("restore: the books of %s do not balance: %+v; give --force to restore it anyway", *from, *rep.Money)
	}
	for _, suffix := range dbSuffixes[1:] {
		if fi, err := os.Stat(tmp + suffix); err == nil {
			if fi.Size() > 0 && suffix != "-shm" {
				return fmt.Errorf("restore: %s%s is left over after checking the copy", tmp, suffix)
			}
			os.Remove(tmp + suffix)
		}
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("restore: %w", err)
	}

	// Set the old database aside, with its -wal and -shm: left under the
	// database's name, SQLite would replay the old log over the restored
	// file. Nothing is deleted.
	var aside string
	if exists {
		aside = dst.path + ".replaced-" + time.Now().UTC().Format("20060102T150405Z")
		for _, suffix := range dbSuffixes {
			if err := os.Rename(dst.path+suffix, aside+suffix); err != nil && !os.IsNotExist(err) {
				return fmt.Errorf("restore: setting the old database aside: %w", err)
			}
		}
	}
	if err := renameInto(tmp, dst.path); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	migrated := ""
	if from0 != rep.Version() {
		migrated = fmt.Sprintf(" (migrated from %s)", from0)
	}
	fmt.Fprintf(stdout, "restore: %s → %s realm (%s)%s; %s\n", *from, realmName, dst.path, migrated, summary(rep))
	if aside != "" {
		fmt.Fprintf(stdout, "restore: the database it replaced is kept as %s; delete it once satisfied\n", aside)
	}
	return nil
}

// summary is the one-line account of a checked database file.
func summary(rep *sqlite.FileReport) string {
	s := fmt.Sprintf("schema %s, requesters %d, hits %d, assignments %d, workers %d, integrity ok",
		rep.Version(), rep.Rows["requesters"], rep.Rows["hits"], rep.Rows["assignments"], rep.Rows["workers"])
	switch m := rep.Money; {
	case m == nil:
		known := sqlite.Migrations()
		s += fmt.Sprintf(", money audit skipped (schema not this hitd's %s)", known[len(known)-1])
	case m.Balanced():
		s += fmt.Sprintf(", money audit balanced (deposits %s = balances %s + reserved %s + earned %s + fees %s)",
			m.Deposits, m.RequesterBalances, m.Reserves, m.WorkerEarnings, m.Fees)
	default:
		s += ", money audit NOT BALANCED"
	}
	return s
}

// postgresGuidance is the error hitd backup and restore give for a realm
// in PostgreSQL: what to run instead.
func postgresGuidance(cmd string, sf *storeFlags) error {
	prod, err := parseDB(sf.dataDir, sf.db)
	if err != nil {
		return err
	}
	sandbox, err := sandboxLocation(sf.dataDir, sf.db, sf.sandboxDB)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: the database is PostgreSQL (%s); hitd %s handles SQLite files only.\n", cmd, redact(firstURL(prod, sandbox)), cmd)
	b.WriteString("Back up with pg_dump, which reads one consistent snapshot while hitd runs (DB is your --db URL):\n")
	type realmDump struct{ name, db, schema string }
	var realms []realmDump
	for _, r := range []struct {
		name string
		l    location
	}{{"production", prod}, {"sandbox", sandbox}} {
		if r.l.url == "" {
			continue
		}
		db := `"$DB"`
		if r.l.url != prod.url {
			db = `"$SANDBOX_DB"`
		}
		schema := r.l.schema
		if schema == "" {
			schema = "public"
		}
		realms = append(realms, realmDump{r.name, db, schema})
	}
	for _, r := range realms {
		fmt.Fprintf(&b, "  pg_dump --format=custom --schema=%s --file=hitd-%s.dump %s\n", r.schema, r.name, r.db)
	}
	b.WriteString("and restore, with every hitd node stopped, with pg_restore:\n")
	for _, r := range realms {
		fmt.Fprintf(&b, "  pg_restore --clean --if-exists --no-owner --dbname=%s hitd-%s.dump\n", r.db, r.name)
	}
	if sandbox.url == "" {
		fmt.Fprintf(&b, "The sandbox realm is SQLite (%s): hitd %s --sandbox handles it.\n", sandbox.path, cmd)
	}
	b.WriteString("See docs/backup.md.")
	return errors.New(b.String())
}

func firstURL(ls ...location) string {
	for _, l := range ls {
		if l.url != "" {
			return l.url
		}
	}
	return ""
}

// checkReplace refuses an existing path unless force.
func checkReplace(path string, force bool) error {
	fi, err := os.Lstat(path)
	switch {
	case os.IsNotExist(err):
		return nil
	case err != nil:
		return err
	case !fi.Mode().IsRegular():
		return fmt.Errorf("%s exists and is not a file", path)
	case !force:
		return fmt.Errorf("%s exists; give --force to replace it", path)
	}
	return nil
}

// same reports whether two paths name one existing file.
func same(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// tempBeside creates an empty file, mode 0600, in path's directory (so it
// can be renamed onto path) with a name that says what it is.
func tempBeside(path, what string) (string, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+what+"*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	err = errors.Join(f.Chmod(0o600), f.Close())
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// dbSuffixes name a SQLite database's file and the files beside it that
// belong to it.
var dbSuffixes = []string{"", "-wal", "-shm", "-journal"}

// removeDB removes a database file and whatever SQLite left beside it.
func removeDB(path string) {
	for _, suffix := range dbSuffixes {
		os.Remove(path + suffix)
	}
}

// copyFile copies src's bytes into the existing file dst and fsyncs it.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return errors.Join(out.Sync(), out.Close())
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// renameInto moves the finished tmp onto path and fsyncs the directory,
// so the new name survives a crash.
func renameInto(tmp, path string) error {
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
