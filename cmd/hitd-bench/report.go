package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hitd/hitd/internal/load"
)

// Report is the whole run. Its JSON field names are stable: scripts may
// read them. FormatVersion changes if they ever must.
type Report struct {
	Tool          string      `json:"tool"`           // "hitd-bench"
	FormatVersion int         `json:"format_version"` // 1
	Date          string      `json:"date"`           // RFC 3339, UTC
	Machine       Machine     `json:"machine"`
	Hitd          string      `json:"hitd"` // the binary started, or the --target URL
	Scenarios     []*Scenario `json:"scenarios"`
	Errors        int         `json:"errors"` // sum of the scenarios' errors
}

// Machine is where the run happened.
type Machine struct {
	CPUs       int    `json:"cpus"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	OS         string `json:"os"`
	Arch       string `json:"arch"`
	GoVersion  string `json:"go_version"`
	Hostname   string `json:"hostname"`
}

// Scenario is one scenario's result.
type Scenario struct {
	Name    string         `json:"name"`  // create, batch, race, list, scheduler, idle
	Store   string         `json:"store"` // sqlite or postgres
	Nodes   int            `json:"nodes"`
	Clients int            `json:"clients"`
	Params  map[string]any `json:"params,omitempty"`
	Skipped string         `json:"skipped,omitempty"` // why it did not run
	// Runs are the measured load phases: the hitd run(s) and the
	// baselines ("noop", "store").
	Runs    []Run        `json:"runs"`
	Metrics []Metric     `json:"metrics"`
	Checks  []Check      `json:"checks"`
	Servers []ServerInfo `json:"servers"`
	// Errors counts failed operations in any run, failed checks and
	// level=ERROR lines in the servers' logs.
	Errors     int      `json:"errors"`
	FirstError string   `json:"first_error,omitempty"`
	Notes      []string `json:"notes,omitempty"`
	Seconds    float64  `json:"seconds"` // the whole scenario, set-up included
}

// Run is one measured load phase.
type Run struct {
	Name   string `json:"name"`   // e.g. "hitd", "noop", "store", "hitd last page"
	Target string `json:"target"` // hitd, noop or store
	What   string `json:"what"`   // the operation
	load.Summary
}

// Metric is one reported figure with its baselines and target.
type Metric struct {
	Name  string  `json:"name"`
	Unit  string  `json:"unit"`
	Value float64 `json:"value"`
	// Baselines holds the same figure measured on the noop server and on
	// the raw store (keys "noop", "store"), and Ratios value/baseline.
	Baselines map[string]float64 `json:"baselines,omitempty"`
	Ratios    map[string]float64 `json:"ratios,omitempty"`
	Target    string             `json:"target,omitempty"` // e.g. ">= 5000"
	Met       *bool              `json:"met,omitempty"`    // nil when there is no target
}

// Check is a correctness check; a failed one is an error.
type Check struct {
	Name string `json:"name"`
	Got  int64  `json:"got"`
	Want int64  `json:"want"`
	OK   bool   `json:"ok"`
}

// ServerInfo is a server process's memory at the end of the scenario.
type ServerInfo struct {
	Name    string `json:"name"`
	PID     int    `json:"pid"`
	VmRSSKB int64  `json:"vmrss_kb"` // when the scenario's load ended
	VmHWMKB int64  `json:"vmhwm_kb"` // the peak since the process started
	// MaxRSSKB is the largest VmRSS sampled (every 100 ms) during the
	// scenario's measured phases; 0 when not sampled.
	MaxRSSKB      int64   `json:"max_sampled_rss_kb,omitempty"`
	StartupMs     float64 `json:"startup_ms,omitempty"` // process start → /healthz 200
	CPUSeconds    float64 `json:"cpu_seconds,omitempty"`
	LogErrors     int     `json:"log_errors"`
	FirstLogError string  `json:"first_log_error,omitempty"`
}

// target is a goal a metric is compared with.
type target struct {
	op string // ">=", "<", "<=", "=="
	v  float64
}

func (t target) String() string { return t.op + " " + trimFloat(t.v) }

func (t target) met(v float64) bool {
	switch t.op {
	case ">=":
		return v >= t.v
	case "<":
		return v < t.v
	case "<=":
		return v <= t.v
	case "==":
		return v == t.v
	}
	return false
}

func newReport(hitd string) *Report {
	host, _ := os.Hostname()
	return &Report{
		Tool: "hitd-bench", FormatVersion: 1, Date: time.Now().UTC().Format(time.RFC3339), Hitd: hitd,
		Machine: Machine{CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), OS: runtime.GOOS, Arch: runtime.GOARCH,
			GoVersion: runtime.Version(), Hostname: host},
	}
}

// addRun records a run; its errors count as the scenario's.
func (s *Scenario) addRun(name, tgt, what string, r load.Result) load.Summary {
	sum := r.Summary()
	s.Runs = append(s.Runs, Run{Name: name, Target: tgt, What: what, Summary: sum})
	if r.Errors > 0 {
		s.fail(r.Errors, fmt.Sprintf("%s: %s", name, r.FirstError))
	}
	return sum
}

// fail counts n errors, remembering the first message.
func (s *Scenario) fail(n int, msg string) {
	s.Errors += n
	if s.FirstError == "" {
		s.FirstError = msg
	}
}

func (s *Scenario) note(format string, args ...any) {
	s.Notes = append(s.Notes, fmt.Sprintf(format, args...))
}

// check records a correctness check.
func (s *Scenario) check(name string, got, want int64) bool {
	ok := got == want
	s.Checks = append(s.Checks, Check{Name: name, Got: got, Want: want, OK: ok})
	if !ok {
		s.fail(1, fmt.Sprintf("check %s: got %d, want %d", name, got, want))
	}
	return ok
}

// metric records a figure; baselines maps a baseline's name to its value
// of the same figure (a zero or missing baseline has no ratio); tgt may be
// nil.
func (s *Scenario) metric(name, unit string, v float64, baselines map[string]float64, tgt *target) {
	m := Metric{Name: name, Unit: unit, Value: round(v)}
	for k, b := range baselines {
		if m.Baselines == nil {
			m.Baselines, m.Ratios = map[string]float64{}, map[string]float64{}
		}
		m.Baselines[k] = round(b)
		if b != 0 {
			m.Ratios[k] = round(v / b)
		}
	}
	if tgt != nil {
		m.Target = tgt.String()
		met := tgt.met(v)
		m.Met = &met
	}
	s.Metrics = append(s.Metrics, m)
}

// round keeps 4 significant digits past the point, enough for any figure here.
func round(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	scale := math.Pow(10, 3-math.Floor(math.Log10(math.Abs(v))))
	scale = max(scale, 1e-3) // big numbers: whole units
	return math.Round(v*scale) / scale
}

func trimFloat(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.4g", v)
}

func (r *Report) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func (r *Report) writeText(w io.Writer) {
	fmt.Fprintf(w, "hitd-bench  %s  %d CPUs (GOMAXPROCS %d)  %s %s/%s  hitd: %s\n", r.Date, r.Machine.CPUs, r.Machine.GOMAXPROCS,
		r.Machine.GoVersion, r.Machine.OS, r.Machine.Arch, r.Hitd)
	for _, s := range r.Scenarios {
		fmt.Fprintf(w, "\n== %s  (%s, %d node%s, %d clients) ", s.Name, s.Store, s.Nodes, plural(s.Nodes), s.Clients)
		fmt.Fprintf(w, "%s\n", strings.Repeat("=", max(0, 60-len(s.Name))))
		if s.Skipped != "" {
			fmt.Fprintf(w, "skipped: %s\n", s.Skipped)
			continue
		}
		if len(s.Params) > 0 {
			var ps []string
			for _, k := range slices.Sorted(maps.Keys(s.Params)) {
				ps = append(ps, fmt.Sprintf("%s=%v", k, s.Params[k]))
			}
			fmt.Fprintf(w, "params: %s\n", strings.Join(ps, " "))
		}
		if len(s.Runs) > 0 {
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "run\top\tops\terrors\tops/s\tp50 ms\tp95 ms\tp99 ms\tmax ms\twall s\t")
			for _, x := range s.Runs {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.1f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t\n", x.Name, x.What, x.Ops, x.Errors, x.OpsPerSec,
					x.P50Ms, x.P95Ms, x.P99Ms, x.MaxMs, x.Seconds)
			}
			tw.Flush()
		}
		if len(s.Metrics) > 0 {
			fmt.Fprintln(w)
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "metric\thitd\tbaselines (hitd/baseline)\ttarget\t")
			for _, m := range s.Metrics {
				var bs []string
				for _, k := range slices.Sorted(maps.Keys(m.Baselines)) {
					b := k + " " + trimFloat(m.Baselines[k])
					if r, ok := m.Ratios[k]; ok {
						b += " (" + trimFloat(r) + "x)"
					}
					bs = append(bs, b)
				}
				fmt.Fprintf(tw, "%s (%s)\t%s\t%s\t%s %s\t\n", m.Name, m.Unit, trimFloat(m.Value), orDash(strings.Join(bs, ", ")), m.Target, verdict(m.Met))
			}
			tw.Flush()
		}
		for _, c := range s.Checks {
			ok := "ok"
			if !c.OK {
				ok = "FAILED"
			}
			fmt.Fprintf(w, "check %s: %d (want %d) %s\n", c.Name, c.Got, c.Want, ok)
		}
		for _, sv := range s.Servers {
			fmt.Fprintf(w, "server %s (pid %d): VmRSS %.1f MB, VmHWM %.1f MB", sv.Name, sv.PID, mb(sv.VmRSSKB), mb(sv.VmHWMKB))
			if sv.MaxRSSKB > 0 {
				fmt.Fprintf(w, ", max sampled RSS %.1f MB", mb(sv.MaxRSSKB))
			}
			if sv.CPUSeconds > 0 {
				fmt.Fprintf(w, ", CPU %.1f s", sv.CPUSeconds)
			}
			fmt.Fprintf(w, ", %d log errors\n", sv.LogErrors)
		}
		for _, n := range s.Notes {
			fmt.Fprintf(w, "note: %s\n", n)
		}
		fmt.Fprintf(w, "errors: %d", s.Errors)
		if s.FirstError != "" {
			fmt.Fprintf(w, " (first: %s)", s.FirstError)
		}
		fmt.Fprintf(w, "   scenario took %.1f s\n", s.Seconds)
	}
	fmt.Fprintf(w, "\ntotal errors: %d\n", r.Errors)
}

func mb(kb int64) float64 { return float64(kb) / 1024 }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func verdict(met *bool) string {
	switch {
	case met == nil:
		return ""
	case *met:
		return "PASS"
	}
	return "MISS"
}
