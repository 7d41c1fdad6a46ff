package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/load"
	"github.com/hitd/hitd/postgres"
	"github.com/hitd/hitd/sqlite"
)

// runAll runs the configured scenarios one after another.
func (b *bench) runAll(ctx context.Context) *Report {
	rep := newReport(b.cfg.target)
	defer func() {
		if rep.Hitd == "" {
			rep.Hitd = b.hitdPath // the binary started, if any was
		}
	}()
	for _, name := range b.cfg.scenarios {
		if ctx.Err() != nil {
			break
		}
		var ss []*Scenario
		switch name {
		case "create":
			ss = append(ss, b.timed(func() *Scenario { return b.scenarioCreate(ctx, "sqlite", 1) }))
		case "batch":
			ss = append(ss, b.timed(func() *Scenario { return b.scenarioBatch(ctx) }))
		case "race":
			ss = append(ss, b.timed(func() *Scenario { return b.scenarioRace(ctx, "sqlite", 1) }))
		case "list":
			ss = append(ss, b.timed(func() *Scenario { return b.scenarioList(ctx) }))
		case "scheduler":
			ss = append(ss, b.timed(func() *Scenario { return b.scenarioScheduler(ctx) }))
		case "idle":
			ss = append(ss, b.timed(func() *Scenario { return b.scenarioIdle(ctx) }))
		case "flood":
			ss = append(ss, b.timed(func() *Scenario { return b.scenarioFlood(ctx) }))
		case "pg":
			ss = append(ss, b.scenarioPG(ctx)...)
		}
		for _, s := range ss {
			rep.Scenarios = append(rep.Scenarios, s)
			rep.Errors += s.Errors
			status := fmt.Sprintf("%d errors", s.Errors)
			if s.Skipped != "" {
				status = "skipped: " + s.Skipped
			}
			b.logf("%s (%s, %d node%s) done in %.1fs: %s", s.Name, s.Store, s.Nodes, plural(s.Nodes), s.Seconds, status)
		}
	}
	return rep
}

// timed runs fn and records how long it took.
func (b *bench) timed(fn func() *Scenario) *Scenario {
	t0 := time.Now()
	s := fn()
	s.Seconds = round(time.Since(t0).Seconds())
	return s
}

// scenarioPG runs create and race on PostgreSQL with each --pg-nodes count.
func (b *bench) scenarioPG(ctx context.Context) []*Scenario {
	skip := func(why string) []*Scenario {
		return []*Scenario{{Name: "pg", Store: "postgres", Skipped: why}}
	}
	switch {
	case b.cfg.target != "":
		return skip("the pg scenario starts its own servers; it does not run with --target")
	case b.cfg.postgres == "":
		return skip("no PostgreSQL: set --postgres or HITD_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	var out []*Scenario
	for _, n := range b.cfg.pgNodes {
		out = append(out, b.timed(func() *Scenario { return b.scenarioCreate(ctx, "postgres", n) }))
		out = append(out, b.timed(func() *Scenario { return b.scenarioRace(ctx, "postgres", n) }))
	}
	return out
}

// newScenario is a Scenario for the deployment the scenario will use.
func (b *bench) newScenario(name, store string, nodes, clients int) *Scenario {
	s := &Scenario{Name: name, Store: store, Nodes: nodes, Clients: clients, Params: map[string]any{},
		Runs: []Run{}, Metrics: []Metric{}, Checks: []Check{}, Servers: []ServerInfo{}}
	if b.cfg.target != "" {
		s.Params["target"] = b.cfg.target
	}
	return s
}

// open is the scenario's deployment: hitd started here on store with
// nodes nodes, or the --target (whose store kind is --target-db's).
// needDB says the scenario sets up rows directly, so must know the
// database. On failure it records the error (or the skip) in s.
func (b *bench) open(ctx context.Context, s *Scenario, store string, nodes int, needDB bool, extra ...string) *deployment {
	if b.cfg.target != "" {
		d, err := b.targetDeployment()
		if err != nil {
			s.fail(1, err.Error())
			return nil
		}
		if needDB && !d.db.known() {
			s.Skipped = "needs the target's database to set up rows: give --target-db"
			return nil
		}
		s.Store = d.store
		if !d.db.known() {
			s.Store = "unknown"
		}
		return d
	}
	b.logf("%s: starting %d hitd node%s on %s", s.Name, nodes, plural(nodes), store)
	d, err := b.deploy(ctx, store, nodes, extra...)
	if err != nil {
		s.fail(1, "start hitd: "+err.Error())
		return nil
	}
	return d
}

// sampler samples every node's memory until stop, which returns the
// largest VmRSS of each.
type sampler []*load.Sampler

func (d *deployment) sample() sampler {
	var ss sampler
	for _, pid := range d.pids() {
		ss = append(ss, load.Sample(pid, 100*time.Millisecond))
	}
	return ss
}

func (ss sampler) stop() []int64 {
	out := make([]int64, len(ss))
	for i, s := range ss {
		out[i] = s.Stop()
	}
	return out
}

// recordServers adds each node's memory, CPU and log errors to s (call it
// before the nodes stop); maxRSS are the sampled maxima (may be nil).
// Server log errors count as the scenario's errors.
func (s *Scenario) recordServers(d *deployment, maxRSS []int64) {
	for i, pid := range d.pids() {
		info := ServerInfo{Name: fmt.Sprintf("hitd node %d", i+1), PID: pid}
		if m, err := load.ReadMem(pid); err == nil {
			info.VmRSSKB, info.VmHWMKB = m.VmRSS, m.VmHWM
		}
		if cpu, err := load.ReadCPU(pid); err == nil {
			info.CPUSeconds = round(cpu.Seconds())
		}
		if i < len(maxRSS) {
			info.MaxRSSKB = maxRSS[i]
		}
		if i < len(d.nodes) {
			n := d.nodes[i]
			info.StartupMs = round(load.Ms(n.startup))
			info.LogErrors, info.FirstLogError = n.errorLines()
			if info.LogErrors > 0 {
				s.fail(info.LogErrors, "server log: "+info.FirstLogError)
			}
		}
		s.Servers = append(s.Servers, info)
	}
}

// baselineStore opens a fresh store of the deployment's kind for a
// storage baseline (SQLite when a target's is unknown): a SQLite file in the work directory (the file system the
// servers' data directories are on), or a fresh PostgreSQL schema; it has
// one requester. close removes it.
func (b *bench) baselineStore(ctx context.Context, d *deployment) (store hitd.Store, req *hitd.Requester, closeFn func(), err error) {
	var cleanup func()
	switch d.db.kind() {
	case "postgres":
		schema, pgURL := newSchemaName(), d.db.pgURL
		pg, err := postgres.Open(ctx, pgURL, postgres.Options{Schema: schema})
		if err != nil {
			dropSchemas(pgURL, schema)
			return nil, nil, nil, err
		}
		store = pg
		cleanup = func() { pg.Close(); dropSchemas(pgURL, schema) }
	default:
		dir, err := os.MkdirTemp(b.work, "hitd-bench-baseline-")
		if err != nil {
			return nil, nil, nil, err
		}
		sq, err := sqlite.Open(ctx, filepath.Join(dir, "baseline.db"))
		if err != nil {
			os.RemoveAll(dir)
			return nil, nil, nil, err
		}
		store = sq
		cleanup = func() { sq.Close(); os.RemoveAll(dir) }
	}
	ids := hitd.IDSource{}
	bal, _ := hitd.ParseCents(benchBalance)
	req = &hitd.Requester{ID: ids.RequesterID(), Name: "baseline", AccessKeyID: ids.AccessKeyID(), SecretAccessKey: ids.SecretAccessKey(),
		Balance: bal, CreationTime: time.Now().UTC()}
	if err := store.Write(ctx, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, req) }); err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	return store, req, cleanup, nil
}

// cpuTime is the CPU time (user + system) the processes have used; 0 when
// it cannot be read.
func cpuTime(pids []int) time.Duration {
	var t time.Duration
	for _, pid := range pids {
		if c, err := load.ReadCPU(pid); err == nil {
			t += c
		}
	}
	return t
}

func procPIDs(ps []*proc) []int {
	var out []int
	for _, p := range ps {
		out = append(out, p.pid())
	}
	return out
}

// cpuPerOp is the server CPU per operation, in ms, between two readings.
func cpuPerOp(before, after time.Duration, ops int) float64 {
	if ops == 0 || after <= before {
		return 0
	}
	return load.Ms(after-before) / float64(ops)
}
