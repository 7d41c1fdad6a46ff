package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
)

// Group commit: how Write works (the package doc says why).
//
// Write queues a request and waits. One writer goroutine (Store.writer)
// takes the first waiting request and all others already queued, up to
// maxBatch, opens one BEGIN IMMEDIATE transaction and gives each request a
// turn in queue order, inside its own SAVEPOINT: it sends the caller the
// transaction, the caller runs fn on it in the caller's own goroutine and
// hands it back, and the writer RELEASEs the savepoint, or rolls back to it
// if fn failed, panicked or called runtime.Goexit. After the last turn the
// writer COMMITs once and only then answers every caller whose fn returned.
//
// fn runs in its caller's goroutine so that a panic (or t.FailNow's
// Goexit) unwinds the caller's stack, with the stack trace it always had,
// and never the writer's: the turn's deferred hand-back tells the writer,
// which rolls the savepoint back before the next turn, while the panic
// goes on up the caller's stack.
//
// SQLite rolls back the whole transaction, savepoints and all, on some
// failures of one statement: an interrupted write (a caller's context
// ending mid-statement), a full disk, an I/O error. The writer notices
// because the savepoint is gone (RELEASE or ROLLBACK TO fails). The request
// whose turn it was fails; the others that ran in the lost transaction run
// again in a fresh one (hitd.Store allows running fn more than once), so
// each such loss costs one request, never the batch.

// maxBatch caps how many Writes share one transaction, which bounds how
// long the first of a batch waits for the others' turns (128 fns the size
// of CreateHIT's run in about 13 ms). It rarely binds: with 64 writers
// BenchmarkWriteConcurrent sees batches of about 32, two cohorts taking
// turns (one runs while the one just answered queues again). With 256
// writers, caps of 16 and 32 were clearly slower than 64 to 256, which were
// alike within this VM's noise.
const maxBatch = 128

// errClosed answers Writes made after Close, or still queued when it ran.
var errClosed = errors.New("sqlite: store is closed")

// Request states. A request is queued until the writer claims it for its
// first turn, or its caller abandons it because ctx ended first; whichever
// CompareAndSwap wins decides whether fn runs.
const (
	queued int32 = iota
	claimed
	abandoned
)

// request is one Write waiting in the queue or in a batch.
type request struct {
	ctx   context.Context
	state atomic.Int32
	// ch carries a turn (tx set) or the answer (tx nil). The writer sends
	// at most one message per receive of the caller, so one slot never
	// blocks the writer.
	ch chan reply
}

type reply struct {
	tx  *sql.Tx // run fn on tx now, then hand it back
	err error   // the answer, when tx is nil
}

// outcome is what a caller hands back after its turn.
type outcome struct {
	err      error
	returned bool // false: fn panicked or called runtime.Goexit
}

// exec runs fn as one of the group-committed writes.
func (s *Store) exec(ctx context.Context, fn func(*sql.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request{ctx: ctx, ch: make(chan reply, 1)}
	if err := s.enqueue(r); err != nil {
		return err
	}
	for {
		var m reply
		select {
		case m = <-r.ch:
		case <-ctx.Done():
			if r.state.CompareAndSwap(queued, abandoned) {
				return ctx.Err() // fn never ran and never will
			}
			m = <-r.ch // the writer has it: its answer says what happened
		}
		if m.tx == nil {
			return m.err
		}
		s.turn(m.tx, fn)
	}
}

// turn runs fn on tx in the caller's goroutine and hands the transaction
// back to the writer, also when fn panics or calls runtime.Goexit (which
// then go on unwinding the caller).
func (s *Store) turn(tx *sql.Tx, fn func(*sql.Tx) error) {
	var o outcome
	defer func() { s.turnDone <- o }()
	o.err = fn(tx)
	o.returned = true
}

func (s *Store) enqueue(r *request) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return errClosed
	}
	s.queue = append(s.queue, r)
	s.mu.Unlock()
	s.signal()
	return nil
}

// signal wakes the writer if it sleeps.
func (s *Store) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// writer is the goroutine that runs every write transaction.
func (s *Store) writer() {
	defer close(s.stopped)
	for {
		batch := s.take()
		if batch == nil {
			return
		}
		for len(batch) > 0 {
			batch = s.runBatch(batch)
		}
	}
}

// take waits for queued requests and removes up to maxBatch of them from
// the queue. It returns nil once the store is closed and the queue empty.
func (s *Store) take() []*request {
	for {
		s.mu.Lock()
		if n := min(len(s.queue), maxBatch); n > 0 {
			batch := slices.Clone(s.queue[:n])
			s.queue = slices.Delete(s.queue, 0, n)
			s.mu.Unlock()
			return batch
		}
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return nil
		}
		<-s.wake
	}
}

// claim reports whether r is the writer's to run or answer: claimed now or
// in an earlier attempt, and not abandoned by its caller.
func claim(r *request) bool {
	return r.state.Load() == claimed || r.state.CompareAndSwap(queued, claimed)
}

// answer sends r its result, if the writer may.
func answer(r *request, err error) {
	if claim(r) {
		r.ch <- reply{err: err}
	}
}

// runBatch runs batch in one transaction and answers each request after
// the COMMIT, or all with the error of a failed BEGIN, SAVEPOINT or COMMIT.
// If a request's fn ended the whole transaction, that request fails and
// runBatch returns the others that must run again in a fresh transaction.
func (s *Store) runBatch(batch []*request) (again []*request) {
	bg := context.Background() // the transaction outlives any one caller's ctx
	tx, err := s.write.BeginTx(bg, nil)
	if err != nil {
		for _, r := range batch {
			answer(r, err)
		}
		return nil
	}
	type result struct {
		r   *request
		err error
	}
	var ran []result // requests whose fn returned, in order
	for i, r := range batch {
		if !claim(r) {
			continue
		}
		if err := r.ctx.Err(); err != nil {
			r.ch <- reply{err: err} // not run: its turn came after ctx ended
			continue
		}
		if _, err := tx.ExecContext(bg, `SAVEPOINT hitd_write`); err != nil {
			tx.Rollback()
			for _, x := range ran {
				x.r.ch <- reply{err: err}
			}
			for _, r := range batch[i:] {
				answer(r, err)
			}
			return nil
		}
		r.ch <- reply{tx: tx}
		o := <-s.turnDone
		if o.returned && o.err == nil {
			_, err = tx.ExecContext(bg, `RELEASE hitd_write`)
		} else if _, err = tx.ExecContext(bg, `ROLLBACK TO hitd_write`); err == nil {
			_, err = tx.ExecContext(bg, `RELEASE hitd_write`)
		}
		if err != nil {
			// The savepoint is gone: SQLite rolled the whole transaction
			// back during fn. r fails (a caller whose fn panicked is gone
			// already); the work of the others was lost with it, so they
			// run again.
			tx.Rollback()
			if o.returned {
				if o.err == nil {
					o.err = fmt.Errorf("sqlite: write transaction rolled back: %w", err)
				}
				r.ch <- reply{err: o.err}
			}
			for _, x := range ran {
				again = append(again, x.r)
			}
			return append(again, batch[i+1:]...)
		}
		if o.returned {
			ran = append(ran, result{r, o.err})
		}
	}
	err = tx.Commit()
	if err == nil {
		s.commits.Add(1)
	}
	for _, x := range ran {
		if err != nil {
			x.err = err
		}
		x.r.ch <- reply{err: x.err}
	}
	return nil
}
