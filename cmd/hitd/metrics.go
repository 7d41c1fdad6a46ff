package main

import (
	"log/slog"
	"net"
	"net/http"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api/server"
	"github.com/hitd/hitd/metrics"
	"github.com/hitd/hitd/scheduler"
)

// metricsWiring connects package metrics to the realms' handlers and
// schedulers. A nil *metricsWiring (no --metrics-listen) gives nil
// observers and stops nothing.
type metricsWiring struct {
	m      *metrics.Metrics
	realms map[*hitd.Service]string // realm name by Service
	srv    *http.Server
}

// serveMetrics serves Prometheus metrics at /metrics on addr (plain HTTP,
// a listener of its own, so they are never on the public port) until
// stop is called; addr "" serves nothing and returns nil. prod and sandbox
// are the realms whose state every scrape reads.
func serveMetrics(addr string, logger *slog.Logger, prod, sandbox *hitd.Service) (*metricsWiring, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	commit, _ := buildCommit()
	m := metrics.New(metrics.Options{Version: version, Commit: commit, Logger: logger})
	mw := &metricsWiring{m: m, realms: map[*hitd.Service]string{prod: "production", sandbox: "sandbox"}}
	for svc, name := range mw.realms {
		m.WatchRealm(name, svc)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mw.srv = server.NewHTTPServer(mux, logger, server.DefaultLimits)
	go mw.srv.Serve(ln)
	logger.Info("serving metrics", "addr", ln.Addr().String(), "path", "/metrics")
	return mw, nil
}

// requests is the observer of a realm's requests, for server.Options.
func (mw *metricsWiring) requests(realm string) server.RequestObserver {
	if mw == nil {
		return nil
	}
	return mw.m.Requests(realm)
}

// scheduler is the observer of svc's scheduler, for scheduler.Options.
func (mw *metricsWiring) scheduler(svc *hitd.Service) scheduler.Observer {
	if mw == nil {
		return nil
	}
	return mw.m.Scheduler(mw.realms[svc])
}

func (mw *metricsWiring) stop() {
	if mw != nil {
		mw.srv.Close()
	}
}
