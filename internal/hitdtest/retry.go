package hitdtest

import (
	"context"
	"errors"

	"github.com/hitd/hitd"
)

// RetryingStore wraps a hitd.Store so that every Write runs its function
// twice: the first attempt runs inside a real transaction that is then
// rolled back, as if the database had aborted it with a serialization
// failure at commit, and the second attempt runs for real.
//
// A store may retry a conflicting write transaction (package postgres runs
// them at SERIALIZABLE and retries serialization failures), so every
// Write closure must be safe to run more than once: it may only set, never
// accumulate, results captured from outside the transaction, and must leave
// outside effects until Write returns. New wraps every test store in a
// RetryingStore so the whole test suite exercises that rule.
//
// Read, Ping and Close pass through.
type RetryingStore struct {
	hitd.Store
}

// errRetry aborts the first attempt's transaction so the inner store rolls
// it back.
var errRetry = errors.New("hitdtest: forced retry")

// Write runs fn in a transaction that is rolled back, then runs it again in
// a fresh transaction and returns that attempt's result. The first attempt
// is retried even if fn failed, as a serialization failure may surface
// before fn's own error does.
func (s RetryingStore) Write(ctx context.Context, fn func(hitd.Tx) error) error {
	err := s.Store.Write(ctx, func(tx hitd.Tx) error {
		_ = fn(tx) // the attempt is discarded whatever it returns
		return errRetry
	})
	if !errors.Is(err, errRetry) {
		return err // the store failed on its own: no transaction to retry
	}
	return s.Store.Write(ctx, fn)
}
