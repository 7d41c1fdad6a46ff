package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// LeaseTTL is how long a scheduler lease lasts without renewal. The
// holder renews it every pass (each second by default); when the holder
// dies, another node takes over at its first pass after the lease ends, so
// within LeaseTTL plus one pass interval.
const LeaseTTL = 5 * time.Second

// Lease is one named lease held, or wanted, by one node.
type Lease struct {
	store  *Store
	name   string
	holder string
	ttl    time.Duration
}

// Lease returns the lease called name for holder (a name unique to this
// process, e.g. host:pid:random), lasting ttl (LeaseTTL if 0).
func (s *Store) Lease(name, holder string, ttl time.Duration) *Lease {
	if ttl <= 0 {
		ttl = LeaseTTL
	}
	return &Lease{store: s, name: name, holder: holder, ttl: ttl}
}

// Lead takes the lease if it is free or expired, or renews it if this
// holder has it, and reports whether this holder has it now. One statement,
// atomic under concurrent callers on any node.
func (l *Lease) Lead(ctx context.Context) (bool, error) {
	var holder string
	err := l.store.pool.QueryRow(ctx, `INSERT INTO leases (name, holder, expires_at)
		VALUES ($1, $2, clock_timestamp() + $3 * interval '1 millisecond')
		ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
		WHERE leases.holder = EXCLUDED.holder OR leases.expires_at < clock_timestamp()
		RETURNING holder`, l.name, l.holder, l.ttl.Milliseconds()).Scan(&holder)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil && holder == l.holder, err
}

// Resign gives the lease up if this holder has it, so another node can
// take it at once (a clean shutdown).
func (l *Lease) Resign(ctx context.Context) error {
	_, err := l.store.pool.Exec(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, l.name, l.holder)
	return err
}
