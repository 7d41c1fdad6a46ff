package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hitd/hitd/internal/dbcopy"
	"github.com/hitd/hitd/postgres"
	"github.com/hitd/hitd/sqlite"
)

// migrateCommand applies pending schema migrations to both realms' stores
// and prints the version each is at (with --status, only reports what is
// applied and pending, changing nothing). serve applies them too; running this
// first lets an operator upgrade the schema once, before restarting nodes.
func migrateCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf storeFlags
	sf.register(fs, false)
	status := fs.Bool("status", false, "report each realm's applied, pending and unknown (newer) migrations; migrate nothing, create nothing")
	if err := sf.parse(fs, args, "migrate"); err != nil {
		return err
	}
	prod, err := parseDB(sf.dataDir, sf.db)
	if err != nil {
		return err
	}
	sandbox, err := sandboxLocation(sf.dataDir, sf.db, sf.sandboxDB)
	if err != nil {
		return err
	}
	realms := []struct {
		name string
		at   location
	}{{"production", prod}, {"sandbox", sandbox}}
	if *status {
		for _, r := range realms {
			if err := migrationStatus(ctx, r.name, r.at, stdout); err != nil {
				return fmt.Errorf("%s realm: %w", r.name, err)
			}
		}
		return nil
	}
	for _, r := range realms {
		store, _, err := r.at.openStore(ctx) // opening migrates
		if err != nil {
			return fmt.Errorf("%s realm: %w", r.name, err)
		}
		v, ok := store.(interface {
			Versions(context.Context) ([]string, error)
		})
		if !ok {
			store.Close()
			return fmt.Errorf("%s realm: the store cannot report its schema version", r.name)
		}
		versions, err := v.Versions(ctx)
		store.Close()
		if err != nil {
			return fmt.Errorf("%s realm: %w", r.name, err)
		}
		if len(versions) == 0 {
			return fmt.Errorf("%s realm: no migrations recorded", r.name)
		}
		fmt.Fprintf(stdout, "%-10s %s: schema at %s (%d migrations)\n", r.name, r.at, versions[len(versions)-1], len(versions))
	}
	return nil
}

// migrationStatus prints one realm's migrations, applied, pending and
// unknown, without migrating or creating anything.
func migrationStatus(ctx context.Context, name string, at location, stdout io.Writer) error {
	var applied, pending, unknown []string
	var err error
	if at.url != "" {
		applied, pending, unknown, err = postgres.Status(ctx, at.url, at.schema)
	} else {
		applied, pending, unknown, err = sqlite.Status(ctx, at.path)
		if errors.Is(err, fs.ErrNotExist) {
			fmt.Fprintf(stdout, "%s %s: no database yet (the file does not exist); %s would be applied\n", name, at, migrations(len(sqlite.Migrations())))
			return nil
		}
	}
	if err != nil {
		return err
	}
	switch {
	case len(applied) == 0:
		fmt.Fprintf(stdout, "%s %s: no schema yet; %s would be applied\n", name, at, migrations(len(pending)))
	case len(unknown) > 0:
		fmt.Fprintf(stdout, "%s %s: schema at %s, NEWER than this hitd knows: it will refuse to open it\n", name, at, applied[len(applied)-1])
	case len(pending) > 0:
		fmt.Fprintf(stdout, "%s %s: schema at %s, %s pending\n", name, at, applied[len(applied)-1], migrations(len(pending)))
	default:
		fmt.Fprintf(stdout, "%s %s: schema at %s, up to date\n", name, at, applied[len(applied)-1])
	}
	for _, l := range []struct {
		what     string
		versions []string
	}{{"applied", applied}, {"pending", pending}, {"unknown", unknown}} {
		for _, v := range l.versions {
			fmt.Fprintf(stdout, "  %-8s %s\n", l.what, v)
		}
	}
	return nil
}

func migrations(n int) string {
	if n == 1 {
		return "1 migration"
	}
	return fmt.Sprintf("%d migrations", n)
}

// dbCommand is "hitd db SUBCOMMAND".
func dbCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "copy" {
		return errors.New("usage: hitd db copy --from sqlite:PATH --to postgres://USER@HOST/DATABASE [--force]")
	}
	return dbCopy(ctx, args[1:], stdout, stderr)
}

// dbCopy moves a deployment from SQLite to PostgreSQL: the production
// realm into the URL's schema and, when its file exists, the sandbox realm
// into schema "sandbox". Each realm is copied in one PostgreSQL
// transaction and verified (row counts, money totals) before it reports.
func dbCopy(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("db copy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the SQLite database to copy: sqlite:PATH")
	fromSandbox := fs.String("from-sandbox", "", "the sandbox realm's SQLite database: sqlite:PATH (default: NAME-sandbox.db beside --from's file, or sandbox.db beside a hitd.db)")
	to := fs.String("to", "", "the PostgreSQL database to copy into: postgres://USER@HOST/DATABASE")
	force := fs.Bool("force", false, "empty the destination's hitd tables first instead of refusing to copy into a database that has data")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("db copy: unexpected argument %q", fs.Arg(0))
	}
	src, err := parseDB("", *from)
	if err != nil || src.path == "" || !strings.HasPrefix(*from, "sqlite:") {
		return fmt.Errorf("db copy: --from must be sqlite:PATH (got %q)", redact(*from))
	}
	dst, err := parseDB("", *to)
	if err != nil || dst.url == "" {
		return fmt.Errorf("db copy: --to must be a postgres:// URL (got %q)", redact(*to))
	}
	if _, err := os.Stat(src.path); err != nil {
		return fmt.Errorf("db copy: %w", err)
	}
	dstSandbox := dst
	dstSandbox.schema = sandboxSchemaFor(dst.schema)
	pairs := []struct {
		name     string
		src, dst location
	}{{"production", src, dst}}
	if srcSandbox, err := sandboxSource(src, *fromSandbox); err != nil {
		return fmt.Errorf("db copy: %w", err)
	} else if srcSandbox.path != "" {
		pairs = append(pairs, struct {
			name     string
			src, dst location
		}{"sandbox", srcSandbox, dstSandbox})
	} else {
		fmt.Fprintf(stdout, "sandbox: no sandbox database beside %s; nothing to copy\n", src.path)
	}
	for _, p := range pairs {
		if err := copyRealm(ctx, p.name, p.src, p.dst, *force, stdout); err != nil {
			return fmt.Errorf("db copy: %s realm: %w", p.name, err)
		}
	}
	return nil
}

// sandboxSource finds the sandbox realm's SQLite file for a copy from
// prod: --from-sandbox when given (it must exist), else the first that
// exists of NAME-sandbox.EXT beside prod's file and, for a data directory's
// hitd.db, sandbox.db beside it. A zero location: there is none.
func sandboxSource(prod location, flagValue string) (location, error) {
	if flagValue != "" {
		l, err := parseDB("", flagValue)
		if err != nil || l.path == "" || !strings.HasPrefix(flagValue, "sqlite:") {
			return location{}, fmt.Errorf("--from-sandbox must be sqlite:PATH (got %q)", redact(flagValue))
		}
		if _, err := os.Stat(l.path); err != nil {
			return location{}, fmt.Errorf("--from-sandbox: %w", err)
		}
		return l, nil
	}
	ext := filepath.Ext(prod.path)
	candidates := []string{strings.TrimSuffix(prod.path, ext) + "-sandbox" + ext}
	if filepath.Base(prod.path) == "hitd.db" {
		candidates = append(candidates, filepath.Join(filepath.Dir(prod.path), "sandbox.db"))
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return location{path: c}, nil
		}
	}
	return location{}, nil
}

func copyRealm(ctx context.Context, name string, from, to location, force bool, stdout io.Writer) error {
	s, err := sqlite.Open(ctx, from.path)
	if err != nil {
		return err
	}
	defer s.Close()
	d, err := postgres.Open(ctx, to.url, postgres.Options{Schema: to.schema})
	if err != nil {
		return err
	}
	defer d.Close()
	rep, err := dbcopy.Copy(ctx, s, d, dbcopy.Options{Force: force})
	if err != nil {
		return err
	}
	var rows int64
	for _, t := range rep.Tables {
		rows += t.Rows
	}
	fmt.Fprintf(stdout, "%s: copied %s to %s: %d rows in %d tables, counts verified\n", name, from, to, rows, len(rep.Tables))
	m := rep.Money
	fmt.Fprintf(stdout, "%s: money verified: deposits %s = balances %s + reserved %s + earned %s + fees %s\n", name,
		m.Deposits, m.RequesterBalances, m.Reserves, m.WorkerEarnings, m.Fees)
	return nil
}
