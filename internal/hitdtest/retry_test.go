package hitdtest

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/sqlite"
)

// TestRetryingStore checks that Write runs fn twice, that only the second
// attempt's changes are kept, and that fn's own error is returned.
func TestRetryingStore(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hitd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := RetryingStore{db}

	attempts := 0
	err = s.Write(ctx, func(tx hitd.Tx) error {
		attempts++
		// Inserting the same row in both attempts only works if the first
		// attempt was rolled back.
		return tx.InsertRequester(ctx, &hitd.Requester{ID: "A1", Name: "n", AccessKeyID: "K1", SecretAccessKey: "s"})
	})
	if err != nil || attempts != 2 {
		t.Fatalf("Write: err %v after %d attempts, want nil after 2", err, attempts)
	}
	if err := s.Read(ctx, func(tx hitd.Tx) error { _, err := tx.RequesterByID(ctx, "A1"); return err }); err != nil {
		t.Fatalf("second attempt not committed: %v", err)
	}

	boom := errors.New("boom")
	attempts = 0
	if err := s.Write(ctx, func(hitd.Tx) error { attempts++; return boom }); !errors.Is(err, boom) || attempts != 2 {
		t.Fatalf("Write: err %v after %d attempts, want boom after 2", err, attempts)
	}
}
