package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/sqlite"
)

func TestMigrationsAreWhatOpenApplies(t *testing.T) {
	s, _ := openTemp(t)
	got, err := s.Versions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := sqlite.Migrations(); !slices.Equal(got, want) || len(want) == 0 {
		t.Fatalf("Open applied %v; Migrations() = %v", got, want)
	}
}

// TestBackupWhileWriting takes a backup of a 10 MB database while writers
// commit as fast as they can: Writes go on committing while it runs (it
// blocks no writer), and the backup holds every Write acknowledged before
// it started (it is a snapshot no older than its start), is sound, is this
// build's schema, and is one file in rollback-journal mode, with no -wal
// beside it.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	s, src := openTemp(t)
	pad := strings.Repeat("x", 2000)
	for b := range 5 {
		err := s.Write(ctx, func(tx hitd.Tx) error {
			for i := range 1000 {
				r := newRequester(fmt.Sprintf("P%d-%04d", b, i))
				r.Name = pad
				if err := tx.InsertRequester(ctx, r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var (
		mu    sync.Mutex
		acked []string
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := newRequester(fmt.Sprintf("W%d-%06d", w, i))
				if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, r) }); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, r.ID)
				mu.Unlock()
			}
		})
	}
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 200 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	before := slices.Clone(acked)
	mu.Unlock()
	dst := filepath.Join(t.TempDir(), "backup.db")
	start := time.Now()
	err := sqlite.Backup(ctx, src, dst)
	took := time.Since(start)
	mu.Lock()
	during := len(acked) - len(before)
	mu.Unlock()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	total := len(acked)
	mu.Unlock()

	if _, err := os.Stat(dst + "-wal"); !os.IsNotExist(err) {
		t.Errorf("a -wal beside the backup: %v", err)
	}
	head := make([]byte, 20)
	f, err := os.Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.ReadAt(head, 0)
	f.Close()
	if err != nil || head[18] != 1 || head[19] != 1 {
		t.Errorf("backup header bytes 18-19 = %v, want 1 1 (rollback journal): %v", head[18:20], err)
	}
	rep, err := sqlite.Inspect(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Sound() || !rep.Current() || len(rep.Unknown()) != 0 || rep.Money == nil || !rep.Money.Balanced() {
		t.Fatalf("backup report: %+v", rep)
	}
	if during == 0 {
		t.Errorf("no Write committed during the backup's %s: it blocked the writers", took)
	}
	const padded = 5000
	if n := rep.Rows["requesters"] - padded; n < int64(len(before)) || n > int64(total) {
		t.Errorf("backup has %d requesters; %d were acknowledged before it started, %d in all", n, len(before), total)
	}
	db, err := sql.Open("sqlite", "file:"+dst+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, id := range before {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM requesters WHERE id = ?`, id).Scan(&n); err != nil || n != 1 {
			t.Fatalf("requester %s, acknowledged before the backup started, is not in it (%d, %v)", id, n, err)
		}
	}
	t.Logf("backup took %s, %d Writes committed meanwhile; it has %d of the writers' requesters: %d acknowledged before it started, %d by the end",
		took, during, rep.Rows["requesters"]-padded, len(before), total)
}

func TestBackupRefusesAndNeverCreates(t *testing.T) {
	ctx := context.Background()
	_, src := openTemp(t)
	dir := t.TempDir()
	full := filepath.Join(dir, "full.db")
	if err := os.WriteFile(full, []byte("something"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := sqlite.Backup(ctx, src, full); err == nil {
		t.Error("Backup over a non-empty file succeeded")
	}
	if b, _ := os.ReadFile(full); string(b) != "something" {
		t.Errorf("the file was changed: %q", b)
	}
	missing := filepath.Join(dir, "missing.db")
	if err := sqlite.Backup(ctx, missing, filepath.Join(dir, "out.db")); err == nil {
		t.Error("Backup of a missing database succeeded")
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("Backup created its missing source: %v", err)
	}
	if _, err := sqlite.Inspect(ctx, missing); err == nil {
		t.Error("Inspect of a missing file succeeded")
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("Inspect created a missing file: %v", err)
	}
}

func TestInspectDamagedAndForeignFiles(t *testing.T) {
	ctx := context.Background()
	s, src := openTemp(t)
	for i := range 2000 {
		r := newRequester(fmt.Sprintf("R%06d", i))
		if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, r) }); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.db")
	if err := sqlite.Backup(ctx, src, good); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}

	// Truncated: SQLite either refuses to read it or integrity_check complains.
	cut := filepath.Join(dir, "cut.db")
	if err := os.WriteFile(cut, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	if rep, err := sqlite.Inspect(ctx, cut); err == nil && rep.Sound() {
		t.Errorf("a truncated file passed: %+v", rep)
	}
	// A page overwritten with garbage in the middle.
	bad := slices.Clone(data)
	for i := len(bad) / 2; i < len(bad)/2+4096 && i < len(bad); i++ {
		bad[i] = 0xA5
	}
	garbled := filepath.Join(dir, "garbled.db")
	if err := os.WriteFile(garbled, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	if rep, err := sqlite.Inspect(ctx, garbled); err == nil && rep.Sound() {
		t.Errorf("a garbled file passed: %+v", rep)
	}
	// Not a database at all.
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("hello, this is not a database; it is long enough to have a header\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.Inspect(ctx, text); err == nil {
		t.Error("Inspect accepted a text file")
	}
	// A SQLite database that is not hitd's.
	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE t (x)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := sqlite.Inspect(ctx, other); err == nil {
		t.Error("Inspect accepted a database without schema_migrations")
	}
	// A newer hitd's file: a migration this build does not know.
	future := filepath.Join(dir, "future.db")
	if err := os.WriteFile(future, data, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err = sql.Open("sqlite", future)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations VALUES ('9999_from_the_future')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	rep, err := sqlite.Inspect(ctx, future)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Sound() || rep.Current() || !slices.Equal(rep.Unknown(), []string{"9999_from_the_future"}) || rep.Money != nil || rep.Version() != "9999_from_the_future" {
		t.Errorf("future file: %+v unknown %v", rep, rep.Unknown())
	}
	// And the good one, untouched by all this.
	rep, err = sqlite.Inspect(ctx, good)
	if err != nil || !rep.Sound() || rep.Rows["requesters"] != 2000 || rep.Money == nil || !rep.Money.Balanced() {
		t.Errorf("good file: %+v %v", rep, err)
	}
	if after, _ := os.ReadFile(good); !slices.Equal(after, data) {
		t.Error("Inspect changed the file")
	}
}

func TestInUse(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "hitd.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, newRequester("A1")) }); err != nil {
		t.Fatal(err)
	}
	if !sqlite.InUse(ctx, path) {
		t.Error("InUse = false while a Store has the file open")
	}
	// The probe does not disturb the store.
	if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, newRequester("A2")) }); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if sqlite.InUse(ctx, path) {
		t.Error("InUse = true after the Store closed")
	}
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.DB().QueryRow(`SELECT count(*) FROM requesters`).Scan(&n); err != nil || n != 2 {
		t.Errorf("after the probes: %d requesters, %v", n, err)
	}
}
