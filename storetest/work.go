package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hitd/hitd"
)

// This file holds the conformance tests for workers, assignments, money
// and the inbox.

func workTests() []struct {
	name string
	fn   func(*testing.T, hitd.Store)
} {
	return []struct {
		name string
		fn   func(*testing.T, hitd.Store)
	}{
		{"Workers", testWorkers},
		{"SessionsAndInvites", testSessionsAndInvites},
		{"Assignments", testAssignments},
		{"DueWork", testDueWork},
		{"ConcurrentAcceptsSerialise", testConcurrentAccepts},
		{"BrowsingAndReviewable", testBrowsing},
		{"MoneyAndAudit", testMoney},
		{"Inbox", testInbox},
		{"QualificationTypes", testQualificationTypes},
		{"QualificationsAndBlocks", testQualificationsAndBlocks},
		{"QualificationRequests", testQualificationRequests},
		{"ReviewRecords", testReviewRecords},
		{"Notifications", testNotifications},
		{"Layouts", testLayouts},
		{"Projects", testProjects},
		{"Batches", testBatches},
		{"LedgerByRequester", testLedgerByRequester},
	}
}

func worker(id, username string) *hitd.Worker {
	return &hitd.Worker{ID: id, Username: username, PasswordHash: []byte("$2a$04$hash-" + id), CreationTime: t0}
}

// seedHIT stores requester A1, type T1 and HIT id with max slots.
func seedHIT(t *testing.T, s hitd.Store, id string, max int) *hitd.HIT {
	ctx := context.Background()
	h := hit(id, "T1", "A1")
	h.MaxAssignments = max
	write(t, s, func(tx hitd.Tx) error {
		if _, err := tx.RequesterByID(ctx, "A1"); errors.Is(err, hitd.ErrNoRows) {
			if err := tx.InsertRequester(ctx, requester("A1", false)); err != nil {
				return err
			}
		}
		if _, err := tx.InsertHITType(ctx, hitType("T1", "A1")); err != nil {
			return err
		}
		return tx.InsertHIT(ctx, h)
	})
	return h
}

func testWorkers(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	write(t, s, func(tx hitd.Tx) error { return tx.InsertWorker(ctx, worker("W1", "Alice")) })
	for _, dup := range []*hitd.Worker{worker("W1", "other"), worker("W2", "alice"), worker("W3", "ALICE")} {
		if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertWorker(ctx, dup) }); !errors.Is(err, hitd.ErrDuplicate) {
			t.Errorf("duplicate worker %s/%s: %v", dup.ID, dup.Username, err)
		}
	}
	write(t, s, func(tx hitd.Tx) error {
		w, err := tx.WorkerByUsername(ctx, "aLiCe")
		if err != nil {
			return err
		}
		if w.ID != "W1" || w.Username != "Alice" || !bytes.Equal(w.PasswordHash, []byte("$2a$04$hash-W1")) || !w.CreationTime.Equal(t0) {
			t.Errorf("WorkerByUsername = %+v", w)
		}
		w.Country, w.Subdivision, w.Earnings, w.Submitted, w.Approved, w.Rejected = "US", "WA", 1234, 3, 2, 1
		w.Adult, w.Masters = true, true
		return tx.UpdateWorker(ctx, w)
	})
	read(t, s, func(tx hitd.Tx) error {
		w, err := tx.WorkerByID(ctx, "W1")
		if err != nil || w.Country != "US" || w.Subdivision != "WA" || w.Earnings != 1234 || w.Submitted != 3 || w.Approved != 2 || w.Rejected != 1 ||
			!w.Adult || !w.Masters {
			t.Errorf("after update: %+v %v", w, err)
		}
		if _, err := tx.WorkerByID(ctx, "nope"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("WorkerByID(nope) = %v", err)
		}
		if _, err := tx.WorkerByUsername(ctx, "nope"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("WorkerByUsername(nope) = %v", err)
		}
		all, err := tx.ListWorkers(ctx)
		if err != nil || len(all) != 1 {
			t.Errorf("ListWorkers = %d %v", len(all), err)
		}
		return nil
	})
}

func testSessionsAndInvites(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	hash := bytes.Repeat([]byte{7}, 32)
	write(t, s, func(tx hitd.Tx) error {
		if err := tx.InsertWorker(ctx, worker("W1", "alice")); err != nil {
			return err
		}
		return tx.InsertSession(ctx, &hitd.Session{TokenHash: hash, WorkerID: "W1", CreationTime: t0, Expiration: t0.Add(time.Hour)})
	})
	read(t, s, func(tx hitd.Tx) error {
		sess, err := tx.SessionByTokenHash(ctx, hash)
		if err != nil || sess.WorkerID != "W1" || !sess.Expiration.Equal(t0.Add(time.Hour)) || !bytes.Equal(sess.TokenHash, hash) {
			t.Errorf("SessionByTokenHash = %+v %v", sess, err)
		}
		return nil
	})
	write(t, s, func(tx hitd.Tx) error { return tx.DeleteSession(ctx, hash) })
	read(t, s, func(tx hitd.Tx) error {
		if _, err := tx.SessionByTokenHash(ctx, hash); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("deleted session: %v", err)
		}
		return nil
	})

	code := bytes.Repeat([]byte{9}, 32)
	write(t, s, func(tx hitd.Tx) error { return tx.InsertInvite(ctx, &hitd.Invite{CodeHash: code, CreationTime: t0}) })
	var tooOld, first, second bool
	write(t, s, func(tx hitd.Tx) (err error) { tooOld, err = tx.UseInvite(ctx, code, "W1", t0.Add(time.Second)); return })
	write(t, s, func(tx hitd.Tx) (err error) { first, err = tx.UseInvite(ctx, code, "W1", t0); return })
	write(t, s, func(tx hitd.Tx) (err error) { second, err = tx.UseInvite(ctx, code, "W2", t0); return })
	if tooOld || !first || second {
		t.Errorf("UseInvite: expired=%v first=%v second=%v; want false true false", tooOld, first, second)
	}
}

func assignment(id, hitID, workerID string, status hitd.AssignmentStatus, accept time.Time) *hitd.Assignment {
	a := &hitd.Assignment{ID: id, HITID: hitID, HITTypeID: "T1", RequesterID: "A1", WorkerID: workerID, Status: status,
		AcceptTime: accept, Deadline: accept.Add(10 * time.Minute), AutoApprovalDelayInSeconds: 3600}
	if status != hitd.AssignmentAccepted && status != hitd.AssignmentReturned && status != hitd.AssignmentAbandoned {
		a.SubmitTime, a.AutoApprovalTime, a.Answer = accept.Add(time.Minute), accept.Add(time.Minute+time.Hour), "<answer/>"
	}
	return a
}

func testAssignments(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	seedHIT(t, s, "H1", 5)
	seedHIT(t, s, "H2", 5)
	write(t, s, func(tx hitd.Tx) error {
		for _, w := range []string{"W1", "W2"} {
			if err := tx.InsertWorker(ctx, worker(w, "user-"+w)); err != nil {
				return err
			}
		}
		return nil
	})
	a1 := assignment("AS1", "H1", "W1", hitd.AssignmentAccepted, t0)
	write(t, s, func(tx hitd.Tx) error { return tx.InsertAssignment(ctx, a1) })
	if a1.Seq <= 0 {
		t.Fatalf("InsertAssignment did not set Seq")
	}
	// One live assignment per worker and HIT; the refusal leaves the
	// transaction usable, so the caller can look the live one up.
	write(t, s, func(tx hitd.Tx) error {
		if err := tx.InsertAssignment(ctx, assignment("AS2", "H1", "W1", hitd.AssignmentAccepted, t0)); !errors.Is(err, hitd.ErrDuplicate) {
			t.Errorf("second live assignment: %v", err)
		}
		live, err := tx.LiveAssignment(ctx, "H1", "W1")
		if err != nil || live.ID != "AS1" {
			t.Errorf("LiveAssignment after the refused insert = %+v, %v", live, err)
		}
		return nil
	})
	if err := s.Read(ctx, func(tx hitd.Tx) error {
		_, err := tx.Assignment(ctx, "AS2")
		return err
	}); !errors.Is(err, hitd.ErrNoRows) {
		t.Errorf("the refused assignment was stored: %v", err)
	}
	// Once returned, the worker may take the HIT again.
	write(t, s, func(tx hitd.Tx) error {
		a1.Status = hitd.AssignmentReturned
		if err := tx.UpdateAssignment(ctx, a1); err != nil {
			return err
		}
		for _, a := range []*hitd.Assignment{
			assignment("AS3", "H1", "W1", hitd.AssignmentSubmitted, t0.Add(time.Second)),
			assignment("AS4", "H1", "W2", hitd.AssignmentApproved, t0.Add(2*time.Second)),
			assignment("AS5", "H2", "W1", hitd.AssignmentAccepted, t0.Add(3*time.Second)),
		} {
			if err := tx.InsertAssignment(ctx, a); err != nil {
				return fmt.Errorf("%s: %w", a.ID, err)
			}
		}
		return nil
	})
	read(t, s, func(tx hitd.Tx) error {
		got, err := tx.Assignment(ctx, "AS3")
		if err != nil || got.Status != hitd.AssignmentSubmitted || got.Answer != "<answer/>" || !got.SubmitTime.Equal(t0.Add(time.Second+time.Minute)) ||
			!got.AutoApprovalTime.Equal(t0.Add(time.Second+time.Minute+time.Hour)) || !got.ApprovalTime.IsZero() || got.AutoApprovalDelayInSeconds != 3600 {
			t.Errorf("Assignment(AS3) = %+v %v", got, err)
		}
		live, err := tx.LiveAssignment(ctx, "H1", "W1")
		if err != nil || live.ID != "AS3" {
			t.Errorf("LiveAssignment = %+v %v", live, err)
		}
		if _, err := tx.LiveAssignment(ctx, "H2", "W2"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("LiveAssignment(none) = %v", err)
		}
		ids := func(q hitd.AssignmentQuery) string {
			list, err := tx.ListAssignments(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var out string
			for _, a := range list {
				out += a.ID + " "
			}
			return out
		}
		for _, tc := range []struct {
			q    hitd.AssignmentQuery
			want string
		}{
			{hitd.AssignmentQuery{HITID: "H1", Limit: 10}, "AS1 AS3 AS4 "},
			{hitd.AssignmentQuery{HITID: "H1", Statuses: []hitd.AssignmentStatus{hitd.AssignmentSubmitted, hitd.AssignmentApproved}, Limit: 10}, "AS3 AS4 "},
			{hitd.AssignmentQuery{HITID: "H1", AfterSeq: a1.Seq, Limit: 1}, "AS3 "},
			{hitd.AssignmentQuery{WorkerID: "W1", Descending: true, Limit: 10}, "AS5 AS3 AS1 "},
			{hitd.AssignmentQuery{RequesterID: "A1", Statuses: []hitd.AssignmentStatus{hitd.AssignmentAccepted}, Limit: 10}, "AS5 "},
		} {
			if got := ids(tc.q); got != tc.want {
				t.Errorf("ListAssignments(%+v) = %q, want %q", tc.q, got, tc.want)
			}
		}
		n, err := tx.CountAssignments(ctx, hitd.AssignmentQuery{WorkerID: "W1"})
		if err != nil || n != 3 {
			t.Errorf("CountAssignments = %d %v", n, err)
		}
		for _, tc := range []struct {
			r, w string
			want bool
		}{{"A1", "W1", true}, {"A1", "W3", false}, {"A9", "W1", false}} {
			if got, err := tx.HasWorkedFor(ctx, tc.r, tc.w); err != nil || got != tc.want {
				t.Errorf("HasWorkedFor(%s, %s) = %v %v", tc.r, tc.w, got, err)
			}
		}
		return nil
	})
}

func testDueWork(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	seedHIT(t, s, "H1", 5)
	write(t, s, func(tx hitd.Tx) error {
		if err := tx.InsertWorker(ctx, worker("W1", "w1")); err != nil {
			return err
		}
		if err := tx.InsertWorker(ctx, worker("W2", "w2")); err != nil {
			return err
		}
		// Due at t0+10m (deadline), t0+1h1m (auto-approval), never (approved).
		for _, a := range []*hitd.Assignment{
			assignment("D1", "H1", "W1", hitd.AssignmentAccepted, t0),
			assignment("D2", "H1", "W2", hitd.AssignmentSubmitted, t0),
		} {
			if err := tx.InsertAssignment(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	due := func(at time.Time) string {
		var out string
		read(t, s, func(tx hitd.Tx) error {
			list, err := tx.DueAssignments(ctx, at, 10)
			for _, a := range list {
				out += a.ID + " "
			}
			return err
		})
		return out
	}
	if got := due(t0.Add(5 * time.Minute)); got != "" {
		t.Errorf("due at +5m: %q", got)
	}
	if got := due(t0.Add(10 * time.Minute)); got != "D1 " {
		t.Errorf("due at +10m: %q", got)
	}
	if got := due(t0.Add(2 * time.Hour)); got != "D1 D2 " {
		t.Errorf("due at +2h: %q", got)
	}
	write(t, s, func(tx hitd.Tx) error {
		a, err := tx.Assignment(ctx, "D2")
		if err != nil {
			return err
		}
		a.Status, a.ApprovalTime = hitd.AssignmentApproved, t0.Add(time.Hour)
		return tx.UpdateAssignment(ctx, a)
	})
	if got := due(t0.Add(2 * time.Hour)); got != "D1 " {
		t.Errorf("an approved assignment is still due: %q", got)
	}

	// Overfunded: expired HITs holding money for more than their live slots.
	write(t, s, func(tx hitd.Tx) error {
		h, err := tx.HIT(ctx, "H1")
		if err != nil {
			return err
		}
		h.Pending, h.Funded, h.Reserved = 1, 5, 5*6
		return tx.UpdateHIT(ctx, h)
	})
	over := func(at time.Time) int {
		var n int
		read(t, s, func(tx hitd.Tx) error {
			list, err := tx.OverfundedHITs(ctx, at, 10)
			n = len(list)
			return err
		})
		return n
	}
	if n := over(t0); n != 0 {
		t.Errorf("a live HIT is overfunded: %d", n)
	}
	if n := over(t0.Add(2 * time.Hour)); n != 1 {
		t.Errorf("expired overfunded HITs: %d, want 1", n)
	}
}

// testConcurrentAccepts checks the property accept relies on: Write
// transactions that read a HIT's counts and then update them never
// interleave, so concurrent accepts cannot over-assign.
func testConcurrentAccepts(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	seedHIT(t, s, "H1", 4)
	const n = 40
	write(t, s, func(tx hitd.Tx) error {
		for i := range n {
			if err := tx.InsertWorker(ctx, worker(fmt.Sprintf("W%02d", i), fmt.Sprintf("w%02d", i))); err != nil {
				return err
			}
		}
		return nil
	})
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range n {
		wg.Go(func() {
			err := s.Write(ctx, func(tx hitd.Tx) error {
				h, err := tx.HIT(ctx, "H1")
				if err != nil {
					return err
				}
				if h.Available() == 0 {
					return errFull
				}
				if err := tx.InsertAssignment(ctx, assignment(fmt.Sprintf("C%02d", i), "H1", fmt.Sprintf("W%02d", i), hitd.AssignmentAccepted, t0)); err != nil {
					return err
				}
				h.Pending++
				return tx.UpdateHIT(ctx, h)
			})
			switch {
			case err == nil:
				mu.Lock()
				won++
				mu.Unlock()
			case !errors.Is(err, errFull):
				t.Errorf("accept %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	read(t, s, func(tx hitd.Tx) error {
		h, err := tx.HIT(ctx, "H1")
		if err != nil {
			return err
		}
		cnt, err := tx.CountAssignments(ctx, hitd.AssignmentQuery{HITID: "H1"})
		if won != 4 || h.Pending != 4 || cnt != 4 {
			t.Errorf("won=%d pending=%d rows=%d, want 4 each", won, h.Pending, cnt)
		}
		return err
	})
}

var errFull = errors.New("full")

func testBrowsing(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	seedHIT(t, s, "H1", 2)
	seedHIT(t, s, "H2", 1)
	write(t, s, func(tx hitd.Tx) error {
		t2 := hitType("T2", "A1")
		t2.Title, t2.Keywords, t2.Reward = "Transcribe 100% of audio_files", "audio", 50
		if _, err := tx.InsertHITType(ctx, t2); err != nil {
			return err
		}
		h3 := hit("H3", "T2", "A1")
		h3.CreationTime = t0.Add(time.Minute)
		if err := tx.InsertHIT(ctx, h3); err != nil {
			return err
		}
		if err := tx.InsertWorker(ctx, worker("W1", "w1")); err != nil {
			return err
		}
		// W1 holds H2's only slot.
		if err := tx.InsertAssignment(ctx, assignment("X1", "H2", "W1", hitd.AssignmentAccepted, t0)); err != nil {
			return err
		}
		h2, err := tx.HIT(ctx, "H2")
		if err != nil {
			return err
		}
		h2.Pending = 1
		return tx.UpdateHIT(ctx, h2)
	})
	groups := func(q hitd.HITGroupQuery) string {
		var out string
		read(t, s, func(tx hitd.Tx) error {
			if q.Now.IsZero() {
				q.Now = t0
			}
			if q.Limit == 0 {
				q.Limit = 10
			}
			list, err := tx.HITGroups(ctx, q)
			for _, g := range list {
				out += fmt.Sprintf("%s:%d ", g.HITTypeID, g.HITsAvailable)
				if g.RequesterName != "name-A1" || g.Title == "" {
					t.Errorf("group %+v", g)
				}
			}
			return err
		})
		return out
	}
	for _, tc := range []struct {
		q    hitd.HITGroupQuery
		want string
	}{
		{hitd.HITGroupQuery{Sort: hitd.SortNewest}, "T2:1 T1:1 "},
		{hitd.HITGroupQuery{Sort: hitd.SortReward}, "T2:1 T1:1 "},
		{hitd.HITGroupQuery{Sort: hitd.SortAvailable, Limit: 1}, "T2:1 "},
		{hitd.HITGroupQuery{Sort: hitd.SortNewest, Offset: 1, Limit: 5}, "T1:1 "},
		{hitd.HITGroupQuery{Keyword: "100%"}, "T2:1 "},
		{hitd.HITGroupQuery{Keyword: "_"}, "T2:1 "},
		{hitd.HITGroupQuery{Keyword: "zzz"}, ""},
		{hitd.HITGroupQuery{Now: t0.Add(2 * time.Hour)}, ""}, // all expired
	} {
		if got := groups(tc.q); got != tc.want {
			t.Errorf("HITGroups(%+v) = %q, want %q", tc.q, got, tc.want)
		}
	}
	read(t, s, func(tx hitd.Tx) error {
		open, err := tx.OpenHITs(ctx, hitd.OpenHITQuery{HITTypeID: "T1", WorkerID: "W1", Now: t0, Limit: 5})
		if err != nil || len(open) != 1 || open[0].ID != "H1" {
			t.Errorf("OpenHITs = %v %v", open, err)
		}
		req, err := tx.ListHITsRequiring(ctx, hitd.HITQuery{RequesterID: "A1", Limit: 10}, hitd.QualLocale)
		if err != nil || len(req) != 3 {
			t.Fatalf("ListHITsRequiring(Locale) = %d %v", len(req), err)
		}
		if req, err := tx.ListHITsRequiring(ctx, hitd.HITQuery{RequesterID: "A1", AfterSeq: req[0].Seq, Limit: 1}, hitd.QualLocale); err != nil || len(req) != 1 {
			t.Errorf("ListHITsRequiring page = %d %v", len(req), err)
		}
		if req, err := tx.ListHITsRequiring(ctx, hitd.HITQuery{RequesterID: "A1", Limit: 10}, hitd.QualAdult); err != nil || len(req) != 0 {
			t.Errorf("ListHITsRequiring(Adult) = %d %v", len(req), err)
		}
		rev, err := tx.ListReviewableHITs(ctx, hitd.ReviewableQuery{RequesterID: "A1", Now: t0.Add(2 * time.Hour), Limit: 10})
		if err != nil || len(rev) != 2 { // H1 and H3 expired with nothing pending; H2 has a pending assignment
			t.Errorf("ListReviewableHITs = %d %v", len(rev), err)
		}
		return nil
	})
}

func testMoney(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	write(t, s, func(tx hitd.Tx) error {
		r := requester("A1", false)
		r.Balance = 0
		return tx.InsertRequester(ctx, r)
	})
	h := seedHIT(t, s, "H1", 2)
	write(t, s, func(tx hitd.Tx) error {
		if err := tx.InsertWorker(ctx, worker("W1", "w1")); err != nil {
			return err
		}
		r, err := tx.RequesterByID(ctx, "A1")
		if err != nil {
			return err
		}
		// Deposit 10.00, reserve 2 × 0.06, pay one: 0.05 + 0.01 fee.
		r.Balance = 1000 - 12
		if err := tx.UpdateRequester(ctx, r); err != nil {
			return err
		}
		h.Funded, h.Reserved = 1, 6
		if err := tx.UpdateHIT(ctx, h); err != nil {
			return err
		}
		w, err := tx.WorkerByID(ctx, "W1")
		if err != nil {
			return err
		}
		w.Earnings = 5
		if err := tx.UpdateWorker(ctx, w); err != nil {
			return err
		}
		return tx.InsertLedgerEntries(ctx, []hitd.LedgerEntry{
			{Time: t0, Kind: hitd.LedgerDeposit, From: "external", To: "requester:A1", Amount: 1000},
			{Time: t0, Kind: hitd.LedgerReserve, From: "requester:A1", To: "hit:H1", Amount: 12, Ref: "H1"},
			{Time: t0, Kind: hitd.LedgerReward, From: "hit:H1", To: "worker:W1", Amount: 5, Ref: "AS1"},
			{Time: t0, Kind: hitd.LedgerFee, From: "hit:H1", To: "fees", Amount: 1, Ref: "AS1"},
		})
	})
	var m *hitd.MoneyAudit
	read(t, s, func(tx hitd.Tx) (err error) { m, err = tx.AuditMoney(ctx); return })
	if !m.Balanced() || m.Deposits != 1000 || m.Fees != 1 || m.Reserves != 6 || m.WorkerEarnings != 5 || m.RequesterBalances != 988 {
		t.Errorf("audit = %+v", m)
	}
	// A balance changed without a ledger entry is caught.
	write(t, s, func(tx hitd.Tx) error {
		w, err := tx.WorkerByID(ctx, "W1")
		if err != nil {
			return err
		}
		w.Earnings = 6
		return tx.UpdateWorker(ctx, w)
	})
	read(t, s, func(tx hitd.Tx) (err error) { m, err = tx.AuditMoney(ctx); return })
	if m.Balanced() || len(m.Mismatches) != 1 {
		t.Errorf("tampered books pass the audit: %+v", m)
	}
	// Bonuses.
	write(t, s, func(tx hitd.Tx) error {
		for i, a := range []string{"AS1", "AS2", "AS1"} {
			b := &hitd.BonusPayment{ID: fmt.Sprintf("B%d", i), RequesterID: "A1", WorkerID: "W1", AssignmentID: a, HITID: "H1",
				Amount: hitd.Cents(100 + i), Fee: 20, Reason: "thanks", GrantTime: t0}
			if err := tx.InsertBonus(ctx, b); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx hitd.Tx) error {
		byHIT, err := tx.ListBonuses(ctx, hitd.BonusQuery{RequesterID: "A1", HITID: "H1", Limit: 10})
		if err != nil || len(byHIT) != 3 || byHIT[0].Amount != 100 || byHIT[0].Reason != "thanks" || !byHIT[0].GrantTime.Equal(t0) {
			t.Errorf("by HIT: %v %v", byHIT, err)
		}
		byAsg, err := tx.ListBonuses(ctx, hitd.BonusQuery{RequesterID: "A1", AssignmentID: "AS1", Limit: 10})
		if err != nil || len(byAsg) != 2 || byAsg[1].Amount != 102 {
			t.Errorf("by assignment: %v %v", byAsg, err)
		}
		page, err := tx.ListBonuses(ctx, hitd.BonusQuery{RequesterID: "A1", HITID: "H1", AfterSeq: byHIT[0].Seq, Limit: 1})
		if err != nil || len(page) != 1 || page[0].ID != "B1" {
			t.Errorf("page: %v %v", page, err)
		}
		other, err := tx.ListBonuses(ctx, hitd.BonusQuery{RequesterID: "A2", HITID: "H1", Limit: 10})
		if err != nil || len(other) != 0 {
			t.Errorf("another requester's bonuses: %v %v", other, err)
		}
		return nil
	})
}

func testInbox(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	write(t, s, func(tx hitd.Tx) error {
		var msgs []*hitd.WorkerMessage
		for i := range 3 {
			msgs = append(msgs, &hitd.WorkerMessage{ID: fmt.Sprintf("M%d", i), WorkerID: "W1", RequesterID: "A1", RequesterName: "Lab",
				Subject: fmt.Sprintf("s%d", i), MessageText: "hello", CreationTime: t0.Add(time.Duration(i) * time.Second)})
		}
		return tx.InsertMessages(ctx, msgs)
	})
	read(t, s, func(tx hitd.Tx) error {
		list, err := tx.ListMessages(ctx, "W1", 2)
		if err != nil || len(list) != 2 || list[0].Subject != "s2" || list[1].Subject != "s1" || list[0].RequesterName != "Lab" {
			t.Errorf("ListMessages = %v %v", list, err)
		}
		none, err := tx.ListMessages(ctx, "W2", 10)
		if err != nil || len(none) != 0 {
			t.Errorf("another worker's inbox: %v %v", none, err)
		}
		return nil
	})
}
