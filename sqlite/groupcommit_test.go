package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/sqlite"
)

func openTemp(t *testing.T) (*sqlite.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hitd.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func newRequester(id string) *hitd.Requester {
	return &hitd.Requester{ID: id, Name: "n", AccessKeyID: "K" + id, SecretAccessKey: "s"}
}

// gate starts a Write whose fn holds the writer until release is called,
// so that the Writes made meanwhile queue up and form the next batch. The
// gate's own Write inserts requester GATE; done receives its result.
func gate(t *testing.T, s *sqlite.Store) (release func(), done <-chan error) {
	t.Helper()
	ctx := context.Background()
	running, hold, res := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		res <- s.Write(ctx, func(tx hitd.Tx) error {
			close(running)
			<-hold
			return tx.InsertRequester(ctx, newRequester("GATE"))
		})
	}()
	<-running
	var once sync.Once
	release = func() { once.Do(func() { close(hold) }) }
	t.Cleanup(release)
	return release, res
}

// waitQueued waits until n Writes are queued.
func waitQueued(t *testing.T, s *sqlite.Store, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); sqlite.Queued(s) != n; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d Writes queued, want %d", sqlite.Queued(s), n)
		}
	}
}

// present reports which of the requesters are in the database.
func present(t *testing.T, s *sqlite.Store, ids ...string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	out := map[string]bool{}
	err := s.Read(ctx, func(tx hitd.Tx) error {
		for _, id := range ids {
			_, err := tx.RequesterByID(ctx, id)
			switch {
			case err == nil:
				out[id] = true
			case !errors.Is(err, hitd.ErrNoRows):
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGroupCommit queues 100 Writes behind a gate so that they run as one
// batch, and checks that they commit together, that each fn sees the
// effects of those before it, and that a failing or panicking fn is rolled
// back alone.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, newRequester("COUNTER")) }); err != nil {
		t.Fatal(err)
	}
	release, gateDone := gate(t, s)

	const n, panicking = 100, 50
	failing := func(i int) bool { return i%7 == 3 }
	errFail := errors.New("fn failed")
	type panicValue struct{ i int }
	var (
		wg        sync.WaitGroup
		errs      = make([]error, n)
		recovered = make([]any, n)
		seen      = make([]int64, n) // COUNTER's balance as each fn found it
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { recovered[i] = recover() }()
			errs[i] = s.Write(ctx, func(tx hitd.Tx) error {
				// Every fn bumps the counter and inserts its row; only
				// those that return nil may leave a trace.
				c, err := tx.RequesterByID(ctx, "COUNTER")
				if err != nil {
					return err
				}
				seen[i] = int64(c.Balance)
				c.Balance++
				if err := tx.UpdateRequester(ctx, c); err != nil {
					return err
				}
				if err := tx.InsertRequester(ctx, newRequester(fmt.Sprintf("R%03d", i))); err != nil {
					return err
				}
				switch {
				case i == panicking:
					panic(panicValue{i})
				case failing(i):
					return errFail
				}
				return nil
			})
		}()
	}
	waitQueued(t, s, n)
	before := sqlite.Commits(s)
	release()
	wg.Wait()
	if err := <-gateDone; err != nil {
		t.Fatal(err)
	}
	if got := sqlite.Commits(s) - before; got != 2 {
		t.Errorf("%d commits for the gate and %d queued Writes, want 2", got, n)
	}

	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("R%03d", i)
	}
	have := present(t, s, ids...)
	var okSeen []int64
	for i := range n {
		switch {
		case i == panicking:
			if recovered[i] != (panicValue{i}) {
				t.Errorf("Write %d: recovered %v, want the fn's panic", i, recovered[i])
			}
		case failing(i):
			if !errors.Is(errs[i], errFail) || recovered[i] != nil {
				t.Errorf("Write %d: %v, panic %v; want the fn's error", i, errs[i], recovered[i])
			}
		default:
			if errs[i] != nil || recovered[i] != nil {
				t.Errorf("Write %d: %v, panic %v", i, errs[i], recovered[i])
			}
			okSeen = append(okSeen, seen[i])
		}
		if want := i != panicking && !failing(i); have[ids[i]] != want {
			t.Errorf("row of Write %d present = %v, want %v", i, have[ids[i]], want)
		}
	}
	// The fns that committed saw the counter at 0, 1, 2, … in some order:
	// each saw exactly the effects of the committed fns before it.
	slices.Sort(okSeen)
	for k, v := range okSeen {
		if v != int64(k) {
			t.Fatalf("committed fns saw the counter at %v, want 0…%d", okSeen, len(okSeen)-1)
		}
	}
	var c *hitd.Requester
	if err := s.Read(ctx, func(tx hitd.Tx) (err error) { c, err = tx.RequesterByID(ctx, "COUNTER"); return err }); err != nil {
		t.Fatal(err)
	}
	if int(c.Balance) != len(okSeen) {
		t.Errorf("counter = %d, want %d", c.Balance, len(okSeen))
	}
}

// TestGroupCommitCap checks that a batch takes at most MaxBatch Writes.
func TestGroupCommitCap(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	release, _ := gate(t, s)
	n := sqlite.MaxBatch + 10
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := s.Write(ctx, func(tx hitd.Tx) error {
				return tx.InsertRequester(ctx, newRequester(fmt.Sprintf("R%03d", i)))
			}); err != nil {
				t.Error(err)
			}
		})
	}
	waitQueued(t, s, n)
	before := sqlite.Commits(s)
	release()
	wg.Wait()
	if got := sqlite.Commits(s) - before; got != 3 {
		t.Errorf("%d commits for the gate and %d queued Writes, want 3", got, n)
	}
}

// TestGroupCommitConcurrent is a free-running mix of committing and failing
// Writes, for the race detector.
func TestGroupCommitConcurrent(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	const clients, each = 32, 40
	errFail := errors.New("fn failed")
	var wg sync.WaitGroup
	var ids []string
	for c := range clients {
		for i := range each {
			ids = append(ids, fmt.Sprintf("R%02d-%02d", c, i))
		}
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("R%02d-%02d", c, i)
				err := s.Write(ctx, func(tx hitd.Tx) error {
					if err := tx.InsertRequester(ctx, newRequester(id)); err != nil {
						return err
					}
					if i%4 == 1 {
						return errFail
					}
					return nil
				})
				if (i%4 == 1) != errors.Is(err, errFail) || (err != nil && !errors.Is(err, errFail)) {
					t.Errorf("Write %s: %v", id, err)
				}
			}
		})
	}
	wg.Wait()
	have := present(t, s, ids...)
	for _, id := range ids {
		var i int
		fmt.Sscanf(id[4:], "%d", &i)
		if have[id] != (i%4 != 1) {
			t.Errorf("%s present = %v", id, have[id])
		}
	}
	if c := sqlite.Commits(s); c >= clients*each {
		t.Logf("no batch formed: %d commits for %d Writes", c, clients*each)
	}
}

// TestWriteCancelledWhileQueued checks that a Write whose ctx ends while it
// waits returns at once with the ctx's error and that its fn never runs.
func TestWriteCancelledWhileQueued(t *testing.T) {
	s, _ := openTemp(t)
	release, _ := gate(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	var ran atomic.Bool
	res := make(chan error, 1)
	go func() {
		res <- s.Write(ctx, func(tx hitd.Tx) error {
			ran.Store(true)
			return tx.InsertRequester(ctx, newRequester("R1"))
		})
	}()
	waitQueued(t, s, 1)
	cancel()
	select {
	case err := <-res:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Write = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Write did not return when its ctx was cancelled while queued")
	}
	release()
	// The writer skips the abandoned request and goes on.
	bg := context.Background()
	if err := s.Write(bg, func(tx hitd.Tx) error { return tx.InsertRequester(bg, newRequester("R2")) }); err != nil {
		t.Fatal(err)
	}
	if ran.Load() {
		t.Error("the cancelled Write's fn ran")
	}
	if have := present(t, s, "R1", "R2", "GATE"); have["R1"] || !have["R2"] || !have["GATE"] {
		t.Errorf("rows present: %v, want R2 and GATE", have)
	}
}

// doneCtx is a context whose end its Write cannot see coming (Done never
// fires), so the writer is the one to notice it, when the Write's turn
// comes.
type doneCtx struct {
	context.Context
	done atomic.Bool
}

func (c *doneCtx) Done() <-chan struct{} { return nil }
func (c *doneCtx) Err() error {
	if c.done.Load() {
		return context.Canceled
	}
	return nil
}

func TestWriteNotRunWhenCtxDoneAtItsTurn(t *testing.T) {
	s, _ := openTemp(t)
	release, _ := gate(t, s)
	ctx := &doneCtx{Context: context.Background()}
	var ran atomic.Bool
	res := make(chan error, 1)
	go func() {
		res <- s.Write(ctx, func(tx hitd.Tx) error {
			ran.Store(true)
			return tx.InsertRequester(ctx, newRequester("R1"))
		})
	}()
	waitQueued(t, s, 1)
	ctx.done.Store(true)
	release()
	if err := <-res; !errors.Is(err, context.Canceled) {
		t.Fatalf("Write = %v, want context.Canceled", err)
	}
	if ran.Load() {
		t.Error("fn ran after its ctx ended")
	}
}

// TestWriteGoexit: a fn that calls runtime.Goexit (t.FailNow does) ends
// its caller's goroutine, not the writer; its changes are rolled back.
func TestWriteGoexit(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	release, _ := gate(t, s)
	var returned atomic.Bool
	exited, other := make(chan struct{}), make(chan error, 1)
	go func() {
		defer close(exited)
		s.Write(ctx, func(tx hitd.Tx) error {
			if err := tx.InsertRequester(ctx, newRequester("R1")); err != nil {
				return err
			}
			runtime.Goexit()
			return nil
		})
		returned.Store(true)
	}()
	waitQueued(t, s, 1)
	go func() {
		other <- s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, newRequester("R2")) })
	}()
	waitQueued(t, s, 2)
	release()
	<-exited
	if err := <-other; err != nil {
		t.Fatal(err)
	}
	if returned.Load() {
		t.Error("Write returned after its fn called runtime.Goexit")
	}
	if have := present(t, s, "R1", "R2"); have["R1"] || !have["R2"] {
		t.Errorf("rows present: %v, want R2 only", have)
	}
}

// TestWriteThatEndsTheTransaction: when one fn's failure makes SQLite roll
// back the whole transaction (simulated with a ROLLBACK), that Write fails
// and the others of its batch run again and commit.
func TestWriteThatEndsTheTransaction(t *testing.T) {
	for _, fnFails := range []bool{false, true} {
		t.Run(fmt.Sprintf("fnFails=%v", fnFails), func(t *testing.T) {
			ctx := context.Background()
			s, _ := openTemp(t)
			release, _ := gate(t, s)
			var runs [3]atomic.Int32
			errFail := errors.New("fn failed")
			res := make([]chan error, 3)
			for i := range 3 {
				res[i] = make(chan error, 1)
				go func() {
					res[i] <- sqlite.WriteSQL(s, ctx, func(tx *sql.Tx) error {
						runs[i].Add(1)
						if _, err := tx.ExecContext(ctx, `INSERT INTO requesters (id, name, access_key_id, secret_access_key, balance_cents, is_root, created_at)
							VALUES (?, 'n', ?, 's', 0, 0, 0)`, fmt.Sprint("R", i), fmt.Sprint("K", i)); err != nil {
							return err
						}
						if i == 1 {
							if _, err := tx.ExecContext(ctx, `ROLLBACK`); err != nil {
								return err
							}
							if fnFails {
								return errFail
							}
						}
						return nil
					})
				}()
				waitQueued(t, s, i+1) // queue order R0, R1, R2
			}
			release()
			for i := range 3 {
				err := <-res[i]
				switch {
				case i != 1 && err != nil:
					t.Errorf("Write %d: %v", i, err)
				case i == 1 && fnFails && !errors.Is(err, errFail):
					t.Errorf("Write 1 = %v, want its fn's error", err)
				case i == 1 && !fnFails && (err == nil || !strings.Contains(err.Error(), "rolled back")):
					t.Errorf("Write 1 = %v, want transaction rolled back", err)
				}
			}
			if r := [3]int32{runs[0].Load(), runs[1].Load(), runs[2].Load()}; r != [3]int32{2, 1, 1} {
				t.Errorf("fn runs %v, want [2 1 1] (R0 again after the rollback)", r)
			}
			if have := present(t, s, "R0", "R1", "R2"); !have["R0"] || have["R1"] || !have["R2"] {
				t.Errorf("rows present: %v, want R0 and R2", have)
			}
		})
	}
}

// TestWriteInterruptedMidStatement: a caller's ctx that ends while its fn's
// INSERT runs interrupts it, and SQLite then rolls back the whole
// transaction; the batch's other Writes must still commit.
func TestWriteInterruptedMidStatement(t *testing.T) {
	bg := context.Background()
	s, _ := openTemp(t)
	if err := sqlite.WriteSQL(s, bg, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(bg, `CREATE TABLE big (x INTEGER) STRICT`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	release, _ := gate(t, s)
	var runs0 atomic.Int32
	res0, res1, res2 := make(chan error, 1), make(chan error, 1), make(chan error, 1)
	insert := func(id string) func(hitd.Tx) error {
		return func(tx hitd.Tx) error { return tx.InsertRequester(bg, newRequester(id)) }
	}
	go func() {
		res0 <- s.Write(bg, func(tx hitd.Tx) error { runs0.Add(1); return insert("R0")(tx) })
	}()
	waitQueued(t, s, 1)
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	go func() {
		res1 <- sqlite.WriteSQL(s, ctx, func(tx *sql.Tx) error {
			time.AfterFunc(20*time.Millisecond, cancel)
			_, err := tx.ExecContext(ctx, `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 100000000)
				INSERT INTO big SELECT x FROM c`)
			return err
		})
	}()
	waitQueued(t, s, 2)
	go func() { res2 <- s.Write(bg, insert("R2")) }()
	waitQueued(t, s, 3)
	release()
	if err := <-res1; !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted Write = %v, want context.Canceled", err)
	}
	if err := <-res0; err != nil {
		t.Error(err)
	}
	if err := <-res2; err != nil {
		t.Error(err)
	}
	// R0 ran again if the interrupt came mid-INSERT, as it should;
	// under a slow machine it may land before the statement starts.
	if r := runs0.Load(); r != 2 {
		t.Logf("R0's fn ran %d times, want 2: the interrupt missed the INSERT", r)
	}
	if have := present(t, s, "R0", "R2"); !have["R0"] || !have["R2"] {
		t.Errorf("rows present: %v, want R0 and R2", have)
	}
	var n int
	if err := s.DB().QueryRowContext(bg, `SELECT count(*) FROM big`).Scan(&n); err != nil || n != 0 {
		t.Errorf("big has %d rows (%v), want 0", n, err)
	}
}

// TestCloseWithQueuedWrites: Close fails the queued Writes at once,
// finishes the batch in progress, stops the writer and leaks no goroutine.
func TestCloseWithQueuedWrites(t *testing.T) {
	ctx := context.Background()
	baseline := runtime.NumGoroutine()
	path := filepath.Join(t.TempDir(), "hitd.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	release, gateDone := gate(t, s)
	const n = 10
	res := make(chan error, n)
	for i := range n {
		go func() {
			res <- s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, newRequester(fmt.Sprint("R", i))) })
		}()
	}
	waitQueued(t, s, n)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	for range n {
		select {
		case err := <-res:
			if !errors.Is(err, sqlite.ErrClosed) {
				t.Errorf("queued Write = %v, want ErrClosed", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("queued Writes not answered by Close")
		}
	}
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) before the batch in progress finished", err)
	case <-time.After(20 * time.Millisecond):
	}
	release()
	if err := <-gateDone; err != nil {
		t.Errorf("Write in progress at Close: %v", err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, func(hitd.Tx) error { return nil }); !errors.Is(err, sqlite.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > baseline; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after Close, %d before Open:\n%s", runtime.NumGoroutine(), baseline, buf[:runtime.Stack(buf, true)])
		}
	}
	s2, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	ids := []string{"GATE"}
	for i := range n {
		ids = append(ids, fmt.Sprint("R", i))
	}
	have := present(t, s2, ids...)
	if len(have) != 1 || !have["GATE"] {
		t.Errorf("rows present after reopening: %v, want GATE only", have)
	}
}
