package main

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hitd/hitd/api/server"
)

func parseLimitFlags(t *testing.T, args ...string) (*limitFlags, error) {
	t.Helper()
	c, err := loadServeConfig(args, io.Discard)
	if err != nil {
		return nil, err
	}
	return &c.limits, c.limits.check()
}

func TestLimitFlags(t *testing.T) {
	lf, err := parseLimitFlags(t)
	if err != nil {
		t.Fatal(err)
	}
	if lf.limits != server.DefaultLimits || lf.maxConnections != defaultMaxConnections || lf.rateLimiter() != nil {
		t.Fatalf("defaults: %+v, %d connections, limiter %v; want server.DefaultLimits, %d, no rate limit",
			lf.limits, lf.maxConnections, lf.rateLimiter(), defaultMaxConnections)
	}

	lf, err = parseLimitFlags(t, "--rate-limit", "5", "--read-header-timeout", "2s", "--max-connections", "0")
	if err != nil {
		t.Fatal(err)
	}
	if lf.burst() != 10 || lf.rateLimiter() == nil || lf.limits.ReadHeaderTimeout != 2*time.Second || server.NewConnLimit(lf.maxConnections) != nil {
		t.Fatalf("flags: %+v, burst %d", lf, lf.burst())
	}

	t.Setenv("HITD_RATE_LIMIT", "0.5")
	t.Setenv("HITD_RATE_BURST", "3")
	t.Setenv("HITD_IDLE_TIMEOUT", "1m")
	t.Setenv("HITD_MAX_CONNECTIONS", "64")
	lf, err = parseLimitFlags(t)
	if err != nil {
		t.Fatal(err)
	}
	if lf.rateLimit != 0.5 || lf.burst() != 3 || lf.limits.IdleTimeout != time.Minute || lf.maxConnections != 64 {
		t.Fatalf("from the environment: %+v", lf)
	}

	for _, tc := range []struct {
		env, val string
		args     []string
		want     string
	}{
		{"HITD_READ_TIMEOUT", "soon", nil, "HITD_READ_TIMEOUT"},
		{"HITD_RATE_LIMIT", "fast", nil, "HITD_RATE_LIMIT"},
		{"HITD_MAX_CONNECTIONS", "many", nil, "HITD_MAX_CONNECTIONS"},
		{"", "", []string{"--rate-limit", "-1"}, "cannot be negative"},
		{"", "", []string{"--max-connections", "-1"}, "cannot be negative"},
		{"", "", []string{"--rate-limit", "0", "--rate-burst", "5"}, "needs a --rate-limit"},
		{"", "", []string{"--read-timeout", "0s"}, "must be positive"},
		{"", "", []string{"--read-header-timeout", "2m"}, "cannot be longer than --read-timeout"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			t.Setenv("HITD_RATE_LIMIT", "")
			t.Setenv("HITD_RATE_BURST", "")
			if tc.env != "" {
				t.Setenv(tc.env, tc.val)
			}
			_, err := parseLimitFlags(t, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%s=%q %v: %v, want an error naming %q", tc.env, tc.val, tc.args, err, tc.want)
			}
		})
	}
}
