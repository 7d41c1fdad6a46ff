package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/hitd/hitd/internal/workersim"
)

// maxSimulatedWorkers bounds --workers: each is an account and a session.
const maxSimulatedWorkers = 1000

// workerSimulate is "hitd worker simulate": scripted workers accept and
// submit HITs on a running server in test mode (package workersim;
// docs/testing-your-code.md).
func workerSimulate(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("worker simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o workersim.Options
	fs.StringVar(&o.URL, "url", envOr("HITD_URL", "http://127.0.0.1:8080"), "the server, started with serve --test-mode (env HITD_URL)")
	fs.StringVar(&o.HITTypeID, "hit-type", "", "accept the HITs of this HIT type, the next one each time")
	fs.StringVar(&o.HITID, "hit", "", "accept this one HIT (once per worker) instead of a HIT type's")
	answersFile := fs.String("answers", "", `the answers: a JSON file holding {"answers": {"field": "value", …}} for every assignment, or an array of those used in turn ("-": standard input)`)
	acceptOnly := fs.Bool("accept-only", false, "accept without submitting (the assignments are abandoned when their time runs out)")
	fs.IntVar(&o.Workers, "workers", 1, fmt.Sprintf("how many workers take part (at most %d)", maxSimulatedWorkers))
	fs.StringVar(&o.Username, "username", "simulated-worker", "the workers' usernames are USERNAME-1 … USERNAME-N; made on first use, reused after")
	fs.IntVar(&o.Count, "count", 0, "stop after this many assignments (0: while any worker can take another HIT); fewer is an error")
	asJSON := fs.Bool("json", false, "print the workers and assignments as JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("worker simulate: unexpected argument %q", fs.Arg(0))
	case (o.HITTypeID == "") == (o.HITID == ""):
		return errors.New("worker simulate: give one of --hit-type HITTYPEID or --hit HITID")
	case (*answersFile == "") == !*acceptOnly:
		return errors.New("worker simulate: give --answers FILE, or --accept-only to accept without submitting")
	case o.Workers < 1 || o.Workers > maxSimulatedWorkers:
		return fmt.Errorf("worker simulate: --workers %d: want 1 to %d", o.Workers, maxSimulatedWorkers)
	case o.Count < 0:
		return fmt.Errorf("worker simulate: --count %d: want 0 (all) or more", o.Count)
	}
	if *answersFile != "" {
		var b []byte
		var err error
		if *answersFile == "-" {
			b, err = io.ReadAll(stdin)
		} else {
			b, err = os.ReadFile(*answersFile)
		}
		if err != nil {
			return fmt.Errorf("worker simulate: --answers: %w", err)
		}
		if o.Answers, err = workersim.ParseAnswers(b); err != nil {
			return fmt.Errorf("worker simulate: --answers %s: %w", *answersFile, err)
		}
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	if !*asJSON {
		fmt.Fprintln(tw, "ASSIGNMENT ID\tHIT ID\tWORKER ID\tUSERNAME\tSTATUS")
		o.Progress = func(a workersim.Assignment) {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.AssignmentID, a.HITID, a.WorkerID, a.Username, a.Status)
		}
	}
	res, err := workersim.Run(ctx, o)
	if res == nil {
		return fmt.Errorf("worker simulate: %w", err)
	}
	for _, w := range res.Workers {
		if w.Stopped != "" && err == nil {
			fmt.Fprintf(stderr, "note: %s (%s) stopped: %s\n", w.Username, w.WorkerID, w.Stopped)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if jerr := enc.Encode(res); jerr != nil {
			return jerr
		}
	} else {
		if ferr := tw.Flush(); ferr != nil {
			return ferr
		}
		made := 0
		for _, w := range res.Workers {
			if w.Created {
				made++
			}
		}
		verb := "submitted"
		if o.Answers == nil {
			verb = "accepted"
		}
		fmt.Fprintf(stdout, "%d assignments %s by %d workers (%d new)\n", len(res.Assignments), verb, len(res.Workers), made)
	}
	if err != nil {
		return fmt.Errorf("worker simulate: %w", err)
	}
	return nil
}
