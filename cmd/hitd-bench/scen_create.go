package main

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/load"
)

// createOp creates one HIT of typeID through the SDK, round-robin over
// the clients (one per node).
func createOp(cs []*mturk.Client, typeID string) load.Op {
	return func(ctx context.Context, i int) error {
		_, err := cs[i%len(cs)].CreateHITWithHITType(ctx, createHITInput(typeID))
		return err
	}
}

// createHITType registers the bench HIT type; against the noop server
// (which answers {}) it returns a made-up ID.
func createHITType(ctx context.Context, c *mturk.Client) (string, error) {
	out, err := c.CreateHITType(ctx, createHITTypeInput())
	if err != nil {
		return "", err
	}
	if id := aws.ToString(out.HITTypeId); id != "" {
		return id, nil
	}
	return "NOOPHITTYPE000000000000000000", nil
}

// warm runs op once per client, unmeasured, so the measured run starts with
// the connections open.
func warm(ctx context.Context, clients int, op load.Op) {
	load.Run(ctx, load.Options{Clients: clients, Count: clients}, op)
}

// serialRun calls fn until it reports done or fails, timing each call, as
// one client would.
func serialRun(ctx context.Context, fn func(ctx context.Context) (done bool, err error)) load.Result {
	var r load.Result
	t0 := time.Now()
	for ctx.Err() == nil {
		c0 := time.Now()
		done, err := fn(ctx)
		r.Latencies = append(r.Latencies, time.Since(c0))
		if err != nil {
			r.Errors++
			r.FirstError = err.Error()
			break
		}
		if done {
			break
		}
	}
	r.Wall = time.Since(t0)
	r.Ops = len(r.Latencies)
	slices.Sort(r.Latencies)
	return r
}

// withNoops starts n noop servers for the deployment's keys, runs fn with
// their URLs and process ids, and stops them. A failure to start is the scenario's error.
func (b *bench) withNoops(ctx context.Context, s *Scenario, d *deployment, n int, fn func(bases []string, pids []int)) {
	ps, err := b.startNoops(ctx, n, d.key, d.secret)
	if err != nil {
		s.fail(1, "start the noop server: "+err.Error())
		return
	}
	defer stopAll(ps)
	fn(basesOf(ps), procPIDs(ps))
}

// storeCreateOp is the storage baseline of a create: one durable
// transaction inserting a HIT row like the one CreateHITWithHITType stores.
func storeCreateOp(st hitd.Store, t *hitd.HITType) load.Op {
	return func(ctx context.Context, i int) error {
		return st.Write(ctx, func(tx hitd.Tx) error {
			now := time.Now().UTC()
			return tx.InsertHIT(ctx, benchHIT(t, 1, now, now.Add(benchLifetime*time.Second)))
		})
	}
}

// scenarioCreate: CreateHITWithHITType from --clients clients, --count
// operations or --duration, whichever ends first.
func (b *bench) scenarioCreate(ctx context.Context, store string, nodes int) *Scenario {
	cfg := b.cfg
	s := b.newScenario("create", store, nodes, cfg.clients)
	s.Params["count"], s.Params["duration"] = cfg.count, cfg.duration.String()
	d := b.open(ctx, s, store, nodes, false)
	if d == nil {
		return s
	}
	defer d.close()
	opts := load.Options{Clients: cfg.clients, Count: cfg.count, Duration: cfg.duration}
	hc := newHTTPClient(cfg.clients)
	defer hc.CloseIdleConnections()

	cs := sdkClients(d.bases, d.key, d.secret, hc)
	typeID, err := createHITType(ctx, cs[0])
	if err != nil {
		s.fail(1, "CreateHITType: "+err.Error())
		return s
	}
	warm(ctx, cfg.clients, createOp(cs, typeID))
	b.logf("create: %d clients, hitd", cfg.clients)
	smp := d.sample()
	cpu0 := cpuTime(d.pids())
	h := s.addRun("hitd", "hitd", "CreateHITWithHITType", load.Run(ctx, opts, createOp(cs, typeID)))
	hCPU := cpuPerOp(cpu0, cpuTime(d.pids()), h.Ops)
	s.recordServers(d, smp.stop())
	d.close()

	var noop, raw load.Summary
	var nCPU float64
	b.logf("create: noop baseline")
	b.withNoops(ctx, s, d, len(d.bases), func(bases []string, pids []int) {
		cs := sdkClients(bases, d.key, d.secret, hc)
		typeID, err := createHITType(ctx, cs[0])
		if err != nil {
			s.fail(1, "noop CreateHITType: "+err.Error())
			return
		}
		warm(ctx, cfg.clients, createOp(cs, typeID))
		cpu0 := cpuTime(pids)
		noop = s.addRun("noop", "noop", "CreateHITWithHITType", load.Run(ctx, opts, createOp(cs, typeID)))
		nCPU = cpuPerOp(cpu0, cpuTime(pids), noop.Ops)
	})
	b.logf("create: store baseline")
	if st, req, closeStore, err := b.baselineStore(ctx, d); err != nil {
		s.fail(1, "baseline store: "+err.Error())
	} else {
		t := benchHITType(req.ID, benchAutoApprove)
		if err := st.Write(ctx, func(tx hitd.Tx) error { _, err := tx.InsertHITType(ctx, t); return err }); err != nil {
			s.fail(1, "baseline store: "+err.Error())
		} else {
			raw = s.addRun("store", "store", "Write(InsertHIT)", load.Run(ctx, opts, storeCreateOp(st, t)))
		}
		closeStore()
	}

	var tput, p99 *target
	if d.store == "sqlite" && nodes == 1 {
		tput, p99 = &target{">=", 5000}, &target{"<", 25}
	}
	s.metric("throughput", "ops/s", h.OpsPerSec, baselines(noop.OpsPerSec, raw.OpsPerSec), tput)
	s.metric("latency p50", "ms", h.P50Ms, baselines(noop.P50Ms, raw.P50Ms), nil)
	s.metric("latency p99", "ms", h.P99Ms, baselines(noop.P99Ms, raw.P99Ms), p99)
	if hCPU > 0 {
		s.metric("server CPU per op", "ms", hCPU, baselines(nCPU, 0), nil)
	}
	if d.store == "sqlite" {
		s.note("targets (>= 5,000/s, p99 < 25 ms) are for SQLite on 2 cores; the SDK clients run on the same cores as the server")
	}
	return s
}

// baselines maps the noop and store baselines that were measured (zero:
// not measured) to their values.
func baselines(noop, store float64) map[string]float64 {
	m := map[string]float64{}
	if noop != 0 {
		m["noop"] = noop
	}
	if store != 0 {
		m["store"] = store
	}
	return m
}

// listAllOp pages through ListHITs (MaxResults 100) until a page without
// a NextToken or an empty page, counting the HITs of typeID.
func listAllOp(c *mturk.Client, typeID string, listed *int) func(ctx context.Context) (bool, error) {
	var next *string
	return func(ctx context.Context) (bool, error) {
		out, err := c.ListHITs(ctx, &mturk.ListHITsInput{MaxResults: aws.Int32(100), NextToken: next})
		if err != nil {
			return false, err
		}
		for _, h := range out.HITs {
			if aws.ToString(h.HITTypeId) == typeID {
				*listed++
			}
		}
		next = out.NextToken
		return next == nil || len(out.HITs) == 0, nil
	}
}

// scenarioBatch: a batch end to end, as a requester's upload script runs
// it: CreateHITType, --batch-hits creates from --clients clients, then
// ListHITs through every page to see them all.
func (b *bench) scenarioBatch(ctx context.Context) *Scenario {
	cfg := b.cfg
	n := cfg.batchHITs
	s := b.newScenario("batch", "sqlite", 1, cfg.clients)
	s.Params["hits"] = n
	d := b.open(ctx, s, "sqlite", 1, false)
	if d == nil {
		return s
	}
	defer d.close()
	hc := newHTTPClient(cfg.clients)
	defer hc.CloseIdleConnections()
	opts := load.Options{Clients: cfg.clients, Count: n}

	// batch runs the whole batch against bases and returns its wall time.
	batch := func(name string, bases []string) (time.Duration, int, bool) {
		cs := sdkClients(bases, d.key, d.secret, hc)
		t0 := time.Now()
		typeID, err := createHITType(ctx, cs[0])
		if err != nil {
			s.fail(1, name+" CreateHITType: "+err.Error())
			return 0, 0, false
		}
		s.addRun(name, name, "CreateHITWithHITType", load.Run(ctx, opts, createOp(cs, typeID)))
		listed := 0
		s.addRun(name+" pages", name, "ListHITs MaxResults=100, every page", serialRun(ctx, listAllOp(cs[0], typeID, &listed)))
		return time.Since(t0), listed, true
	}

	b.logf("batch: %d HITs, hitd", n)
	smp := d.sample()
	wall, listed, ok := batch("hitd", d.bases)
	s.recordServers(d, smp.stop())
	d.close()
	if !ok {
		return s
	}
	s.check("HITs listed", int64(listed), int64(n))

	var noopWall, storeWall time.Duration
	b.logf("batch: noop baseline")
	b.withNoops(ctx, s, d, 1, func(bases []string, _ []int) { noopWall, _, _ = batch("noop", bases) })
	b.logf("batch: store baseline")
	if st, req, closeStore, err := b.baselineStore(ctx, d); err != nil {
		s.fail(1, "baseline store: "+err.Error())
	} else {
		t0 := time.Now()
		t := benchHITType(req.ID, benchAutoApprove)
		err := st.Write(ctx, func(tx hitd.Tx) error { _, err := tx.InsertHITType(ctx, t); return err })
		if err == nil {
			s.addRun("store", "store", "Write(InsertHIT)", load.Run(ctx, opts, storeCreateOp(st, t)))
			var after int64
			read := 0
			s.addRun("store pages", "store", "Read(ListHITs 100), every page", serialRun(ctx, func(ctx context.Context) (bool, error) {
				var hits []*hitd.HIT
				err := st.Read(ctx, func(tx hitd.Tx) error {
					var err error
					hits, err = tx.ListHITs(ctx, hitd.HITQuery{RequesterID: req.ID, AfterSeq: after, Limit: 101})
					return err
				})
				if len(hits) > 100 {
					hits = hits[:100]
				}
				if len(hits) > 0 {
					after = hits[len(hits)-1].Seq
				}
				read += len(hits)
				return len(hits) < 100, err
			}))
			storeWall = time.Since(t0)
			if read != n {
				s.fail(1, "store baseline read back a different number of HITs")
			}
		} else {
			s.fail(1, "baseline store: "+err.Error())
		}
		closeStore()
	}
	s.metric("batch wall time", "s", wall.Seconds(), baselines(noopWall.Seconds(), storeWall.Seconds()), &target{"<", 3})
	if len(s.Runs) > 0 && s.Runs[0].Name == "hitd" {
		s.metric("creates", "ops/s", s.Runs[0].OpsPerSec, baselines(runRate(s, "noop"), runRate(s, "store")), nil)
	}
	s.note("wall time = CreateHITType + %d creates + ListHITs (100 per page) to the last page; the noop baseline's listing is one empty page", n)
	return s
}

// runRate is the ops/s of the scenario's run of that name (0: none).
func runRate(s *Scenario, name string) float64 {
	for _, r := range s.Runs {
		if r.Name == name {
			return r.OpsPerSec
		}
	}
	return 0
}
