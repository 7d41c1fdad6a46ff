package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/pgtest"
	"github.com/hitd/hitd/postgres"
	"github.com/hitd/hitd/storetest"
)

func open(t *testing.T) *postgres.Store {
	url := pgtest.URL(t)
	s, err := postgres.Open(context.Background(), url, postgres.Options{Schema: pgtest.Schema(t, url)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) hitd.Store { return open(t) })
}

// TestWriteKeysTakeTurns: writers of one hot row that name it with
// hitd.WithWriteKey take turns instead of conflicting, so none of them is
// run again, and the row ends right.
func TestWriteKeysTakeTurns(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	r := &hitd.Requester{ID: "A1", Name: "n", AccessKeyID: "K1", SecretAccessKey: "S", Balance: 1000}
	if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, r) }); err != nil {
		t.Fatal(err)
	}
	decrement := func(ctx context.Context) error {
		return s.Write(ctx, func(tx hitd.Tx) error {
			r, err := tx.RequesterByID(ctx, "A1")
			if err != nil {
				return err
			}
			r.Balance--
			return tx.UpdateRequester(ctx, r)
		})
	}
	const goroutines, each = 16, 20
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				if err := decrement(hitd.WithWriteKey(ctx, "requester:A1")); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := s.Retries(); n != 0 {
		t.Errorf("%d transactions were run again; writers with one key should take turns", n)
	}
	var got hitd.Cents
	if err := s.Read(ctx, func(tx hitd.Tx) error {
		r, err := tx.RequesterByID(ctx, "A1")
		got = r.Balance
		return err
	}); err != nil || got != 1000-goroutines*each {
		t.Fatalf("balance %v, %v; want %d", got, err, 1000-goroutines*each)
	}

	// A writer whose context ends while it waits for its turn gives up
	// with the context's error, and the key is free again afterwards.
	hold := make(chan struct{})
	holding := make(chan struct{})
	go func() {
		s.Write(hitd.WithWriteKey(ctx, "requester:A1"), func(tx hitd.Tx) error {
			close(holding)
			<-hold
			return nil
		})
	}()
	<-holding
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := decrement(hitd.WithWriteKey(cctx, "requester:A1")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting past the deadline: %v, want context.DeadlineExceeded", err)
	}
	close(hold)
	if err := decrement(hitd.WithWriteKey(ctx, "requester:A1")); err != nil {
		t.Errorf("after the holder finished: %v", err)
	}
}
