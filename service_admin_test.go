package hitd_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/qform"
)

const adminTestQuestion = `<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<!DOCTYPE html><html><body><form><input name="a"></form></body></html>]]></HTMLContent><FrameHeight>450</FrameHeight></HTMLQuestion>`

// TestWorkerDisabled: a disabled worker cannot sign in, their sessions end,
// they cannot accept or submit (externalSubmit included); what they already
// did stays, and an assignment they held is abandoned at its deadline.
// Enabling lets them sign in anew.
func TestWorkerDisabled(t *testing.T) {
	ctx := context.Background()
	clock := hitd.NewFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	svc := newConsoleService(t, clock, "hitd.db", nil)
	root, _, err := svc.EnsureRootRequester(ctx, "HITDROOTKEY000000001", "root-secret")
	if err != nil {
		t.Fatal(err)
	}
	caller := hitd.Caller{RequesterID: root.ID}
	out, err := svc.CreateHIT(ctx, caller, &hitd.CreateHITInput{Title: "t", Description: "d", Reward: "0.10",
		MaxAssignments: new(int64(3)), LifetimeInSeconds: new(int64(86400)), AssignmentDurationInSeconds: new(int64(600)),
		AutoApprovalDelayInSeconds: new(int64(3600)), Question: adminTestQuestion})
	if err != nil {
		t.Fatal(err)
	}
	hitID := out.HIT.HITId
	w, err := svc.CreateWorker(ctx, "alice", "alice-password")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := svc.LoginWorker(ctx, "alice", "alice-password")
	if err != nil {
		t.Fatal(err)
	}
	answer := []qform.Field{{Name: "a", Values: []string{"x"}}}
	submitted, err := svc.AcceptHIT(ctx, w.ID, hitID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SubmitAssignment(ctx, w.ID, submitted.ID, answer); err != nil {
		t.Fatal(err)
	}
	// Two more HITs: one held when disabled, one never accepted.
	var more []string
	for range 2 {
		o, err := svc.CreateHIT(ctx, caller, &hitd.CreateHITInput{Title: "t2", Description: "d", Reward: "0.10",
			MaxAssignments: new(int64(1)), LifetimeInSeconds: new(int64(86400)), AssignmentDurationInSeconds: new(int64(600)),
			Question: adminTestQuestion})
		if err != nil {
			t.Fatal(err)
		}
		more = append(more, o.HIT.HITId)
	}
	held, err := svc.AcceptHIT(ctx, w.ID, more[0])
	if err != nil {
		t.Fatal(err)
	}

	got, err := svc.SetWorkerDisabled(ctx, w.ID, true)
	if err != nil || !got.Disabled {
		t.Fatalf("SetWorkerDisabled = %+v, %v", got, err)
	}
	_, err = svc.WorkerForSession(ctx, token)
	wantCode(t, "session of a disabled worker", err, hitd.ErrNotAuthenticated)
	_, _, err = svc.LoginWorker(ctx, "alice", "alice-password")
	wantCode(t, "login of a disabled worker", err, hitd.ErrNotAuthenticated)
	if !strings.Contains(hitd.ErrorMessage(err), "disabled") {
		t.Errorf("login message: %v", err)
	}
	_, _, err = svc.LoginWorker(ctx, "alice", "wrong-password")
	if msg := hitd.ErrorMessage(err); strings.Contains(msg, "disabled") {
		t.Errorf("a wrong password learns the account is disabled: %q", msg)
	}
	_, err = svc.AcceptHIT(ctx, w.ID, more[1])
	wantCode(t, "accept", err, hitd.ErrNotAuthenticated)
	_, err = svc.SubmitAssignment(ctx, "", held.ID, answer) // externalSubmit: the assignment ID alone
	wantCode(t, "externalSubmit", err, hitd.ErrNotAuthenticated)

	// The requester still reviews what was submitted, and pays for it.
	if _, err := svc.ApproveAssignment(ctx, caller, &hitd.ApproveAssignmentInput{AssignmentId: submitted.ID}); err != nil {
		t.Errorf("approving a disabled worker's work: %v", err)
	}
	// The held assignment runs out at its deadline, as an abandoned one.
	clock.Advance(10 * time.Minute)
	if st, err := svc.ApplyDue(ctx, clock.Now(), 100); err != nil || st.Abandoned != 1 {
		t.Errorf("ApplyDue = %+v, %v; want the held assignment abandoned", st, err)
	}
	// Its slot is free for another worker.
	bob, err := svc.CreateWorker(ctx, "bob", "bob-password")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AcceptHIT(ctx, bob.ID, more[0]); err != nil {
		t.Errorf("the abandoned slot: %v", err)
	}
	profile, err := svc.WorkerProfile(ctx, w.ID)
	if err != nil || profile.Worker.Earnings != 10 || profile.Worker.Submitted != 1 {
		t.Errorf("earnings after disabling: %+v, %v", profile, err)
	}

	// Disabling twice is no error; unknown workers are.
	if _, err := svc.SetWorkerDisabled(ctx, w.ID, true); err != nil {
		t.Errorf("disabling twice: %v", err)
	}
	_, err = svc.SetWorkerDisabled(ctx, "ANOSUCHWORKER0", true)
	wantCode(t, "unknown worker", err, hitd.ErrWorkerNotFound)

	// Enabled again: a new sign-in works; the old session stays ended.
	if got, err := svc.SetWorkerDisabled(ctx, w.ID, false); err != nil || got.Disabled {
		t.Fatalf("enable = %+v, %v", got, err)
	}
	_, err = svc.WorkerForSession(ctx, token)
	wantCode(t, "old session after enabling", err, hitd.ErrNotAuthenticated)
	if _, _, err := svc.LoginWorker(ctx, "alice", "alice-password"); err != nil {
		t.Errorf("login after enabling: %v", err)
	}
	if _, err := svc.AcceptHIT(ctx, w.ID, more[1]); err != nil {
		t.Errorf("accept after enabling: %v", err)
	}
}

// TestAdjustBalance: signed adjustments with a reason, recorded in the
// ledger in one transaction; a negative result is refused; deposits share
// the path; the books stay balanced.
func TestAdjustBalance(t *testing.T) {
	ctx := context.Background()
	clock := hitd.NewFakeClock(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	svc := newConsoleService(t, clock, "hitd.db", nil) // starting balance 100.00
	sandbox := newConsoleService(t, clock, "sandbox.db", svc)
	r, err := svc.CreateRequester(ctx, "lab")
	if err != nil {
		t.Fatal(err)
	}
	key := r.AccessKeyID
	for _, tc := range []struct {
		amount, reason string
		want           hitd.Cents
	}{
		{"-12.50", "refund of a duplicate deposit", 87_50},
		{"+2.5", "goodwill credit", 90_00},
		{"10", "no sign adds", 100_00},
		{"-100.00", "everything out", 0},
	} {
		got, err := svc.AdjustBalance(ctx, hitd.AdjustBalanceInput{AccessKeyID: key, Amount: tc.amount, Reason: tc.reason})
		if err != nil || got.Balance != tc.want {
			t.Fatalf("adjust %s: %+v, %v; want balance %s", tc.amount, got, err, tc.want)
		}
	}
	for _, tc := range []struct {
		in   hitd.AdjustBalanceInput
		code hitd.Code
		msg  string
	}{
		{hitd.AdjustBalanceInput{AccessKeyID: key, Amount: "-0.01", Reason: "r"}, hitd.ErrInsufficientFunds, "cannot be negative"},
		{hitd.AdjustBalanceInput{AccessKeyID: key, Amount: "+1.00", Reason: "  "}, hitd.ErrMissingParameter, "reason"},
		{hitd.AdjustBalanceInput{AccessKeyID: key, Amount: "0", Reason: "r"}, hitd.ErrInvalidParameter, "nonzero"},
		{hitd.AdjustBalanceInput{AccessKeyID: key, Amount: "-1.234", Reason: "r"}, hitd.ErrInvalidParameter, "invalid"},
		{hitd.AdjustBalanceInput{AccessKeyID: key, Amount: "--1", Reason: "r"}, hitd.ErrInvalidParameter, "invalid"},
		{hitd.AdjustBalanceInput{AccessKeyID: key, Amount: "1", Reason: strings.Repeat("x", hitd.MaxReasonRunes+1)}, hitd.ErrOutOfRange, "Reason"},
		{hitd.AdjustBalanceInput{AccessKeyID: "HITDNOSUCHKEY", Amount: "1", Reason: "r"}, hitd.ErrNotAuthorized, "No requester"},
	} {
		_, err := svc.AdjustBalance(ctx, tc.in)
		wantCode(t, "adjust "+tc.in.Amount, err, tc.code)
		if !strings.Contains(hitd.ErrorMessage(err), tc.msg) {
			t.Errorf("adjust %s: %q, want it to mention %q", tc.in.Amount, hitd.ErrorMessage(err), tc.msg)
		}
	}
	if got, err := svc.Deposit(ctx, hitd.DepositInput{AccessKeyID: key, Amount: "20.00", Reason: "invoice 7"}); err != nil || got.Balance != 20_00 {
		t.Fatalf("deposit: %+v, %v", got, err)
	}

	entries, err := svc.Ledger(ctx, hitd.Caller{RequesterID: r.ID}, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		kind      hitd.LedgerKind
		direction int
		amount    hitd.Cents
		reason    string
	}
	var rows []row
	for _, e := range entries {
		rows = append(rows, row{e.Kind, e.Direction(), e.Amount, e.Reason})
	}
	want := []row{
		{hitd.LedgerDeposit, 1, 100_00, ""}, // the starting balance
		{hitd.LedgerAdjustment, -1, 12_50, "refund of a duplicate deposit"},
		{hitd.LedgerAdjustment, 1, 2_50, "goodwill credit"},
		{hitd.LedgerAdjustment, 1, 10_00, "no sign adds"},
		{hitd.LedgerAdjustment, -1, 100_00, "everything out"},
		{hitd.LedgerDeposit, 1, 20_00, "invoice 7"},
	}
	if len(rows) != len(want) {
		t.Fatalf("ledger %+v, want %+v", rows, want)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("ledger entry %d: %+v, want %+v", i, rows[i], want[i])
		}
	}
	if m, err := svc.AuditMoney(ctx); err != nil || !m.Balanced() {
		t.Errorf("books after adjustments: %+v, %v", m, err)
	}

	// The balance with its reserve: a HIT holds 3 × (0.10 + 0.02 fee).
	if _, err := svc.CreateHIT(ctx, hitd.Caller{RequesterID: r.ID}, &hitd.CreateHITInput{Title: "t", Description: "d", Reward: "0.10",
		MaxAssignments: new(int64(3)), LifetimeInSeconds: new(int64(3600)), AssignmentDurationInSeconds: new(int64(600)),
		Question: adminTestQuestion}); err != nil {
		t.Fatal(err)
	}
	b, err := svc.RequesterBalance(ctx, key)
	if err != nil || b.Requester.ID != r.ID || b.Available+b.Reserved != 20_00 || b.Reserved != 36 {
		t.Errorf("RequesterBalance = %+v, %v", b, err)
	}
	// Money reserved for HITs cannot be taken out.
	_, err = svc.AdjustBalance(ctx, hitd.AdjustBalanceInput{AccessKeyID: key, Amount: "-20.00", Reason: "all of it"})
	wantCode(t, "taking reserved money", err, hitd.ErrInsufficientFunds)

	// The sandbox has balances of its own; an adjustment may come before
	// the requester's first sandbox request.
	if got, err := sandbox.AdjustBalance(ctx, hitd.AdjustBalanceInput{AccessKeyID: key, Amount: "-1.00", Reason: "sandbox test"}); err != nil || got.Balance != 99_00 {
		t.Errorf("sandbox adjust: %+v, %v", got, err)
	}
	if b, err := sandbox.RequesterBalance(ctx, key); err != nil || b.Available != 99_00 || b.Reserved != 0 {
		t.Errorf("sandbox balance: %+v, %v", b, err)
	}
	if b, err := svc.RequesterBalance(ctx, key); err != nil || b.Available != 20_00-36 {
		t.Errorf("production balance after a sandbox adjustment: %+v, %v", b, err)
	}

	// After a rotation the old key no longer names the requester here.
	rotated, _, err := svc.RotateAccessKey(ctx, key, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.RequesterBalance(ctx, key)
	wantCode(t, "balance by a retired key", err, hitd.ErrInvalidParameter)
	if !strings.Contains(hitd.ErrorMessage(err), rotated.AccessKeyID) {
		t.Errorf("the message does not name the current key: %v", err)
	}
}
