package sqlite

import (
	"context"
	"database/sql"
)

// Hooks for the group-commit tests.

// Commits counts the write transactions s has committed.
func Commits(s *Store) int64 { return s.commits.Load() }

// Queued counts the Writes waiting for a batch.
func Queued(s *Store) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// WriteSQL is Write with fn given the raw transaction.
func WriteSQL(s *Store, ctx context.Context, fn func(*sql.Tx) error) error { return s.exec(ctx, fn) }

// MaxBatch is the cap on a batch.
const MaxBatch = maxBatch

// ErrClosed answers Writes after Close.
var ErrClosed = errClosed
