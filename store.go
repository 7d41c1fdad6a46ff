package hitd

import (
	"context"
	"errors"
	"time"
)

// Store is the persistence the Service needs — nothing more. Implementations
// (packages sqlite and postgres) must pass the storetest conformance suite.
//
// Every Service operation runs inside exactly one Read or Write call, so a
// multi-row change is one transaction. Write transactions are serialisable
// with respect to each other for the rows they touch; Read sees a consistent
// snapshot.
//
// Write may run fn more than once: a store may roll back a transaction that
// conflicted with another and retry it. So fn must only set, never
// accumulate, results it keeps outside the transaction (reset them at its
// start), and must leave outside effects (delivery, channels, other
// systems) until Write returns. hitdtest runs every Write twice to check.
type Store interface {
	Read(ctx context.Context, fn func(Tx) error) error
	Write(ctx context.Context, fn func(Tx) error) error
	Ping(ctx context.Context) error
	Close() error
}

// ErrDuplicate is returned by inserts that would break a uniqueness rule.
var ErrDuplicate = errors.New("hitd: duplicate key")

// HITQuery selects a page of one requester's HITs in Seq order.
type HITQuery struct {
	RequesterID string
	AfterSeq    int64 // return HITs with Seq > AfterSeq
	Limit       int
}

// Tx is one transaction. Methods that look one row up return ErrNoRows when
// it does not exist.
type Tx interface {
	InsertRequester(ctx context.Context, r *Requester) error // ErrDuplicate if the ID or access key is taken
	UpdateRequester(ctx context.Context, r *Requester) error
	RequesterByID(ctx context.Context, id string) (*Requester, error)
	RequesterByAccessKey(ctx context.Context, accessKeyID string) (*Requester, error)
	RootRequester(ctx context.Context) (*Requester, error)
	ListRequesters(ctx context.Context) ([]*Requester, error)
	// Requester console sessions (ErrDuplicate if the hash is taken).
	InsertRequesterSession(ctx context.Context, s *RequesterSession) error
	RequesterSessionByTokenHash(ctx context.Context, hash []byte) (*RequesterSession, error)
	DeleteRequesterSession(ctx context.Context, hash []byte) error
	// DeleteRequesterSessions ends every console session of a requester
	// (when it is disabled); none is no error.
	DeleteRequesterSessions(ctx context.Context, requesterID string) error

	// InsertHITType stores t unless a type with its ID exists; inserted
	// says which happened.
	InsertHITType(ctx context.Context, t *HITType) (inserted bool, err error)
	HITType(ctx context.Context, id string) (*HITType, error)

	// InsertHIT stores h and sets h.Seq. ErrDuplicate if the ID is taken.
	InsertHIT(ctx context.Context, h *HIT) error
	HIT(ctx context.Context, id string) (*HIT, error) // disposed HITs included
	UpdateHIT(ctx context.Context, h *HIT) error
	ListHITs(ctx context.Context, q HITQuery) ([]*HIT, error) // disposed HITs excluded
	// ListHITsRequiring returns q.RequesterID's live HITs whose type has a
	// requirement on the qualification type, in Seq order.
	ListHITsRequiring(ctx context.Context, q HITQuery, qualTypeID string) ([]*HIT, error)

	// ClaimRequestToken records t unless a live token with the same
	// (RequesterID, Scope, Token) exists, in which case it returns that one.
	// A token created before notBefore is dead and is replaced. The claim is
	// atomic across concurrent transactions and nodes.
	ClaimRequestToken(ctx context.Context, t *RequestToken, notBefore time.Time) (existing *RequestToken, err error)

	// ListReviewableHITs returns a requester's live HITs that are Reviewing
	// (q.Reviewing) or Reviewable at q.Now, in Seq order after q.AfterSeq:
	// not Reviewing, nothing pending, and expired or with every slot
	// submitted or completed.
	ListReviewableHITs(ctx context.Context, q ReviewableQuery) ([]*HIT, error)
	// OverfundedHITs returns HITs that hold money for slots nobody can work
	// any more: expired at now, or deleted, with Funded > Pending+Submitted.
	OverfundedHITs(ctx context.Context, now time.Time, limit int) ([]*HIT, error)

	// Workers. InsertWorker returns ErrDuplicate when the ID or the
	// username (compared case-insensitively) is taken.
	InsertWorker(ctx context.Context, w *Worker) error
	UpdateWorker(ctx context.Context, w *Worker) error
	WorkerByID(ctx context.Context, id string) (*Worker, error)
	WorkerByUsername(ctx context.Context, username string) (*Worker, error) // case-insensitive
	ListWorkers(ctx context.Context) ([]*Worker, error)
	InsertSession(ctx context.Context, s *Session) error
	SessionByTokenHash(ctx context.Context, hash []byte) (*Session, error)
	DeleteSession(ctx context.Context, hash []byte) error
	InsertInvite(ctx context.Context, inv *Invite) error
	// UseInvite marks an unused invite created at or after notBefore as
	// used by workerID; ok is false if there is no such invite.
	UseInvite(ctx context.Context, hash []byte, workerID string, notBefore time.Time) (ok bool, err error)

	// HIT groups and open HITs, as workers browse them.
	HITGroups(ctx context.Context, q HITGroupQuery) ([]*HITGroup, error)
	// OpenHITs returns HITs of a type that are not deleted, not Reviewing,
	// not expired at q.Now, with a free slot, of which q.WorkerID holds no
	// live assignment; oldest first.
	OpenHITs(ctx context.Context, q OpenHITQuery) ([]*HIT, error)

	// Assignments. InsertAssignment sets a.Seq and returns ErrDuplicate
	// when the worker already holds a live assignment of the HIT; the
	// transaction stays usable after that ErrDuplicate.
	InsertAssignment(ctx context.Context, a *Assignment) error
	UpdateAssignment(ctx context.Context, a *Assignment) error
	Assignment(ctx context.Context, id string) (*Assignment, error)
	// LiveAssignment returns the worker's live (not returned or abandoned)
	// assignment of a HIT.
	LiveAssignment(ctx context.Context, hitID, workerID string) (*Assignment, error)
	ListAssignments(ctx context.Context, q AssignmentQuery) ([]*Assignment, error)
	CountAssignments(ctx context.Context, q AssignmentQuery) (int, error)
	// DueAssignments returns up to limit assignments due at now: accepted
	// ones past their deadline and submitted ones past their auto-approval
	// time, earliest due first.
	DueAssignments(ctx context.Context, now time.Time, limit int) ([]*Assignment, error)
	// HasWorkedFor reports whether the worker ever accepted one of the
	// requester's HITs.
	HasWorkedFor(ctx context.Context, requesterID, workerID string) (bool, error)

	// Money.
	InsertLedgerEntries(ctx context.Context, entries []LedgerEntry) error
	InsertBonus(ctx context.Context, b *BonusPayment) error // sets b.Seq
	ListBonuses(ctx context.Context, q BonusQuery) ([]*BonusPayment, error)
	// AuditMoney sums balances and ledger entries (see MoneyAudit).
	AuditMoney(ctx context.Context) (*MoneyAudit, error)
	// Stats fills in every field of Stats but Time, at now. It reads only
	// HITs holding money (Funded > 0: every Assignable HIT, and every HIT
	// with an assignment in flight, holds some), live assignments, pending
	// and dead outbox items and requesters, so its cost grows with the
	// work in flight, not with the history kept.
	Stats(ctx context.Context, now time.Time) (*Stats, error)

	// Qualification types. InsertQualificationType sets q.Seq and returns
	// ErrDuplicate when the requester has a live type with the same name.
	InsertQualificationType(ctx context.Context, q *QualificationType) error
	UpdateQualificationType(ctx context.Context, q *QualificationType) error
	QualificationType(ctx context.Context, id string) (*QualificationType, error)              // deleted ones included
	ListQualificationTypes(ctx context.Context, q QualTypeQuery) ([]*QualificationType, error) // live ones, Seq order
	// PutQualification inserts or replaces the (type, worker) qualification.
	PutQualification(ctx context.Context, q *Qualification) error
	Qualification(ctx context.Context, typeID, workerID string) (*Qualification, error)
	ListQualifications(ctx context.Context, q QualificationQuery) ([]*Qualification, error)
	// WorkerQualifications returns every qualification a worker holds or
	// held, of live types.
	WorkerQualifications(ctx context.Context, workerID string) ([]*Qualification, error)

	// Qualification requests. InsertQualRequest sets r.Seq.
	InsertQualRequest(ctx context.Context, r *QualificationRequest) error
	UpdateQualRequest(ctx context.Context, r *QualificationRequest) error
	QualRequest(ctx context.Context, id string) (*QualificationRequest, error)
	// LastQualRequest returns the worker's newest request for a type.
	LastQualRequest(ctx context.Context, typeID, workerID string) (*QualificationRequest, error)
	ListQualRequests(ctx context.Context, q QualRequestQuery) ([]*QualificationRequest, error)

	// Review policies.
	InsertReviewResults(ctx context.Context, rs []*ReviewResult) error
	InsertReviewActions(ctx context.Context, as []*ReviewAction) error
	ListReviewResults(ctx context.Context, q ReviewQuery) ([]*ReviewResult, error)
	ListReviewActions(ctx context.Context, q ReviewQuery) ([]*ReviewAction, error)
	// HITsDueForReview returns live HITs with a HIT-level policy that has
	// not run since they became reviewable at now: nothing pending, at
	// least one submission, and expired or with every slot worked.
	HITsDueForReview(ctx context.Context, now time.Time, limit int) ([]*HIT, error)

	// Notifications. NotifyCredentials returns ErrNoRows when the requester
	// has none.
	PutNotifyCredentials(ctx context.Context, c *NotifyCredentials) error
	NotifyCredentials(ctx context.Context, requesterID string) (*NotifyCredentials, error)
	PutNotificationSettings(ctx context.Context, n *NotificationSettings) error
	NotificationSettings(ctx context.Context, hitTypeID string) (*NotificationSettings, error)
	InsertOutbox(ctx context.Context, items []*OutboxItem) error
	UpdateOutbox(ctx context.Context, item *OutboxItem) error
	// DueOutbox returns pending items whose next attempt is due at now,
	// oldest first.
	DueOutbox(ctx context.Context, now time.Time, limit int) ([]*OutboxItem, error)
	ListOutbox(ctx context.Context, status string, limit int) ([]*OutboxItem, error) // newest first
	OutboxItem(ctx context.Context, id string) (*OutboxItem, error)
	// ExpiringHITs returns live HITs that expired at or before now and whose
	// HITExpired event has not been sent.
	ExpiringHITs(ctx context.Context, now time.Time, limit int) ([]*HIT, error)

	// Worker blocks. PutWorkerBlock inserts or updates the reason.
	PutWorkerBlock(ctx context.Context, b *WorkerBlock) error
	DeleteWorkerBlock(ctx context.Context, requesterID, workerID string) error
	ListWorkerBlocks(ctx context.Context, requesterID string, afterSeq int64, limit int) ([]*WorkerBlock, error)
	IsBlocked(ctx context.Context, requesterID, workerID string) (bool, error)

	// Worker inbox.
	InsertMessages(ctx context.Context, msgs []*WorkerMessage) error
	ListMessages(ctx context.Context, workerID string, limit int) ([]*WorkerMessage, error) // newest first

	// HIT layouts. InsertLayout returns ErrDuplicate when the ID is taken;
	// UpdateLayout changes the name and Deleted (layouts are soft-deleted).
	InsertLayout(ctx context.Context, l *HITLayout) error
	UpdateLayout(ctx context.Context, l *HITLayout) error
	Layout(ctx context.Context, id string) (*HITLayout, error)                 // deleted ones included
	ListLayouts(ctx context.Context, requesterID string) ([]*HITLayout, error) // live ones, creation order
	// UpdateLayoutHTML replaces a layout's template (a project's layout
	// is edited with its project).
	UpdateLayoutHTML(ctx context.Context, id, html string) error

	// Projects and batches (the requester console). InsertProject and
	// InsertBatch set Seq and return ErrDuplicate when the ID is taken.
	InsertProject(ctx context.Context, p *Project) error
	UpdateProject(ctx context.Context, p *Project) error
	Project(ctx context.Context, id string) (*Project, error)                 // deleted ones included
	ListProjects(ctx context.Context, requesterID string) ([]*Project, error) // live ones, Seq order
	InsertBatch(ctx context.Context, b *Batch) error
	// UpdateBatch changes Name, Status, HITTypeID, MaxAssignments and
	// PublishTime.
	UpdateBatch(ctx context.Context, b *Batch) error
	Batch(ctx context.Context, id string) (*Batch, error)
	// ListBatches returns a requester's batches, of one project unless
	// projectID is "", newest first.
	ListBatches(ctx context.Context, requesterID, projectID string) ([]*Batch, error)
	InsertBatchRows(ctx context.Context, rows []*BatchRow) error
	SetBatchRowHIT(ctx context.Context, batchID string, index int, hitID string) error
	BatchRows(ctx context.Context, batchID string) ([]*BatchRow, error) // in Index order
	// BatchHITs returns the HITs made from a batch's rows, disposed ones
	// included, in row order.
	BatchHITs(ctx context.Context, batchID string) ([]*HIT, error)
	// BatchAssignments returns every assignment of a batch's HITs, in row
	// order and then Seq order.
	BatchAssignments(ctx context.Context, batchID string) ([]*Assignment, error)

	// ListLedger returns a page of one requester's ledger entries.
	ListLedger(ctx context.Context, q LedgerQuery) ([]LedgerEntry, error)
	// RequesterWorkerStats counts, per worker, the assignments of a
	// requester's HITs by status; in no particular order.
	RequesterWorkerStats(ctx context.Context, requesterID string) ([]*WorkerStats, error)

	// Retired access keys, reserves and worker sessions, for the admin
	// commands (store_admin.go).
	AdminTx
}

type writeKeyCtx struct{}

// WithWriteKey marks the Write made with ctx as one of many that change
// the same hot row, named by key ("requester:ID" for a requester's
// balance, "hit:ID" for a HIT's slots). A store whose write transactions
// run concurrently (package postgres) makes writers with equal keys take
// turns before their transactions begin, instead of letting them conflict
// and retry; a store with one writer (package sqlite) ignores it. It is a
// hint for throughput, never needed for correctness.
func WithWriteKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, writeKeyCtx{}, key)
}

// WriteKey returns the key WithWriteKey put in ctx, or "".
func WriteKey(ctx context.Context) string {
	k, _ := ctx.Value(writeKeyCtx{}).(string)
	return k
}
