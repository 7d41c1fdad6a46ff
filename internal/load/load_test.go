package load

import (
	"context"
	"errors"
	"os"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunCount(t *testing.T) {
	var seen [100]atomic.Int32
	var inFlight, most atomic.Int32
	r := Run(context.Background(), Options{Clients: 8, Count: 100}, func(ctx context.Context, i int) error {
		seen[i].Add(1)
		n := inFlight.Add(1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(time.Millisecond)
		inFlight.Add(-1)
		if i%10 == 0 {
			return errors.New("boom")
		}
		return nil
	})
	for i := range seen {
		if seen[i].Load() != 1 {
			t.Fatalf("op %d ran %d times", i, seen[i].Load())
		}
	}
	if r.Ops != 100 || len(r.Latencies) != 100 || r.Errors != 10 || r.FirstError != "boom" {
		t.Errorf("result %d ops, %d latencies, %d errors (%q); want 100, 100, 10 (boom)", r.Ops, len(r.Latencies), r.Errors, r.FirstError)
	}
	if m := most.Load(); m > 8 || m < 2 {
		t.Errorf("%d operations in flight at most; want 2..8", m)
	}
	s := r.Summary()
	if s.P50Ms < 1 || s.MaxMs < s.P99Ms || s.P99Ms < s.P95Ms || s.P95Ms < s.P50Ms || s.OpsPerSec <= 0 {
		t.Errorf("summary %+v", s)
	}
}

func TestRunDuration(t *testing.T) {
	t0 := time.Now()
	r := Run(context.Background(), Options{Clients: 4, Duration: 50 * time.Millisecond}, func(ctx context.Context, i int) error {
		time.Sleep(time.Millisecond)
		return nil
	})
	if took := time.Since(t0); took > time.Second || r.Ops == 0 {
		t.Errorf("a 50ms run took %v and made %d ops", took, r.Ops)
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i))
	}
	for p, want := range map[float64]time.Duration{50: 50, 95: 95, 99: 99, 100: 100, 0.1: 1} {
		if got := Percentile(ds, p); got != want {
			t.Errorf("p%v = %v; want %v", p, got, want)
		}
	}
	if Percentile(nil, 50) != 0 {
		t.Error("percentile of nothing")
	}
}

func TestProc(t *testing.T) {
	m, err := ReadMem(os.Getpid())
	if err != nil {
		t.Skip("no /proc:", err)
	}
	if m.VmRSS <= 0 || m.VmHWM < m.VmRSS {
		t.Errorf("%+v", m)
	}
	if _, err := ReadCPU(os.Getpid()); err != nil {
		t.Error(err)
	}
	s := Sample(os.Getpid(), time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	if got := s.Stop(); got <= 0 {
		t.Errorf("sampled max RSS %d", got)
	}
}
