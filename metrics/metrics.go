// Package metrics owns hitd's Prometheus metrics: requests by realm,
// protocol, operation and outcome with their latencies; the scheduler's
// work and notification deliveries; each realm's state (open HITs,
// assignments in flight, money held, outbox, scheduler lag), read from
// the Service when scraped; and Go's runtime and process metrics.
//
// It is the only package that imports the Prometheus client. The others
// offer small observer interfaces (server.RequestObserver,
// scheduler.Observer) that it implements, so they stay free of it. Every
// metric lives in a Registry of its own, never the client's global
// default, and its handler is meant for a listener of its own
// (hitd serve --metrics-listen), never the public one.
//
// Label values are bounded: realms and protocols are fixed names,
// operations come only from the edges' tables or route patterns (see
// server.RequestObserver), outcomes and statuses are constants. See
// docs/metrics.md for every metric.
package metrics

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/scheduler"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options configures Metrics.
type Options struct {
	// Version and Commit label hitd_build_info.
	Version, Commit string
	// StatsTimeout bounds each realm's Stats read during a scrape;
	// default 5s.
	StatsTimeout time.Duration
	// Logger reports realms whose Stats failed; nil: discard.
	Logger *slog.Logger
}

// Metrics is hitd's registry and the metrics it updates.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	passes   *prometheus.CounterVec
	applied  *prometheus.CounterVec
	deliver  *prometheus.CounterVec
	realms   *realmCollector
}

// requestBuckets are latency buckets in seconds, from a cached read (well
// under a millisecond) to a slow write on a busy database.
var requestBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New returns Metrics with the Go runtime and process collectors
// registered; add realms with WatchRealm.
func New(opts Options) *Metrics {
	if opts.StatsTimeout <= 0 {
		opts.StatsTimeout = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hitd_requests_total",
			Help: "Requests answered, by realm, protocol (awsjson, rest, legacy, worker-api, web), operation and outcome (ok, client_error, throttled, server_error).",
		}, []string{"realm", "protocol", "operation", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hitd_request_duration_seconds",
			Help:    "Time from a request's arrival to its answer, by realm, protocol and operation.",
			Buckets: requestBuckets,
		}, []string{"realm", "protocol", "operation"}),
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hitd_scheduler_passes_total",
			Help: "Scheduler passes this node ran (only the leader runs them), by realm and outcome (ok, error).",
		}, []string{"realm", "outcome"}),
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hitd_scheduler_applied_total",
			Help: "Time-driven work the scheduler applied, by realm and kind (abandoned, auto_approved, expired, released, reviewed).",
		}, []string{"realm", "kind"}),
		deliver: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hitd_notification_deliveries_total",
			Help: "Notification delivery attempts, by realm and outcome (delivered, failed: retried later or dead-lettered).",
		}, []string{"realm", "outcome"}),
		realms: &realmCollector{timeout: opts.StatsTimeout, logger: opts.Logger},
	}
	m.reg.MustRegister(
		// Go's default set (memstats, GC pauses, goroutines) and the
		// scheduler's: run-queue latency shows a CPU-starved process.
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.MetricsScheduler)),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.duration, m.passes, m.applied, m.deliver, m.realms,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name:        "hitd_build_info",
			Help:        "Always 1; its labels name the running hitd's version and commit.",
			ConstLabels: prometheus.Labels{"version": opts.Version, "commit": opts.Commit},
		}, func() float64 { return 1 }),
	)
	return m
}

// Handler serves the registry's metrics in Prometheus's text format
// (gzipped when the scraper accepts it). A collector that fails does not
// fail the scrape: realms report it as hitd_stats_up 0.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: 4,
		Timeout:             30 * time.Second,
	})
}

// Gatherer is the registry, for tests and for serving it another way.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// Requests returns the observer of one realm's requests (give it to
// server.Options.Observer).
func (m *Metrics) Requests(realm string) *Requests {
	return &Requests{m: m, realm: realm}
}

// Requests counts one realm's requests; it implements
// server.RequestObserver.
type Requests struct {
	m     *Metrics
	realm string
}

// ObserveRequest counts one answered request and its latency.
func (r *Requests) ObserveRequest(protocol, operation, outcome string, d time.Duration) {
	r.m.requests.WithLabelValues(r.realm, protocol, operation, outcome).Inc()
	r.m.duration.WithLabelValues(r.realm, protocol, operation).Observe(d.Seconds())
}

// Scheduler returns the observer of one realm's scheduler (give it to
// scheduler.Options.Observer).
func (m *Metrics) Scheduler(realm string) *Scheduler {
	s := &Scheduler{m: m, realm: realm}
	// Every series exists from the start, at 0, so that rate() and
	// increase() see the first events.
	for _, o := range []string{"ok", "error"} {
		m.passes.WithLabelValues(realm, o)
	}
	for _, k := range []string{"abandoned", "auto_approved", "expired", "released", "reviewed"} {
		m.applied.WithLabelValues(realm, k)
	}
	for _, o := range []string{"delivered", "failed"} {
		m.deliver.WithLabelValues(realm, o)
	}
	return s
}

// Scheduler counts one realm's scheduler passes; it implements
// scheduler.Observer.
type Scheduler struct {
	m     *Metrics
	realm string
}

// ObservePass counts what one pass applied and delivered. A pass cut
// short by shutdown is not an error.
func (s *Scheduler) ObservePass(st scheduler.Stats, err error) {
	outcome := "ok"
	if err != nil && !errors.Is(err, context.Canceled) {
		outcome = "error"
	}
	s.m.passes.WithLabelValues(s.realm, outcome).Inc()
	for kind, n := range map[string]int{"abandoned": st.Abandoned, "auto_approved": st.AutoApproved, "expired": st.Expired,
		"released": st.Released, "reviewed": st.Reviewed} {
		if n > 0 {
			s.m.applied.WithLabelValues(s.realm, kind).Add(float64(n))
		}
	}
	if st.Delivered > 0 {
		s.m.deliver.WithLabelValues(s.realm, "delivered").Add(float64(st.Delivered))
	}
	if st.DeliveryFailures > 0 {
		s.m.deliver.WithLabelValues(s.realm, "failed").Add(float64(st.DeliveryFailures))
	}
}

// StatsSource is where a realm's state comes from: a *hitd.Service.
type StatsSource interface {
	Stats(ctx context.Context) (hitd.Stats, error)
}

// WatchRealm reports src's state, labelled realm, on every scrape.
func (m *Metrics) WatchRealm(realm string, src StatsSource) {
	m.realms.mu.Lock()
	defer m.realms.mu.Unlock()
	m.realms.realms = append(m.realms.realms, watched{realm, src})
}

type watched struct {
	name string
	src  StatsSource
}

// realmCollector reads each watched realm's Stats when scraped, so the
// gauges are as fresh as the scrape and cost nothing between scrapes.
type realmCollector struct {
	timeout time.Duration
	logger  *slog.Logger
	mu      sync.Mutex
	realms  []watched
}

var (
	descUp = prometheus.NewDesc("hitd_stats_up",
		"1 if the realm's state could be read from its database at this scrape, else 0 (and its other state metrics are missing).", []string{"realm"}, nil)
	descStatsDuration = prometheus.NewDesc("hitd_stats_duration_seconds",
		"How long reading the realm's state took at this scrape.", []string{"realm"}, nil)
	descOpenHITs = prometheus.NewDesc("hitd_open_hits",
		"HITs workers can still work, by status: Assignable (a free slot, not expired) and Unassignable (no free slot, or expired, with work in progress).", []string{"realm", "status"}, nil)
	descAssignments = prometheus.NewDesc("hitd_active_assignments",
		"Assignments in flight, by status: Accepted (being worked) and Submitted (awaiting approval or rejection).", []string{"realm", "status"}, nil)
	descReserved = prometheus.NewDesc("hitd_money_reserved_dollars",
		"Money held in HITs' reserves (escrow): reward and fee of every slot still workable or awaiting payment, in US dollars.", []string{"realm"}, nil)
	descBalances = prometheus.NewDesc("hitd_money_available_dollars",
		"Requesters' available balances added up, in US dollars.", []string{"realm"}, nil)
	descLag = prometheus.NewDesc("hitd_scheduler_lag_seconds",
		"How long the oldest due, not yet applied, time-driven work has waited (abandonment, auto-approval, expiry, release of an expired HIT's money, notification delivery); 0 when none is due.", []string{"realm"}, nil)
	descOutbox = prometheus.NewDesc("hitd_outbox_items",
		"Notification outbox items, by status: Pending (waiting for delivery or a retry) and Dead (given up; see hitd outbox list).", []string{"realm", "status"}, nil)
)

func (c *realmCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descUp, descStatsDuration, descOpenHITs, descAssignments, descReserved, descBalances, descLag, descOutbox} {
		ch <- d
	}
}

func (c *realmCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	realms := append([]watched(nil), c.realms...)
	c.mu.Unlock()
	for _, r := range realms {
		c.collect(ch, r)
	}
}

func (c *realmCollector) collect(ch chan<- prometheus.Metric, r watched) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	start := time.Now()
	st, err := r.src.Stats(ctx)
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append([]string{r.name}, labels...)...)
	}
	gauge(descStatsDuration, time.Since(start).Seconds())
	if err != nil {
		c.logger.Error("metrics: reading the realm's state", "realm", r.name, "err", err)
		gauge(descUp, 0)
		return
	}
	gauge(descUp, 1)
	gauge(descOpenHITs, float64(st.AssignableHITs), string(hitd.HITStatusAssignable))
	gauge(descOpenHITs, float64(st.UnassignableHITs), string(hitd.HITStatusUnassignable))
	gauge(descAssignments, float64(st.AcceptedAssignments), string(hitd.AssignmentAccepted))
	gauge(descAssignments, float64(st.SubmittedAssignments), string(hitd.AssignmentSubmitted))
	gauge(descReserved, dollars(st.Reserved))
	gauge(descBalances, dollars(st.Balances))
	gauge(descLag, st.SchedulerLag().Seconds())
	gauge(descOutbox, float64(st.OutboxPending), hitd.OutboxPending)
	gauge(descOutbox, float64(st.OutboxDead), hitd.OutboxDead)
}

// dollars is c in US dollars. A float64 holds every amount of cents up to
// 2^53 exactly, and its nearest value to each multiple of 0.01.
func dollars(c hitd.Cents) float64 { return float64(c) / 100 }
