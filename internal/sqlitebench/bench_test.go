package sqlitebench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers "sqlite3" (cgo)
	_ "modernc.org/sqlite"          // registers "sqlite" (pure Go)
)

const (
	// seedHITs is how many HITs each benchmark's database starts with.
	seedHITs = 10000
	// requesters is how many requesters the seeded HITs are spread over.
	requesters = 10
	// writers is how many goroutines share the one writer connection in
	// BenchmarkCreateHITParallel.
	writers = 8
	// readConns is the size of the read pool.
	readConns = 4
	// pageSize is the ListHITs page size.
	pageSize = 100
)

func requesterID(i int) string { return fmt.Sprintf("A%013d", i%requesters) }
func hitID(i int) string       { return fmt.Sprintf("3HIT%026d", i) }

// newDB creates hitd's schema in a fresh file under b.TempDir(), seeds it
// with seedHITs HITs and returns the file's path and the writer.
func newDB(tb testing.TB, d Driver) (string, *sql.DB) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "hitd.db")
	w, err := d.OpenWriter(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { w.Close() })
	if _, err := w.Exec(Schema); err != nil {
		tb.Fatal(err)
	}
	seed(tb, w)
	return path, w
}

func seed(tb testing.TB, w *sql.DB) {
	tb.Helper()
	tx, err := w.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	now := time.Now().Unix()
	for i := range seedHITs {
		h := NewHIT(hitID(i), requesterID(i), now)
		if _, err := tx.Exec(insertHIT, h.ID, h.RequesterID, h.HITTypeID, h.Title,
			h.Description, h.Keywords, h.RewardCents, h.Question, h.MaxAssignments,
			h.AssignmentDuration, h.AutoApprovalDelay, h.CreationTime, h.Expiration,
			h.Annotation, h.Status); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	// Start every benchmark from a steady state: the seed copied into the
	// database file and an empty WAL.
	if _, err := w.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		tb.Fatal(err)
	}
}

func openReaders(tb testing.TB, d Driver, path string) *sql.DB {
	tb.Helper()
	r, err := d.OpenReaders(path, readConns)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.Close() })
	return r
}

// forEachDriver runs bench once per driver, as sub-benchmarks /modernc and
// /mattn, so that both are measured in the same run.
func forEachDriver(b *testing.B, bench func(*testing.B, Driver)) {
	for _, d := range Drivers {
		b.Run(d.Name, func(b *testing.B) { bench(b, d) })
	}
}

// BenchmarkCreateHIT is one durable CreateHIT transaction at a time.
func BenchmarkCreateHIT(b *testing.B) {
	forEachDriver(b, func(b *testing.B, d Driver) {
		_, w := newDB(b, d)
		ctx := context.Background()
		now := time.Now().Unix()
		i := seedHITs
		for b.Loop() {
			h := NewHIT(hitID(i), requesterID(i), now)
			if _, err := CreateHIT(ctx, w, h, fmt.Sprint("tok-", i)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// BenchmarkCreateHITParallel is writers goroutines calling CreateHIT on the
// single writer connection, as concurrent API requests do.
func BenchmarkCreateHITParallel(b *testing.B) {
	forEachDriver(b, func(b *testing.B, d Driver) {
		_, w := newDB(b, d)
		ctx := context.Background()
		now := time.Now().Unix()
		var next atomic.Int64
		next.Store(seedHITs)
		// RunParallel starts parallelism*GOMAXPROCS goroutines.
		procs := runtime.GOMAXPROCS(0)
		b.SetParallelism((writers + procs - 1) / procs)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := int(next.Add(1))
				h := NewHIT(hitID(i), requesterID(i), now)
				if _, err := CreateHIT(ctx, w, h, fmt.Sprint("tok-", i)); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkGetHIT is parallel point reads by ID on the read pool.
func BenchmarkGetHIT(b *testing.B) {
	forEachDriver(b, func(b *testing.B, d Driver) {
		path, _ := newDB(b, d)
		r := openReaders(b, d, path)
		ctx := context.Background()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				id := hitID(rand.IntN(seedHITs))
				h, err := GetHIT(ctx, r, id)
				if err != nil || h.ID != id {
					b.Errorf("GetHIT(%s) = %s, %v", id, h.ID, err)
					return
				}
			}
		})
	})
}

// BenchmarkListHITs is one keyset page of pageSize HITs of one requester.
func BenchmarkListHITs(b *testing.B) {
	forEachDriver(b, func(b *testing.B, d Driver) {
		path, _ := newDB(b, d)
		r := openReaders(b, d, path)
		ctx := context.Background()
		page := make([]HIT, 0, pageSize)
		perRequester := seedHITs / requesters
		for b.Loop() {
			req := rand.IntN(requesters)
			// seq is 1-based and requester k owns seqs k+1, k+1+requesters, ...;
			// start anywhere that still leaves a full page.
			after := int64(rand.IntN((perRequester - pageSize) * requesters))
			var err error
			page, err = ListHITs(ctx, r, requesterID(req), after, pageSize, page[:0])
			if err != nil || len(page) != pageSize {
				b.Fatalf("ListHITs: %d rows, %v", len(page), err)
			}
		}
	})
}

func TestPragmas(t *testing.T) {
	for _, d := range Drivers {
		t.Run(d.Name, func(t *testing.T) {
			_, w := newDB(t, d)
			for pragma, want := range map[string]string{
				"journal_mode": "wal",
				"synchronous":  "2", // FULL
				"busy_timeout": fmt.Sprint(BusyTimeoutMS),
				"foreign_keys": "1",
			} {
				var got string
				if err := w.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
				}
			}
			// The FK is enforced: a token for a missing HIT is refused.
			if _, err := w.Exec(insertToken, "r", "t", "no-such-hit", 0); err == nil {
				t.Error("insert of a dangling token succeeded; foreign_keys is off")
			}
		})
	}
}

// TestImmediate checks that the writer's transactions take the write lock at
// BEGIN: while one is open, another connection cannot write.
func TestImmediate(t *testing.T) {
	for _, d := range Drivers {
		t.Run(d.Name, func(t *testing.T) {
			path, w := newDB(t, d)
			tx, err := w.Begin()
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			other, err := d.OpenWith(path, 0, false, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			if _, err := other.Exec(`UPDATE hits SET status = 'x' WHERE seq = 1`); err == nil {
				t.Error("a second connection wrote during an open transaction: BEGIN is not IMMEDIATE")
			}
		})
	}
}

func TestCreateHITIdempotent(t *testing.T) {
	for _, d := range Drivers {
		t.Run(d.Name, func(t *testing.T) {
			path, w := newDB(t, d)
			ctx := context.Background()
			first, err := CreateHIT(ctx, w, NewHIT("new-1", "r", 1), "tok")
			if err != nil {
				t.Fatal(err)
			}
			again, err := CreateHIT(ctx, w, NewHIT("new-2", "r", 1), "tok")
			if err != nil || again != first {
				t.Fatalf("retry = %s, %v; want %s", again, err, first)
			}
			r := openReaders(t, d, path)
			h, err := GetHIT(ctx, r, first)
			if err != nil || h.Question != Question || h.RequesterID != "r" {
				t.Fatalf("GetHIT = %+v, %v", h.ID, err)
			}
			if _, err := GetHIT(ctx, r, "new-2"); err != sql.ErrNoRows {
				t.Fatalf("the retry inserted a second HIT: %v", err)
			}
			page, err := ListHITs(ctx, r, requesterID(3), 0, pageSize, nil)
			if err != nil || len(page) != pageSize || page[0].Seq != 4 || page[1].Seq != 4+requesters {
				t.Fatalf("ListHITs: %d rows, %v", len(page), err)
			}
		})
	}
}
