package hitd

import (
	"slices"
	"strings"
	"time"
)

// Projects and batches are the requester console's way to make HITs, as
// MTurk's requester web site had them: a project holds a HIT type's
// properties, the per-HIT settings and an HTML layout with ${column}
// placeholders; a batch is an input file (CSV) of which every row becomes
// one HIT of the project when the batch is published.
//
// A project's layout is an ordinary HITLayout (layout.go), so its ID also
// works with CreateHIT's HITLayoutId, as the project's "Layout ID" did on
// MTurk. Editing the project edits that layout; HITs already made keep the
// Question they were rendered with.

// Project is a requester's template for batches of HITs.
type Project struct {
	ID          string
	Seq         int64 // store-assigned; orders listings
	RequesterID string
	Name        string // the requester's own name for it; workers never see it
	// The HIT type's properties.
	Title                       string
	Description                 string
	Keywords                    string
	Reward                      Cents
	AssignmentDurationInSeconds int64
	AutoApprovalDelayInSeconds  int64
	QualificationRequirements   []QualificationRequirement
	// The HITs' own settings.
	MaxAssignments    int
	LifetimeInSeconds int64
	LayoutID          string
	// HTML is the layout's template; the store leaves it empty (it lives
	// in the layout) and the Service fills it in.
	HTML         string
	CreationTime time.Time
	UpdateTime   time.Time
	Deleted      bool
}

// Placeholders returns the project layout's placeholder names, each once,
// in order of first appearance: the columns a batch's file must have.
func (p *Project) Placeholders() []string { return LayoutPlaceholders(p.HTML) }

// Limits on projects and batches.
const (
	MaxProjectNameRunes = 255
	MaxBatchNameRunes   = 255
	// MaxBatchRows is the most rows (HITs) one batch may have.
	MaxBatchRows = 25000
)

// BatchStatus is where a batch is in its life.
type BatchStatus string

// Batch statuses. A batch's HITs may also all be finished or expired;
// BatchProgress says so, the status does not.
const (
	BatchDraft     BatchStatus = "Draft"     // uploaded; no HITs yet
	BatchPublished BatchStatus = "Published" // its HITs exist
	BatchCancelled BatchStatus = "Cancelled" // its HITs were expired by the requester
)

// Batch is an input file of a project: one HIT per row once published.
type Batch struct {
	ID          string
	Seq         int64
	RequesterID string
	ProjectID   string
	Name        string // usually the uploaded file's name
	Status      BatchStatus
	Columns     []string // the input file's header
	Rows        int
	// Set when the batch is published: the HIT type its HITs were made
	// with and their MaxAssignments.
	HITTypeID      string
	MaxAssignments int
	CreationTime   time.Time
	PublishTime    time.Time // zero while a draft
}

// HasHITs reports whether the batch was published (it may have been
// cancelled since): a draft, even a discarded one, has no HITs.
func (b *Batch) HasHITs() bool { return b.HITTypeID != "" }

// BatchRow is one row of a batch's input file.
type BatchRow struct {
	BatchID string
	Index   int      // 0-based position among the file's rows
	Line    int      // the spreadsheet row it came from (the header is line 1), for messages
	HITID   string   // "" until the batch is published
	Values  []string // one per Batch.Columns
}

// Input returns the row's values by column name.
func (r *BatchRow) Input(columns []string) map[string]string {
	m := make(map[string]string, len(columns))
	for i, c := range columns {
		if i < len(r.Values) {
			m[c] = r.Values[i]
		}
	}
	return m
}

// LedgerQuery selects a page of one requester's ledger entries in Seq
// order.
type LedgerQuery struct {
	RequesterID string
	AfterSeq    int64
	Limit       int
}

// WorkerStats are one worker's assignments for one requester, by status.
type WorkerStats struct {
	WorkerID  string
	Accepted  int // accepted and not yet submitted
	Submitted int // awaiting review
	Approved  int
	Rejected  int
	Returned  int
	Abandoned int
	LastSeen  time.Time // the latest accept
}

// ProjectID returns a new random project ID: 30 upper-case alphanumerics.
func (g IDSource) ProjectID() string { return g.random(IDLength, idAlphabet) }

// BatchID returns a new random batch ID: 30 upper-case alphanumerics.
func (g IDSource) BatchID() string { return g.random(IDLength, idAlphabet) }

// sortWorkers orders a requester's workers by their latest accept, newest
// first, then by ID.
func sortWorkers(ws []*RequesterWorker) {
	slices.SortFunc(ws, func(a, b *RequesterWorker) int {
		if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
			return c
		}
		return strings.Compare(a.WorkerID, b.WorkerID)
	})
}
