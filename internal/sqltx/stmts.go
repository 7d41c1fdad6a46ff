package sqltx

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
)

// Stmts caches prepared statements of one *sql.DB, for drivers that parse a
// query's text on every call (modernc.org/sqlite does; pgx caches
// statements itself). Transactions use a cached statement through
// Tx.StmtContext, which reuses its prepared form on the transaction's own
// connection.
//
// A statement is prepared in the background the first time its text is
// seen, never inside the transaction that asked: the SQLite writer's pool
// has one connection, which that transaction holds, so preparing there
// would wait forever. Until it is ready the query runs unprepared. The
// cache holds at most max texts; the queries are built from a fixed set of
// fragments, so it fills once and stays.
type Stmts struct {
	db      *sql.DB
	max     int
	mu      sync.Mutex
	m       map[string]*atomic.Pointer[sql.Stmt]
	closed  bool
	pending sync.WaitGroup
}

// NewStmts returns a cache for db holding at most max statements.
func NewStmts(db *sql.DB, max int) *Stmts {
	return &Stmts{db: db, max: max, m: map[string]*atomic.Pointer[sql.Stmt]{}}
}

// get returns q's prepared statement, or nil (and starts preparing it) if
// there is none yet.
func (c *Stmts) get(q string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	p, ok := c.m[q]
	if !ok && !c.closed && len(c.m) < c.max {
		p = new(atomic.Pointer[sql.Stmt])
		c.m[q] = p
		c.pending.Go(func() {
			if st, err := c.db.PrepareContext(context.Background(), q); err == nil {
				p.Store(st)
			} // else: leave it nil; the query keeps running unprepared
		})
	}
	c.mu.Unlock()
	if p == nil {
		return nil
	}
	return p.Load()
}

// Close waits for statements being prepared and closes them all. Call it
// before closing the *sql.DB.
func (c *Stmts) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.pending.Wait()
	var errs []error
	for _, p := range c.m {
		if st := p.Load(); st != nil {
			errs = append(errs, st.Close())
		}
	}
	return errors.Join(errs...)
}
