package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/postgres"
	"github.com/hitd/hitd/scheduler"
	"github.com/hitd/hitd/sqlite"
)

// location is where one realm's data lives: a SQLite file, or a schema of
// a PostgreSQL database.
type location struct {
	path   string // SQLite file
	url    string // PostgreSQL URL
	schema string // PostgreSQL schema; "": the URL's search_path
}

// sandboxSchemaFor is the sandbox realm's schema when it lives in
// PostgreSQL beside a production realm in schema prod: "sandbox", or
// PROD_sandbox when the production URL names a schema (search_path), so
// deployments that share a database by schema keep their sandboxes apart.
func sandboxSchemaFor(prod string) string {
	if prod == "" || prod == "public" {
		return "sandbox"
	}
	return prod + "_sandbox"
}

func (l location) String() string {
	if l.url == "" {
		return "sqlite:" + l.path
	}
	s := redact(l.url)
	if l.schema != "" {
		s += " (schema " + l.schema + ")"
	}
	return s
}

// parseDB reads a --db value: "" (SQLite in the data directory),
// sqlite:PATH, or a postgres:// URL.
func parseDB(dataDir, db string) (location, error) {
	switch {
	case db == "":
		return location{path: filepath.Join(dataDir, "hitd.db")}, nil
	case strings.HasPrefix(db, "sqlite:"):
		p := strings.TrimPrefix(strings.TrimPrefix(db, "sqlite:"), "//")
		if p == "" {
			return location{}, fmt.Errorf("--db %q names no file", db)
		}
		return location{path: p}, nil
	case postgres.IsURL(db):
		u, err := url.Parse(db)
		if err != nil {
			return location{}, fmt.Errorf("--db %q: %v", redact(db), errors.Unwrap(err))
		}
		// A search_path parameter names the schema (pgx passes it to the
		// server); Open creates it when missing.
		return location{url: db, schema: u.Query().Get("search_path")}, nil
	}
	return location{}, fmt.Errorf("--db %q: want sqlite:PATH or postgres://USER@HOST/DATABASE", redact(db))
}

// sandboxLocation is the sandbox realm's store: --sandbox-db when given;
// else, beside a PostgreSQL production store, another schema of the same
// database (sandboxSchemaFor); else sandbox.db in the data directory, or
// NAME-sandbox.EXT beside the file --db names.
func sandboxLocation(dataDir, db, sandboxDB string) (location, error) {
	if sandboxDB != "" {
		l, err := parseDB(dataDir, sandboxDB)
		if err != nil {
			return location{}, fmt.Errorf("--sandbox-db: %w", err)
		}
		if l.url != "" {
			l.schema = sandboxSchemaFor(l.schema) // never the production schema, even on the same URL
		}
		return l, nil
	}
	main, err := parseDB(dataDir, db)
	switch {
	case err != nil:
		return location{}, err
	case main.url != "":
		main.schema = sandboxSchemaFor(main.schema)
		return main, nil
	case db == "":
		return location{path: filepath.Join(dataDir, "sandbox.db")}, nil
	}
	ext := filepath.Ext(main.path)
	return location{path: strings.TrimSuffix(main.path, ext) + "-sandbox" + ext}, nil
}

// openStore opens (and migrates) the store at l. For PostgreSQL it also
// returns the elector that lets one node of many run the scheduler; SQLite
// has one node and needs none.
func (l location) openStore(ctx context.Context) (hitd.Store, scheduler.Elector, error) {
	if l.url != "" {
		s, err := postgres.Open(ctx, l.url, postgres.Options{Schema: l.schema})
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", l, err)
		}
		return s, s.Lease("scheduler", nodeName(), 0), nil
	}
	if err := os.MkdirAll(filepath.Dir(l.path), 0o700); err != nil {
		return nil, nil, err
	}
	s, err := sqlite.Open(ctx, l.path)
	if err != nil {
		return nil, nil, err
	}
	return s, nil, nil
}

// nodeName names this process among the nodes sharing a database:
// host:pid:random, so a restarted process is a new holder.
func nodeName() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), rand.Text()[:8])
}

// realm is one realm's Service, the store under it, and (PostgreSQL) the
// scheduler's elector.
type realm struct {
	svc     *hitd.Service
	store   hitd.Store
	elector scheduler.Elector
	where   location
}

// open opens the production realm named by the flags.
func (f *storeFlags) open(ctx context.Context, cfg hitd.Config) (realm, error) {
	bal, ok := hitd.ParseCents(f.startingBalance)
	if !ok {
		return realm{}, fmt.Errorf("--starting-balance %q is not a USD amount like 10000.00", f.startingBalance)
	}
	cfg.StartingBalance = bal
	l, err := parseDB(f.dataDir, f.db)
	if err != nil {
		return realm{}, err
	}
	return openRealm(ctx, l, f.clock, cfg)
}

// openSandbox opens the sandbox realm: its own store, requesters mirrored
// from prod, 10000.00 of play money each.
func (f *storeFlags) openSandbox(ctx context.Context, prod *hitd.Service, cfg hitd.Config) (realm, error) {
	cfg.StartingBalance = hitd.DefaultStartingBalance
	cfg.Accounts = prod
	l, err := sandboxLocation(f.dataDir, f.db, f.sandboxDB)
	if err != nil {
		return realm{}, err
	}
	return openRealm(ctx, l, f.clock, cfg)
}

// openRealm opens the realm at l; its Service reads clock (nil: the system
// clock).
func openRealm(ctx context.Context, l location, clock hitd.Clock, cfg hitd.Config) (realm, error) {
	store, elector, err := l.openStore(ctx)
	if err != nil {
		return realm{}, err
	}
	if clock == nil {
		clock = hitd.SystemClock{}
	}
	return realm{svc: hitd.NewService(store, clock, hitd.IDSource{}, cfg), store: store, elector: elector, where: l}, nil
}
