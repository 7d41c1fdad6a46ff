package hitd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// This file is the requester console's projects and batches (project.go
// says what they are). Everything here goes through the same HIT, money and
// review paths as the Requester API, so the console and the API always
// agree: publishing a batch funds and creates HITs as CreateHIT does,
// cancelling expires them as UpdateExpirationForHIT does, and reviewing
// approves and rejects as ApproveAssignment and RejectAssignment do.

// ProjectInput is what a requester fills in to create or edit a project.
type ProjectInput struct {
	Name                        string
	Title                       string
	Description                 string
	Keywords                    string
	Reward                      string // USD, e.g. "0.05"
	MaxAssignments              *int64
	LifetimeInSeconds           *int64
	AssignmentDurationInSeconds *int64
	AutoApprovalDelayInSeconds  *int64 // nil: MTurk's default, 30 days
	QualificationRequirements   []QualificationRequirement
	HTML                        string // the layout, with ${column} placeholders
}

// Input returns the input that recreates p (for edit forms
// and copies).
func (p *Project) Input() *ProjectInput {
	return &ProjectInput{
		Name: p.Name, Title: p.Title, Description: p.Description, Keywords: p.Keywords,
		Reward:                      p.Reward.String(),
		MaxAssignments:              ptr(int64(p.MaxAssignments)),
		LifetimeInSeconds:           ptr(p.LifetimeInSeconds),
		AssignmentDurationInSeconds: ptr(p.AssignmentDurationInSeconds),
		AutoApprovalDelayInSeconds:  ptr(p.AutoApprovalDelayInSeconds),
		QualificationRequirements:   p.QualificationRequirements,
		HTML:                        p.HTML,
	}
}

// checkProject validates a project's input and returns the project it
// describes (without ID, layout or times).
func (s *Service) checkProject(c Caller, in *ProjectInput) (*Project, error) {
	if err := requireString("Name", strings.TrimSpace(in.Name)); err != nil {
		return nil, err
	}
	if err := maxRunes("Name", in.Name, MaxProjectNameRunes); err != nil {
		return nil, err
	}
	t, err := s.newHITType(c, &CreateHITTypeInput{
		Title: in.Title, Description: in.Description, Keywords: in.Keywords, Reward: in.Reward,
		AssignmentDurationInSeconds: in.AssignmentDurationInSeconds, AutoApprovalDelayInSeconds: in.AutoApprovalDelayInSeconds,
		QualificationRequirements: in.QualificationRequirements,
	})
	if err != nil {
		return nil, err
	}
	lifetime, err := intInRange("LifetimeInSeconds", in.LifetimeInSeconds, MinLifetime, MaxLifetime, nil)
	if err != nil {
		return nil, err
	}
	maxAsg, err := intInRange("MaxAssignments", in.MaxAssignments, MinMaxAssignments, MaxMaxAssignments, ptr[int64](1))
	if err != nil {
		return nil, err
	}
	if err := checkLayoutHTML(in.HTML); err != nil {
		return nil, err
	}
	return &Project{
		RequesterID: c.RequesterID, Name: strings.TrimSpace(in.Name),
		Title: t.Title, Description: t.Description, Keywords: t.Keywords, Reward: t.Reward,
		AssignmentDurationInSeconds: t.AssignmentDurationInSeconds, AutoApprovalDelayInSeconds: t.AutoApprovalDelayInSeconds,
		QualificationRequirements: t.QualificationRequirements,
		MaxAssignments:            int(maxAsg), LifetimeInSeconds: lifetime, HTML: in.HTML,
	}, nil
}

// hitType is the HIT type a project's HITs get (CreateHIT's type for the
// same properties).
func (p *Project) hitType(now time.Time) *HITType {
	t := &HITType{
		RequesterID: p.RequesterID, Title: p.Title, Description: p.Description, Keywords: p.Keywords, Reward: p.Reward,
		AssignmentDurationInSeconds: p.AssignmentDurationInSeconds, AutoApprovalDelayInSeconds: p.AutoApprovalDelayInSeconds,
		QualificationRequirements: p.QualificationRequirements, CreationTime: now,
	}
	t.ID = hitTypeID(t)
	return t
}

// CreateProject creates a project and its layout.
func (s *Service) CreateProject(ctx context.Context, c Caller, in *ProjectInput) (*Project, error) {
	p, err := s.checkProject(c, in)
	if err != nil {
		return nil, err
	}
	now := s.now()
	p.ID, p.LayoutID, p.CreationTime, p.UpdateTime = s.ids.ProjectID(), s.ids.LayoutID(), now, now
	err = s.store.Write(ctx, func(tx Tx) error {
		if err := s.checkQualificationTypesExist(ctx, tx, p.QualificationRequirements); err != nil {
			return err
		}
		if err := tx.InsertLayout(ctx, &HITLayout{ID: p.LayoutID, RequesterID: c.RequesterID, Name: p.Name, HTML: p.HTML, CreationTime: now}); err != nil {
			return err
		}
		return tx.InsertProject(ctx, p)
	})
	if err != nil {
		return nil, internal("create project", err)
	}
	return p, nil
}

// UpdateProject replaces a project's settings and layout. Batches already
// published keep their HITs as they were made.
func (s *Service) UpdateProject(ctx context.Context, c Caller, id string, in *ProjectInput) (*Project, error) {
	next, err := s.checkProject(c, in)
	if err != nil {
		return nil, err
	}
	var out *Project
	err = s.store.Write(ctx, func(tx Tx) error {
		p, err := s.ownProject(ctx, tx, c, id)
		if err != nil {
			return err
		}
		if err := s.checkQualificationTypesExist(ctx, tx, next.QualificationRequirements); err != nil {
			return err
		}
		next.ID, next.Seq, next.LayoutID, next.CreationTime, next.UpdateTime = p.ID, p.Seq, p.LayoutID, p.CreationTime, s.now()
		if err := tx.UpdateLayoutHTML(ctx, p.LayoutID, next.HTML); err != nil {
			return err
		}
		if err := tx.UpdateProject(ctx, next); err != nil {
			return err
		}
		out = next
		return nil
	})
	if err != nil {
		return nil, internal("update project", err)
	}
	return out, nil
}

// CopyProject makes a new project with the settings and layout of one of
// the caller's projects, named "Copy of …".
func (s *Service) CopyProject(ctx context.Context, c Caller, id string) (*Project, error) {
	p, err := s.GetProject(ctx, c, id)
	if err != nil {
		return nil, err
	}
	in := p.Input()
	in.Name = truncateRunes("Copy of "+p.Name, MaxProjectNameRunes)
	return s.CreateProject(ctx, c, in)
}

// DeleteProject removes a project from the caller's list, with its
// layout. Its batches and their HITs stay.
func (s *Service) DeleteProject(ctx context.Context, c Caller, id string) error {
	err := s.store.Write(ctx, func(tx Tx) error {
		p, err := s.ownProject(ctx, tx, c, id)
		if err != nil {
			return err
		}
		p.Deleted, p.UpdateTime = true, s.now()
		if err := tx.UpdateProject(ctx, p); err != nil {
			return err
		}
		l, err := tx.Layout(ctx, p.LayoutID)
		if err != nil {
			return err
		}
		l.Deleted = true
		return tx.UpdateLayout(ctx, l)
	})
	return internal("delete project", err)
}

// GetProject returns one of the caller's live projects, HTML included.
func (s *Service) GetProject(ctx context.Context, c Caller, id string) (*Project, error) {
	var p *Project
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		p, err = s.ownProject(ctx, tx, c, id)
		return err
	})
	if err != nil {
		return nil, internal("get project", err)
	}
	return p, nil
}

// ListProjects returns the caller's live projects, oldest first, HTML
// included.
func (s *Service) ListProjects(ctx context.Context, c Caller) ([]*Project, error) {
	var out []*Project
	err := s.store.Read(ctx, func(tx Tx) error {
		ps, err := tx.ListProjects(ctx, c.RequesterID)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if err := fillProjectHTML(ctx, tx, p); err != nil {
				return err
			}
		}
		out = ps
		return nil
	})
	if err != nil {
		return nil, internal("list projects", err)
	}
	return out, nil
}

// ownProject loads one of the caller's live projects with its HTML.
func (s *Service) ownProject(ctx context.Context, tx Tx, c Caller, id string) (*Project, error) {
	if err := requireString("ProjectId", id); err != nil {
		return nil, err
	}
	p, err := tx.Project(ctx, id)
	if err == nil && (p.RequesterID != c.RequesterID || p.Deleted) {
		err = ErrNoRows
	}
	if err != nil {
		return nil, notFound(err, ErrProjectNotFound, "Project %s does not exist.", id)
	}
	if err := fillProjectHTML(ctx, tx, p); err != nil {
		return nil, err
	}
	return p, nil
}

func fillProjectHTML(ctx context.Context, tx Tx, p *Project) error {
	l, err := tx.Layout(ctx, p.LayoutID)
	if err != nil {
		return fmt.Errorf("project %s: layout %s: %w", p.ID, p.LayoutID, err)
	}
	p.HTML = l.HTML
	return nil
}

// BatchInput is an input file for a project: its header and rows, as
// package batchcsv parses them.
type BatchInput struct {
	ProjectID string
	Name      string // the file's name, shown in listings
	Columns   []string
	Rows      [][]string // each with len(Columns) values
	// Lines are each row's spreadsheet row number, for messages; nil
	// numbers the rows from 2 (after the header).
	Lines []int
}

// CreateBatch stores an input file as a draft batch of one of the
// caller's projects. Every placeholder of the project's layout must be a
// column, and every row must make a valid HIT (its rendered HTMLQuestion
// within MTurk's size limit); errors name the row and column. Publishing
// (PublishBatch) makes the HITs.
func (s *Service) CreateBatch(ctx context.Context, c Caller, in *BatchInput) (*Batch, error) {
	if len(in.Rows) == 0 {
		return nil, Errorf(ErrInvalidBatchInput, "The input file has a header but no rows: add one row for each HIT.")
	}
	if len(in.Rows) > MaxBatchRows {
		return nil, Errorf(ErrInvalidBatchInput, "The input file has %d rows; a batch may have at most %d. Split it into several batches.", len(in.Rows), MaxBatchRows)
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = "Batch"
	}
	name = truncateRunes(name, MaxBatchNameRunes)
	if err := maxRunes("Name", name, MaxBatchNameRunes); err != nil {
		return nil, err
	}
	for i, col := range in.Columns {
		if err := checkXMLText(col); err != nil {
			return nil, Errorf(ErrInvalidBatchInput, "Column %d's name %s.", i+1, err)
		}
	}
	lines := in.Lines
	if lines == nil {
		lines = make([]int, len(in.Rows))
		for i := range lines {
			lines[i] = i + 2
		}
	}
	now := s.now()
	b := &Batch{ID: s.ids.BatchID(), RequesterID: c.RequesterID, ProjectID: in.ProjectID, Name: name, Status: BatchDraft,
		Columns: in.Columns, Rows: len(in.Rows), CreationTime: now}
	rows := make([]*BatchRow, len(in.Rows))
	for i, vals := range in.Rows {
		if len(vals) != len(in.Columns) {
			return nil, Errorf(ErrInvalidBatchInput, "Row %d has %d values but the header has %d columns.", lines[i], len(vals), len(in.Columns))
		}
		rows[i] = &BatchRow{BatchID: b.ID, Index: i, Line: lines[i], Values: vals}
	}
	err := s.store.Write(ctx, func(tx Tx) error {
		p, err := s.ownProject(ctx, tx, c, in.ProjectID)
		if err != nil {
			return err
		}
		if _, err := batchQuestions(p, b, rows); err != nil {
			return err
		}
		if err := tx.InsertBatch(ctx, b); err != nil {
			return err
		}
		return tx.InsertBatchRows(ctx, rows)
	})
	if err != nil {
		return nil, internal("create batch", err)
	}
	return b, nil
}

// batchQuestions renders every row of a batch with a project's layout, as
// the HTMLQuestions its HITs get. Errors name the row (and the column, for
// a value XML cannot carry).
func batchQuestions(p *Project, b *Batch, rows []*BatchRow) ([]string, error) {
	col := make(map[string]int, len(b.Columns))
	for i, c := range b.Columns {
		if _, dup := col[c]; dup {
			return nil, Errorf(ErrInvalidBatchInput, "The input file has two columns named %q; column names must be unique.", c)
		}
		col[c] = i
	}
	var missing []string
	names := p.Placeholders()
	for _, n := range names {
		if _, ok := col[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, Errorf(ErrInvalidBatchInput, "The input file has no column for the layout's placeholder%s %s. Its header must name every placeholder of project %q (%s).",
			plural(len(missing)), quoteNames(missing), p.Name, strings.Join(names, ", "))
	}
	layout := &HITLayout{ID: p.LayoutID, HTML: p.HTML}
	out := make([]string, len(rows))
	params := make([]HITLayoutParameter, len(names))
	for i, r := range rows {
		for j, n := range names {
			v := r.Values[col[n]]
			if err := checkXMLText(v); err != nil {
				return nil, Errorf(ErrInvalidBatchInput, "Row %d, column %q: the value %s.", r.Line, n, err)
			}
			params[j] = HITLayoutParameter{Name: n, Value: v}
		}
		body, err := layout.Render(params)
		if err != nil {
			return nil, Errorf(ErrInvalidBatchInput, "Row %d: %s", r.Line, ErrorMessage(err))
		}
		q := LayoutQuestion(body)
		if len(q) > MaxQuestionBytes {
			return nil, Errorf(ErrInvalidBatchInput, "Row %d makes a %d-byte HTMLQuestion; a HIT's Question may be at most %d bytes. Shorten its values.", r.Line, len(q), MaxQuestionBytes)
		}
		out[i] = q
	}
	return out, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// BatchCost is what publishing a batch reserves from the balance.
type BatchCost struct {
	HITs           int
	MaxAssignments int
	Reward         Cents // per assignment
	Fee            Cents // per assignment
	Total          Cents // HITs × MaxAssignments × (Reward + Fee)
}

// batchCost prices a batch of rows HITs of project p.
func batchCost(p *Project, rows int, now time.Time) BatchCost {
	slot := SlotCost(p.hitType(now), p.MaxAssignments)
	return BatchCost{HITs: rows, MaxAssignments: p.MaxAssignments, Reward: p.Reward, Fee: slot - p.Reward,
		Total: Cents(rows) * Cents(p.MaxAssignments) * slot}
}

// PublishBatch creates a draft batch's HITs, one per row, with the
// project's current settings, in one transaction: all of them, funded, or
// none. progress, if not nil, is called as HITs are made (done of total);
// a store that retries the transaction starts the count again.
func (s *Service) PublishBatch(ctx context.Context, c Caller, id string, progress func(done, total int)) (*Batch, error) {
	var out *Batch
	err := s.store.Write(WithWriteKey(ctx, "requester:"+c.RequesterID), func(tx Tx) error {
		now := s.now()
		b, err := s.ownBatch(ctx, tx, c, id)
		if err != nil {
			return err
		}
		switch b.Status {
		case BatchPublished:
			return Errorf(ErrInvalidBatchState, "Batch %s is already published.", b.ID)
		case BatchCancelled:
			return Errorf(ErrInvalidBatchState, "Batch %s was cancelled; upload its file again to make a new batch.", b.ID)
		}
		p, err := s.ownProject(ctx, tx, c, b.ProjectID)
		if err != nil {
			return err
		}
		rows, err := tx.BatchRows(ctx, b.ID)
		if err != nil {
			return err
		}
		questions, err := batchQuestions(p, b, rows)
		if err != nil {
			return err
		}
		if err := s.checkQualificationTypesExist(ctx, tx, p.QualificationRequirements); err != nil {
			return err
		}
		r, err := tx.RequesterByID(ctx, c.RequesterID)
		if err != nil {
			return notFound(err, ErrNotAuthorized, "The requester for these credentials no longer exists.")
		}
		cost := batchCost(p, len(rows), now)
		if r.Balance < cost.Total {
			return Errorf(ErrInsufficientFunds, "Publishing this batch costs %s (%d HITs × %d assignments × (%s reward + %s fee)) and the available balance is %s.",
				cost.Total, cost.HITs, cost.MaxAssignments, cost.Reward, cost.Fee, r.Balance)
		}
		t := p.hitType(now)
		if _, err := tx.InsertHITType(ctx, t); err != nil {
			return err
		}
		pr := purse{now: now}
		for i, row := range rows {
			h := &HIT{
				ID: s.ids.HITID(), HITTypeID: t.ID, RequesterID: c.RequesterID, Question: questions[i],
				LayoutID: p.LayoutID, LayoutParameters: rowParams(p, b, row),
				MaxAssignments: p.MaxAssignments, LifetimeInSeconds: p.LifetimeInSeconds,
				CreationTime: now, Expiration: now.Add(time.Duration(p.LifetimeInSeconds) * time.Second),
				ReviewStatus: ReviewNotReviewed,
			}
			if err := pr.fund(r, h, t, h.MaxAssignments); err != nil {
				return err
			}
			if err := tx.InsertHIT(ctx, h); err != nil {
				return err
			}
			if err := tx.SetBatchRowHIT(ctx, b.ID, row.Index, h.ID); err != nil {
				return err
			}
			if err := s.emit(ctx, tx, h, EventHITCreated, "", now); err != nil {
				return err
			}
			if progress != nil {
				progress(i+1, len(rows))
			}
		}
		if err := tx.UpdateRequester(ctx, r); err != nil {
			return err
		}
		if err := pr.flush(ctx, tx); err != nil {
			return err
		}
		b.Status, b.HITTypeID, b.MaxAssignments, b.PublishTime = BatchPublished, t.ID, p.MaxAssignments, now
		if err := tx.UpdateBatch(ctx, b); err != nil {
			return err
		}
		out = b
		return nil
	})
	if err != nil {
		return nil, internal("publish batch", err)
	}
	return out, nil
}

// rowParams are a row's values for the layout's placeholders, as a HIT's
// HITLayoutParameters.
func rowParams(p *Project, b *Batch, row *BatchRow) []HITLayoutParameter {
	in := row.Input(b.Columns)
	var out []HITLayoutParameter
	for _, n := range p.Placeholders() {
		out = append(out, HITLayoutParameter{Name: n, Value: in[n]})
	}
	return out
}

// ownBatch loads one of the caller's batches.
func (s *Service) ownBatch(ctx context.Context, tx Tx, c Caller, id string) (*Batch, error) {
	if err := requireString("BatchId", id); err != nil {
		return nil, err
	}
	b, err := tx.Batch(ctx, id)
	if err == nil && b.RequesterID != c.RequesterID {
		err = ErrNoRows
	}
	if err != nil {
		return nil, notFound(err, ErrBatchNotFound, "Batch %s does not exist.", id)
	}
	return b, nil
}

// BatchProgress counts a batch's assignment slots by where they are.
type BatchProgress struct {
	HITs        int
	Assignments int // HITs × MaxAssignments
	Accepted    int // being worked on
	Submitted   int // awaiting review
	Approved    int
	Rejected    int
	// Remaining slots nobody has submitted yet (Accepted included);
	// Available of them can still be accepted (their HIT is open).
	Remaining int
	Available int
	// Expiration is the latest expiration of the batch's HITs; Expired
	// says it has passed (or the batch was cancelled).
	Expiration time.Time
	Expired    bool
	Reserved   Cents // money still held for the batch's HITs
}

// Done reports whether every slot of a published batch is approved or
// rejected.
func (p BatchProgress) Done() bool {
	return p.Assignments > 0 && p.Approved+p.Rejected == p.Assignments
}

// BatchView is a batch with its project, cost and progress.
type BatchView struct {
	Batch    *Batch
	Project  *Project // nil if the project was deleted
	Cost     BatchCost
	Balance  Cents // the requester's available balance
	Progress BatchProgress
	// First is the first row's rendered layout (HTML), for a preview; ""
	// when it cannot be rendered.
	FirstRow  map[string]string
	FirstHTML string
}

// GetBatch returns one of the caller's batches with its cost (for a draft:
// what publishing it would reserve now) and progress.
func (s *Service) GetBatch(ctx context.Context, c Caller, id string) (*BatchView, error) {
	var v *BatchView
	err := s.store.Read(ctx, func(tx Tx) error {
		now := s.now()
		b, err := s.ownBatch(ctx, tx, c, id)
		if err != nil {
			return err
		}
		v = &BatchView{Batch: b}
		if p, err := s.ownProject(ctx, tx, c, b.ProjectID); err == nil {
			v.Project = p
		} else if ErrorCode(err) != ErrProjectNotFound {
			return err
		}
		r, err := tx.RequesterByID(ctx, c.RequesterID)
		if err != nil {
			return err
		}
		v.Balance = r.Balance
		if !b.HasHITs() {
			if v.Project != nil && b.Status == BatchDraft {
				v.Cost = batchCost(v.Project, b.Rows, now)
				rows, err := tx.BatchRows(ctx, b.ID)
				if err != nil {
					return err
				}
				if len(rows) > 0 {
					v.FirstRow = rows[0].Input(b.Columns)
					if qs, err := batchQuestions(v.Project, b, rows[:1]); err == nil {
						body := strings.TrimPrefix(qs[0], LayoutQuestionPrefix)
						body = strings.TrimSuffix(body, LayoutQuestionSuffix)
						v.FirstHTML = strings.ReplaceAll(body, "]]]]><![CDATA[>", "]]>")
					}
				}
			}
			return nil
		}
		t, err := tx.HITType(ctx, b.HITTypeID)
		if err != nil {
			return err
		}
		slot := SlotCost(t, b.MaxAssignments)
		v.Cost = BatchCost{HITs: b.Rows, MaxAssignments: b.MaxAssignments, Reward: t.Reward, Fee: slot - t.Reward,
			Total: Cents(b.Rows) * Cents(b.MaxAssignments) * slot}
		hits, err := tx.BatchHITs(ctx, b.ID)
		if err != nil {
			return err
		}
		asgs, err := tx.BatchAssignments(ctx, b.ID)
		if err != nil {
			return err
		}
		v.Progress = batchProgress(hits, asgs, now)
		v.Progress.Expired = v.Progress.Expired || b.Status == BatchCancelled
		return nil
	})
	if err != nil {
		return nil, internal("get batch", err)
	}
	return v, nil
}

func batchProgress(hits []*HIT, asgs []*Assignment, now time.Time) BatchProgress {
	var p BatchProgress
	p.HITs = len(hits)
	for _, h := range hits {
		p.Assignments += h.MaxAssignments
		p.Reserved += h.Reserved
		if h.Expiration.After(p.Expiration) {
			p.Expiration = h.Expiration
		}
		if !h.Disposed && now.Before(h.Expiration) {
			p.Available += h.Available()
		}
	}
	p.Expired = len(hits) > 0 && !now.Before(p.Expiration)
	for _, a := range asgs {
		switch a.Status {
		case AssignmentAccepted:
			p.Accepted++
		case AssignmentSubmitted:
			p.Submitted++
		case AssignmentApproved:
			p.Approved++
		case AssignmentRejected:
			p.Rejected++
		}
	}
	p.Remaining = p.Assignments - p.Submitted - p.Approved - p.Rejected
	return p
}

// ListBatches returns the caller's batches, of one project unless
// projectID is "", newest first.
func (s *Service) ListBatches(ctx context.Context, c Caller, projectID string) ([]*Batch, error) {
	var out []*Batch
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListBatches(ctx, c.RequesterID, projectID)
		return err
	})
	if err != nil {
		return nil, internal("list batches", err)
	}
	return out, nil
}

// CancelBatch expires every live HIT of a published batch now, as
// UpdateExpirationForHIT does: work already accepted may still be
// submitted, nobody new can accept, and the unused slots' money returns
// to the balance. A draft is discarded instead.
func (s *Service) CancelBatch(ctx context.Context, c Caller, id string) (*Batch, error) {
	return s.reexpireBatch(ctx, c, id, "cancel batch", func(b *Batch, now time.Time) (func(*HIT) time.Time, error) {
		if b.Status == BatchCancelled {
			return nil, Errorf(ErrInvalidBatchState, "Batch %s is already cancelled.", b.ID)
		}
		b.Status = BatchCancelled
		return func(h *HIT) time.Time {
			if !now.Before(h.Expiration) {
				return time.Time{} // expired already
			}
			return now
		}, nil
	})
}

// ExtendBatch gives every live HIT of a published (or cancelled) batch
// more time: its expiration moves by the given seconds, from now if it
// has passed, as UpdateExpirationForHIT would; expired HITs reopen and
// their open slots are funded again.
func (s *Service) ExtendBatch(ctx context.Context, c Caller, id string, seconds int64) (*Batch, error) {
	if seconds < 60 || seconds > MaxExpirationExtension {
		return nil, Errorf(ErrOutOfRange, "A batch can be extended by 60 to %d seconds (365 days), not %d.", MaxExpirationExtension, seconds)
	}
	return s.reexpireBatch(ctx, c, id, "extend batch", func(b *Batch, now time.Time) (func(*HIT) time.Time, error) {
		if !b.HasHITs() {
			return nil, Errorf(ErrInvalidBatchState, "Batch %s was never published: it has no HITs to extend.", b.ID)
		}
		b.Status = BatchPublished
		limit := now.Add(MaxExpirationExtension * time.Second)
		return func(h *HIT) time.Time {
			from := h.Expiration
			if from.Before(now) {
				from = now
			}
			if at := from.Add(time.Duration(seconds) * time.Second); at.Before(limit) {
				return at
			}
			return limit
		}, nil
	})
}

// reexpireBatch moves the expirations of one of the caller's batches, in
// one transaction. change checks the batch and sets its new status, and
// returns the new expiration of each live HIT (zero: leave it).
func (s *Service) reexpireBatch(ctx context.Context, c Caller, id, op string, change func(b *Batch, now time.Time) (func(*HIT) time.Time, error)) (*Batch, error) {
	var out *Batch
	err := s.store.Write(WithWriteKey(ctx, "requester:"+c.RequesterID), func(tx Tx) error {
		now := s.now()
		b, err := s.ownBatch(ctx, tx, c, id)
		if err != nil {
			return err
		}
		expireAt, err := change(b, now)
		if err != nil {
			return err
		}
		if b.HasHITs() {
			hits, err := tx.BatchHITs(ctx, b.ID)
			if err != nil {
				return err
			}
			for _, h := range hits {
				if h.Disposed {
					continue
				}
				if at := expireAt(h); !at.IsZero() {
					if err := s.setExpiration(ctx, tx, h, at, now); err != nil {
						return err
					}
				}
			}
		}
		if err := tx.UpdateBatch(ctx, b); err != nil {
			return err
		}
		out = b
		return nil
	})
	if err != nil {
		return nil, internal(op, err)
	}
	return out, nil
}

// BatchResult is one line of a batch's results: a row's HIT and one of
// its assignments (nil for a HIT nobody submitted).
type BatchResult struct {
	Row        *BatchRow
	HIT        *HIT
	HITType    *HITType
	Assignment *Assignment
}

// BatchResults returns a published batch's results as MTurk's results
// file listed them: for each row in order, its submitted, approved and
// rejected assignments, or one line without an assignment.
func (s *Service) BatchResults(ctx context.Context, c Caller, id string) (*Batch, []BatchResult, error) {
	var b *Batch
	var out []BatchResult
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		if b, err = s.ownBatch(ctx, tx, c, id); err != nil {
			return err
		}
		if !b.HasHITs() {
			return Errorf(ErrInvalidBatchState, "Batch %s was never published: it has no results.", b.ID)
		}
		rows, err := tx.BatchRows(ctx, b.ID)
		if err != nil {
			return err
		}
		hits, err := tx.BatchHITs(ctx, b.ID)
		if err != nil {
			return err
		}
		asgs, err := tx.BatchAssignments(ctx, b.ID)
		if err != nil {
			return err
		}
		hitByID := make(map[string]*HIT, len(hits))
		for _, h := range hits {
			hitByID[h.ID] = h
		}
		byHIT := map[string][]*Assignment{}
		for _, a := range asgs {
			switch a.Status {
			case AssignmentSubmitted, AssignmentApproved, AssignmentRejected:
				byHIT[a.HITID] = append(byHIT[a.HITID], a)
			}
		}
		types := map[string]*HITType{}
		out = nil
		for _, r := range rows {
			h := hitByID[r.HITID]
			if h == nil {
				return fmt.Errorf("batch %s row %d: HIT %q not found", b.ID, r.Index, r.HITID)
			}
			t := types[h.HITTypeID]
			if t == nil {
				if t, err = tx.HITType(ctx, h.HITTypeID); err != nil {
					return err
				}
				types[h.HITTypeID] = t
			}
			if len(byHIT[h.ID]) == 0 {
				out = append(out, BatchResult{Row: r, HIT: h, HITType: t})
			}
			for _, a := range byHIT[h.ID] {
				out = append(out, BatchResult{Row: r, HIT: h, HITType: t, Assignment: a})
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, internal("batch results", err)
	}
	return b, out, nil
}

// ReviewDecision approves or rejects one assignment.
type ReviewDecision struct {
	AssignmentID string
	Approve      bool // false: reject
	Feedback     string
	Line         int // the results file's row it came from; 0: none (messages then name the assignment only)
}

// ReviewOutcome counts what ReviewAssignments did.
type ReviewOutcome struct {
	Approved  int
	Rejected  int
	Unchanged int // already approved (or rejected) as asked
}

// ReviewAssignments applies many decisions in one transaction: all of
// them or, if one cannot be applied, none (the error names its row or
// assignment). Approving a submitted assignment pays it; approving a
// rejected one overrides the rejection (as ApproveAssignment with
// OverrideRejection does); rejecting a submitted one returns its money. A
// decision an assignment already has is counted as unchanged, so a
// reviewed file can be uploaded again.
func (s *Service) ReviewAssignments(ctx context.Context, c Caller, decisions []ReviewDecision) (*ReviewOutcome, error) {
	seen := make(map[string]bool, len(decisions))
	for _, d := range decisions {
		where := decisionPlace(d)
		if d.AssignmentID == "" {
			return nil, Errorf(ErrInvalidBatchInput, "%s: no AssignmentId.", where)
		}
		if seen[d.AssignmentID] {
			return nil, Errorf(ErrInvalidBatchInput, "%s: assignment %s is listed twice.", where, d.AssignmentID)
		}
		seen[d.AssignmentID] = true
		if err := maxRunes("RequesterFeedback", d.Feedback, MaxFeedbackRunes); err != nil {
			return nil, Errorf(ErrInvalidBatchInput, "%s: %s", where, ErrorMessage(err))
		}
	}
	var out ReviewOutcome
	err := s.store.Write(WithWriteKey(ctx, "requester:"+c.RequesterID), func(tx Tx) error {
		out = ReviewOutcome{}
		now := s.now()
		for _, d := range decisions {
			if err := s.review(ctx, tx, c, d, now, &out); err != nil {
				var e *Error
				if errors.As(err, &e) && e.Code != ErrInternal {
					return Errorf(e.Code, "%s: %s", decisionPlace(d), e.Message)
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, internal("review assignments", err)
	}
	return &out, nil
}

func decisionPlace(d ReviewDecision) string {
	if d.Line > 0 {
		return fmt.Sprintf("Row %d (assignment %s)", d.Line, d.AssignmentID)
	}
	return "Assignment " + d.AssignmentID
}

func (s *Service) review(ctx context.Context, tx Tx, c Caller, d ReviewDecision, now time.Time, out *ReviewOutcome) error {
	a, err := s.ownAssignment(ctx, tx, c, d.AssignmentID, "Submitted")
	if err != nil {
		return err
	}
	h, err := tx.HIT(ctx, a.HITID)
	if err != nil {
		return err
	}
	w, err := tx.WorkerByID(ctx, a.WorkerID)
	if err != nil {
		return err
	}
	switch {
	case d.Approve && a.Status == AssignmentSubmitted:
		out.Approved++
		return s.approve(ctx, tx, h, w, a, d.Feedback, now)
	case d.Approve && a.Status == AssignmentApproved, !d.Approve && a.Status == AssignmentRejected:
		out.Unchanged++
		return nil
	case d.Approve && a.Status == AssignmentRejected:
		if !now.Before(a.AutoApprovalTime) {
			return Errorf(ErrInvalidAssignmentState, "the assignment was rejected and its auto-approval time (%s) has passed; the rejection can no longer be overridden.", a.AutoApprovalTime.Format(time.RFC3339))
		}
		out.Approved++
		return s.overrideRejection(ctx, tx, h, w, a, d.Feedback, now)
	case !d.Approve && a.Status == AssignmentSubmitted:
		out.Rejected++
		return s.reject(ctx, tx, h, w, a, d.Feedback, now)
	case !d.Approve && a.Status == AssignmentApproved:
		return Errorf(ErrInvalidAssignmentState, "the assignment is already approved and paid; an approval cannot be undone.")
	}
	return Errorf(ErrInvalidAssignmentState, "the assignment is %s; only submitted assignments can be reviewed.", a.Status)
}

// Ledger returns a page of the caller's ledger entries after afterSeq, in
// order; limit is capped at 1000.
func (s *Service) Ledger(ctx context.Context, c Caller, afterSeq int64, limit int) ([]LedgerEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	var out []LedgerEntry
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListLedger(ctx, LedgerQuery{RequesterID: c.RequesterID, AfterSeq: afterSeq, Limit: limit})
		return err
	})
	if err != nil {
		return nil, internal("ledger", err)
	}
	return out, nil
}

// LedgerDirection is the sign of a ledger entry for the requester it
// belongs to: +1 money came into the available balance (deposit, release),
// -1 it left (reserve, bonus, bonus fee), 0 it moved between the
// requester's reserve and a worker or the marketplace (reward and fee paid
// from a HIT's reserve; the balance already paid for them at reserve).
func (e LedgerEntry) Direction() int {
	switch {
	case e.To == requesterAccount(e.RequesterID):
		return 1
	case e.From == requesterAccount(e.RequesterID):
		return -1
	}
	return 0
}

// RequesterWorker is one worker who worked for a requester: counts of
// their assignments, and what the requester gave or did to them.
type RequesterWorker struct {
	WorkerStats
	// ApprovalRate is Approved / (Approved + Rejected), in percent; -1
	// when nothing was reviewed yet.
	ApprovalRate   int
	Blocked        bool
	BlockReason    string
	Qualifications []*Qualification // of the requester's own types
}

// RequesterWorkers returns the workers who accepted at least one of the
// caller's HITs, most recent first, with their counts, the caller's blocks
// and the caller's qualifications they hold.
func (s *Service) RequesterWorkers(ctx context.Context, c Caller) ([]*RequesterWorker, error) {
	var out []*RequesterWorker
	err := s.store.Read(ctx, func(tx Tx) error {
		stats, err := tx.RequesterWorkerStats(ctx, c.RequesterID)
		if err != nil {
			return err
		}
		byID := make(map[string]*RequesterWorker, len(stats))
		out = make([]*RequesterWorker, 0, len(stats))
		for _, st := range stats {
			w := &RequesterWorker{WorkerStats: *st, ApprovalRate: -1}
			if n := st.Approved + st.Rejected; n > 0 {
				w.ApprovalRate = st.Approved * 100 / n
			}
			byID[st.WorkerID] = w
			out = append(out, w)
		}
		var after int64
		for {
			blocks, err := tx.ListWorkerBlocks(ctx, c.RequesterID, after, 1000)
			if err != nil {
				return err
			}
			for _, b := range blocks {
				w := byID[b.WorkerID]
				if w == nil { // blocked without having worked here: listed too
					w = &RequesterWorker{WorkerStats: WorkerStats{WorkerID: b.WorkerID}, ApprovalRate: -1}
					byID[b.WorkerID] = w
					out = append(out, w)
				}
				w.Blocked, w.BlockReason = true, b.Reason
				after = b.Seq
			}
			if len(blocks) < 1000 {
				break
			}
		}
		types, err := tx.ListQualificationTypes(ctx, QualTypeQuery{RequesterID: c.RequesterID, Limit: 1000})
		if err != nil {
			return err
		}
		for _, t := range types {
			quals, err := tx.ListQualifications(ctx, QualificationQuery{TypeID: t.ID, Limit: 100000})
			if err != nil {
				return err
			}
			for _, q := range quals {
				if w := byID[q.WorkerID]; w != nil {
					w.Qualifications = append(w.Qualifications, q)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, internal("requester workers", err)
	}
	sortWorkers(out)
	return out, nil
}

// truncateRunes cuts s to at most n runes.
func truncateRunes(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}
