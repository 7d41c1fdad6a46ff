// Package server assembles hitd's HTTP surface: it routes requests to the
// protocol edges, answers health checks, and writes one structured log line
// per request. It also builds the http.Server with its bounds on slow
// clients (NewHTTPServer, Limits), caps connections (ConnLimit), and
// believes a reverse proxy's forwarding headers only when the proxy is
// trusted (TrustedProxies). It holds no protocol logic of its own.
package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
	"github.com/hitd/hitd/api/awsjson"
	"github.com/hitd/hitd/api/legacy"
	"github.com/hitd/hitd/api/rest"
	"github.com/hitd/hitd/api/workerapi"
)

// Options configures the handler.
type Options struct {
	Logger *slog.Logger // nil: discard
	// Regions limits the SigV4 regions accepted; empty accepts any region.
	Regions []string
	// SignatureClock is the clock signature timestamps are checked against
	// (api.SignatureWindow, 5 minutes, either way). Nil means the Service's clock. Tests that
	// move the Service's fake clock far from real time keep real time here,
	// because real SDKs sign with the real time.
	SignatureClock hitd.Clock
	// Web is the worker web site (package web). When set, GET / and every
	// path the API does not claim are its; nil keeps the plain-text banner
	// at GET / and 404s elsewhere.
	Web http.Handler
	// RateLimiter throttles each requester on the Requester API edges (AWS
	// JSON, REST and legacy) once authenticated; nil: no limit. Give each
	// handler its own, or share one to count a requester's requests to both.
	RateLimiter *api.RateLimiter
	// Observer is told of every request once answered (package metrics
	// counts them); nil: none.
	Observer RequestObserver
}

// New returns the HTTP handler for svc.
func New(svc *hitd.Service, opts Options) http.Handler {
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	table := api.NewTable()
	sigClock := opts.SignatureClock
	if sigClock == nil {
		sigClock = svc.Clock()
	}
	auth := api.NewAuthenticator(svc, sigClock, opts.Regions...)
	jsonEdge := awsjson.New(table, svc, auth, opts.RateLimiter)
	restEdge := rest.New(table, svc, auth, opts.RateLimiter)
	legacyEdge := legacy.New(svc, sigClock, opts.RateLimiter)

	mux := http.NewServeMux()
	mux.Handle("/v1/{op}", restEdge)
	mux.Handle("/api/v1/{op}", restEdge)
	// The request log records worker API errors (api.Info), so the edge needs no logger of its own.
	mux.Handle(workerapi.Prefix+"/", workerapi.New(svc, workerapi.Options{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := svc.Ping(ctx); err != nil {
			api.Info(r.Context()).Err = err
			http.Error(w, "store unreachable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	// The legacy (2014-08-15) query API: always at /onca/xml, and at / when
	// legacy.IsRequest says so (a form POST without X-Amz-Target, or a query
	// naming Service=AWSMechanicalTurkRequester).
	mux.Handle("/onca/xml", legacyEdge)
	mux.HandleFunc("POST /{$}", func(w http.ResponseWriter, r *http.Request) {
		// Every 2017-01-17 request names its operation in X-Amz-Target.
		if legacy.IsRequest(r) {
			legacyEdge.ServeHTTP(w, r)
			return
		}
		jsonEdge.ServeHTTP(w, r)
	})
	var home http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("hitd: an Amazon Mechanical Turk Requester API server.\nPoint an AWS SDK's endpoint_url here (POST / with X-Amz-Target), or POST JSON to /v1/<operation>.\n"))
	})
	if opts.Web != nil {
		// The site gets GET / and every path not claimed above (the API's
		// more specific patterns win; /api/worker/v1/ is mounted the same way).
		home = opts.Web
		mux.Handle("/", opts.Web)
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if legacy.IsRequest(r) {
			legacyEdge.ServeHTTP(w, r)
			return
		}
		home.ServeHTTP(w, r)
	})
	return logRequests(logger, opts.Observer, mux)
}

// LogRequests wraps h in the same per-request log line and panic recovery
// as New's handler (for handlers served on another listener, such as the
// worker site's content origin). ObserveRequests also observes them.
func LogRequests(logger *slog.Logger, h http.Handler) http.Handler {
	return ObserveRequests(logger, nil, h)
}

// ObserveRequests is LogRequests with obs (nil: none) told of every
// request, as New's handler tells Options.Observer.
func ObserveRequests(logger *slog.Logger, obs RequestObserver, h http.Handler) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return logRequests(logger, obs, h)
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests writes one line per request: operation, requester, status,
// latency. It also recovers from a panic in a handler, logging it and
// answering 500, so a bug never takes the process down or leaks a stack.
func logRequests(logger *slog.Logger, obs RequestObserver, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &api.RequestInfo{ID: api.NewRequestID()}
		sw := &statusWriter{ResponseWriter: w}
		req := r.WithContext(api.WithRequestInfo(r.Context(), info))
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				logger.Error("panic", "request_id", info.ID, "panic", p)
				if sw.status == 0 {
					sw.Header().Set("Content-Type", awsjson.ContentType)
					sw.WriteHeader(http.StatusInternalServerError)
					sw.Write([]byte(`{"__type":"ServiceFault","Message":"The service is unable to process your request. Try again later.","TurkErrorCode":"AWS.MechanicalTurk.ServiceFault"}`))
				}
			}
			attrs := []any{
				"method", r.Method, "path", r.URL.Path, "status", sw.status,
				"latency_ms", float64(time.Since(start).Microseconds()) / 1000, "request_id", info.ID,
				"client", clientIP(r.RemoteAddr),
			}
			if info.Operation != "" {
				attrs = append(attrs, "operation", info.Operation)
			}
			if info.RequesterID != "" {
				attrs = append(attrs, "requester", info.RequesterID)
			}
			level := slog.LevelInfo
			if info.Err != nil {
				attrs = append(attrs, "error", info.Err.Error())
				level = slog.LevelError
			}
			logger.Log(r.Context(), level, "request", attrs...)
			observe(obs, req, info, sw.status, time.Since(start))
		}()
		next.ServeHTTP(sw, req)
	})
}

// clientIP is the address part of a RemoteAddr: the client's, behind a
// trusted proxy (TrustedProxies), else the connection's peer.
func clientIP(remoteAddr string) string {
	if h, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return h
	}
	return remoteAddr
}

// ByHost routes each request by its Host header: a request for one of
// hosts's names (compared without port, case or a trailing dot) goes to
// that handler, every other request to def. hitd uses it to serve the
// sandbox realm to requests addressed to MTurk's sandbox host names on the
// same listener as production.
func ByHost(def http.Handler, hosts map[string]http.Handler) http.Handler {
	if len(hosts) == 0 {
		return def
	}
	byName := make(map[string]http.Handler, len(hosts))
	for name, h := range hosts {
		byName[HostName(name)] = h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := byName[HostName(r.Host)]; ok {
			h.ServeHTTP(w, r)
			return
		}
		def.ServeHTTP(w, r)
	})
}

// HostName is host without its port or trailing dot, in lower case.
func HostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
}
