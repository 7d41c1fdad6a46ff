package main

import (
	"errors"
	"flag"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api"
	"github.com/hitd/hitd/api/server"
)

// defaultMaxConnections is --max-connections' default: far above what a
// self-hosted deployment's real clients hold open (a browser keeps at most
// six connections to a host, so 10000 is over a thousand browsers at
// once), and low enough that a flood of connections meets a wall long
// before the process runs out of file descriptors (Go raises the soft
// limit to the hard one, commonly 524288 under systemd). A connection that
// only holds its slot costs the server ~6–15 KB (150 MB for 10000); one
// that stalls mid-way through a 1 MiB body ~2 MB: docs/reliability.md
// ("Abuse limits") has the measurements and how to size the cap.
const defaultMaxConnections = 10000

// limitFlags are serve's abuse-limit flags (settings: config.go gives
// each its HITD_* variable and config-file key).
type limitFlags struct {
	limits         server.Limits
	maxConnections int
	rateLimit      float64
	rateBurst      int
}

// register adds the flags to fs.
func (f *limitFlags) register(fs *flag.FlagSet) {
	d := server.DefaultLimits
	f.limits.MaxHeaderBytes = d.MaxHeaderBytes
	fs.DurationVar(&f.limits.ReadHeaderTimeout, "read-header-timeout", d.ReadHeaderTimeout,
		"how long a client may take to send a request's headers (slow clients, slowloris)")
	fs.DurationVar(&f.limits.ReadTimeout, "read-timeout", d.ReadTimeout,
		"how long a client may take to send a whole request, body included")
	fs.DurationVar(&f.limits.WriteTimeout, "write-timeout", d.WriteTimeout,
		"how long a response may take, from the end of the request's headers")
	fs.DurationVar(&f.limits.IdleTimeout, "idle-timeout", d.IdleTimeout,
		"how long a keep-alive connection may wait for its next request")
	fs.IntVar(&f.maxConnections, "max-connections", defaultMaxConnections,
		"most connections open at once, over all listeners; more wait to be accepted; 0: no cap")
	fs.Float64Var(&f.rateLimit, "rate-limit", 0,
		"Requester API requests a second per requester (token bucket); more get ThrottlingException, which the SDKs retry; 0: no limit")
	fs.IntVar(&f.rateBurst, "rate-burst", 0,
		"requests a requester may burst above --rate-limit (default twice --rate-limit)")
}

// check reports flags out of range.
func (f *limitFlags) check() error {
	l := f.limits
	switch {
	case l.ReadHeaderTimeout <= 0 || l.ReadTimeout <= 0 || l.WriteTimeout <= 0 || l.IdleTimeout <= 0:
		return errors.New("--read-header-timeout, --read-timeout, --write-timeout and --idle-timeout must be positive")
	case l.ReadHeaderTimeout > l.ReadTimeout:
		return errors.New("--read-header-timeout cannot be longer than --read-timeout, which includes it")
	case f.maxConnections < 0:
		return errors.New("--max-connections cannot be negative (0: no cap)")
	case f.rateLimit < 0 || f.rateBurst < 0:
		return errors.New("--rate-limit and --rate-burst cannot be negative (--rate-limit 0: no limit)")
	case f.rateBurst > 0 && f.rateLimit == 0:
		return errors.New("--rate-burst needs a --rate-limit")
	}
	return nil
}

// burst is --rate-burst, or twice --rate-limit (at least 1).
func (f *limitFlags) burst() int {
	if f.rateBurst > 0 {
		return f.rateBurst
	}
	return max(1, int(2*f.rateLimit))
}

// rateLimiter returns a new limiter of the flags' rate (nil: none). Each
// realm gets its own, as MTurk's sandbox and production endpoints were
// separate services.
func (f *limitFlags) rateLimiter() *api.RateLimiter {
	return api.NewRateLimiter(f.rateLimit, f.burst(), hitd.SystemClock{}.Now)
}

// logAttrs describe the limits for the start-up log line.
func (f *limitFlags) logAttrs() []any {
	attrs := []any{"max_connections", f.maxConnections}
	if f.rateLimit > 0 {
		attrs = append(attrs, "rate_limit", f.rateLimit, "rate_burst", f.burst())
	}
	return attrs
}
