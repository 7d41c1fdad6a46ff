package main

import (
	"context"
	"crypto/rand"
	"slices"
	"time"

	"github.com/hitd/hitd/internal/load"
)

// idleSettle is how long after start-up the idle RSS is read: long enough
// for the scheduler's first passes and a garbage collection.
const idleSettle = 2 * time.Second

// scenarioIdle: --idle-starts starts of `hitd serve` on an empty data
// directory (so each creates and migrates both realms' databases and the
// root requester), each timed from just before the process is started to
// the first 200 from /healthz, then its VmRSS after idleSettle. The noop
// server (this binary) is started the same way as the baseline.
func (b *bench) scenarioIdle(ctx context.Context) *Scenario {
	cfg := b.cfg
	s := b.newScenario("idle", "sqlite", 1, 0)
	s.Params["starts"] = cfg.idleStarts
	if cfg.target != "" {
		s.Skipped = "measures servers it starts; not with --target"
		return s
	}
	var hStart, nStart []time.Duration
	var hRSS, nRSS, hHWM []int64
	for i := range cfg.idleStarts {
		b.logf("idle: start %d of %d", i+1, cfg.idleStarts)
		d, err := b.deploy(ctx, "sqlite", 1)
		if err != nil {
			s.fail(1, "start hitd: "+err.Error())
			return s
		}
		n := d.nodes[0]
		hStart = append(hStart, n.startup)
		time.Sleep(idleSettle)
		if m, err := load.ReadMem(n.pid()); err == nil {
			hRSS, hHWM = append(hRSS, m.VmRSS), append(hHWM, m.VmHWM)
		}
		if i == cfg.idleStarts-1 {
			s.recordServers(d, nil)
		} else if c, first := n.errorLines(); c > 0 {
			s.fail(c, "server log: "+first)
		}
		d.close()

		ps, err := b.startNoops(ctx, 1, benchRootKey, rand.Text())
		if err != nil {
			s.fail(1, "start the noop server: "+err.Error())
			return s
		}
		nStart = append(nStart, ps[0].startup)
		time.Sleep(idleSettle)
		if m, err := load.ReadMem(ps[0].pid()); err == nil {
			nRSS = append(nRSS, m.VmRSS)
		}
		stopAll(ps)
	}
	slices.Sort(hStart)
	slices.Sort(nStart)
	s.addRun("hitd", "hitd", "start → /healthz 200", load.Result{Ops: len(hStart), Latencies: hStart, Wall: sum(hStart)})
	s.addRun("noop", "noop", "start → /healthz 200", load.Result{Ops: len(nStart), Latencies: nStart, Wall: sum(nStart)})
	s.metric("start-up, median", "ms", load.Ms(load.Percentile(hStart, 50)), baselines(load.Ms(load.Percentile(nStart, 50)), 0), &target{"<", 200})
	s.metric("start-up, max", "ms", load.Ms(hStart[len(hStart)-1]), baselines(load.Ms(nStart[len(nStart)-1]), 0), nil)
	if len(hRSS) > 0 && len(nRSS) > 0 {
		s.metric("idle RSS, median", "MB", mb(median(hRSS)), baselines(mb(median(nRSS)), 0), &target{"<", 30})
		s.metric("VmHWM at idle, median", "MB", mb(median(hHWM)), nil, nil)
	}
	s.note("each start is on an empty data directory: it creates and migrates the production and sandbox databases and the root requester; RSS read %v after /healthz answered", idleSettle)
	return s
}

func sum(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}

func median(xs []int64) int64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
