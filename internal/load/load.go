// Package load is the measuring part of the load tool (cmd/hitd-bench):
// a fixed number of concurrent clients running one operation, bounded in
// count and in time, with every operation's latency kept; percentiles; and
// a process's memory and CPU read from /proc.
//
// It knows nothing about hitd: an operation is a function that returns an
// error. The scenarios live in cmd/hitd-bench.
package load

import (
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Op is one operation; i numbers the operations of a run from 0. A non-nil
// error counts as an error of the run (its latency is still kept).
type Op func(ctx context.Context, i int) error

// Options bounds a run.
type Options struct {
	Clients  int           // concurrent clients (goroutines); at least 1
	Count    int           // operations in all; 0: until Duration ends
	Duration time.Duration // stop starting operations after this; 0: until Count is done
}

// Result is what a run measured.
type Result struct {
	Ops        int             // operations completed (with or without error)
	Errors     int             // operations that returned an error
	FirstError string          // the first error's message
	Wall       time.Duration   // from the start of the first operation to the end of the last
	Latencies  []time.Duration // one per operation, sorted
}

// Run runs op with opts.Clients concurrent clients. Every client is
// started before the clock starts, and they are released together, so a
// run with Clients == Count is a burst of simultaneous operations. It
// stops starting operations when Count are started, Duration has passed
// or ctx ends, and waits for those in flight.
func Run(ctx context.Context, opts Options, op Op) Result {
	clients := max(1, opts.Clients)
	if opts.Count > 0 {
		clients = min(clients, opts.Count)
	}
	if opts.Count <= 0 && opts.Duration <= 0 {
		panic("load: a run needs a Count or a Duration")
	}
	var (
		next     atomic.Int64
		errs     atomic.Int64
		firstErr atomic.Pointer[string]
		wg       sync.WaitGroup
		start    = make(chan struct{})
		lats     = make([][]time.Duration, clients)
		deadline time.Time
	)
	for c := range clients {
		wg.Go(func() {
			<-start
			var mine []time.Duration
			for {
				if ctx.Err() != nil || (!deadline.IsZero() && time.Now().After(deadline)) {
					break
				}
				i := int(next.Add(1) - 1)
				if opts.Count > 0 && i >= opts.Count {
					break
				}
				t0 := time.Now()
				err := op(ctx, i)
				mine = append(mine, time.Since(t0))
				if err != nil {
					errs.Add(1)
					msg := err.Error()
					firstErr.CompareAndSwap(nil, &msg)
				}
			}
			lats[c] = mine
		})
	}
	began := time.Now()
	if opts.Duration > 0 {
		deadline = began.Add(opts.Duration)
	}
	close(start) // deadline is written before the clients read it
	wg.Wait()
	r := Result{Wall: time.Since(began), Errors: int(errs.Load())}
	for _, l := range lats {
		r.Latencies = append(r.Latencies, l...)
	}
	slices.Sort(r.Latencies)
	r.Ops = len(r.Latencies)
	if p := firstErr.Load(); p != nil {
		r.FirstError = *p
	}
	return r
}

// Percentile returns the p-th percentile (0 < p ≤ 100) of sorted latencies
// by the nearest-rank method; 0 when there are none.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// Summary is a run as the reports show it.
type Summary struct {
	Ops        int     `json:"ops"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	Seconds    float64 `json:"seconds"`
	OpsPerSec  float64 `json:"ops_per_sec"`
	P50Ms      float64 `json:"p50_ms"`
	P95Ms      float64 `json:"p95_ms"`
	P99Ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
}

// Summary summarises r.
func (r Result) Summary() Summary {
	s := Summary{Ops: r.Ops, Errors: r.Errors, FirstError: r.FirstError, Seconds: r.Wall.Seconds()}
	if r.Wall > 0 {
		s.OpsPerSec = float64(r.Ops) / r.Wall.Seconds()
	}
	s.P50Ms = Ms(Percentile(r.Latencies, 50))
	s.P95Ms = Ms(Percentile(r.Latencies, 95))
	s.P99Ms = Ms(Percentile(r.Latencies, 99))
	if n := len(r.Latencies); n > 0 {
		s.MaxMs = Ms(r.Latencies[n-1])
	}
	return s
}

// Ms is d in milliseconds.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Merge combines results of runs made one after another, as one run: the
// walls add up.
func Merge(rs ...Result) Result {
	var m Result
	for _, r := range rs {
		m.Ops += r.Ops
		m.Errors += r.Errors
		if m.FirstError == "" {
			m.FirstError = r.FirstError
		}
		m.Wall += r.Wall
		m.Latencies = append(m.Latencies, r.Latencies...)
	}
	slices.Sort(m.Latencies)
	return m
}
