package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/batchcsv"
)

// The "hitd project" and "hitd batch" commands are the requester console's
// projects and batches (project.go in package hitd) for the operator's
// shell: list and create projects, upload an input file as a batch and
// publish it, download its results, and apply a reviewed results file.
// They act as the requester who owns the project, batch or assignment
// named (the Service says who that is), or as --requester when given, and
// go through the same Service operations as the console.
//
// Output that scripts read goes to standard output, one "Name: value" per
// line, with the ID a command made on the last line (BatchId: …); notes and
// the progress bar go to standard error.

// requesterFlag registers --requester on fs.
func requesterFlag(fs *flag.FlagSet, v *string, what string) {
	fs.StringVar(v, "requester", "", "the requester's access key id or requester ID ("+what+")")
}

// findRequester resolves an access key id or a requester ID. In the
// sandbox realm an access key id also brings its production requester
// over on first use (as the sandbox API does); a requester ID is found
// there once it has been used in the sandbox.
func findRequester(ctx context.Context, svc *hitd.Service, keyOrID string) (*hitd.Requester, error) {
	keyOrID = strings.TrimSpace(keyOrID)
	r, ok, err := svc.LookupRequester(ctx, keyOrID)
	if err != nil || ok {
		return r, err
	}
	rs, err := svc.ListRequesters(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range rs {
		if r.ID == keyOrID {
			return r, nil
		}
	}
	return nil, hitd.Errorf(hitd.ErrNotAuthorized, "No requester has the access key id or requester ID %s.", keyOrID)
}

// callerFor is --requester when given, else the requester owner names.
func callerFor(ctx context.Context, svc *hitd.Service, requester string, owner func(context.Context, string) (string, error), id string) (hitd.Caller, error) {
	if requester != "" {
		r, err := findRequester(ctx, svc, requester)
		if err != nil {
			return hitd.Caller{}, err
		}
		return hitd.Caller{RequesterID: r.ID}, nil
	}
	rid, err := owner(ctx, strings.TrimSpace(id))
	return hitd.Caller{RequesterID: rid}, err
}

// requestersFor is the requester --requester names, or every requester.
func requestersFor(ctx context.Context, svc *hitd.Service, requester string) ([]*hitd.Requester, error) {
	if requester != "" {
		r, err := findRequester(ctx, svc, requester)
		if err != nil {
			return nil, err
		}
		return []*hitd.Requester{r}, nil
	}
	return svc.ListRequesters(ctx)
}

// errText is err's message for an operator: a domain error's message, or
// the error itself.
func errText(err error) string {
	if hitd.ErrorCode(err) != hitd.ErrInternal {
		return hitd.ErrorMessage(err)
	}
	return err.Error()
}

// parseSpan reads a Go duration ("90m", "24h") or a number of days ("3d",
// "1.5d") as whole seconds.
func parseSpan(s string) (int64, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil || n <= 0 || n > 100*365 {
			return 0, fmt.Errorf("%q is not a duration like 24h, 90m or 3d", s)
		}
		d = time.Duration(n * float64(24*time.Hour))
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q is not a duration like 24h, 90m or 3d", s)
		}
	}
	if d < time.Second {
		return 0, fmt.Errorf("%q: give at least one second", s)
	}
	return int64(d / time.Second), nil
}

// openInput opens a file named by a flag, or standard input for "-".
func openInput(path string, stdin io.Reader) (io.ReadCloser, error) {
	if path == "-" {
		return io.NopCloser(stdin), nil
	}
	return os.Open(path)
}

// isTerminal reports whether w is a terminal (a character device), where a
// progress bar may redraw itself.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progressBar draws "Publishing [#####.....]  50% 12/25 HITs" on one line,
// redrawn in place as PublishBatch reports; a retried transaction starts
// the count again, and the bar with it.
type progressBar struct {
	w    io.Writer
	last int // the percentage drawn last; -1: nothing drawn yet
}

func newProgressBar(w io.Writer) *progressBar { return &progressBar{w: w, last: -1} }

func (p *progressBar) update(done, total int) {
	if total <= 0 {
		return
	}
	pct := done * 100 / total
	if pct == p.last {
		return
	}
	p.last = pct
	const width = 30
	fill := done * width / total
	fmt.Fprintf(p.w, "\rPublishing [%s%s] %3d%% %d/%d HITs", strings.Repeat("#", fill), strings.Repeat(".", width-fill), pct, done, total)
}

// finish ends the bar's line.
func (p *progressBar) finish() {
	if p.last >= 0 {
		fmt.Fprintln(p.w)
	}
}

func placeholders(p *hitd.Project) string {
	if ph := p.Placeholders(); len(ph) > 0 {
		return strings.Join(ph, ", ")
	}
	return "(none)"
}

// projectJSON is one project in "hitd project list --json".
type projectJSON struct {
	ProjectId                   string
	RequesterId                 string
	Name                        string
	Title                       string
	Description                 string
	Keywords                    string
	Reward                      string
	MaxAssignments              int
	LifetimeInSeconds           int64
	AssignmentDurationInSeconds int64
	AutoApprovalDelayInSeconds  int64
	HITLayoutId                 string
	Placeholders                []string
	CreationTime                string
}

func projectList() adminCommand {
	var requester string
	var asJSON bool
	return adminCommand{
		name: "project list",
		flags: func(fs *flag.FlagSet) {
			requesterFlag(fs, &requester, "default: every requester's projects")
			fs.BoolVar(&asJSON, "json", false, "print a JSON array instead of a table")
		},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			rs, err := requestersFor(ctx, svc, requester)
			if err != nil {
				return err
			}
			var ps []*hitd.Project
			for _, r := range rs {
				mine, err := svc.ListProjects(ctx, hitd.Caller{RequesterID: r.ID})
				if err != nil {
					return err
				}
				ps = append(ps, mine...)
			}
			if asJSON {
				out := make([]projectJSON, 0, len(ps))
				for _, p := range ps {
					ph := p.Placeholders()
					if ph == nil {
						ph = []string{}
					}
					out = append(out, projectJSON{
						ProjectId: p.ID, RequesterId: p.RequesterID, Name: p.Name, Title: p.Title, Description: p.Description,
						Keywords: p.Keywords, Reward: p.Reward.String(), MaxAssignments: p.MaxAssignments,
						LifetimeInSeconds: p.LifetimeInSeconds, AssignmentDurationInSeconds: p.AssignmentDurationInSeconds,
						AutoApprovalDelayInSeconds: p.AutoApprovalDelayInSeconds, HITLayoutId: p.LayoutID, Placeholders: ph,
						CreationTime: p.CreationTime.UTC().Format(time.RFC3339),
					})
				}
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PROJECT ID\tREQUESTER ID\tNAME\tTITLE\tREWARD\tASSIGNMENTS\tPLACEHOLDERS")
			for _, p := range ps {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", p.ID, p.RequesterID, oneLine(p.Name), oneLine(p.Title), p.Reward, p.MaxAssignments, placeholders(p))
			}
			return tw.Flush()
		},
	}
}

// oneLine keeps a table cell on its line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func projectCreate() adminCommand {
	var requester, name, title, description, keywords, reward, layoutFile, lifetime, duration, autoApproval, html string
	var assignments int64
	var lifeSec, durSec int64
	var autoSec *int64
	return adminCommand{
		name: "project create",
		flags: func(fs *flag.FlagSet) {
			requesterFlag(fs, &requester, "required")
			fs.StringVar(&name, "name", "", "the project's name, for the requester only (required)")
			fs.StringVar(&title, "title", "", "the HITs' title, as workers see it (required)")
			fs.StringVar(&description, "description", "", "the HITs' description (required)")
			fs.StringVar(&keywords, "keywords", "", "the HITs' comma-separated keywords")
			fs.StringVar(&reward, "reward", "", "USD per assignment, e.g. 0.05 (required)")
			fs.StringVar(&layoutFile, "layout-file", "", "the layout: an HTML file with ${column} placeholders (required)")
			fs.Int64Var(&assignments, "assignments", 1, "assignments per HIT (workers per row)")
			fs.StringVar(&lifetime, "lifetime", "7d", "how long each HIT stays available, e.g. 24h or 7d")
			fs.StringVar(&duration, "duration", "1h", "time allotted per assignment, e.g. 30m or 1h")
			fs.StringVar(&autoApproval, "auto-approval", "", "submitted work is approved automatically after this, e.g. 3d (default: 30 days, as CreateHIT's)")
		},
		required: []string{"requester", "name", "title", "description", "reward", "layout-file"},
		check: func(io.Reader) error {
			b, err := os.ReadFile(layoutFile)
			if err != nil {
				return err
			}
			html = string(b)
			if lifeSec, err = parseSpan(lifetime); err != nil {
				return fmt.Errorf("--lifetime %w", err)
			}
			if durSec, err = parseSpan(duration); err != nil {
				return fmt.Errorf("--duration %w", err)
			}
			if autoApproval != "" {
				n, err := parseSpan(autoApproval)
				if err != nil {
					return fmt.Errorf("--auto-approval %w", err)
				}
				autoSec = &n
			}
			return nil
		},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			r, err := findRequester(ctx, svc, requester)
			if err != nil {
				return err
			}
			p, err := svc.CreateProject(ctx, hitd.Caller{RequesterID: r.ID}, &hitd.ProjectInput{
				Name: name, Title: title, Description: description, Keywords: keywords, Reward: reward,
				MaxAssignments: &assignments, LifetimeInSeconds: &lifeSec, AssignmentDurationInSeconds: &durSec,
				AutoApprovalDelayInSeconds: autoSec, HTML: html,
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Name:         %s\nRequesterId:  %s\nPlaceholders: %s\nHITLayoutId:  %s\nProjectId:    %s\n",
				p.Name, p.RequesterID, placeholders(p), p.LayoutID, p.ID)
			return nil
		},
	}
}

// costLine is "3 HITs × 2 assignments × (0.05 reward + 0.01 fee) = 0.36".
func costLine(c hitd.BatchCost) string {
	return fmt.Sprintf("%d HITs × %d assignments × (%s reward + %s fee) = %s", c.HITs, c.MaxAssignments, c.Reward, c.Fee, c.Total)
}

// lookupBatch returns one of c's batches. A draft cancelled before it was
// published has no HITs and no HIT type; Service.GetBatch and BatchResults
// do not expect such a batch, so the commands look batches up here first
// and never hand it to them (see hasHITs).
func lookupBatch(ctx context.Context, svc *hitd.Service, c hitd.Caller, id string) (*hitd.Batch, error) {
	bs, err := svc.ListBatches(ctx, c, "")
	if err != nil {
		return nil, err
	}
	for _, b := range bs {
		if b.ID == id {
			return b, nil
		}
	}
	return nil, hitd.Errorf(hitd.ErrBatchNotFound, "Batch %s does not exist.", id)
}

// hasHITs reports whether a batch was published (and so has HITs).
func hasHITs(b *hitd.Batch) bool { return b.HITTypeID != "" }

// viewOf is GetBatch, or for a draft cancelled before publishing just the
// batch: it has no cost or progress.
func viewOf(ctx context.Context, svc *hitd.Service, c hitd.Caller, b *hitd.Batch) (*hitd.BatchView, error) {
	if b.Status != hitd.BatchDraft && !hasHITs(b) {
		return &hitd.BatchView{Batch: b}, nil
	}
	return svc.GetBatch(ctx, c, b.ID)
}

// publishedBatch returns one of c's batches that has HITs, or an error
// saying why it has none.
func publishedBatch(ctx context.Context, svc *hitd.Service, c hitd.Caller, id string) (*hitd.Batch, error) {
	b, err := lookupBatch(ctx, svc, c, id)
	if err != nil {
		return nil, err
	}
	switch {
	case b.Status == hitd.BatchDraft:
		return nil, hitd.Errorf(hitd.ErrInvalidBatchState, "Batch %s is a draft: it has no HITs until it is published (hitd batch publish --batch %s).", id, id)
	case !hasHITs(b):
		return nil, hitd.Errorf(hitd.ErrInvalidBatchState, "Batch %s has no HITs: it was cancelled as a draft.", id)
	}
	return b, nil
}

// publish shows a draft's cost, publishes it (with a progress bar on
// stderr when that is a terminal) and reports the new balance. If
// publishing fails the batch stays a draft, and the error says so.
func publish(ctx context.Context, svc *hitd.Service, c hitd.Caller, id string, stdout, stderr io.Writer) error {
	b, err := lookupBatch(ctx, svc, c, id)
	if err != nil {
		return err
	}
	if b.Status != hitd.BatchDraft {
		return hitd.Errorf(hitd.ErrInvalidBatchState, "Batch %s is already %s.", id, strings.ToLower(string(b.Status)))
	}
	v, err := svc.GetBatch(ctx, c, id)
	if err != nil {
		return err
	}
	if v.Project == nil {
		return hitd.Errorf(hitd.ErrProjectNotFound, "Batch %s's project %s was deleted; its batch cannot be published.", id, v.Batch.ProjectID)
	}
	fmt.Fprintf(stdout, "Cost:      %s\n", costLine(v.Cost))
	fmt.Fprintf(stdout, "Balance:   %s before publishing\n", v.Balance)
	var progress func(done, total int)
	var bar *progressBar
	if isTerminal(stderr) {
		bar = newProgressBar(stderr)
		progress = bar.update
	}
	_, err = svc.PublishBatch(ctx, c, id, progress)
	if bar != nil {
		bar.finish()
	}
	if err != nil {
		fmt.Fprintf(stdout, "Draft:     publishing failed; the batch remains a draft\nBatchId:   %s\n", id)
		return fmt.Errorf("publishing batch %s: %s The batch remains a draft: fix that, then run \"hitd batch publish --batch %s\".", id, errText(err), id)
	}
	after, err := svc.GetBatch(ctx, c, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Published: %d HITs, expiring %s; balance now %s\nBatchId:   %s\n",
		after.Progress.HITs, after.Progress.Expiration.UTC().Format(time.RFC3339), after.Balance, id)
	return nil
}

func batchCreate() adminCommand {
	var project, csvPath, name, requester string
	var draft bool
	var stdin io.Reader
	return adminCommand{
		name: "batch create",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&project, "project", "", "the project whose layout the rows fill (required)")
			fs.StringVar(&csvPath, "csv", "", "the input file: CSV in UTF-8, a header naming the layout's placeholders, one row per HIT; - reads standard input (required)")
			fs.StringVar(&name, "name", "", "the batch's name (default: the file's name)")
			fs.BoolVar(&draft, "draft", false, "only upload: leave the batch a draft for \"hitd batch publish\"")
			requesterFlag(fs, &requester, "default: the project's owner")
		},
		required: []string{"project", "csv"},
		check: func(in io.Reader) error {
			stdin = in
			if csvPath != "-" {
				f, err := os.Open(csvPath)
				if err != nil {
					return err
				}
				f.Close()
			}
			if name == "" && csvPath != "-" {
				name = filepath.Base(csvPath)
			}
			return nil
		},
		runWithStderr: func(ctx context.Context, svc *hitd.Service, stdout, stderr io.Writer) error {
			c, err := callerFor(ctx, svc, requester, svc.ProjectOwner, project)
			if err != nil {
				return err
			}
			p, err := svc.GetProject(ctx, c, strings.TrimSpace(project))
			if err != nil {
				return err
			}
			f, err := openInput(csvPath, stdin)
			if err != nil {
				return err
			}
			in, err := batchcsv.ParseInput(f, batchcsv.InputOptions{Required: p.Placeholders(), MaxRows: hitd.MaxBatchRows})
			f.Close()
			if err != nil {
				file := csvPath
				if file == "-" {
					file = "standard input"
				}
				return fmt.Errorf("%s: %v", file, err)
			}
			b, err := svc.CreateBatch(ctx, c, &hitd.BatchInput{ProjectID: p.ID, Name: name, Columns: in.Columns, Rows: in.Rows, Lines: in.RowNumbers})
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Project:   %s (%s)\nBatch:     %s: %d rows, columns %s\n", oneLine(p.Name), p.ID, b.Name, b.Rows, strings.Join(b.Columns, ", "))
			if draft {
				v, err := svc.GetBatch(ctx, c, b.ID)
				if err != nil {
					return err
				}
				fmt.Fprintf(stdout, "Cost:      %s\nBalance:   %s\nDraft:     not published; \"hitd batch publish --batch %s\" publishes it\nBatchId:   %s\n",
					costLine(v.Cost), v.Balance, b.ID, b.ID)
				return nil
			}
			return publish(ctx, svc, c, b.ID, stdout, stderr)
		},
	}
}

func batchPublish() adminCommand {
	var batch, requester string
	return adminCommand{
		name: "batch publish",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&batch, "batch", "", "the draft batch (required)")
			requesterFlag(fs, &requester, "default: the batch's owner")
		},
		required: []string{"batch"},
		runWithStderr: func(ctx context.Context, svc *hitd.Service, stdout, stderr io.Writer) error {
			c, err := callerFor(ctx, svc, requester, svc.BatchOwner, batch)
			if err != nil {
				return err
			}
			return publish(ctx, svc, c, strings.TrimSpace(batch), stdout, stderr)
		},
	}
}

// batchJSON is one batch in "hitd batch list --json".
type batchJSON struct {
	BatchId        string
	ProjectId      string
	RequesterId    string
	Name           string
	Status         string
	Rows           int
	Columns        []string
	HITTypeId      string `json:",omitempty"`
	MaxAssignments int
	CreationTime   string
	PublishTime    string `json:",omitempty"`
	Cost           struct{ Reward, Fee, Total string }
	// Progress is absent for a draft.
	Progress *struct {
		HITs, Assignments, Accepted, Submitted, Approved, Rejected, Remaining, Available int
		Expiration                                                                       string
		Expired                                                                          bool
		Reserved                                                                         string
	} `json:",omitempty"`
}

func batchList() adminCommand {
	var project, requester string
	var asJSON bool
	return adminCommand{
		name: "batch list",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&project, "project", "", "only this project's batches")
			requesterFlag(fs, &requester, "default: the project's owner, or every requester")
			fs.BoolVar(&asJSON, "json", false, "print a JSON array instead of a table")
		},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			project = strings.TrimSpace(project)
			var callers []hitd.Caller
			if project != "" {
				c, err := callerFor(ctx, svc, requester, svc.ProjectOwner, project)
				if err != nil {
					return err
				}
				if _, err := svc.GetProject(ctx, c, project); err != nil {
					return err
				}
				callers = []hitd.Caller{c}
			} else {
				rs, err := requestersFor(ctx, svc, requester)
				if err != nil {
					return err
				}
				for _, r := range rs {
					callers = append(callers, hitd.Caller{RequesterID: r.ID})
				}
			}
			var views []*hitd.BatchView
			for _, c := range callers {
				bs, err := svc.ListBatches(ctx, c, project)
				if err != nil {
					return err
				}
				for _, b := range bs {
					v, err := viewOf(ctx, svc, c, b)
					if err != nil {
						return err
					}
					views = append(views, v)
				}
			}
			if asJSON {
				out := make([]batchJSON, 0, len(views))
				for _, v := range views {
					b := v.Batch
					j := batchJSON{BatchId: b.ID, ProjectId: b.ProjectID, RequesterId: b.RequesterID, Name: b.Name, Status: string(b.Status),
						Rows: b.Rows, Columns: b.Columns, HITTypeId: b.HITTypeID, MaxAssignments: v.Cost.MaxAssignments,
						CreationTime: b.CreationTime.UTC().Format(time.RFC3339)}
					if !b.PublishTime.IsZero() {
						j.PublishTime = b.PublishTime.UTC().Format(time.RFC3339)
					}
					j.Cost.Reward, j.Cost.Fee, j.Cost.Total = v.Cost.Reward.String(), v.Cost.Fee.String(), v.Cost.Total.String()
					if hasHITs(b) {
						pr := v.Progress
						j.Progress = &struct {
							HITs, Assignments, Accepted, Submitted, Approved, Rejected, Remaining, Available int
							Expiration                                                                       string
							Expired                                                                          bool
							Reserved                                                                         string
						}{pr.HITs, pr.Assignments, pr.Accepted, pr.Submitted, pr.Approved, pr.Rejected, pr.Remaining, pr.Available,
							pr.Expiration.UTC().Format(time.RFC3339), pr.Expired, pr.Reserved.String()}
					}
					out = append(out, j)
				}
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "BATCH ID\tPROJECT ID\tNAME\tSTATUS\tROWS\tASSIGNMENTS\tSUBMITTED\tAPPROVED\tREJECTED\tREMAINING\tEXPIRES\tCREATED")
			for _, v := range views {
				b, pr := v.Batch, v.Progress
				progress, expires := "-\t-\t-\t-\t-", "-"
				if hasHITs(b) {
					progress = fmt.Sprintf("%d\t%d\t%d\t%d\t%d", pr.Assignments, pr.Submitted, pr.Approved, pr.Rejected, pr.Remaining)
					expires = pr.Expiration.UTC().Format(time.RFC3339)
					if pr.Expired {
						expires += " (expired)"
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", b.ID, b.ProjectID, oneLine(b.Name), b.Status, b.Rows, progress, expires, b.CreationTime.UTC().Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
}

func batchResults() adminCommand {
	var batch, out, requester string
	return adminCommand{
		name: "batch results",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&batch, "batch", "", "the published batch (required)")
			fs.StringVar(&out, "out", "", "write the results CSV to this file (default: standard output)")
			requesterFlag(fs, &requester, "default: the batch's owner")
		},
		required: []string{"batch"},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			c, err := callerFor(ctx, svc, requester, svc.BatchOwner, batch)
			if err != nil {
				return err
			}
			id := strings.TrimSpace(batch)
			if _, err := publishedBatch(ctx, svc, c, id); err != nil {
				return err
			}
			b, results, err := svc.BatchResults(ctx, c, id)
			if err != nil {
				return err
			}
			if out == "" || out == "-" {
				return batchcsv.WriteResults(stdout, batchcsv.FromBatch(b, results))
			}
			var buf bytes.Buffer
			if err := batchcsv.WriteResults(&buf, batchcsv.FromBatch(b, results)); err != nil {
				return err
			}
			// Worker IDs and answers: readable by the operator only.
			if err := os.WriteFile(out, buf.Bytes(), 0o600); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Wrote %d result rows of batch %s to %s\n", len(results), b.ID, out)
			return nil
		},
	}
}

func batchReview() adminCommand {
	var csvPath, batch, requester string
	var decisions []batchcsv.Decision
	return adminCommand{
		name: "batch review",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&csvPath, "csv", "", "the batch's results file with Approve or Reject filled in; - reads standard input (required)")
			fs.StringVar(&batch, "batch", "", "the batch the file is of: every marked assignment must be in it (default: whatever the file names)")
			requesterFlag(fs, &requester, "default: the batch's owner, or the first marked assignment's")
		},
		required: []string{"csv"},
		check: func(stdin io.Reader) error {
			f, err := openInput(csvPath, stdin)
			if err != nil {
				return err
			}
			defer f.Close()
			if decisions, err = batchcsv.ParseReview(f); err != nil {
				file := csvPath
				if file == "-" {
					file = "standard input"
				}
				return fmt.Errorf("%s: %v", file, err)
			}
			return nil
		},
		runWithStderr: func(ctx context.Context, svc *hitd.Service, stdout, stderr io.Writer) error {
			batch = strings.TrimSpace(batch)
			var c hitd.Caller
			var err error
			switch {
			case requester != "" || batch != "":
				c, err = callerFor(ctx, svc, requester, svc.BatchOwner, batch)
			case len(decisions) > 0:
				c, err = callerFor(ctx, svc, "", svc.AssignmentOwner, decisions[0].AssignmentID)
				if err != nil {
					err = fmt.Errorf("row %d: %s", decisions[0].Row, errText(err))
				}
			}
			if err != nil {
				return err
			}
			if batch != "" {
				if _, err := publishedBatch(ctx, svc, c, batch); err != nil {
					return err
				}
				_, results, err := svc.BatchResults(ctx, c, batch)
				if err != nil {
					return err
				}
				in := make(map[string]bool, len(results))
				for _, r := range results {
					if r.Assignment != nil {
						in[r.Assignment.ID] = true
					}
				}
				for _, d := range decisions {
					if !in[d.AssignmentID] {
						return fmt.Errorf("row %d: assignment %s is not a submitted assignment of batch %s; nothing was changed", d.Row, d.AssignmentID, batch)
					}
				}
			}
			if len(decisions) == 0 {
				fmt.Fprintln(stderr, "No row has a mark in Approve or Reject: nothing to do.")
				fmt.Fprintln(stdout, "approved 0, rejected 0, unchanged 0")
				return nil
			}
			o, err := svc.ReviewAssignments(ctx, c, batchcsv.ReviewDecisions(decisions))
			if err != nil {
				return fmt.Errorf("%s (nothing was changed)", errText(err))
			}
			fmt.Fprintf(stdout, "approved %d, rejected %d, unchanged %d\n", o.Approved, o.Rejected, o.Unchanged)
			return nil
		},
	}
}

func batchCancel() adminCommand {
	var batch, requester string
	return adminCommand{
		name: "batch cancel",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&batch, "batch", "", "the batch (required)")
			requesterFlag(fs, &requester, "default: the batch's owner")
		},
		required: []string{"batch"},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			c, err := callerFor(ctx, svc, requester, svc.BatchOwner, batch)
			if err != nil {
				return err
			}
			id := strings.TrimSpace(batch)
			b, err := lookupBatch(ctx, svc, c, id)
			if err != nil {
				return err
			}
			switch {
			case b.Status == hitd.BatchDraft:
				v, err := svc.GetBatch(ctx, c, id)
				if err != nil {
					return err
				}
				if _, err := svc.CancelBatch(ctx, c, id); err != nil {
					return err
				}
				fmt.Fprintf(stdout, "Batch %s cancelled: it was a draft and has no HITs.\nBalance: %s\n", id, v.Balance)
				return nil
			case !hasHITs(b):
				return hitd.Errorf(hitd.ErrInvalidBatchState, "Batch %s is already cancelled: it was cancelled as a draft.", id)
			}
			if _, err := svc.CancelBatch(ctx, c, id); err != nil {
				return err
			}
			v, err := svc.GetBatch(ctx, c, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Batch %s cancelled: its HITs expired, so nobody new can accept them; work already accepted may still be submitted.\nBalance: %s\n", id, v.Balance)
			return nil
		},
	}
}

func batchExtend() adminCommand {
	var batch, by, requester string
	var seconds int64
	return adminCommand{
		name: "batch extend",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&batch, "batch", "", "the published or cancelled batch (required)")
			fs.StringVar(&by, "by", "", "how much longer its HITs stay available, e.g. 24h or 3d; expired HITs reopen for that long (required)")
			requesterFlag(fs, &requester, "default: the batch's owner")
		},
		required: []string{"batch", "by"},
		check: func(io.Reader) (err error) {
			if seconds, err = parseSpan(by); err != nil {
				return fmt.Errorf("--by %w", err)
			}
			return nil
		},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			c, err := callerFor(ctx, svc, requester, svc.BatchOwner, batch)
			if err != nil {
				return err
			}
			id := strings.TrimSpace(batch)
			if _, err := publishedBatch(ctx, svc, c, id); err != nil {
				return err
			}
			if _, err := svc.ExtendBatch(ctx, c, id, seconds); err != nil {
				return err
			}
			v, err := svc.GetBatch(ctx, c, id)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Batch %s extended: its HITs expire at %s.\nBalance: %s\n", id, v.Progress.Expiration.UTC().Format(time.RFC3339), v.Balance)
			return nil
		},
	}
}
