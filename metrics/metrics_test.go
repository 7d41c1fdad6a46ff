package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api/server"
	"github.com/hitd/hitd/metrics"
	"github.com/hitd/hitd/scheduler"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The observers fit the interfaces they are given to.
var (
	_ server.RequestObserver = (*metrics.Requests)(nil)
	_ scheduler.Observer     = (*metrics.Scheduler)(nil)
)

func TestRequests(t *testing.T) {
	m := metrics.New(metrics.Options{})
	prod, sandbox := m.Requests("production"), m.Requests("sandbox")
	prod.ObserveRequest("awsjson", "CreateHIT", "ok", 3*time.Millisecond)
	prod.ObserveRequest("awsjson", "CreateHIT", "ok", 30*time.Millisecond)
	prod.ObserveRequest("awsjson", "GetHIT", "client_error", time.Millisecond)
	sandbox.ObserveRequest("rest", "CreateHIT", "throttled", time.Millisecond)
	want := `
# HELP hitd_requests_total Requests answered, by realm, protocol (awsjson, rest, legacy, worker-api, web), operation and outcome (ok, client_error, throttled, server_error).
# TYPE hitd_requests_total counter
hitd_requests_total{operation="CreateHIT",outcome="ok",protocol="awsjson",realm="production"} 2
hitd_requests_total{operation="GetHIT",outcome="client_error",protocol="awsjson",realm="production"} 1
hitd_requests_total{operation="CreateHIT",outcome="throttled",protocol="rest",realm="sandbox"} 1
`
	if err := testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(want), "hitd_requests_total"); err != nil {
		t.Error(err)
	}
	// The histogram has one series per realm, protocol and operation; the
	// two CreateHITs fall in different buckets.
	if n, err := testutil.GatherAndCount(m.Gatherer(), "hitd_request_duration_seconds"); err != nil || n != 3 {
		t.Errorf("duration series: %d, %v; want 3", n, err)
	}
	text := scrape(t, m)
	for _, line := range []string{
		`hitd_request_duration_seconds_bucket{operation="CreateHIT",protocol="awsjson",realm="production",le="0.005"} 1`,
		`hitd_request_duration_seconds_bucket{operation="CreateHIT",protocol="awsjson",realm="production",le="0.05"} 2`,
		`hitd_request_duration_seconds_count{operation="CreateHIT",protocol="awsjson",realm="production"} 2`,
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("no line %s", line)
		}
	}
}

func TestScheduler(t *testing.T) {
	m := metrics.New(metrics.Options{})
	s := m.Scheduler("production")
	m.Scheduler("sandbox")
	s.ObservePass(scheduler.Stats{DueStats: hitd.DueStats{Abandoned: 2, AutoApproved: 1, Released: 4}, Delivered: 3, DeliveryFailures: 1}, nil)
	s.ObservePass(scheduler.Stats{DueStats: hitd.DueStats{Expired: 1}}, errors.New("store down"))
	s.ObservePass(scheduler.Stats{}, context.Canceled) // shutdown: not an error
	want := `
# HELP hitd_scheduler_applied_total Time-driven work the scheduler applied, by realm and kind (abandoned, auto_approved, expired, released, reviewed).
# TYPE hitd_scheduler_applied_total counter
hitd_scheduler_applied_total{kind="abandoned",realm="production"} 2
hitd_scheduler_applied_total{kind="auto_approved",realm="production"} 1
hitd_scheduler_applied_total{kind="expired",realm="production"} 1
hitd_scheduler_applied_total{kind="released",realm="production"} 4
hitd_scheduler_applied_total{kind="reviewed",realm="production"} 0
hitd_scheduler_applied_total{kind="abandoned",realm="sandbox"} 0
hitd_scheduler_applied_total{kind="auto_approved",realm="sandbox"} 0
hitd_scheduler_applied_total{kind="expired",realm="sandbox"} 0
hitd_scheduler_applied_total{kind="released",realm="sandbox"} 0
hitd_scheduler_applied_total{kind="reviewed",realm="sandbox"} 0
# HELP hitd_scheduler_passes_total Scheduler passes this node ran (only the leader runs them), by realm and outcome (ok, error).
# TYPE hitd_scheduler_passes_total counter
hitd_scheduler_passes_total{outcome="error",realm="production"} 1
hitd_scheduler_passes_total{outcome="ok",realm="production"} 2
hitd_scheduler_passes_total{outcome="error",realm="sandbox"} 0
hitd_scheduler_passes_total{outcome="ok",realm="sandbox"} 0
# HELP hitd_notification_deliveries_total Notification delivery attempts, by realm and outcome (delivered, failed: retried later or dead-lettered).
# TYPE hitd_notification_deliveries_total counter
hitd_notification_deliveries_total{outcome="delivered",realm="production"} 3
hitd_notification_deliveries_total{outcome="failed",realm="production"} 1
hitd_notification_deliveries_total{outcome="delivered",realm="sandbox"} 0
hitd_notification_deliveries_total{outcome="failed",realm="sandbox"} 0
`
	if err := testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(want),
		"hitd_scheduler_applied_total", "hitd_scheduler_passes_total", "hitd_notification_deliveries_total"); err != nil {
		t.Error(err)
	}
}

// fakeRealm returns fixed Stats, or an error.
type fakeRealm struct {
	st  hitd.Stats
	err error
}

func (f *fakeRealm) Stats(context.Context) (hitd.Stats, error) { return f.st, f.err }

func TestRealmState(t *testing.T) {
	m := metrics.New(metrics.Options{})
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	m.WatchRealm("production", &fakeRealm{st: hitd.Stats{Time: at,
		AssignableHITs: 3, UnassignableHITs: 1, AcceptedAssignments: 4, SubmittedAssignments: 2,
		Reserved: 123_45, Balances: 9876_55, OutboxPending: 5, OutboxDead: 1, OldestDue: at.Add(-90 * time.Second)}})
	m.WatchRealm("sandbox", &fakeRealm{st: hitd.Stats{Time: at, OldestDue: at.Add(time.Minute)}}) // not due yet: no lag
	want := `
# HELP hitd_open_hits HITs workers can still work, by status: Assignable (a free slot, not expired) and Unassignable (no free slot, or expired, with work in progress).
# TYPE hitd_open_hits gauge
hitd_open_hits{realm="production",status="Assignable"} 3
hitd_open_hits{realm="production",status="Unassignable"} 1
hitd_open_hits{realm="sandbox",status="Assignable"} 0
hitd_open_hits{realm="sandbox",status="Unassignable"} 0
# HELP hitd_active_assignments Assignments in flight, by status: Accepted (being worked) and Submitted (awaiting approval or rejection).
# TYPE hitd_active_assignments gauge
hitd_active_assignments{realm="production",status="Accepted"} 4
hitd_active_assignments{realm="production",status="Submitted"} 2
hitd_active_assignments{realm="sandbox",status="Accepted"} 0
hitd_active_assignments{realm="sandbox",status="Submitted"} 0
# HELP hitd_money_reserved_dollars Money held in HITs' reserves (escrow): reward and fee of every slot still workable or awaiting payment, in US dollars.
# TYPE hitd_money_reserved_dollars gauge
hitd_money_reserved_dollars{realm="production"} 123.45
hitd_money_reserved_dollars{realm="sandbox"} 0
# HELP hitd_money_available_dollars Requesters' available balances added up, in US dollars.
# TYPE hitd_money_available_dollars gauge
hitd_money_available_dollars{realm="production"} 9876.55
hitd_money_available_dollars{realm="sandbox"} 0
# HELP hitd_scheduler_lag_seconds How long the oldest due, not yet applied, time-driven work has waited (abandonment, auto-approval, expiry, release of an expired HIT's money, notification delivery); 0 when none is due.
# TYPE hitd_scheduler_lag_seconds gauge
hitd_scheduler_lag_seconds{realm="production"} 90
hitd_scheduler_lag_seconds{realm="sandbox"} 0
# HELP hitd_outbox_items Notification outbox items, by status: Pending (waiting for delivery or a retry) and Dead (given up; see hitd outbox list).
# TYPE hitd_outbox_items gauge
hitd_outbox_items{realm="production",status="Dead"} 1
hitd_outbox_items{realm="production",status="Pending"} 5
hitd_outbox_items{realm="sandbox",status="Dead"} 0
hitd_outbox_items{realm="sandbox",status="Pending"} 0
# HELP hitd_stats_up 1 if the realm's state could be read from its database at this scrape, else 0 (and its other state metrics are missing).
# TYPE hitd_stats_up gauge
hitd_stats_up{realm="production"} 1
hitd_stats_up{realm="sandbox"} 1
`
	if err := testutil.GatherAndCompare(m.Gatherer(), strings.NewReader(want), "hitd_open_hits", "hitd_active_assignments",
		"hitd_money_reserved_dollars", "hitd_money_available_dollars", "hitd_scheduler_lag_seconds", "hitd_outbox_items", "hitd_stats_up"); err != nil {
		t.Error(err)
	}
}

// TestRealmStateFails: a realm whose database cannot be read reports
// hitd_stats_up 0 and no state; the scrape still succeeds, with the other
// realm's state and the rest of the metrics.
func TestRealmStateFails(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.WatchRealm("production", &fakeRealm{st: hitd.Stats{AssignableHITs: 7}})
	m.WatchRealm("sandbox", &fakeRealm{err: errors.New("database is locked")})
	text := scrape(t, m)
	for _, want := range []string{
		`hitd_stats_up{realm="production"} 1`,
		`hitd_stats_up{realm="sandbox"} 0`,
		`hitd_open_hits{realm="production",status="Assignable"} 7`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("no line %s", want)
		}
	}
	if strings.Contains(text, `hitd_open_hits{realm="sandbox"`) {
		t.Error("the failed realm reports HITs")
	}
}

// TestHandler: the handler serves hitd's metrics with Go's runtime and
// process metrics and the build's version.
func TestHandler(t *testing.T) {
	m := metrics.New(metrics.Options{Version: "1.2.3", Commit: "abc123"})
	m.Requests("production").ObserveRequest("web", "GET /{$}", "ok", time.Millisecond)
	text := scrape(t, m)
	for _, want := range []string{
		"go_goroutines ", "go_memstats_heap_alloc_bytes ", "go_gc_duration_seconds", "go_sched_latencies_seconds_bucket",
		"process_resident_memory_bytes ",
		`hitd_build_info{commit="abc123",version="1.2.3"} 1`,
		`hitd_requests_total{operation="GET /{$}",outcome="ok",protocol="web",realm="production"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in the scrape", want)
		}
	}
}

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("scrape: %d\n%s", resp.StatusCode, b)
	}
	return string(b)
}
