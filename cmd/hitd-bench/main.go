// Command hitd-bench is hitd's load tool. It starts hitd servers itself
// (or targets one on loopback), drives them with real SigV4-signed
// requests from the AWS SDK for Go v2 and with the worker JSON API, from a
// fixed number of concurrent clients bounded in count and in time, and
// reports per scenario the throughput, latency percentiles, errors and the
// server's memory (VmRSS and VmHWM from /proc), as a table or as JSON.
//
// Every figure comes with baselines measured in the same run:
//
//   - noop: a no-op handler behind the same SigV4 verification
//     (package api/sigv4) in a process started the same way
//     (`hitd-bench serve-noop`, a hidden mode of this binary), driven by
//     the same client code with the same concurrency: the HTTP + auth
//     ceiling.
//   - store: the raw durable store operation behind the request (for a
//     create, Store.Write of one InsertHIT) on the same kind of store, from
//     the same number of goroutines, in process: the storage ceiling.
//
// It is a separate binary so that the AWS SDK's MTurk client, which hitd
// needs only for its tests, is never linked into the server
// (docs/dependencies.md).
//
// Only loopback is ever driven: the servers it starts listen on
// 127.0.0.1, and --target refuses other hosts. Rows a scenario needs in
// bulk (a million HITs, a thousand workers with sessions) are written
// straight into the server's store, SQLite file or PostgreSQL schema,
// through the store's own transaction code; what is measured always goes
// through the server.
//
// Usage: `hitd-bench -h`. What each scenario does and a full-size run are
// in docs/performance.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

const usage = `hitd-bench — load tool for hitd (loopback only)

Usage:
  hitd-bench run [--scenario all|create,batch,race,list,scheduler,idle,flood,pg] [--json] [flags]

Scenarios (each also measures its baselines, "noop" and "store"):
  create     CreateHITWithHITType from --clients clients (--count, --duration)
  batch      a --batch-hits batch end to end: CreateHITType, the creates, ListHITs to the end
  race       --race-workers workers accept one HIT of --race-slots slots at once (worker API)
  list       ListHITs first and last page among --list-hits HITs (--list-calls each)
  scheduler  --scheduler-items pending items, --scheduler-due of them due later: how late applied
  idle       start-up time (to /healthz 200) and idle RSS, --idle-starts starts
  flood      --flood-clients abusive clients (oversized bodies, slow headers and bodies) for
             --flood-duration against --max-connections --flood-max-connections: RSS stays bounded
  pg         create and race on PostgreSQL (--postgres), with --pg-nodes nodes

The exit status is 1 when a scenario had errors (failed requests, wrong
counts, server log errors), 2 on bad usage; targets are reported, not
enforced.

Flags:
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the command; it returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		newFlags(io.Discard).fs.PrintDefaults()
		return 2
	}
	switch args[0] {
	case "serve-noop":
		if err := serveNoop(ctx, args[1:], stderr); err != nil {
			fmt.Fprintln(stderr, "hitd-bench serve-noop:", err)
			return 1
		}
		return 0
	case "run":
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		f := newFlags(stdout)
		f.fs.SetOutput(stdout)
		f.fs.PrintDefaults()
		return 0
	default:
		fmt.Fprintf(stderr, "hitd-bench: unknown command %q\n", args[0])
		fmt.Fprint(stderr, usage)
		return 2
	}
	f := newFlags(stderr)
	if err := f.fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	cfg, err := f.config()
	if err != nil {
		fmt.Fprintln(stderr, "hitd-bench:", err)
		return 2
	}
	b, err := newBench(cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "hitd-bench:", err)
		return 2
	}
	defer b.cleanup()
	rep := b.runAll(ctx)
	if cfg.jsonOut != "" {
		if err := writeJSONFile(cfg.jsonOut, rep); err != nil {
			fmt.Fprintln(stderr, "hitd-bench:", err)
			return 1
		}
	}
	if cfg.json {
		if err := rep.writeJSON(stdout); err != nil {
			fmt.Fprintln(stderr, "hitd-bench:", err)
			return 1
		}
	} else {
		rep.writeText(stdout)
	}
	if rep.Errors > 0 {
		return 1
	}
	return 0
}

// scenarioNames in the order "all" runs them.
var scenarioNames = []string{"idle", "create", "batch", "race", "list", "scheduler", "flood", "pg"}

func parseScenarios(s string) ([]string, error) {
	if s == "" || s == "all" {
		return scenarioNames, nil
	}
	want := map[string]bool{}
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		if n == "all" {
			return scenarioNames, nil
		}
		ok := false
		for _, k := range scenarioNames {
			ok = ok || k == n
		}
		if !ok {
			return nil, fmt.Errorf("--scenario: unknown scenario %q (want %s or all)", n, strings.Join(scenarioNames, ","))
		}
		want[n] = true
	}
	var out []string
	for _, k := range scenarioNames {
		if want[k] {
			out = append(out, k)
		}
	}
	return out, nil
}

func writeJSONFile(path string, rep *Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.writeJSON(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
