package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/sqlite"
)

// BenchmarkWriteConcurrent measures durable Store.Write throughput and
// latency with many concurrent writers, the load group commit is for.
// Each op is one Write that commits new rows:
//
//   - insert: one requester row (the smallest write);
//   - createHIT: what CreateHITWithHITType's transaction does (read the HIT
//     type and the requester, insert the HIT, update the balance, append
//     two ledger entries), all on one requester's hot balance row.
//
// It reports ops/s, the p50 and p99 latency of one Write, and how many
// Writes shared a COMMIT on average.
func BenchmarkWriteConcurrent(b *testing.B) {
	for _, kind := range []string{"insert", "createHIT"} {
		for _, clients := range []int{1, 8, 64, 256} {
			b.Run(fmt.Sprintf("%s/clients=%d", kind, clients), func(b *testing.B) {
				benchWrites(b, kind, clients)
			})
		}
	}
}

func benchWrites(b *testing.B, kind string, clients int) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "hitd.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ht := &hitd.HITType{ID: "T1", RequesterID: "A0", Title: "t", Description: "d", Reward: 5,
		AssignmentDurationInSeconds: 600, AutoApprovalDelayInSeconds: 3600, CreationTime: t0}
	if err := s.Write(ctx, func(tx hitd.Tx) error {
		if err := tx.InsertRequester(ctx, &hitd.Requester{ID: "A0", Name: "n", AccessKeyID: "K0", SecretAccessKey: "s",
			Balance: 1 << 50, CreationTime: t0}); err != nil {
			return err
		}
		_, err := tx.InsertHITType(ctx, ht)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	var seq atomic.Int64
	op := func(i int64) error {
		switch kind {
		case "insert":
			r := &hitd.Requester{ID: fmt.Sprintf("A%09d", i), Name: "n", AccessKeyID: fmt.Sprintf("K%09d", i),
				SecretAccessKey: "s", CreationTime: t0}
			return s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, r) })
		default:
			return s.Write(ctx, func(tx hitd.Tx) error {
				t, err := tx.HITType(ctx, "T1")
				if err != nil {
					return err
				}
				r, err := tx.RequesterByID(ctx, "A0")
				if err != nil {
					return err
				}
				h := &hitd.HIT{ID: fmt.Sprintf("H%09d", i), HITTypeID: t.ID, RequesterID: r.ID, Question: "<q/>",
					MaxAssignments: 1, LifetimeInSeconds: 3600, CreationTime: t0, Expiration: t0.Add(time.Hour),
					ReviewStatus: hitd.ReviewNotReviewed, Funded: 1, Reserved: 6}
				if err := tx.InsertHIT(ctx, h); err != nil {
					return err
				}
				r.Balance -= 6
				if err := tx.UpdateRequester(ctx, r); err != nil {
					return err
				}
				return tx.InsertLedgerEntries(ctx, []hitd.LedgerEntry{
					{Time: t0, Kind: hitd.LedgerReserve, From: "requester:" + r.ID, To: "hit:" + h.ID, Amount: 5, Ref: h.ID},
					{Time: t0, Kind: hitd.LedgerReserve, From: "requester:" + r.ID, To: "hit:" + h.ID, Amount: 1, Ref: h.ID},
				})
			})
		}
	}
	commits := sqlite.Commits(s)
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := seq.Add(1)
				if i > int64(b.N) {
					return
				}
				t := time.Now()
				if err := op(i); err != nil {
					b.Error(err)
					return
				}
				lat[c] = append(lat[c], time.Since(t))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "ops/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	if n := sqlite.Commits(s) - commits; n > 0 {
		b.ReportMetric(float64(len(all))/float64(n), "writes/commit")
	}
}
