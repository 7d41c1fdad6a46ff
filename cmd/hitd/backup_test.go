package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/qform"
	"github.com/hitd/hitd/sqlite"
	"golang.org/x/crypto/bcrypt"
)

const backupTestQuestion = `<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body><form><input name="a"></form></body></html>]]></HTMLContent><FrameHeight>450</FrameHeight></HTMLQuestion>`

// ack is one write the Service acknowledged, and when it returned.
type ack struct {
	kind string // "hit", "accepted", "submitted", "approved"
	id   string // HIT or assignment ID
	at   time.Time
}

// backupLoad drives a Service the way a busy deployment does — requesters
// creating HITs, workers accepting and submitting, requesters approving —
// from several goroutines, recording every acknowledged write.
type backupLoad struct {
	svc        *hitd.Service
	requesters []string
	mu         sync.Mutex
	hits       []string
	acks       []ack
	creates    atomic.Int64 // CreateHIT calls started
	errs       atomic.Int64 // unexpected errors
	firstErr   atomic.Value
}

func (l *backupLoad) record(kind, id string) {
	a := ack{kind, id, time.Now()}
	l.mu.Lock()
	l.acks = append(l.acks, a)
	if kind == "hit" {
		l.hits = append(l.hits, id)
	}
	l.mu.Unlock()
}

func (l *backupLoad) unexpected(err error) {
	if l.errs.Add(1) == 1 {
		l.firstErr.Store(err)
	}
}

// run is one goroutine of load until stop closes; workers are its own.
func (l *backupLoad) run(ctx context.Context, seed uint64, workers []string, stop <-chan struct{}) {
	rng := rand.New(rand.NewPCG(seed, 12))
	type held struct{ id, worker, requester string }
	var accepted, submitted []held
	for {
		select {
		case <-stop:
			return
		default:
		}
		l.mu.Lock()
		var hitID string
		if len(l.hits) > 0 {
			hitID = l.hits[rng.IntN(len(l.hits))]
		}
		l.mu.Unlock()
		switch op := rng.IntN(10); {
		case op < 2 || hitID == "":
			rq := l.requesters[rng.IntN(len(l.requesters))]
			l.creates.Add(1)
			out, err := l.svc.CreateHIT(ctx, hitd.Caller{RequesterID: rq}, &hitd.CreateHITInput{
				Title: "Label a picture", Description: "Say what is in it", Question: backupTestQuestion,
				Reward:                      fmt.Sprintf("0.%02d", 1+rng.IntN(50)),
				MaxAssignments:              ptr(int64(1 + rng.IntN(5))),
				AssignmentDurationInSeconds: ptr(int64(3600)),
				LifetimeInSeconds:           ptr(int64(86400)),
				AutoApprovalDelayInSeconds:  ptr(int64(86400)),
			})
			if err != nil {
				l.unexpected(err)
				continue
			}
			l.record("hit", out.HIT.HITId)
		case op < 5:
			w := workers[rng.IntN(len(workers))]
			a, err := l.svc.AcceptHIT(ctx, w, hitID)
			if err != nil {
				continue // full, or this worker already holds one: expected under load
			}
			l.record("accepted", a.ID)
			accepted = append(accepted, held{a.ID, w, a.RequesterID})
		case op < 8 && len(accepted) > 0:
			i := rng.IntN(len(accepted))
			h := accepted[i]
			accepted = append(accepted[:i], accepted[i+1:]...)
			if _, err := l.svc.SubmitAssignment(ctx, h.worker, h.id, []qform.Field{{Name: "a", Values: []string{"a cat"}}}); err != nil {
				l.unexpected(err)
				continue
			}
			l.record("submitted", h.id)
			submitted = append(submitted, h)
		case len(submitted) > 0:
			i := rng.IntN(len(submitted))
			h := submitted[i]
			submitted = append(submitted[:i], submitted[i+1:]...)
			if _, err := l.svc.ApproveAssignment(ctx, hitd.Caller{RequesterID: h.requester}, &hitd.ApproveAssignmentInput{AssignmentId: h.id}); err != nil {
				l.unexpected(err)
				continue
			}
			l.record("approved", h.id)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestBackupRestoreRoundTripUnderLoad takes hitd backup while eight
// goroutines create HITs, accept, submit and approve through the Service
// on the data directory's database, restores the backup into a fresh data
// directory, and checks what was restored: sound, its books balanced,
// every HIT's counters agreeing with its assignments, and every write
// acknowledged before the backup started present (and no more HITs than
// had been asked for by the time it ended) — a consistent snapshot of a
// database that kept changing while it was taken.
func TestBackupRestoreRoundTripUnderLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "hitd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := hitd.NewService(store, hitd.SystemClock{}, hitd.IDSource{}, hitd.Config{PasswordCost: bcrypt.MinCost, StartingBalance: 1_000_000_00})
	load := &backupLoad{svc: svc}
	for i := range 3 {
		r, err := svc.CreateRequester(ctx, fmt.Sprintf("lab-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		load.requesters = append(load.requesters, r.ID)
	}
	const goroutines, workersEach = 8, 6
	var workers [goroutines][]string
	for g := range goroutines {
		for i := range workersEach {
			w, err := svc.CreateWorker(ctx, fmt.Sprintf("worker%d_%d", g, i), "a-long-password")
			if err != nil {
				t.Fatal(err)
			}
			workers[g] = append(workers[g], w.ID)
		}
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() { load.run(ctx, uint64(g), workers[g], stop) })
	}
	stopped := false
	stopLoad := func() {
		if !stopped {
			close(stop)
			wg.Wait()
			stopped = true
		}
	}
	defer stopLoad()
	// Let the load build up a database worth copying.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		load.mu.Lock()
		n, hits := len(load.acks), len(load.hits)
		load.mu.Unlock()
		if n >= 1500 && hits >= 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the load made only %d writes (%d HITs) in 20s", n, hits)
		}
	}

	out := t.TempDir()
	backup := filepath.Join(out, "prod.db")
	load.mu.Lock()
	acksAtStart := len(load.acks)
	load.mu.Unlock()
	backupStart := time.Now()
	var stdout, stderr bytes.Buffer
	err = run(ctx, []string{"backup", "--data-dir", dir, "--to", backup}, &stdout, &stderr)
	backupEnd := time.Now()
	createsByEnd := load.creates.Load()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, stderr.String())
	}
	// The load goes on for a while after the backup, as a server's would.
	time.Sleep(200 * time.Millisecond)
	stopLoad()
	if n := load.errs.Load(); n > 0 {
		t.Fatalf("%d unexpected errors under load; the first: %v", n, load.firstErr.Load())
	}
	load.mu.Lock()
	acks := load.acks
	load.mu.Unlock()
	during := 0
	for _, a := range acks {
		if a.at.After(backupStart) && a.at.Before(backupEnd) {
			during++
		}
	}
	t.Logf("%s", strings.TrimSpace(stdout.String()))
	t.Logf("writes acknowledged: %d before the backup, %d while it ran (%s), %d in all",
		acksAtStart, during, backupEnd.Sub(backupStart).Round(time.Millisecond), len(acks))
	for _, want := range []string{"backup: production realm", backup, "integrity ok", "money audit balanced", "schema " + sqlite.Migrations()[len(sqlite.Migrations())-1]} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("backup output lacks %q:\n%s", want, stdout.String())
		}
	}
	if fi, err := os.Stat(backup); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, mode %v; want 0600", err, fi.Mode())
	}
	if stray, _ := filepath.Glob(filepath.Join(out, ".*")); len(stray) > 0 {
		t.Errorf("temporary files left beside the backup: %v", stray)
	}

	// Restore into a fresh data directory, as after losing the machine.
	fresh := filepath.Join(t.TempDir(), "data")
	stdout.Reset()
	if err := run(ctx, []string{"restore", "--from", backup, "--data-dir", fresh}, &stdout, &stderr); err != nil {
		t.Fatalf("restore: %v\n%s", err, stderr.String())
	}
	t.Logf("%s", strings.TrimSpace(stdout.String()))
	if !strings.Contains(stdout.String(), "money audit balanced") || !strings.Contains(stdout.String(), filepath.Join(fresh, "hitd.db")) {
		t.Errorf("restore output:\n%s", stdout.String())
	}
	restored := filepath.Join(fresh, "hitd.db")
	rep, err := sqlite.Inspect(ctx, restored)
	if err != nil || !rep.Sound() || !rep.Current() {
		t.Fatalf("restored file: %+v %v", rep, err)
	}
	rs, err := sqlite.Open(ctx, restored)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	rsvc := hitd.NewService(rs, hitd.SystemClock{}, hitd.IDSource{}, hitd.Config{})
	audit, err := rsvc.AuditMoney(ctx)
	if err != nil || !audit.Balanced() {
		t.Fatalf("restored books: %+v %v", audit, err)
	}
	checkHITCounters(t, rs.DB())

	// Every write acknowledged before the backup started is in it, as far
	// along as it was acknowledged.
	hitsInBackup := map[string]bool{}
	status := map[string]string{}
	if err := queryEach(rs.DB(), `SELECT id FROM hits`, func(r *sql.Rows) error {
		var id string
		err := r.Scan(&id)
		hitsInBackup[id] = true
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := queryEach(rs.DB(), `SELECT id, status FROM assignments`, func(r *sql.Rows) error {
		var id, s string
		err := r.Scan(&id, &s)
		status[id] = s
		return err
	}); err != nil {
		t.Fatal(err)
	}
	reached := map[string][]string{
		"accepted":  {"Accepted", "Submitted", "Approved"},
		"submitted": {"Submitted", "Approved"},
		"approved":  {"Approved"},
	}
	checked := 0
	for _, a := range acks {
		if !a.at.Before(backupStart) {
			continue
		}
		checked++
		if a.kind == "hit" {
			if !hitsInBackup[a.id] {
				t.Errorf("HIT %s, created at %s before the backup started (%s), is not in the backup", a.id, a.at.Format(time.StampMicro), backupStart.Format(time.StampMicro))
			}
			continue
		}
		if s := status[a.id]; !slices.Contains(reached[a.kind], s) {
			t.Errorf("assignment %s was %s at %s, before the backup started (%s); the backup has it %q", a.id, a.kind, a.at.Format(time.StampMicro), backupStart.Format(time.StampMicro), s)
		}
	}
	if checked < acksAtStart {
		t.Errorf("checked %d acknowledgements, %d were recorded before the backup", checked, acksAtStart)
	}
	// And nothing from after its end: no more HITs than had been asked for.
	if n := int64(len(hitsInBackup)); n > createsByEnd {
		t.Errorf("the backup has %d HITs; only %d CreateHIT calls had started when it ended", n, createsByEnd)
	}
	t.Logf("restored: %d HITs, %d assignments; %d acknowledged writes checked", len(hitsInBackup), len(status), checked)

	// A second backup to the same file is refused; --force replaces it.
	before, _ := os.ReadFile(backup)
	if err := run(ctx, []string{"backup", "--data-dir", dir, "--to", backup}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("backup over an existing file: %v", err)
	}
	if after, _ := os.ReadFile(backup); !bytes.Equal(before, after) {
		t.Error("a refused backup changed the existing file")
	}
	if err := run(ctx, []string{"backup", "--data-dir", dir, "--to", backup, "--force"}, &stdout, &stderr); err != nil {
		t.Errorf("backup --force: %v", err)
	}

	// Restore over a database in use is refused, even with --force.
	err = run(ctx, []string{"restore", "--from", backup, "--data-dir", fresh, "--force"}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("restore over an open database: %v", err)
	}
	rs.Close()
	// Over a stopped one it needs --force, and keeps the old one aside.
	if err := run(ctx, []string{"restore", "--from", backup, "--data-dir", fresh}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("restore over an existing database without --force: %v", err)
	}
	stdout.Reset()
	if err := run(ctx, []string{"restore", "--from", backup, "--data-dir", fresh, "--force"}, &stdout, &stderr); err != nil {
		t.Fatalf("restore --force: %v", err)
	}
	aside, _ := filepath.Glob(filepath.Join(fresh, "hitd.db.replaced-*"))
	if len(aside) != 1 || !strings.Contains(stdout.String(), aside[0]) {
		t.Errorf("the replaced database: %v; output:\n%s", aside, stdout.String())
	}
	if rep, err := sqlite.Inspect(ctx, filepath.Join(fresh, "hitd.db")); err != nil || !rep.Sound() || rep.Rows["hits"] < int64(len(hitsInBackup)) {
		t.Errorf("after restore --force: %+v %v", rep, err)
	}
}

func queryEach(db *sql.DB, q string, fn func(*sql.Rows) error) error {
	rows, err := db.Query(q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// checkHITCounters checks that every HIT's counters are its assignments'
// (the Service keeps them in the same transaction, so a torn copy would
// show here) and that no HIT has more live or finished assignments than
// slots, or works a slot it has not funded.
func checkHITCounters(t *testing.T, db *sql.DB) {
	t.Helper()
	bad := 0
	err := queryEach(db, `
		SELECT h.id, h.max_assignments, h.funded, h.pending, h.submitted, h.completed,
		       count(CASE a.status WHEN 'Accepted' THEN 1 END),
		       count(CASE a.status WHEN 'Submitted' THEN 1 END),
		       count(CASE WHEN a.status IN ('Approved', 'Rejected') THEN 1 END)
		FROM hits h LEFT JOIN assignments a ON a.hit_id = h.id
		GROUP BY h.id`, func(r *sql.Rows) error {
		var id string
		var max, funded, pending, submitted, completed, accepted, sub, done int
		if err := r.Scan(&id, &max, &funded, &pending, &submitted, &completed, &accepted, &sub, &done); err != nil {
			return err
		}
		if pending != accepted || submitted != sub || completed != done || pending+submitted+completed > max || funded < pending+submitted {
			bad++
			if bad <= 5 {
				t.Errorf("HIT %s: counters pending %d submitted %d completed %d (max %d, funded %d); its assignments: %d accepted, %d submitted, %d approved or rejected",
					id, pending, submitted, completed, max, funded, accepted, sub, done)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBackupRefusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	out := t.TempDir()
	// Nothing to back up: an error, and no database created.
	err := run(ctx, []string{"backup", "--data-dir", dir, "--to", filepath.Join(out, "b.db")}, &stdout, &stderr)
	if err == nil {
		t.Error("backup of a data directory without a database succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "hitd.db")); !os.IsNotExist(err) {
		t.Errorf("backup created the database: %v", err)
	}
	if err := run(ctx, []string{"backup", "--data-dir", dir}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "--to") {
		t.Errorf("backup without --to: %v", err)
	}
	if err := run(ctx, []string{"restore", "--data-dir", dir}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "--from") {
		t.Errorf("restore without --from: %v", err)
	}
	if _, err := runCmd(t, "requester", "create", "--name", "lab", "--data-dir", dir); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"backup", "--data-dir", dir, "--to", filepath.Join(dir, "hitd.db"), "--force"}, &stdout, &stderr); err == nil {
		t.Error("backup onto the database itself succeeded")
	}
	existing := filepath.Join(out, "existing.db")
	if err := os.WriteFile(existing, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"backup", "--data-dir", dir, "--to", existing}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("backup over an existing file: %v", err)
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Errorf("the existing file was changed: %q", b)
	}
	stdout.Reset()
	if err := run(ctx, []string{"backup", "--data-dir", dir, "--to", existing, "--force"}, &stdout, &stderr); err != nil {
		t.Fatalf("backup --force: %v", err)
	}
	if !strings.Contains(stdout.String(), "requesters 1,") {
		t.Errorf("backup output: %s", stdout.String())
	}
	if fi, err := os.Stat(existing); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("replaced file: %v %v; want mode 0600", err, fi.Mode())
	}
	if stray, _ := filepath.Glob(filepath.Join(out, ".*")); len(stray) > 0 {
		t.Errorf("temporary files left: %v", stray)
	}
}

// TestBackupSandbox: --sandbox backs up (and restores) the sandbox realm's
// own file.
func TestBackupSandbox(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	withService(t, dir, true, func(svc *hitd.Service) {
		for i := range 3 {
			if _, err := svc.CreateRequester(ctx, fmt.Sprintf("play-%d", i)); err != nil {
				t.Fatal(err)
			}
		}
	})
	b := filepath.Join(t.TempDir(), "sandbox.db")
	out, err := runCmd(t, "backup", "--sandbox", "--data-dir", dir, "--to", b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "sandbox realm ("+filepath.Join(dir, "sandbox.db")+")") || !strings.Contains(out, "requesters 3") {
		t.Errorf("backup --sandbox: %s", out)
	}
	fresh := t.TempDir()
	if out, err = runCmd(t, "restore", "--sandbox", "--from", b, "--data-dir", fresh); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(fresh, "sandbox.db")); err != nil {
		t.Errorf("restore --sandbox: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(fresh, "hitd.db")); !os.IsNotExist(err) {
		t.Errorf("restore --sandbox touched the production file: %v", err)
	}
}

// TestRestoreRefusesBadBackups: a damaged file, a file that is not a
// database, a live database's file with its log beside it, and a newer
// hitd's backup are all refused before anything in the data directory
// changes.
func TestRestoreRefusesBadBackups(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	withService(t, src, false, func(svc *hitd.Service) {
		for i := range 300 {
			if _, err := svc.CreateRequester(ctx, fmt.Sprintf("lab-%03d", i)); err != nil {
				t.Fatal(err)
			}
		}
	})
	files := t.TempDir()
	good := filepath.Join(files, "good.db")
	if _, err := runCmd(t, "backup", "--data-dir", src, "--to", good); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	truncated := write("truncated.db", data[:len(data)/3])
	garbled := append([]byte(nil), data...)
	for i := len(garbled) / 2; i < len(garbled)/2+8192 && i < len(garbled); i++ {
		garbled[i] ^= 0x5A
	}
	garbledPath := write("garbled.db", garbled)
	text := write("notes.txt", bytes.Repeat([]byte("not a database\n"), 100))
	live := write("live.db", data)
	write("live.db-wal", []byte("log"))
	future := write("future.db", data)
	db, err := sql.Open("sqlite", future)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations VALUES ('9999_from_the_future')`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	for _, c := range []struct{ name, file, want string }{
		{"truncated", truncated, ""},
		{"garbled", garbledPath, ""},
		{"not a database", text, ""},
		{"live", live, "write-ahead log"},
		{"newer hitd", future, "newer hitd"},
		{"missing", filepath.Join(files, "missing.db"), "no such file"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fresh := t.TempDir()
			_, err := runCmd(t, "restore", "--from", c.file, "--data-dir", fresh)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("restore: %v; want an error with %q", err, c.want)
			}
			t.Logf("refused: %v", err)
			if left, _ := os.ReadDir(fresh); len(left) > 0 {
				t.Errorf("a refused restore left files: %v", left)
			}
		})
	}
	// A damaged backup does not replace a good database, even with --force.
	target := t.TempDir()
	if _, err := runCmd(t, "restore", "--from", good, "--data-dir", target); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(target, "hitd.db"))
	if _, err := runCmd(t, "restore", "--from", truncated, "--data-dir", target, "--force"); err == nil {
		t.Error("restore --force of a truncated backup succeeded")
	}
	after, _ := os.ReadFile(filepath.Join(target, "hitd.db"))
	if !bytes.Equal(before, after) {
		t.Error("a refused restore changed the database")
	}
	if left, _ := os.ReadDir(target); len(left) != 1 {
		t.Errorf("files after a refused restore: %v", left)
	}
}

func TestBackupPostgresGivesGuidance(t *testing.T) {
	for _, cmd := range [][]string{
		{"backup", "--to", "x.dump"},
		{"restore", "--from", "x.dump"},
		{"backup", "--sandbox", "--to", "x.dump"},
	} {
		args := append(cmd, "--db", "postgres://hitd:s3cret@db.internal/hitd?search_path=prod")
		_, err := runCmd(t, args...)
		if err == nil {
			t.Fatalf("%v: succeeded", cmd)
		}
		msg := err.Error()
		for _, want := range []string{"pg_dump --format=custom --schema=prod ", "--schema=prod_sandbox", "pg_restore", "docs/backup.md"} {
			if !strings.Contains(msg, want) {
				t.Errorf("%v: the guidance lacks %q:\n%s", cmd, want, msg)
			}
		}
		if strings.Contains(msg, "s3cret") {
			t.Errorf("%v: the guidance shows the password:\n%s", cmd, msg)
		}
	}
	_, err := runCmd(t, "backup", "--to", "x.dump", "--db", "postgres://hitd@db.internal/hitd")
	if err == nil || !strings.Contains(err.Error(), "--schema=public ") || !strings.Contains(err.Error(), "--schema=sandbox ") {
		t.Errorf("default schemas: %v", err)
	}
	if _, err := os.Stat("x.dump"); !os.IsNotExist(err) {
		t.Errorf("x.dump: %v", err)
	}
}

// TestBackupAndRestoreOfAnOlderSchema: a database one migration behind
// this build (as a server running the previous release keeps it) is backed
// up as it is — the audit, written for this build's schema, skipped — and
// restoring it brings it up to this build's schema and then audits it.
func TestBackupAndRestoreOfAnOlderSchema(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	files, err := filepath.Glob("../../sqlite/migrations/*.sql")
	if err != nil || len(files) < 2 {
		t.Fatalf("migrations: %v %v", files, err)
	}
	slices.Sort(files)
	db, err := sql.Open("sqlite", filepath.Join(dir, "hitd.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`CREATE TABLE schema_migrations (version TEXT PRIMARY KEY) STRICT`); err != nil {
		t.Fatal(err)
	}
	older := files[:len(files)-1]
	for _, f := range older {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(string(body)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, err := db.Exec(`INSERT INTO schema_migrations VALUES (?)`, strings.TrimSuffix(filepath.Base(f), ".sql")); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	oldVersion := strings.TrimSuffix(filepath.Base(older[len(older)-1]), ".sql")

	b := filepath.Join(t.TempDir(), "old.db")
	out, err := runCmd(t, "backup", "--data-dir", dir, "--to", b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "schema "+oldVersion) || !strings.Contains(out, "money audit skipped") {
		t.Errorf("backup of an older schema: %s", out)
	}
	fresh := t.TempDir()
	if out, err = runCmd(t, "restore", "--from", b, "--data-dir", fresh); err != nil {
		t.Fatal(err)
	}
	latest := sqlite.Migrations()[len(sqlite.Migrations())-1]
	if !strings.Contains(out, "(migrated from "+oldVersion+")") || !strings.Contains(out, "schema "+latest) || !strings.Contains(out, "money audit balanced") {
		t.Errorf("restore of an older backup: %s", out)
	}
	if rep, err := sqlite.Inspect(ctx, b); err != nil || rep.Version() != oldVersion {
		t.Errorf("restore changed the backup: %+v %v", rep, err)
	}
	if rep, err := sqlite.Inspect(ctx, filepath.Join(fresh, "hitd.db")); err != nil || !rep.Current() || !rep.Sound() {
		t.Errorf("restored: %+v %v", rep, err)
	}
	if left, _ := os.ReadDir(fresh); len(left) != 1 {
		t.Errorf("files in the data directory after restore: %v", left)
	}
}

// TestRestoreSetsAsideAStrayLog: a -wal left in the data directory without
// its database would be replayed over the restored file; restore counts it
// as an existing database (refused without --force) and moves it aside.
func TestRestoreSetsAsideAStrayLog(t *testing.T) {
	src := t.TempDir()
	if _, err := runCmd(t, "requester", "create", "--name", "lab", "--data-dir", src); err != nil {
		t.Fatal(err)
	}
	b := filepath.Join(t.TempDir(), "b.db")
	if _, err := runCmd(t, "backup", "--data-dir", src, "--to", b); err != nil {
		t.Fatal(err)
	}
	fresh := t.TempDir()
	stray := filepath.Join(fresh, "hitd.db-wal")
	if err := os.WriteFile(stray, bytes.Repeat([]byte{0x37}, 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := runCmd(t, "restore", "--from", b, "--data-dir", fresh); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("restore beside a stray log: %v", err)
	}
	if _, err := runCmd(t, "restore", "--from", b, "--data-dir", fresh, "--force"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stray); !os.IsNotExist(err) {
		t.Errorf("the stray log is still there: %v", err)
	}
	if aside, _ := filepath.Glob(filepath.Join(fresh, "hitd.db.replaced-*-wal")); len(aside) != 1 {
		t.Errorf("the stray log was not set aside: %v", aside)
	}
	var n int
	withService(t, fresh, false, func(svc *hitd.Service) {
		rs, err := svc.ListRequesters(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n = len(rs)
	})
	if n != 1 {
		t.Errorf("restored database has %d requesters, want 1", n)
	}
}
