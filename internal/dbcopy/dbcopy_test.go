package dbcopy_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/dbcopy"
	"github.com/hitd/hitd/postgres"
	"github.com/hitd/hitd/qform"
	"github.com/hitd/hitd/sqlite"
	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"
)

// testURL returns HITD_TEST_POSTGRES_URL or skips the test.
func testURL(t *testing.T) string {
	url := os.Getenv("HITD_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("HITD_TEST_POSTGRES_URL is not set: skipping the SQLite-to-PostgreSQL copy's tests " +
			"(set it to e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return url
}

// openPostgres opens a store in a new schema that is dropped when the test
// ends, so tests and concurrent runs never share rows.
func openPostgres(t *testing.T) *postgres.Store {
	url := testURL(t)
	name := fmt.Sprintf("hitd_test_%x", rand.Text()[:12])
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Errorf("drop schema %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), `DROP SCHEMA IF EXISTS `+pgx.Identifier{name}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
	})
	s, err := postgres.Open(context.Background(), url, postgres.Options{Schema: name})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openSQLite(t *testing.T) *sqlite.Store {
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hitd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var config = hitd.Config{StartingBalance: 500_00, PasswordCost: bcrypt.MinCost}

const htmlQ = `<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body><form action="https://www.mturk.com/mturk/externalSubmit" method="post"><input name="a"></form></body></html>]]></HTMLContent><FrameHeight>450</FrameHeight></HTMLQuestion>`

// deployment is a SQLite deployment built through the Service, the way a
// server's rows come to be.
type deployment struct {
	store   *sqlite.Store
	svc     *hitd.Service
	clock   *hitd.FakeClock
	root    hitd.Caller
	hits    []string // plain, with a layout
	project string   // a project with a published batch and a draft
	batch   string   // the published batch
	session string   // alice's login
	// other is an admin requester's access key; consoleSession its
	// console login with consolePassword.
	other, consoleSession string
}

const consolePassword = "console-password-1"

const alicePassword = "alice-password-1"

// deploy fills a SQLite store with at least one row in every table.
func deploy(t *testing.T) *deployment {
	ctx := context.Background()
	d := &deployment{store: openSQLite(t), clock: hitd.NewFakeClock(time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC))}
	d.svc = hitd.NewService(d.store, d.clock, hitd.IDSource{}, config)
	svc := d.svc
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	root, _, err := svc.EnsureRootRequester(ctx, "HITDCOPYROOT00000000", "copy-root-secret-0123456789abcdefghijkl")
	if err != nil {
		t.Fatal(err)
	}
	d.root = hitd.Caller{RequesterID: root.ID}
	other, err := svc.CreateAdminRequester(ctx, "Other lab")
	must(other, err)
	must(svc.Deposit(ctx, hitd.DepositInput{AccessKeyID: other.AccessKeyID, Amount: "12.34"}))
	must(svc.AdjustBalance(ctx, hitd.AdjustBalanceInput{AccessKeyID: other.AccessKeyID, Amount: "-2.34", Reason: "refund «2.34»"}))
	// A key rotated out, still in its grace period (retired_keys).
	rotated, _, err := svc.RotateAccessKey(ctx, other.AccessKeyID, 24*time.Hour)
	must(rotated, err)
	other.AccessKeyID = rotated.AccessKeyID
	must(nil, svc.SetConsolePassword(ctx, other.AccessKeyID, consolePassword))
	d.other = other.AccessKeyID
	d.consoleSession, _, err = svc.ConsoleLogin(ctx, other.AccessKeyID, consolePassword)
	must(nil, err)
	must(nil, svc.SetNotifyCredentials(ctx, root.AccessKeyID, hitd.NotifyCredentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "s3cret", Region: "eu-west-1"}))

	workers := map[string]*hitd.Worker{}
	for _, name := range []string{"alice", "bob", "carol", "dave"} {
		w, err := svc.CreateWorker(ctx, name, name+"-password-1")
		must(w, err)
		workers[name] = w
	}
	must(svc.SetWorkerMasters(ctx, workers["alice"].ID, true))
	d.session, _, err = svc.LoginWorker(ctx, "alice", alicePassword)
	must(nil, err)
	must(svc.CreateWorkerInvite(ctx))

	qt, err := svc.CreateQualificationType(ctx, d.root, &hitd.CreateQualificationTypeInput{Name: "Trusted", Description: "Known to be careful",
		QualificationTypeStatus: hitd.QualificationTypeStatus("Active")})
	must(qt, err)
	qual := qt.QualificationType.QualificationTypeId
	for _, name := range []string{"alice", "bob", "carol"} {
		must(svc.AssociateQualificationWithWorker(ctx, d.root, &hitd.AssociateQualificationWithWorkerInput{
			QualificationTypeId: qual, WorkerId: workers[name].ID, IntegerValue: new(int32(90))}))
	}
	must(svc.RequestQualification(ctx, workers["dave"].ID, qual))
	must(svc.CreateWorkerBlock(ctx, d.root, &hitd.CreateWorkerBlockInput{WorkerId: workers["dave"].ID, Reason: "spam"}))
	must(svc.SetWorkerDisabled(ctx, workers["dave"].ID, true)) // after his request: his rows stay

	plain, err := svc.CreateHIT(ctx, d.root, &hitd.CreateHITInput{Title: "Label a picture", Description: "Say what is in it",
		Keywords: "image, label", Reward: "0.50", MaxAssignments: new(int64(3)), LifetimeInSeconds: new(int64(86400)),
		AssignmentDurationInSeconds: new(int64(600)), AutoApprovalDelayInSeconds: new(int64(3600)), Question: htmlQ,
		RequesterAnnotation: "batch-1", UniqueRequestToken: "copy-token-1",
		QualificationRequirements: []hitd.QualificationRequirement{{QualificationTypeId: qual, Comparator: hitd.CmpExists}}})
	must(plain, err)
	must(svc.UpdateNotificationSettings(ctx, d.root, &hitd.UpdateNotificationSettingsInput{HITTypeId: plain.HIT.HITTypeId,
		Notification: &hitd.NotificationSpecification{Destination: "lab@example.org", Transport: hitd.TransportEmail,
			Version: hitd.NotificationVersion, EventTypes: []string{"AssignmentSubmitted"}}, Active: new(true)}))
	layout, err := svc.CreateLayout(ctx, root.ID, "picture", `<img src="${url}"><form><input name="a"></form>`)
	must(layout, err)
	policy := &hitd.ReviewPolicy{PolicyName: hitd.PolicyScoreMyKnownAnswers, Parameters: []hitd.PolicyParameter{
		{Key: "AnswerKey", MapEntries: []hitd.ParameterMapEntry{{Key: "a", Values: []string{"cat"}}}},
		{Key: "ApproveIfKnownAnswerScoreIsAtLeast", Values: []string{"100"}}}}
	laid, err := svc.CreateHIT(ctx, d.root, &hitd.CreateHITInput{Title: "Name the animal", Description: "One word",
		Reward: "0.25", MaxAssignments: new(int64(2)), LifetimeInSeconds: new(int64(86400)), AssignmentDurationInSeconds: new(int64(600)),
		HITLayoutId: layout.ID, HITLayoutParameters: []hitd.HITLayoutParameter{{Name: "url", Value: "https://example.org/cat.png"}},
		AssignmentReviewPolicy: policy})
	must(laid, err)
	// A project with a published batch (with qualification requirements)
	// and a draft one.
	project, err := svc.CreateProject(ctx, d.root, &hitd.ProjectInput{Name: "Tweets", Title: "Rate a tweet", Description: "Positive or not",
		Reward: "0.10", MaxAssignments: new(int64(1)), LifetimeInSeconds: new(int64(86400)), AssignmentDurationInSeconds: new(int64(600)),
		QualificationRequirements: []hitd.QualificationRequirement{{QualificationTypeId: qual, Comparator: hitd.CmpExists}},
		HTML:                      `<p>${text}</p><form><input name="a"></form>`})
	must(project, err)
	batch, err := svc.CreateBatch(ctx, d.root, &hitd.BatchInput{ProjectID: project.ID, Name: "tweets.csv",
		Columns: []string{"text", "id"}, Rows: [][]string{{"héllo", "1"}, {"bye", "2"}}})
	must(batch, err)
	must(svc.PublishBatch(ctx, d.root, batch.ID, nil))
	must(svc.CreateBatch(ctx, d.root, &hitd.BatchInput{ProjectID: project.ID, Columns: []string{"text"}, Rows: [][]string{{"draft"}}}))
	d.project, d.batch = project.ID, batch.ID
	d.hits = []string{plain.HIT.HITId, laid.HIT.HITId}

	answer := func(v string) []qform.Field { return []qform.Field{{Name: "a", Values: []string{v}}} }
	work := func(worker, hit, ans string) *hitd.Assignment {
		t.Helper()
		a, err := svc.AcceptHIT(ctx, workers[worker].ID, hit)
		must(a, err)
		if ans != "" {
			must(svc.SubmitAssignment(ctx, workers[worker].ID, a.ID, answer(ans)))
		}
		d.clock.Advance(time.Minute)
		return a
	}
	approved := work("alice", d.hits[0], "a cat")
	must(svc.ApproveAssignment(ctx, d.root, &hitd.ApproveAssignmentInput{AssignmentId: approved.ID, RequesterFeedback: "thanks"}))
	must(svc.SendBonus(ctx, d.root, &hitd.SendBonusInput{WorkerId: workers["alice"].ID, AssignmentId: approved.ID,
		BonusAmount: "1.00", Reason: "great", UniqueRequestToken: "bonus-1"}))
	rejected := work("bob", d.hits[0], "a dog")
	must(svc.RejectAssignment(ctx, d.root, &hitd.RejectAssignmentInput{AssignmentId: rejected.ID, RequesterFeedback: new("wrong")}))
	work("carol", d.hits[0], "") // still Accepted: NULL times
	work("alice", d.hits[1], "cat")
	must(svc.NotifyWorkers(ctx, d.root, &hitd.NotifyWorkersInput{Subject: "Hello", MessageText: "More soon",
		WorkerIds: []string{workers["alice"].ID}}))
	return d
}

// sourceCounts counts the rows of every table of the SQLite store.
func sourceCounts(t *testing.T, s *sqlite.Store) map[string]int64 {
	ctx := context.Background()
	rows, err := s.DB().QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name != 'schema_migrations'`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Close(); err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, n := range names {
		var c int64
		if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM `+n).Scan(&c); err != nil {
			t.Fatal(err)
		}
		out[n] = c
	}
	return out
}

func audit(t *testing.T, s *hitd.Service) *hitd.MoneyAudit {
	m, err := s.AuditMoney(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// maxSeq is the highest seq of a table of the SQLite store.
func maxSeq(t *testing.T, s *sqlite.Store, table string) int64 {
	var n int64
	if err := s.DB().QueryRowContext(context.Background(), `SELECT max(seq) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCopyRoundTrip(t *testing.T) {
	ctx := context.Background()
	dst := openPostgres(t)
	d := deploy(t)
	want := sourceCounts(t, d.store)
	for table, n := range want {
		if n == 0 {
			t.Errorf("the fixture leaves table %s empty: its columns' conversion goes untested", table)
		}
	}

	rep, err := dbcopy.Copy(ctx, d.store, dst, dbcopy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("copied %v", rep.Tables)
	got := map[string]int64{}
	for _, c := range rep.Tables {
		got[c.Table] = c.Rows
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report's counts %v, source's %v", got, want)
	}
	if i, j := tableIndex(rep, "requesters"), tableIndex(rep, "hits"); i > j {
		t.Errorf("hits copied before requesters: %v", rep.Tables)
	}
	if src := audit(t, d.svc); !reflect.DeepEqual(&rep.Money, src) || !src.Balanced() {
		t.Errorf("report's books %+v, source's %+v (balanced %v)", rep.Money, *src, src.Balanced())
	}

	pg := hitd.NewService(dst, d.clock, hitd.IDSource{}, config)
	if m := audit(t, pg); !reflect.DeepEqual(m, &rep.Money) {
		t.Errorf("copy's books %+v, report's %+v", *m, rep.Money)
	}
	// The same reads give the same answers from either store.
	same := func(what string, read func(*hitd.Service) (any, error)) {
		t.Helper()
		a, errA := read(d.svc)
		b, errB := read(pg)
		if errA != nil || errB != nil || !reflect.DeepEqual(a, b) {
			t.Errorf("%s: SQLite %+v (%v), PostgreSQL %+v (%v)", what, a, errA, b, errB)
		}
	}
	for _, id := range d.hits {
		same("GetHIT "+id, func(s *hitd.Service) (any, error) { return s.GetHIT(ctx, d.root, &hitd.HITIdInput{HITId: id}) })
		same("ListAssignmentsForHIT "+id, func(s *hitd.Service) (any, error) {
			return s.ListAssignmentsForHIT(ctx, d.root, &hitd.ListAssignmentsForHITInput{HITId: id})
		})
		same("ListBonusPayments "+id, func(s *hitd.Service) (any, error) {
			return s.ListBonusPayments(ctx, d.root, &hitd.ListBonusPaymentsInput{HITId: id})
		})
		same("ListReviewPolicyResultsForHIT "+id, func(s *hitd.Service) (any, error) {
			return s.ListReviewPolicyResultsForHIT(ctx, d.root, &hitd.ListReviewPolicyResultsForHITInput{HITId: id, RetrieveActions: new(true), RetrieveResults: new(true)})
		})
	}
	same("ListRequesters", func(s *hitd.Service) (any, error) { return s.ListRequesters(ctx) })
	same("ListWorkers", func(s *hitd.Service) (any, error) { return s.ListWorkers(ctx) })
	same("ListWorkerBlocks", func(s *hitd.Service) (any, error) {
		return s.ListWorkerBlocks(ctx, d.root, &hitd.ListWorkerBlocksInput{})
	})
	same("ListQualificationTypes", func(s *hitd.Service) (any, error) {
		return s.ListQualificationTypes(ctx, d.root, &hitd.ListQualificationTypesInput{MustBeRequestable: new(false), MustBeOwnedByCaller: new(true)})
	})
	same("ListQualificationRequests", func(s *hitd.Service) (any, error) {
		return s.ListQualificationRequests(ctx, d.root, &hitd.ListQualificationRequestsInput{})
	})
	same("ListLayouts", func(s *hitd.Service) (any, error) { return s.ListLayouts(ctx, d.root.RequesterID) })
	same("ListProjects", func(s *hitd.Service) (any, error) { return s.ListProjects(ctx, d.root) })
	same("ListBatches", func(s *hitd.Service) (any, error) { return s.ListBatches(ctx, d.root, d.project) })
	same("BatchResults", func(s *hitd.Service) (any, error) {
		_, rs, err := s.BatchResults(ctx, d.root, d.batch)
		return rs, err
	})
	same("Ledger", func(s *hitd.Service) (any, error) { return s.Ledger(ctx, d.root, 0, 1000) })
	same("ListOutbox", func(s *hitd.Service) (any, error) { return s.ListOutbox(ctx, "", 100) })
	same("NotifyCredentials", func(s *hitd.Service) (any, error) {
		c, _, err := s.NotifyCredentials(ctx, d.root.RequesterID)
		return c, err
	})

	// Workers, their password hashes and their sessions came along.
	alice, err := pg.WorkerForSession(ctx, d.session)
	if err != nil || alice.Username != "alice" {
		t.Fatalf("alice's session on PostgreSQL: %+v, %v", alice, err)
	}
	if _, w, err := pg.LoginWorker(ctx, "alice", alicePassword); err != nil || w.ID != alice.ID {
		t.Fatalf("alice's login on PostgreSQL: %+v, %v", w, err)
	}
	srcMsgs, err := hitd.NewService(d.store, d.clock, hitd.IDSource{}, config).WorkerMessages(ctx, alice.ID, 10)
	if err != nil || len(srcMsgs) == 0 {
		t.Fatalf("alice's messages on SQLite: %d, %v; want some (the grant's notification, and more)", len(srcMsgs), err)
	}
	if msgs, err := pg.WorkerMessages(ctx, alice.ID, 10); err != nil || len(msgs) != len(srcMsgs) {
		t.Errorf("alice's messages on PostgreSQL: %d, %v; want SQLite's %d", len(msgs), err, len(srcMsgs))
	}
	// So did the requester console's passwords, admins and sessions.
	if r, err := pg.RequesterForConsoleSession(ctx, d.consoleSession); err != nil || r.AccessKeyID != d.other || !r.Admin {
		t.Errorf("console session on PostgreSQL: %+v, %v", r, err)
	}
	if _, r, err := pg.ConsoleLogin(ctx, d.other, consolePassword); err != nil || !r.Admin {
		t.Errorf("console login on PostgreSQL: %+v, %v", r, err)
	}

	// New rows continue each identity after the copied ones (a HIT's
	// reservation is a new ledger row, its acceptance a new assignment).
	out, err := pg.CreateHIT(ctx, d.root, &hitd.CreateHITInput{Title: "After the move", Description: "d", Reward: "0.10",
		MaxAssignments: new(int64(1)), LifetimeInSeconds: new(int64(3600)), AssignmentDurationInSeconds: new(int64(600)), Question: htmlQ})
	if err != nil {
		t.Fatalf("CreateHIT after the copy: %v", err)
	}
	a, err := pg.AcceptHIT(ctx, alice.ID, out.HIT.HITId)
	if err != nil {
		t.Fatalf("AcceptHIT after the copy: %v", err)
	}
	err = dst.Read(ctx, func(tx hitd.Tx) error {
		h, err := tx.HIT(ctx, out.HIT.HITId)
		if err != nil {
			return err
		}
		if last := maxSeq(t, d.store, "hits"); h.Seq <= last {
			t.Errorf("new HIT's seq %d, copied HITs' up to %d", h.Seq, last)
		}
		if last := maxSeq(t, d.store, "assignments"); a.Seq <= last {
			t.Errorf("new assignment's seq %d, copied assignments' up to %d", a.Seq, last)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if m := audit(t, pg); !m.Balanced() {
		t.Errorf("books after new work on PostgreSQL: %+v", *m)
	}
}

func tableIndex(rep *dbcopy.Report, table string) int {
	for i, c := range rep.Tables {
		if c.Table == table {
			return i
		}
	}
	return -1
}

func TestCopyRefusesRowsUnlessForced(t *testing.T) {
	ctx := context.Background()
	dst := openPostgres(t)
	d := deploy(t)
	pg := hitd.NewService(dst, d.clock, hitd.IDSource{}, config)
	if _, err := pg.CreateRequester(ctx, "Already here"); err != nil {
		t.Fatal(err)
	}
	before, err := pg.ListRequesters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	beforeBooks := audit(t, pg)

	_, err = dbcopy.Copy(ctx, d.store, dst, dbcopy.Options{})
	if err == nil || !strings.Contains(err.Error(), "requesters has 1 rows") || !strings.Contains(err.Error(), "ledger has 1 rows") {
		t.Fatalf("Copy into a non-empty destination: %v, want a refusal naming requesters and ledger", err)
	}
	after, err := pg.ListRequesters(ctx)
	if err != nil || !reflect.DeepEqual(after, before) {
		t.Errorf("refused copy changed the requesters: %+v (%v), was %+v", after, err, before)
	}
	if m := audit(t, pg); !reflect.DeepEqual(m, beforeBooks) {
		t.Errorf("refused copy changed the books: %+v, was %+v", *m, *beforeBooks)
	}

	rep, err := dbcopy.Copy(ctx, d.store, dst, dbcopy.Options{Force: true})
	if err != nil {
		t.Fatalf("forced Copy: %v", err)
	}
	if src := audit(t, d.svc); !reflect.DeepEqual(audit(t, pg), src) || !reflect.DeepEqual(&rep.Money, src) {
		t.Errorf("forced copy's books %+v, source's %+v", rep.Money, *src)
	}
	want, err := d.svc.ListRequesters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := pg.ListRequesters(ctx); err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("requesters after the forced copy: %+v (%v), want the source's %+v", got, err, want)
	}
}

// A table the source does not have (a future migration on one side only)
// stops the copy before anything is written.
func TestCopyRefusesDifferentSchemas(t *testing.T) {
	ctx := context.Background()
	dst := openPostgres(t)
	d := deploy(t)
	if _, err := dst.Pool().Exec(ctx, `CREATE TABLE surprises (id TEXT PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	_, err := dbcopy.Copy(ctx, d.store, dst, dbcopy.Options{})
	if err == nil || !strings.Contains(err.Error(), "table surprises is missing from the source") {
		t.Fatalf("Copy with an extra destination table: %v", err)
	}
	var n int64
	if err := dst.Pool().QueryRow(ctx, `SELECT count(*) FROM requesters`).Scan(&n); err != nil || n != 0 {
		t.Errorf("refused copy wrote %d requesters (%v)", n, err)
	}
}
