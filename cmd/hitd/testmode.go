package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/api/server"
	"github.com/hitd/hitd/api/testmode"
	"github.com/hitd/hitd/scheduler"
)

// testMode is serve's --test-mode (docs/testing-your-code.md): one clock
// for both realms that POST /_test/clock/advance and /_test/clock/set move
// forward, and POST /_test/workers for scripted workers. It is refused
// unless every listener is on loopback.
type testMode struct {
	on     bool
	clock  *hitd.OffsetClock    // set by check when on
	due    []testmode.DueRunner // each realm's due work, set by start
	logger *slog.Logger
}

func (t *testMode) register(fs *flag.FlagSet) {
	fs.BoolVar(&t.on, "test-mode", false,
		"for your test suites: the /_test/ endpoints move hitd's clock and act as workers; loopback listeners only, never real work")
}

// check refuses test mode unless every listen address (flag name →
// address; "" is a listener that is off) is on loopback, and makes the
// test clock.
func (t *testMode) check(listens map[string]string) error {
	if !t.on {
		return nil
	}
	names := make([]string, 0, len(listens))
	for name := range listens {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if addr := listens[name]; addr != "" && !loopbackAddr(addr) {
			return fmt.Errorf("--test-mode: %s %s is not a loopback address; test mode lets anyone who reaches the server move its clock and act as any worker, so every listener must be on 127.0.0.1, [::1] or localhost", name, addr)
		}
	}
	t.clock = hitd.NewOffsetClock(hitd.SystemClock{})
	return nil
}

// loopbackAddr reports whether a listen address (HOST:PORT) names a
// loopback host: localhost or an address in 127.0.0.0/8 or ::1. An empty
// host (":8080") listens on every interface.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// realmClock is the clock the realms read: the test clock in test mode,
// nil (the system clock) otherwise.
func (t *testMode) realmClock() hitd.Clock {
	if t.clock == nil {
		return nil
	}
	return t.clock
}

// start prepares the endpoints over the realms' Services and says loudly
// that test mode is on.
func (t *testMode) start(logger *slog.Logger, realms ...*hitd.Service) {
	if !t.on {
		return
	}
	t.logger = logger
	for _, svc := range realms {
		t.due = append(t.due, scheduler.New(svc, t.clock, scheduler.Options{Logger: logger}))
	}
	logger.Warn("TEST MODE IS ON: POST /_test/clock/advance and /_test/clock/set move hitd's clock forward for good, and POST /_test/workers acts as any worker; for test suites only, never for real work or money",
		"test_mode", true)
}

// mount puts the /_test/ endpoints in front of h, which serves svc's realm
// (the realm whose workers POST /_test/workers makes), when test mode is on.
func (t *testMode) mount(h http.Handler, svc *hitd.Service) http.Handler {
	if !t.on {
		return h
	}
	return testmode.Mount(h, server.LogRequests(t.logger, testmode.New(testmode.Options{Clock: t.clock, Service: svc, Due: t.due})))
}
