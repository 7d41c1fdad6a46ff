package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"
)

// writeKeyLock is the first key of the advisory locks that make writers
// with the same hitd.WithWriteKey take turns ("hitk"); the second is the
// key's hash. Two keys with equal hashes merely share turns.
const writeKeyLock = 0x6869746b

// turns makes writers with the same key take turns: first inside the
// process, so that at most one goroutine per key holds a connection while
// it waits, then across nodes on a session-level advisory lock taken on
// the connection the transaction will use, before it begins.
type turns struct {
	mu   sync.Mutex
	keys map[string]*turn
}

type turn struct {
	sem     chan struct{} // one token: the goroutine holding it has the turn
	waiters int           // goroutines holding or waiting for the turn
}

// take waits for key's turn and returns a connection that holds the
// advisory lock, and the function that gives the turn up (it unlocks and
// returns the connection).
func (t *turns) take(ctx context.Context, db *sql.DB, key string) (release func(), conn *sql.Conn, err error) {
	t.mu.Lock()
	if t.keys == nil {
		t.keys = map[string]*turn{}
	}
	tn := t.keys[key]
	if tn == nil {
		tn = &turn{sem: make(chan struct{}, 1)}
		t.keys[key] = tn
	}
	tn.waiters++
	t.mu.Unlock()
	leave := func() {
		t.mu.Lock()
		if tn.waiters--; tn.waiters == 0 {
			delete(t.keys, key)
		}
		t.mu.Unlock()
	}
	select {
	case tn.sem <- struct{}{}:
	case <-ctx.Done():
		leave()
		return nil, nil, ctx.Err()
	}
	giveUp := func() { <-tn.sem; leave() }
	conn, err = db.Conn(ctx)
	if err != nil {
		giveUp()
		return nil, nil, err
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1, hashtext($2))`, int32(writeKeyLock), key); err != nil {
		discard(conn)
		giveUp()
		return nil, nil, err
	}
	return func() {
		// A connection whose unlock failed may still hold the lock: it is
		// closed rather than returned to the pool (closing the session
		// releases the lock).
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1, hashtext($2))`, int32(writeKeyLock), key); err != nil {
			discard(conn)
		} else {
			conn.Close()
		}
		giveUp()
	}, conn, nil
}

// discard closes conn's session instead of returning it to the pool.
func discard(conn *sql.Conn) {
	conn.Raw(func(any) error { return driver.ErrBadConn })
	conn.Close()
}
