package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

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

// limitFlags are serve's abuse-limit flags.
type limitFlags struct {
	limits         server.Limits
	maxConnections int
	rateLimit      float64
	rateBurst      int
	envErrs        []error // malformed HITD_* values, reported by check
}

// register adds the flags to fs, with defaults from the environment.
func (f *limitFlags) register(fs *flag.FlagSet) {
	d := server.DefaultLimits
	f.limits.MaxHeaderBytes = d.MaxHeaderBytes
	f.duration(fs, &f.limits.ReadHeaderTimeout, "read-header-timeout", "HITD_READ_HEADER_TIMEOUT", d.ReadHeaderTimeout,
		"how long a client may take to send a request's headers (slow clients, slowloris)")
	f.duration(fs, &f.limits.ReadTimeout, "read-timeout", "HITD_READ_TIMEOUT", d.ReadTimeout,
		"how long a client may take to send a whole request, body included")
	f.duration(fs, &f.limits.WriteTimeout, "write-timeout", "HITD_WRITE_TIMEOUT", d.WriteTimeout,
		"how long a response may take, from the end of the request's headers")
	f.duration(fs, &f.limits.IdleTimeout, "idle-timeout", "HITD_IDLE_TIMEOUT", d.IdleTimeout,
		"how long a keep-alive connection may wait for its next request")
	fs.IntVar(&f.maxConnections, "max-connections", f.envInt("HITD_MAX_CONNECTIONS", defaultMaxConnections),
		"most connections open at once, over all listeners; more wait to be accepted; 0: no cap (env HITD_MAX_CONNECTIONS)")
	fs.Float64Var(&f.rateLimit, "rate-limit", f.envFloat("HITD_RATE_LIMIT", 0),
		"Requester API requests a second per requester (token bucket); more get ThrottlingException, which the SDKs retry; 0: no limit (env HITD_RATE_LIMIT)")
	fs.IntVar(&f.rateBurst, "rate-burst", f.envInt("HITD_RATE_BURST", 0),
		"requests a requester may burst above --rate-limit (env HITD_RATE_BURST; default twice --rate-limit)")
}

func (f *limitFlags) duration(fs *flag.FlagSet, p *time.Duration, name, env string, def time.Duration, usage string) {
	if v := os.Getenv(env); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			f.envErrs = append(f.envErrs, fmt.Errorf("%s=%q: want a duration such as 30s", env, v))
		} else {
			def = d
		}
	}
	fs.DurationVar(p, name, def, usage+" (env "+env+")")
}

func (f *limitFlags) envInt(env string, def int) int {
	if v := os.Getenv(env); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.envErrs = append(f.envErrs, fmt.Errorf("%s=%q: want a whole number", env, v))
			return def
		}
		return n
	}
	return def
}

func (f *limitFlags) envFloat(env string, def float64) float64 {
	if v := os.Getenv(env); v != "" {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			f.envErrs = append(f.envErrs, fmt.Errorf("%s=%q: want a number", env, v))
			return def
		}
		return x
	}
	return def
}

// check reports malformed environment values and flags out of range.
func (f *limitFlags) check() error {
	if err := errors.Join(f.envErrs...); err != nil {
		return err
	}
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
