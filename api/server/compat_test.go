package server_test

import (
	"context"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/hitdtest"
)

// compatDoc is the page whose "Error wording" table lists the messages
// clients match on.
const compatDoc = "../../docs/compatibility.md"

// A compatWording is one row of that table: the message's first words as
// the page writes them (upper-case placeholders such as HITID stand for the
// request's values) and the situations that must produce them.
type compatWording struct {
	code   string // TurkErrorCode
	prefix string // as docs/compatibility.md writes it
	cases  []compatCase
}

type compatCase struct {
	name string
	call func() error
	vars map[string]string // placeholder → value in this case
}

// TestMTurkErrorWording checks, through the AWS SDK, that every message of
// docs/compatibility.md's "Error wording" table begins with MTurk's exact
// words (so that clients' startswith and substring matches hold), carries
// its TurkErrorCode and MTurk's " (epoch-ms)" suffix, and that the table
// and this test list the same messages.
func TestMTurkErrorWording(t *testing.T) {
	// A small balance, so that a bonus can overdraw it.
	e := newWorkEnv(t, hitdtest.Options{Config: hitd.Config{StartingBalance: 2_00}})
	ctx := context.Background()
	c := e.Client

	h := e.createHIT(func(in *mturk.CreateHITInput) { in.MaxAssignments = aws.Int32(4) }) // 4 × (0.05 + 0.01)
	w, x := e.worker("wanda"), e.worker("xena")
	working := e.accept(w, *h.HITId)   // accepted, not submitted
	submitted := e.accept(x, *h.HITId) // submitted, then approved
	e.submit(x, submitted, "x", "1")
	if _, err := c.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: &submitted.ID}); err != nil {
		t.Fatal(err)
	}
	bonus := func(asg, workerID, amount, token string) error {
		in := &mturk.SendBonusInput{AssignmentId: &asg, WorkerId: &workerID, BonusAmount: &amount, Reason: aws.String("thanks")}
		if token != "" {
			in.UniqueRequestToken = &token
		}
		_, err := c.SendBonus(ctx, in)
		return err
	}
	if err := bonus(submitted.ID, x.ID, "0.10", "bonus-once"); err != nil {
		t.Fatal(err)
	}
	extendToken := "extend-once"
	extend := func() error {
		_, err := c.CreateAdditionalAssignmentsForHIT(ctx, &mturk.CreateAdditionalAssignmentsForHITInput{
			HITId: h.HITId, NumberOfAdditionalAssignments: aws.Int32(1), UniqueRequestToken: &extendToken})
		return err
	}
	if err := extend(); err != nil {
		t.Fatal(err)
	}

	qualName := "compat wording"
	q := createQualType(t, c, qualName, nil)
	if _, err := c.AssociateQualificationWithWorker(ctx, &mturk.AssociateQualificationWithWorkerInput{
		QualificationTypeId: q.QualificationTypeId, WorkerId: &x.ID, IntegerValue: aws.Int32(1), SendNotification: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DisassociateQualificationFromWorker(ctx, &mturk.DisassociateQualificationFromWorkerInput{
		QualificationTypeId: q.QualificationTypeId, WorkerId: &x.ID, Reason: aws.String("")}); err != nil {
		t.Fatal(err)
	}
	score := func(workerID string) func() error {
		return func() error {
			_, err := c.GetQualificationScore(ctx, &mturk.GetQualificationScoreInput{QualificationTypeId: q.QualificationTypeId, WorkerId: &workerID})
			return err
		}
	}
	getAssignment := func(id string) func() error {
		return func() error {
			_, err := c.GetAssignment(ctx, &mturk.GetAssignmentInput{AssignmentId: &id})
			return err
		}
	}
	deleteHIT := func(id string) func() error {
		return func() error { _, err := c.DeleteHIT(ctx, &mturk.DeleteHITInput{HITId: &id}); return err }
	}
	// A HIT deleted already: DeleteHIT again finds it Disposed.
	gone := e.createHIT(nil)
	if _, err := c.UpdateExpirationForHIT(ctx, &mturk.UpdateExpirationForHITInput{HITId: gone.HITId, ExpireAt: aws.Time(e.Clock.Now().AddDate(0, 0, -1))}); err != nil {
		t.Fatal(err)
	}
	if err := deleteHIT(*gone.HITId)(); err != nil {
		t.Fatal(err)
	}
	const noAssignment, noHIT = "3NOSUCHASSIGNMENT000000000000", "3NOSUCHHIT0000000000000000000"

	rows := []compatWording{
		{"AWS.MechanicalTurk.QualificationTypeAlreadyExists",
			"You have already created a QualificationType with this name. A QualificationType's name must be unique among all of the QualificationTypes created by the same user.",
			[]compatCase{{name: "CreateQualificationType, name taken", call: func() error {
				_, err := c.CreateQualificationType(ctx, &mturk.CreateQualificationTypeInput{Name: &qualName, Description: aws.String("again"),
					QualificationTypeStatus: types.QualificationTypeStatusActive})
				return err
			}}}},
		{"AWS.MechanicalTurk.InvalidAssignmentState", "This operation can be called with a status of: Reviewable,Approved,Rejected",
			[]compatCase{{name: "GetAssignment, not submitted", call: getAssignment(working.ID)}}},
		{"AWS.MechanicalTurk.AssignmentDoesNotExist", "Assignment ASSIGNMENTID does not exist.",
			[]compatCase{
				{name: "GetAssignment, unknown", call: getAssignment(noAssignment), vars: map[string]string{"ASSIGNMENTID": noAssignment}},
				{name: "SendBonus, unknown", call: func() error { return bonus(noAssignment, x.ID, "0.10", "") }, vars: map[string]string{"ASSIGNMENTID": noAssignment}},
			}},
		{"AWS.MechanicalTurk.InvalidAssignmentState", "This operation can be called with a status of: Submitted",
			[]compatCase{
				{name: "ApproveAssignment, approved", call: func() error {
					_, err := c.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: &submitted.ID})
					return err
				}},
				{name: "RejectAssignment, approved", call: func() error {
					_, err := c.RejectAssignment(ctx, &mturk.RejectAssignmentInput{AssignmentId: &submitted.ID, RequesterFeedback: aws.String("")})
					return err
				}},
				{name: "ApproveAssignment, not submitted", call: func() error {
					_, err := c.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: &working.ID})
					return err
				}},
			}},
		{"AWS.MechanicalTurk.InvalidAssignmentState", "This operation can be called with a status of: Submitted,Approved,Rejected",
			[]compatCase{{name: "SendBonus, not submitted", call: func() error { return bonus(working.ID, w.ID, "0.10", "") }}}},
		{"AWS.MechanicalTurk.QualificationDoesNotExist", "You requested a Qualification that does not exist.",
			[]compatCase{{name: "GetQualificationScore, never granted", call: score(w.ID)}}},
		{"AWS.MechanicalTurk.InvalidQualificationState", "This operation can be called with a status of: Granted",
			[]compatCase{{name: "GetQualificationScore, revoked", call: score(x.ID)}}},
		{"AWS.MechanicalTurk.InvalidHITState", "This HIT is currently in the state 'STATE'.  This operation can be called with a status of: Reviewable",
			[]compatCase{
				{name: "DeleteHIT, Assignable", call: deleteHIT(*h.HITId), vars: map[string]string{"STATE": "Assignable"}},
				{name: "DeleteHIT, deleted", call: deleteHIT(*gone.HITId), vars: map[string]string{"STATE": "Disposed"}},
			}},
		{"AWS.MechanicalTurk.HITDoesNotExist", "Hit HITID does not exist.",
			[]compatCase{{name: "GetHIT, unknown", call: func() error {
				_, err := c.GetHIT(ctx, &mturk.GetHITInput{HITId: aws.String(noHIT)})
				return err
			}, vars: map[string]string{"HITID": noHIT}}}},
		{"AWS.MechanicalTurk.InsufficientFunds", "This Requester has insufficient funds in their account to complete this transaction.",
			[]compatCase{
				{name: "SendBonus, over the balance", call: func() error { return bonus(submitted.ID, x.ID, "50.00", "") }},
				{name: "CreateHIT, over the balance", call: func() error {
					in := createHITInput()
					in.Reward = aws.String("5.00")
					_, err := c.CreateHIT(ctx, in)
					return err
				}},
			}},
		{"AWS.MechanicalTurk.DuplicateRequest", `The idempotency token "TOKEN" has already been processed.`,
			[]compatCase{
				{name: "SendBonus, token reused", call: func() error { return bonus(submitted.ID, x.ID, "0.10", "bonus-once") },
					vars: map[string]string{"TOKEN": "bonus-once"}},
				{name: "CreateAdditionalAssignmentsForHIT, token reused", call: extend, vars: map[string]string{"TOKEN": extendToken}},
			}},
	}

	suffix := regexp.MustCompile(` \(\d{13}\)$`)
	tested := map[string]bool{}
	for _, row := range rows {
		tested[row.prefix] = true
		for _, cs := range row.cases {
			t.Run(cs.name, func(t *testing.T) {
				err := cs.call()
				var re *types.RequestError
				if !errors.As(err, &re) {
					t.Fatalf("want a RequestError %s, got %v", row.code, err)
				}
				if got := aws.ToString(re.TurkErrorCode); got != row.code {
					t.Errorf("TurkErrorCode %s, want %s (message %q)", got, row.code, re.ErrorMessage())
				}
				want := row.prefix
				for k, v := range cs.vars {
					want = strings.ReplaceAll(want, k, v)
				}
				msg := re.ErrorMessage()
				if !strings.HasPrefix(msg, want) {
					t.Errorf("message %q\ndoes not begin with MTurk's %q", msg, want)
				}
				if !suffix.MatchString(msg) {
					t.Errorf("message %q lacks MTurk's \" (epoch-ms)\" suffix", msg)
				}
			})
		}
	}
	e.audit()

	// The page and this test list the same messages.
	documented := compatDocPrefixes(t)
	for p := range documented {
		if !tested[p] {
			t.Errorf("%s lists %q, which this test does not check", compatDoc, p)
		}
	}
	for p := range tested {
		if !documented[p] {
			t.Errorf("this test checks %q, which %s does not list", p, compatDoc)
		}
	}
}

// compatDocPrefixes returns the "Message begins with" cells (their first
// code span) of the "Error wording" table in docs/compatibility.md.
func compatDocPrefixes(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile(compatDoc)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Error wording\n")
	if !ok {
		t.Fatalf("%s has no \"## Error wording\" section", compatDoc)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	code := regexp.MustCompile("`([^`]+)`")
	out := map[string]bool{}
	col := -1
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		if col < 0 {
			for i, c := range cells {
				if strings.TrimSpace(c) == "Message begins with" {
					col = i
				}
			}
			if col < 0 {
				t.Fatalf("%s: the error table has no \"Message begins with\" column: %s", compatDoc, line)
			}
			continue
		}
		if col >= len(cells) || strings.HasPrefix(strings.TrimSpace(cells[0]), "---") {
			continue
		}
		if m := code.FindStringSubmatch(cells[col]); m != nil {
			out[m[1]] = true
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no messages found in the error table", compatDoc)
	}
	return out
}
