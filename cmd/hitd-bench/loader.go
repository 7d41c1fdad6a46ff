package main

import (
	"context"
	"database/sql"
	"net/url"
	"strconv"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/sqltx"
	"github.com/hitd/hitd/sqlite"
)

// loaderCacheKiB is the SQLite page cache of the bulk loader's connection.
// With SQLite's default (2 MB), a transaction of 10,000 HITs slows from
// about 1.3 s to 20 s as the table grows to 200,000 rows: every insert into
// the index of random HIT IDs misses the cache and dirty pages spill to
// the WAL. With 256 MB it stays near 1.3 s.
const loaderCacheKiB = 256 * 1024

// writer runs write transactions.
type writer interface {
	Write(ctx context.Context, fn func(hitd.Tx) error) error
}

// sqliteLoader writes to a SQLite database through the store's own
// transaction code (internal/sqltx, as package sqlite does) on a
// connection of its own with a large page cache, for bulk set-up.
type sqliteLoader struct{ db *sql.DB }

func (l sqliteLoader) Write(ctx context.Context, fn func(hitd.Tx) error) error {
	return sqltx.Run(ctx, l.db, nil, func(tx *sql.Tx) error { return fn(sqltx.New(tx, sqlite.Dialect())) })
}

// openLoader returns the bulk writer for the database at loc: for SQLite a
// sqliteLoader (same pragmas as the store's writer, BEGIN IMMEDIATE, plus
// the cache), else st itself. close releases it.
func openLoader(loc dbLoc, st hitd.Store) (writer, func(), error) {
	if loc.sqlitePath == "" {
		return st, func() {}, nil
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(1)", "cache_size(-" + strconv.Itoa(loaderCacheKiB) + ")"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: loc.sqlitePath}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(1)
	return sqliteLoader{db}, func() { db.Close() }, nil
}
