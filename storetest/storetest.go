// Package storetest is the conformance suite every hitd.Store must pass.
// Each store's own tests call Run with a function that opens a fresh, empty
// store; the suite owns no storage of its own.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hitd/hitd"
)

// Opener returns a new, empty store for one test. The suite closes it.
type Opener func(t *testing.T) hitd.Store

// Run runs the whole suite against stores made by open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, hitd.Store)
	}{
		{"Requesters", testRequesters},
		{"RequesterConsole", testRequesterConsole},
		{"HITTypes", testHITTypes},
		{"HITs", testHITs},
		{"ListHITsPagination", testListHITs},
		{"RequestTokens", testRequestTokens},
		{"ConcurrentTokenClaims", testConcurrentTokenClaims},
		{"ConcurrentReadModifyWrite", testConcurrentReadModifyWrite},
		{"WriteRollsBackOnError", testRollback},
		{"Stats", testStats},
		{"Ping", func(t *testing.T, s hitd.Store) {
			if err := s.Ping(context.Background()); err != nil {
				t.Fatal(err)
			}
		}},
	}
	tests = append(tests, workTests()...)
	tests = append(tests, adminTests()...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
}

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func write(t *testing.T, s hitd.Store, fn func(hitd.Tx) error) {
	t.Helper()
	if err := s.Write(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, s hitd.Store, fn func(hitd.Tx) error) {
	t.Helper()
	if err := s.Read(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func requester(id string, root bool) *hitd.Requester {
	return &hitd.Requester{ID: id, Name: "name-" + id, AccessKeyID: "KEY" + id, SecretAccessKey: "secret-" + id,
		Balance: 10000_00, Root: root, CreationTime: t0}
}

func hitType(id, requesterID string) *hitd.HITType {
	return &hitd.HITType{ID: id, RequesterID: requesterID, Title: "Title " + id, Description: "Desc", Keywords: "a,b",
		Reward: 5, AssignmentDurationInSeconds: 600, AutoApprovalDelayInSeconds: 3600, CreationTime: t0,
		QualificationRequirements: []hitd.QualificationRequirement{{QualificationTypeId: hitd.QualLocale, Comparator: "EqualTo",
			LocaleValues: []hitd.Locale{{Country: "US", Subdivision: "WA"}}}}}
}

func hit(id, typeID, requesterID string) *hitd.HIT {
	return &hitd.HIT{ID: id, HITTypeID: typeID, RequesterID: requesterID, Question: "<q/>", MaxAssignments: 3,
		LifetimeInSeconds: 3600, CreationTime: t0, Expiration: t0.Add(time.Hour), RequesterAnnotation: "batch-1",
		ReviewStatus: hitd.ReviewNotReviewed,
		AssignmentReviewPolicy: &hitd.ReviewPolicy{PolicyName: hitd.PolicyScoreMyKnownAnswers,
			Parameters: []hitd.PolicyParameter{{Key: "AnswerKey", MapEntries: []hitd.ParameterMapEntry{{Key: "q1", Values: []string{"a"}}}}}}}
}

func testRequesters(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	write(t, s, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, requester("A1", true)) })
	write(t, s, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, requester("A2", false)) })
	for _, dup := range []*hitd.Requester{requester("A1", false), {ID: "A3", Name: "x", AccessKeyID: "KEYA2", SecretAccessKey: "s", CreationTime: t0}, requester("A4", true)} {
		err := s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, dup) })
		if !errors.Is(err, hitd.ErrDuplicate) {
			t.Errorf("insert duplicate %s: got %v, want ErrDuplicate", dup.ID, err)
		}
	}
	read(t, s, func(tx hitd.Tx) error {
		r, err := tx.RequesterByAccessKey(ctx, "KEYA2")
		if err != nil || r.ID != "A2" || r.SecretAccessKey != "secret-A2" || r.Balance != 10000_00 || !r.CreationTime.Equal(t0) || r.Root {
			t.Errorf("RequesterByAccessKey = %+v, %v", r, err)
		}
		root, err := tx.RootRequester(ctx)
		if err != nil || root.ID != "A1" || !root.Root {
			t.Errorf("RootRequester = %+v, %v", root, err)
		}
		if _, err := tx.RequesterByID(ctx, "nope"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("RequesterByID(nope) = %v, want ErrNoRows", err)
		}
		all, err := tx.ListRequesters(ctx)
		if err != nil || len(all) != 2 {
			t.Errorf("ListRequesters = %d, %v", len(all), err)
		}
		return nil
	})
	write(t, s, func(tx hitd.Tx) error {
		r, err := tx.RequesterByID(ctx, "A1")
		if err != nil {
			return err
		}
		r.AccessKeyID, r.SecretAccessKey, r.Balance = "NEWKEY", "newsecret", 42
		return tx.UpdateRequester(ctx, r)
	})
	read(t, s, func(tx hitd.Tx) error {
		r, err := tx.RequesterByAccessKey(ctx, "NEWKEY")
		if err != nil || r.ID != "A1" || r.SecretAccessKey != "newsecret" || r.Balance != 42 {
			t.Errorf("after update: %+v, %v", r, err)
		}
		if _, err := tx.RequesterByAccessKey(ctx, "KEYA1"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("old key still resolves: %v", err)
		}
		return nil
	})
}

func testHITTypes(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	write(t, s, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, requester("A1", false)) })
	ht := hitType("T1", "A1")
	var first, second bool
	write(t, s, func(tx hitd.Tx) (err error) { first, err = tx.InsertHITType(ctx, ht); return })
	changed := *ht
	changed.Title = "different"
	write(t, s, func(tx hitd.Tx) (err error) { second, err = tx.InsertHITType(ctx, &changed); return })
	if !first || second {
		t.Errorf("InsertHITType inserted = %v then %v, want true then false", first, second)
	}
	read(t, s, func(tx hitd.Tx) error {
		got, err := tx.HITType(ctx, "T1")
		if err != nil {
			return err
		}
		if got.Title != ht.Title || got.Reward != 5 || got.AssignmentDurationInSeconds != 600 || got.AutoApprovalDelayInSeconds != 3600 ||
			len(got.QualificationRequirements) != 1 || got.QualificationRequirements[0].LocaleValues[0].Subdivision != "WA" || !got.CreationTime.Equal(t0) {
			t.Errorf("HITType = %+v", got)
		}
		if _, err := tx.HITType(ctx, "T2"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("HITType(T2) = %v, want ErrNoRows", err)
		}
		return nil
	})
}

func testHITs(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	write(t, s, func(tx hitd.Tx) error {
		if err := tx.InsertRequester(ctx, requester("A1", false)); err != nil {
			return err
		}
		_, err := tx.InsertHITType(ctx, hitType("T1", "A1"))
		return err
	})
	h := hit("H1", "T1", "A1")
	write(t, s, func(tx hitd.Tx) error { return tx.InsertHIT(ctx, h) })
	if h.Seq <= 0 {
		t.Errorf("InsertHIT did not set Seq: %d", h.Seq)
	}
	if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertHIT(ctx, hit("H1", "T1", "A1")) }); !errors.Is(err, hitd.ErrDuplicate) {
		t.Errorf("duplicate HIT id: %v", err)
	}
	read(t, s, func(tx hitd.Tx) error {
		got, err := tx.HIT(ctx, "H1")
		if err != nil {
			return err
		}
		if got.Seq != h.Seq || got.Question != "<q/>" || got.MaxAssignments != 3 || !got.Expiration.Equal(h.Expiration) ||
			got.RequesterAnnotation != "batch-1" || got.HITReviewPolicy != nil || got.AssignmentReviewPolicy == nil ||
			got.AssignmentReviewPolicy.Parameters[0].MapEntries[0].Values[0] != "a" || got.ReviewStatus != hitd.ReviewNotReviewed {
			t.Errorf("HIT = %+v", got)
		}
		return nil
	})
	write(t, s, func(tx hitd.Tx) error {
		got, err := tx.HIT(ctx, "H1")
		if err != nil {
			return err
		}
		got.Expiration, got.Reviewing, got.Pending, got.Submitted, got.Completed = t0, true, 1, 1, 1
		return tx.UpdateHIT(ctx, got)
	})
	read(t, s, func(tx hitd.Tx) error {
		got, err := tx.HIT(ctx, "H1")
		if err != nil {
			return err
		}
		if !got.Expiration.Equal(t0) || !got.Reviewing || got.Pending != 1 || got.Submitted != 1 || got.Completed != 1 {
			t.Errorf("after update: %+v", got)
		}
		if _, err := tx.HIT(ctx, "nope"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("HIT(nope) = %v", err)
		}
		return nil
	})
	if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.UpdateHIT(ctx, hit("nope", "T1", "A1")) }); !errors.Is(err, hitd.ErrNoRows) {
		t.Errorf("UpdateHIT(nope) = %v, want ErrNoRows", err)
	}
}

func testListHITs(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	write(t, s, func(tx hitd.Tx) error {
		for _, id := range []string{"A1", "A2"} {
			if err := tx.InsertRequester(ctx, requester(id, false)); err != nil {
				return err
			}
			if _, err := tx.InsertHITType(ctx, hitType("T"+id, id)); err != nil {
				return err
			}
		}
		for i := range 25 {
			owner := "A1"
			if i%5 == 4 {
				owner = "A2"
			}
			h := hit(fmt.Sprintf("H%02d", i), "T"+owner, owner)
			h.Disposed = i == 7
			if err := tx.InsertHIT(ctx, h); err != nil {
				return err
			}
		}
		return nil
	})
	var got []string
	var after int64
	for {
		var page []*hitd.HIT
		read(t, s, func(tx hitd.Tx) (err error) {
			page, err = tx.ListHITs(ctx, hitd.HITQuery{RequesterID: "A1", AfterSeq: after, Limit: 4})
			return
		})
		if len(page) > 4 {
			t.Fatalf("page of %d > limit 4", len(page))
		}
		for i, h := range page {
			if h.RequesterID != "A1" || h.Disposed {
				t.Errorf("listed %s (requester %s, disposed %v)", h.ID, h.RequesterID, h.Disposed)
			}
			if i > 0 && h.Seq <= page[i-1].Seq {
				t.Errorf("not in Seq order")
			}
			got = append(got, h.ID)
		}
		if len(page) < 4 {
			break
		}
		after = page[len(page)-1].Seq
	}
	if len(got) != 19 { // 20 of A1's, one disposed
		t.Errorf("listed %d HITs (%v), want 19", len(got), got)
	}
}

func testRequestTokens(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	claim := func(result string, at time.Time) *hitd.RequestToken {
		var prior *hitd.RequestToken
		write(t, s, func(tx hitd.Tx) (err error) {
			prior, err = tx.ClaimRequestToken(ctx, &hitd.RequestToken{RequesterID: "A1", Scope: "HIT", Token: "tok", ResultID: result, CreationTime: at},
				at.Add(-24*time.Hour))
			return
		})
		return prior
	}
	if p := claim("H1", t0); p != nil {
		t.Fatalf("first claim returned %+v", p)
	}
	if p := claim("H2", t0.Add(23*time.Hour)); p == nil || p.ResultID != "H1" || !p.CreationTime.Equal(t0) {
		t.Fatalf("claim within 24h = %+v, want H1", p)
	}
	// Other scope, other requester: independent.
	write(t, s, func(tx hitd.Tx) error {
		for _, rt := range []*hitd.RequestToken{{RequesterID: "A1", Scope: "Bonus", Token: "tok", ResultID: "X", CreationTime: t0},
			{RequesterID: "A2", Scope: "HIT", Token: "tok", ResultID: "Y", CreationTime: t0}} {
			if p, err := tx.ClaimRequestToken(ctx, rt, t0.Add(-24*time.Hour)); err != nil || p != nil {
				t.Errorf("independent claim %+v = %+v, %v", rt, p, err)
			}
		}
		return nil
	})
	if p := claim("H3", t0.Add(25*time.Hour)); p != nil {
		t.Fatalf("claim after 24h = %+v, want a fresh claim", p)
	}
	if p := claim("H4", t0.Add(26*time.Hour)); p == nil || p.ResultID != "H3" {
		t.Fatalf("claim after renewal = %+v, want H3", p)
	}
}

func testConcurrentTokenClaims(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	const n = 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	winners := 0
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A store may run the function more than once (PostgreSQL
			// retries serialization failures): only the committed run counts.
			var won bool
			err := s.Write(ctx, func(tx hitd.Tx) error {
				p, err := tx.ClaimRequestToken(ctx, &hitd.RequestToken{RequesterID: "A1", Scope: "HIT", Token: "race",
					ResultID: fmt.Sprint(i), CreationTime: t0}, t0.Add(-24*time.Hour))
				won = err == nil && p == nil
				return err
			})
			if err != nil {
				t.Error(err)
			}
			if won {
				mu.Lock()
				winners++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if winners != 1 {
		t.Errorf("%d concurrent claims won, want exactly 1", winners)
	}
}

// testConcurrentReadModifyWrite checks the promise the Service relies on:
// write transactions that read a row and write back a value computed from
// it never lose each other's updates, however many run at once.
func testConcurrentReadModifyWrite(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	write(t, s, func(tx hitd.Tx) error {
		if err := tx.InsertRequester(ctx, requester("A1", false)); err != nil {
			return err
		}
		if _, err := tx.InsertHITType(ctx, hitType("T1", "A1")); err != nil {
			return err
		}
		h := hit("H1", "T1", "A1")
		h.MaxAssignments = 1000
		return tx.InsertHIT(ctx, h)
	})
	const goroutines, each = 16, 10
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				err := s.Write(ctx, func(tx hitd.Tx) error {
					h, err := tx.HIT(ctx, "H1")
					if err != nil {
						return err
					}
					r, err := tx.RequesterByID(ctx, "A1")
					if err != nil {
						return err
					}
					h.Pending++
					r.Balance--
					if err := tx.UpdateHIT(ctx, h); err != nil {
						return err
					}
					return tx.UpdateRequester(ctx, r)
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	read(t, s, func(tx hitd.Tx) error {
		h, err := tx.HIT(ctx, "H1")
		if err != nil {
			return err
		}
		r, err := tx.RequesterByID(ctx, "A1")
		if err != nil {
			return err
		}
		if h.Pending != goroutines*each || r.Balance != 10000_00-goroutines*each {
			t.Errorf("after %d concurrent increments: pending %d, balance %d; want %d, %d",
				goroutines*each, h.Pending, r.Balance, goroutines*each, 10000_00-goroutines*each)
		}
		return nil
	})
}

func testRollback(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Write(ctx, func(tx hitd.Tx) error {
		if err := tx.InsertRequester(ctx, requester("A1", false)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Write returned %v, want the callback's error", err)
	}
	read(t, s, func(tx hitd.Tx) error {
		if _, err := tx.RequesterByID(ctx, "A1"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("row from a failed transaction is visible: %v", err)
		}
		return nil
	})
}
