package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// config is the parsed command line of `hitd-bench run`.
type config struct {
	scenarios []string
	json      bool
	jsonOut   string

	clients  int
	count    int
	duration time.Duration

	batchHITs   int
	raceWorkers int
	raceSlots   int
	listHITs    int
	listCalls   int
	listClients int
	schedItems  int
	schedDue    int
	schedEvery  time.Duration
	schedLead   time.Duration
	idleStarts  int
	postgres    string
	pgNodes     []int

	floodClients  int
	floodDuration time.Duration
	floodMaxConns int

	hitd     string
	hitdArgs []string // more `hitd serve` flags
	workDir  string
	keep     bool

	// Target mode: an already running server.
	target    string
	keyID     string
	secret    string
	targetDB  string
	targetPID int
}

type flags struct {
	fs                          *flag.FlagSet
	scenario, pgNodes, duration string
	cfg                         config
}

func newFlags(out io.Writer) *flags {
	f := &flags{fs: flag.NewFlagSet("hitd-bench run", flag.ContinueOnError)}
	fs, c := f.fs, &f.cfg
	fs.SetOutput(out)
	fs.StringVar(&f.scenario, "scenario", "all", "scenarios to run, comma-separated: "+strings.Join(scenarioNames, ",")+", or all")
	fs.BoolVar(&c.json, "json", false, "print the report as JSON (stable field names) instead of a table")
	fs.StringVar(&c.jsonOut, "json-out", "", "also write the JSON report to this file")
	fs.IntVar(&c.clients, "clients", 64, "concurrent clients for create, batch and the pg scenario's creates")
	fs.IntVar(&c.count, "count", 10000, "operations per measured run of create (and of its baselines)")
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "longest a measured run of create, or of a baseline, may take")
	fs.IntVar(&c.batchHITs, "batch-hits", 10000, "HITs in the batch scenario")
	fs.IntVar(&c.raceWorkers, "race-workers", 1000, "workers racing in the race scenario (one accept each, all at once)")
	fs.IntVar(&c.raceSlots, "race-slots", 100, "assignments (MaxAssignments) of the raced HIT")
	fs.IntVar(&c.listHITs, "list-hits", 1000000, "HITs in the store for the list scenario (inserted directly)")
	fs.IntVar(&c.listCalls, "list-calls", 200, "ListHITs calls for the first page, and again for the last")
	fs.IntVar(&c.listClients, "list-clients", 1, "concurrent clients calling ListHITs (1: latency as one script sees it)")
	fs.IntVar(&c.schedItems, "scheduler-items", 1000000, "pending, not yet due auto-approvals and expiries in the store")
	fs.IntVar(&c.schedDue, "scheduler-due", 1000, "items made due --scheduler-lead after they are inserted")
	fs.DurationVar(&c.schedEvery, "scheduler-interval", 200*time.Millisecond, "the server's --scheduler-interval in the scheduler scenario")
	fs.DurationVar(&c.schedLead, "scheduler-lead", 3*time.Second, "how long after being inserted the due items fall due")
	fs.IntVar(&c.idleStarts, "idle-starts", 5, "server starts measured by the idle scenario")
	fs.IntVar(&c.floodClients, "flood-clients", 400, "abusive clients in the flood scenario, each on its own connections")
	fs.DurationVar(&c.floodDuration, "flood-duration", 20*time.Second, "how long the flood scenario floods")
	fs.IntVar(&c.floodMaxConns, "flood-max-connections", 100, "the server's --max-connections in the flood scenario")
	fs.StringVar(&c.postgres, "postgres", os.Getenv("HITD_TEST_POSTGRES_URL"), "PostgreSQL URL for the pg scenario (default $HITD_TEST_POSTGRES_URL); each run uses a fresh schema, dropped at its end")
	fs.StringVar(&f.pgNodes, "pg-nodes", "1,2", "node counts the pg scenario runs with")
	fs.StringVar(&c.hitd, "hitd", "", "the hitd binary to start (default: hitd beside this binary, else one built with go build into a temporary directory)")
	fs.Func("hitd-arg", "one more `FLAG` for every hitd serve started, e.g. --hitd-arg=--debug-listen=127.0.0.1:6060 to profile it (repeatable)", func(v string) error {
		c.hitdArgs = append(c.hitdArgs, v)
		return nil
	})
	fs.StringVar(&c.workDir, "work-dir", "", "where data directories and baseline stores go (default: the system temporary directory)")
	fs.BoolVar(&c.keep, "keep", false, "leave the hitd servers it starts running, and print their URLs, pids, keys and data (to attach a profiler; the baselines then run beside them)")
	fs.StringVar(&c.target, "target", "", "drive this running server (http://127.0.0.1:PORT; loopback only) instead of starting one")
	fs.StringVar(&c.keyID, "access-key-id", "", "with --target: the requester's access key id")
	fs.StringVar(&c.secret, "secret-access-key", "", "with --target: the requester's secret access key")
	fs.StringVar(&c.targetDB, "target-db", "", "with --target: its database (sqlite:PATH or postgres://…), for the scenarios that set up rows directly (race, list, scheduler)")
	fs.IntVar(&c.targetPID, "target-pid", 0, "with --target: its process id, to report its memory")
	return f
}

func (f *flags) config() (config, error) {
	c := f.cfg
	if f.fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", f.fs.Arg(0))
	}
	var err error
	if c.scenarios, err = parseScenarios(f.scenario); err != nil {
		return c, err
	}
	for _, s := range strings.Split(f.pgNodes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 16 {
			return c, fmt.Errorf("--pg-nodes %q: want node counts from 1 to 16, e.g. 1,2", f.pgNodes)
		}
		c.pgNodes = append(c.pgNodes, n)
	}
	positive := []struct {
		name string
		v    int
	}{{"clients", c.clients}, {"batch-hits", c.batchHITs}, {"race-workers", c.raceWorkers}, {"race-slots", c.raceSlots},
		{"list-calls", c.listCalls}, {"list-clients", c.listClients}, {"scheduler-due", c.schedDue}, {"idle-starts", c.idleStarts},
		{"flood-clients", c.floodClients}, {"flood-max-connections", c.floodMaxConns}}
	for _, p := range positive {
		if p.v < 1 {
			return c, fmt.Errorf("--%s must be at least 1", p.name)
		}
	}
	switch {
	case c.count < 0 || c.duration < 0:
		return c, errors.New("--count and --duration cannot be negative")
	case c.count == 0 && c.duration == 0:
		return c, errors.New("--count 0 needs a --duration")
	case c.listHITs < 11:
		return c, errors.New("--list-hits must be at least 11 (more than one page of 10)")
	case c.schedItems < 0:
		return c, errors.New("--scheduler-items cannot be negative")
	case c.schedEvery <= 0 || c.schedLead <= 0:
		return c, errors.New("--scheduler-interval and --scheduler-lead must be positive")
	case c.floodDuration <= 0:
		return c, errors.New("--flood-duration must be positive")
	}
	if c.target != "" {
		if err := checkLoopbackURL(c.target); err != nil {
			return c, fmt.Errorf("--target: %w", err)
		}
		c.target = strings.TrimRight(c.target, "/")
		if c.keyID == "" || c.secret == "" {
			return c, errors.New("--target needs --access-key-id and --secret-access-key")
		}
		if c.keep {
			return c, errors.New("--keep is for servers hitd-bench starts, not a --target")
		}
	} else if c.keyID != "" || c.secret != "" || c.targetDB != "" || c.targetPID != 0 {
		return c, errors.New("--access-key-id, --secret-access-key, --target-db and --target-pid go with --target")
	}
	return c, nil
}

// checkLoopbackURL refuses URLs whose host is not a loopback address or
// "localhost": the tool sends load, and never to another machine.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q: want an http:// or https:// URL", raw)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q: only loopback hosts (127.0.0.0/8, ::1, localhost) may be targeted", raw)
	}
	return nil
}
