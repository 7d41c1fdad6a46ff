package postgres_test

import (
	"context"
	"testing"

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
