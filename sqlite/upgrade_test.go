package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/sqlite"
)

// TestUpgradeFromFoundationSchema opens a database written by the first
// release (schema 0001 only, HITs without reserves) and checks that the
// migration brings it into balanced books: balances become deposits, live
// HITs reserve reward + fee for every slot.
func TestUpgradeFromFoundationSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := os.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`CREATE TABLE schema_migrations (version TEXT PRIMARY KEY) STRICT`,
		string(schema),
		`INSERT INTO schema_migrations VALUES ('0001_init')`,
		`INSERT INTO requesters VALUES ('A1', 'lab', 'K1', 'S1', 1000000, 1, 0)`,
		`INSERT INTO hit_types VALUES ('T1', 'A1', 't', 'd', '', 50, 600, 3600, '[]', 0)`,
		`INSERT INTO hits (id, hit_type_id, requester_id, question, layout_id, layout_parameters, max_assignments, lifetime,
			created_at, expires_at, annotation, unique_request_token, review_status, reviewing, disposed, pending, submitted, completed)
			VALUES ('H1', 'T1', 'A1', '<q/>', '', '[]', 3, 60, 0, 60000, '', '', 'NotReviewed', 0, 0, 0, 0, 0),
			       ('H2', 'T1', 'A1', '<q/>', '', '[]', 10, 60, 0, 60000, '', '', 'NotReviewed', 0, 0, 0, 0, 0),
			       ('H3', 'T1', 'A1', '<q/>', '', '[]', 5, 60, 0, 60000, '', '', 'NotReviewed', 0, 1, 0, 0, 0)`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	db.Close()

	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Read(ctx, func(tx hitd.Tx) error {
		m, err := tx.AuditMoney(ctx)
		if err != nil {
			return err
		}
		// H1: 3 × (0.50 + 0.10); H2: 10 × (0.50 + 0.20); H3 is deleted.
		if !m.Balanced() || m.Deposits != 10000_00 || m.Reserves != 180+700 || m.RequesterBalances != 10000_00-880 {
			t.Errorf("books after upgrade: %+v", m)
		}
		h, err := tx.HIT(ctx, "H2")
		if err != nil || h.Funded != 10 || h.Reserved != 700 {
			t.Errorf("H2 after upgrade: %+v %v", h, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
