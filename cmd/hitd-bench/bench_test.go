package main

// The scenarios, run tiny: the reports must be well formed, the counts
// right and nothing may fail. Performance targets are not asserted here
// (test machines are noisy); docs/performance.md has a full-size run.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hitd/hitd/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

// TestMain lets the test binary stand in for hitd-bench: the scenarios
// start their noop baseline as `<this executable> serve-noop …`.
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "serve-noop" {
		os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	buildDir  string
	hitdPath  string
	buildErr  error
)

// hitdBinary builds cmd/hitd once per test run.
func hitdBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "hitd-bench-test-")
		if buildErr != nil {
			return
		}
		goCmd, err := exec.LookPath("go")
		if err != nil {
			buildErr = err
			return
		}
		hitdPath = filepath.Join(buildDir, "hitd")
		out, err := exec.Command(goCmd, "build", "-o", hitdPath, "../hitd").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ../hitd: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return hitdPath
}

// tiny are the flags that scale every scenario way down.
var tiny = []string{"--count", "200", "--clients", "16", "--duration", "60s", "--batch-hits", "300",
	"--race-workers", "50", "--race-slots", "5", "--list-hits", "2000", "--list-calls", "20",
	"--scheduler-items", "2000", "--scheduler-due", "100", "--scheduler-lead", "1500ms", "--idle-starts", "1"}

// runBench runs `hitd-bench run args… --json` and returns its report.
func runBench(t *testing.T, args ...string) *Report {
	t.Helper()
	var out, errOut bytes.Buffer
	args = append([]string{"run", "--json", "--work-dir", t.TempDir()}, args...)
	code := run(context.Background(), args, &out, &errOut)
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("exit %d; the report is not JSON: %v\n%s\nstderr:\n%s", code, err, out.String(), errOut.String())
	}
	if code != 0 || rep.Errors != 0 {
		t.Errorf("exit %d, %d errors\nreport:\n%s\nstderr:\n%s", code, rep.Errors, out.String(), errOut.String())
	}
	return &rep
}

// scenario returns the report's scenario of that name, store and nodes.
func scenario(t *testing.T, rep *Report, name, store string, nodes int) *Scenario {
	t.Helper()
	for _, s := range rep.Scenarios {
		if s.Name == name && s.Store == store && s.Nodes == nodes {
			return s
		}
	}
	t.Fatalf("no %s scenario on %s with %d nodes in the report", name, store, nodes)
	return nil
}

// checkWellFormed checks what every scenario's report must hold.
func checkWellFormed(t *testing.T, s *Scenario) {
	t.Helper()
	if s.Skipped != "" {
		t.Errorf("%s: skipped: %s", s.Name, s.Skipped)
		return
	}
	if s.Errors != 0 {
		t.Errorf("%s: %d errors, first: %s", s.Name, s.Errors, s.FirstError)
	}
	if len(s.Runs) == 0 || len(s.Metrics) == 0 {
		t.Errorf("%s: %d runs and %d metrics; want some of each", s.Name, len(s.Runs), len(s.Metrics))
	}
	for _, r := range s.Runs {
		if r.Ops == 0 || r.Errors != 0 || r.Target == "" || r.What == "" || r.MaxMs < r.P50Ms {
			t.Errorf("%s: run %+v", s.Name, r)
		}
	}
	for _, c := range s.Checks {
		if !c.OK {
			t.Errorf("%s: check %s: got %d, want %d", s.Name, c.Name, c.Got, c.Want)
		}
	}
	for _, m := range s.Metrics {
		if m.Name == "" || m.Unit == "" || (m.Target != "") != (m.Met != nil) {
			t.Errorf("%s: metric %+v", s.Name, m)
		}
		for k, b := range m.Baselines {
			if _, ok := m.Ratios[k]; b != 0 && !ok {
				t.Errorf("%s: metric %s has a %s baseline but no ratio", s.Name, m.Name, k)
			}
		}
	}
	if len(s.Servers) == 0 {
		t.Errorf("%s: no server memory reported", s.Name)
	}
	for _, sv := range s.Servers {
		if sv.PID == 0 || sv.VmRSSKB == 0 || sv.VmHWMKB < sv.VmRSSKB {
			t.Errorf("%s: server %+v", s.Name, sv)
		}
	}
}

// named returns the item of s's list called name (a run, metric or check).
func named[T any](t *testing.T, s *Scenario, what string, items []T, nameOf func(T) string, name string) T {
	t.Helper()
	for _, it := range items {
		if nameOf(it) == name {
			return it
		}
	}
	t.Fatalf("%s: no %s %q", s.Name, what, name)
	var zero T
	return zero
}

func runOf(t *testing.T, s *Scenario, name string) Run {
	t.Helper()
	return named(t, s, "run", s.Runs, func(r Run) string { return r.Name }, name)
}

func metricOf(t *testing.T, s *Scenario, name string) Metric {
	t.Helper()
	return named(t, s, "metric", s.Metrics, func(m Metric) string { return m.Name }, name)
}

func checkOf(t *testing.T, s *Scenario, name string) Check {
	t.Helper()
	return named(t, s, "check", s.Checks, func(c Check) string { return c.Name }, name)
}

func TestScenariosSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	bin := hitdBinary(t)
	rep := runBench(t, append([]string{"--hitd", bin, "--scenario", "idle,create,batch,race,list,scheduler"}, tiny...)...)
	if rep.Tool != "hitd-bench" || rep.FormatVersion != 1 || rep.Machine.CPUs == 0 || rep.Hitd != bin || len(rep.Scenarios) != 6 {
		t.Fatalf("report header %+v, %d scenarios", rep, len(rep.Scenarios))
	}
	for _, s := range rep.Scenarios {
		checkWellFormed(t, s)
		if s.Store != "sqlite" || s.Nodes != 1 {
			t.Errorf("%s: store %s, %d nodes", s.Name, s.Store, s.Nodes)
		}
	}

	create := scenario(t, rep, "create", "sqlite", 1)
	for _, name := range []string{"hitd", "noop", "store"} {
		if r := runOf(t, create, name); r.Ops != 200 || r.OpsPerSec <= 0 {
			t.Errorf("create: run %s: %+v; want 200 ops", name, r)
		}
	}
	if m := metricOf(t, create, "throughput"); m.Baselines["noop"] == 0 || m.Baselines["store"] == 0 || m.Ratios["noop"] == 0 || m.Target != ">= 5000" {
		t.Errorf("create: throughput %+v; want noop and store baselines and ratios, target >= 5000", m)
	}

	batch := scenario(t, rep, "batch", "sqlite", 1)
	if c := checkOf(t, batch, "HITs listed"); c.Got != 300 {
		t.Errorf("batch listed %d HITs; want 300", c.Got)
	}
	if r := runOf(t, batch, "hitd pages"); r.Ops != 4 { // 3 pages of 100 and the empty one after
		t.Errorf("batch: %d ListHITs pages; want 4", r.Ops)
	}

	race := scenario(t, rep, "race", "sqlite", 1)
	if c := checkOf(t, race, "accepts granted"); c.Got != 5 {
		t.Errorf("race granted %d accepts; want 5", c.Got)
	}
	if m := metricOf(t, race, "over-assignments"); m.Value != 0 {
		t.Errorf("race: %v over-assignments", m.Value)
	}
	if r := runOf(t, race, "hitd"); r.Ops != 50 {
		t.Errorf("race: %d accepts; want 50", r.Ops)
	}

	list := scenario(t, rep, "list", "sqlite", 1)
	for _, name := range []string{"first page HITs", "last page HITs"} {
		if c := checkOf(t, list, name); c.Got != 10 {
			t.Errorf("list: %s = %d; want 10", name, c.Got)
		}
	}
	if r := runOf(t, list, "hitd last page"); r.Ops != 20 {
		t.Errorf("list: %d last-page calls; want 20", r.Ops)
	}

	sched := scenario(t, rep, "scheduler", "sqlite", 1)
	if c := checkOf(t, sched, "due items applied"); c.Got != 100 {
		t.Errorf("scheduler applied %d due items; want 100", c.Got)
	}
	if sched.Params["pending_items"] != float64(2000) {
		t.Errorf("scheduler: pending items %v; want 2000", sched.Params["pending_items"])
	}
	if m := metricOf(t, sched, "server RSS, max sampled"); m.Value <= 0 || m.Baselines["idle"] <= 0 {
		t.Errorf("scheduler: RSS metric %+v", m)
	}

	idle := scenario(t, rep, "idle", "sqlite", 1)
	if m := metricOf(t, idle, "start-up, median"); m.Value <= 0 || m.Baselines["noop"] <= 0 {
		t.Errorf("idle: start-up %+v", m)
	}
	if m := metricOf(t, idle, "idle RSS, median"); m.Value <= 0 || m.Baselines["noop"] <= 0 {
		t.Errorf("idle: RSS %+v", m)
	}

	// The table prints every scenario.
	var text bytes.Buffer
	rep.writeText(&text)
	for _, s := range rep.Scenarios {
		if !strings.Contains(text.String(), "== "+s.Name) {
			t.Errorf("the text report has no %s section:\n%s", s.Name, text.String())
		}
	}
}

// TestTarget drives a server it did not start: create and race against
// --target, with --target-db for the workers and --target-pid for memory.
func TestTarget(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	bin := hitdBinary(t)
	b := &bench{cfg: config{hitd: bin}, log: testLog{t}, work: t.TempDir()}
	d, err := b.deploy(context.Background(), "sqlite", 1)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	rep := runBench(t, append([]string{"--scenario", "create,race,idle", "--target", d.bases[0], "--access-key-id", d.key,
		"--secret-access-key", d.secret, "--target-db", "sqlite:" + d.db.sqlitePath, "--target-pid", fmt.Sprint(d.nodes[0].pid())}, tiny...)...)
	if rep.Hitd != d.bases[0] || len(rep.Scenarios) != 3 {
		t.Fatalf("report for %s with %d scenarios", rep.Hitd, len(rep.Scenarios))
	}
	checkWellFormed(t, scenario(t, rep, "create", "sqlite", 1))
	checkWellFormed(t, scenario(t, rep, "race", "sqlite", 1))
	if idle := scenario(t, rep, "idle", "sqlite", 1); idle.Skipped == "" {
		t.Errorf("idle ran against a --target")
	}
	if c := checkOf(t, scenario(t, rep, "race", "sqlite", 1), "accepts granted"); c.Got != 5 {
		t.Errorf("race granted %d accepts; want 5", c.Got)
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// TestPostgres runs the pg scenario (create and race on one and two
// nodes) and checks that its schemas are gone afterwards.
func TestPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts servers")
	}
	dbURL := pgtest.URL(t)
	bin := hitdBinary(t)
	before := benchSchemas(t, dbURL)
	rep := runBench(t, append([]string{"--hitd", bin, "--scenario", "pg", "--postgres", dbURL, "--pg-nodes", "1,2"}, tiny...)...)
	if len(rep.Scenarios) != 4 {
		t.Fatalf("%d scenarios; want create and race on 1 and 2 nodes", len(rep.Scenarios))
	}
	for _, nodes := range []int{1, 2} {
		create := scenario(t, rep, "create", "postgres", nodes)
		checkWellFormed(t, create)
		if len(create.Servers) != nodes {
			t.Errorf("create on %d nodes: memory of %d servers", nodes, len(create.Servers))
		}
		race := scenario(t, rep, "race", "postgres", nodes)
		checkWellFormed(t, race)
		if c := checkOf(t, race, "accepts granted"); c.Got != 5 {
			t.Errorf("race on %d nodes granted %d; want 5", nodes, c.Got)
		}
	}
	after := benchSchemas(t, dbURL)
	for s := range after {
		if !before[s] {
			t.Errorf("schema %s was left behind", s)
		}
	}
}

func benchSchemas(t *testing.T, dbURL string) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'hitd\_bench\_%'`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

func TestPGSkippedWithoutURL(t *testing.T) {
	rep := runBench(t, "--scenario", "pg", "--postgres", "")
	if len(rep.Scenarios) != 1 || rep.Scenarios[0].Skipped == "" {
		t.Errorf("pg without a URL: %+v; want one skipped scenario", rep.Scenarios)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--target", "http://10.0.0.1:8080", "--access-key-id", "K", "--secret-access-key", "S"},
		{"run", "--target", "http://example.org:8080", "--access-key-id", "K", "--secret-access-key", "S"},
		{"run", "--target", "http://127.0.0.1:8080"},
		{"run", "--scenario", "nosuch"},
		{"run", "--access-key-id", "K"},
		{"run", "--list-hits", "5"},
		{"frobnicate"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut); code != 2 {
			t.Errorf("%q: exit %d; want 2\n%s", args, code, errOut.String())
		}
	}
	for _, u := range []string{"http://127.0.0.1:8080", "http://[::1]:8080/", "http://localhost:1", "https://127.9.0.1"} {
		if err := checkLoopbackURL(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}
