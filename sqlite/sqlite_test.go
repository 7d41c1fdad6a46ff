package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/sqlite"
	"github.com/hitd/hitd/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) hitd.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hitd.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestReopenKeepsDataAndMigratesOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hitd.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	r := &hitd.Requester{ID: "A1", Name: "n", AccessKeyID: "K", SecretAccessKey: "S"}
	if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, r) }); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Read(ctx, func(tx hitd.Tx) error { _, err := tx.RequesterByID(ctx, "A1"); return err }); err != nil {
		t.Fatal(err)
	}
}
