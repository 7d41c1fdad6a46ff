package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/hitd/hitd"
)

// This file holds the conformance tests of the requester console's rows:
// projects, batches and their rows, the per-requester ledger and worker
// statistics.

func testProjects(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	write(t, s, func(tx hitd.Tx) error {
		for _, id := range []string{"A1", "A2"} {
			if err := tx.InsertRequester(ctx, requester(id, false)); err != nil {
				return err
			}
			if err := tx.InsertLayout(ctx, layout("L"+id, id, "layout of "+id)); err != nil {
				return err
			}
		}
		return nil
	})
	p := &hitd.Project{ID: "P1", RequesterID: "A1", Name: "Sentiment", Title: "Rate a tweet", Description: "d", Keywords: "k",
		Reward: 7, AssignmentDurationInSeconds: 600, AutoApprovalDelayInSeconds: 3600, MaxAssignments: 3, LifetimeInSeconds: 86400,
		QualificationRequirements: []hitd.QualificationRequirement{{QualificationTypeId: hitd.QualLocale, Comparator: "EqualTo",
			LocaleValues: []hitd.Locale{{Country: "US"}}}},
		LayoutID: "LA1", CreationTime: t0, UpdateTime: t0}
	p2 := &hitd.Project{ID: "P2", RequesterID: "A1", Name: "Second", Title: "t", Description: "d", Reward: 1,
		AssignmentDurationInSeconds: 60, MaxAssignments: 1, LifetimeInSeconds: 60, LayoutID: "LA1", CreationTime: t0, UpdateTime: t0}
	other := &hitd.Project{ID: "P3", RequesterID: "A2", Name: "Other", Title: "t", Description: "d", Reward: 1,
		AssignmentDurationInSeconds: 60, MaxAssignments: 1, LifetimeInSeconds: 60, LayoutID: "LA2", CreationTime: t0, UpdateTime: t0}
	write(t, s, func(tx hitd.Tx) error {
		for _, x := range []*hitd.Project{p, p2, other} {
			if err := tx.InsertProject(ctx, x); err != nil {
				return err
			}
		}
		return nil
	})
	if p.Seq == 0 || p2.Seq <= p.Seq {
		t.Errorf("InsertProject set Seq %d, %d; want increasing", p.Seq, p2.Seq)
	}
	if err := s.Write(ctx, func(tx hitd.Tx) error {
		return tx.InsertProject(ctx, &hitd.Project{ID: "P1", RequesterID: "A1", LayoutID: "LA1"})
	}); !errors.Is(err, hitd.ErrDuplicate) {
		t.Errorf("duplicate project: %v, want ErrDuplicate", err)
	}
	read(t, s, func(tx hitd.Tx) error {
		got, err := tx.Project(ctx, "P1")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("Project(P1) = %+v\nwant %+v", got, p)
		}
		if _, err := tx.Project(ctx, "nope"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("Project(nope) = %v, want ErrNoRows", err)
		}
		list, err := tx.ListProjects(ctx, "A1")
		if err != nil || len(list) != 2 || list[0].ID != "P1" || list[1].ID != "P2" {
			t.Errorf("ListProjects(A1) = %v, %v", list, err)
		}
		return nil
	})
	// Updates change everything but the identity; deleted projects leave the list.
	write(t, s, func(tx hitd.Tx) error {
		p2.Name, p2.Reward, p2.QualificationRequirements, p2.Deleted, p2.UpdateTime = "Renamed", 9, nil, true, t0.Add(time.Hour)
		if err := tx.UpdateProject(ctx, p2); err != nil {
			return err
		}
		if err := tx.UpdateLayoutHTML(ctx, "LA1", "<p>${word}</p>"); err != nil {
			return err
		}
		if err := tx.UpdateProject(ctx, &hitd.Project{ID: "nope"}); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("UpdateProject(nope) = %v, want ErrNoRows", err)
		}
		return nil
	})
	read(t, s, func(tx hitd.Tx) error {
		got, err := tx.Project(ctx, "P2")
		if err != nil || !reflect.DeepEqual(got, p2) {
			t.Errorf("Project(P2) after update = %+v, %v\nwant %+v", got, err, p2)
		}
		if list, err := tx.ListProjects(ctx, "A1"); err != nil || len(list) != 1 {
			t.Errorf("ListProjects(A1) after delete = %v, %v", list, err)
		}
		if l, err := tx.Layout(ctx, "LA1"); err != nil || l.HTML != "<p>${word}</p>" || l.Name != "layout of A1" {
			t.Errorf("layout after UpdateLayoutHTML = %+v, %v", l, err)
		}
		return nil
	})
}

func testBatches(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	seedHIT(t, s, "H1", 2)
	seedHIT(t, s, "H2", 2)
	write(t, s, func(tx hitd.Tx) error {
		if err := tx.InsertLayout(ctx, layout("L1", "A1", "l")); err != nil {
			return err
		}
		return tx.InsertProject(ctx, &hitd.Project{ID: "P1", RequesterID: "A1", Name: "p", Title: "t", Description: "d", Reward: 5,
			AssignmentDurationInSeconds: 60, MaxAssignments: 2, LifetimeInSeconds: 60, LayoutID: "L1", CreationTime: t0, UpdateTime: t0})
	})
	b := &hitd.Batch{ID: "B1", RequesterID: "A1", ProjectID: "P1", Name: "tweets.csv", Status: hitd.BatchDraft,
		Columns: []string{"text", "id"}, Rows: 2, CreationTime: t0}
	b2 := &hitd.Batch{ID: "B2", RequesterID: "A1", ProjectID: "P1", Name: "more.csv", Status: hitd.BatchDraft,
		Columns: []string{"text"}, Rows: 0, CreationTime: t0.Add(time.Minute)}
	rows := []*hitd.BatchRow{
		{BatchID: "B1", Index: 0, Line: 2, Values: []string{"héllo, \"world\"", "1"}},
		{BatchID: "B1", Index: 1, Line: 4, Values: []string{"", "2"}},
	}
	write(t, s, func(tx hitd.Tx) error {
		if err := tx.InsertBatch(ctx, b); err != nil {
			return err
		}
		if err := tx.InsertBatch(ctx, b2); err != nil {
			return err
		}
		return tx.InsertBatchRows(ctx, rows)
	})
	if b.Seq == 0 || b2.Seq <= b.Seq {
		t.Errorf("InsertBatch set Seq %d, %d; want increasing", b.Seq, b2.Seq)
	}
	if err := s.Write(ctx, func(tx hitd.Tx) error {
		return tx.InsertBatch(ctx, &hitd.Batch{ID: "B1", RequesterID: "A1", ProjectID: "P1"})
	}); !errors.Is(err, hitd.ErrDuplicate) {
		t.Errorf("duplicate batch: %v, want ErrDuplicate", err)
	}
	read(t, s, func(tx hitd.Tx) error {
		got, err := tx.Batch(ctx, "B1")
		if err != nil || !reflect.DeepEqual(got, b) {
			t.Errorf("Batch(B1) = %+v, %v\nwant %+v", got, err, b)
		}
		if _, err := tx.Batch(ctx, "nope"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("Batch(nope) = %v, want ErrNoRows", err)
		}
		all, err := tx.ListBatches(ctx, "A1", "")
		if err != nil || len(all) != 2 || all[0].ID != "B2" || all[1].ID != "B1" {
			t.Errorf("ListBatches(A1) = %v, %v; want B2, B1", all, err)
		}
		if ofP, err := tx.ListBatches(ctx, "A1", "P1"); err != nil || len(ofP) != 2 {
			t.Errorf("ListBatches(A1, P1) = %v, %v", ofP, err)
		}
		if none, err := tx.ListBatches(ctx, "A2", "P1"); err != nil || len(none) != 0 {
			t.Errorf("ListBatches(A2, P1) = %v, %v; want none", none, err)
		}
		got2, err := tx.BatchRows(ctx, "B1")
		if err != nil || !reflect.DeepEqual(got2, rows) {
			t.Errorf("BatchRows(B1) = %+v, %v", got2, err)
		}
		if hits, err := tx.BatchHITs(ctx, "B1"); err != nil || len(hits) != 0 {
			t.Errorf("BatchHITs of a draft = %v, %v; want none", hits, err)
		}
		return nil
	})
	// Publishing links rows to HITs (in row order, whatever the HITs' own order).
	write(t, s, func(tx hitd.Tx) error {
		if err := tx.SetBatchRowHIT(ctx, "B1", 0, "H2"); err != nil {
			return err
		}
		if err := tx.SetBatchRowHIT(ctx, "B1", 1, "H1"); err != nil {
			return err
		}
		if err := tx.SetBatchRowHIT(ctx, "B1", 7, "H1"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("SetBatchRowHIT(no such row) = %v, want ErrNoRows", err)
		}
		b.Status, b.HITTypeID, b.MaxAssignments, b.PublishTime, b.Name = hitd.BatchPublished, "T1", 2, t0.Add(time.Hour), "renamed"
		if err := tx.UpdateBatch(ctx, b); err != nil {
			return err
		}
		for _, w := range []string{"W1", "W2"} {
			if err := tx.InsertWorker(ctx, worker(w, "user-"+w)); err != nil {
				return err
			}
		}
		for _, a := range []*hitd.Assignment{
			assignment("AS1", "H1", "W1", hitd.AssignmentApproved, t0),
			assignment("AS2", "H2", "W1", hitd.AssignmentSubmitted, t0.Add(time.Minute)),
			assignment("AS3", "H2", "W2", hitd.AssignmentReturned, t0.Add(2*time.Minute)),
			assignment("AS4", "H1", "W2", hitd.AssignmentRejected, t0.Add(3*time.Minute)),
		} {
			if err := tx.InsertAssignment(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx hitd.Tx) error {
		got, err := tx.Batch(ctx, "B1")
		if err != nil || !reflect.DeepEqual(got, b) {
			t.Errorf("Batch(B1) after UpdateBatch = %+v, %v\nwant %+v", got, err, b)
		}
		hits, err := tx.BatchHITs(ctx, "B1")
		if err != nil || len(hits) != 2 || hits[0].ID != "H2" || hits[1].ID != "H1" {
			t.Errorf("BatchHITs(B1) = %v, %v; want H2, H1", hits, err)
		}
		asgs, err := tx.BatchAssignments(ctx, "B1")
		var ids []string
		for _, a := range asgs {
			ids = append(ids, a.ID)
		}
		if err != nil || !reflect.DeepEqual(ids, []string{"AS2", "AS3", "AS1", "AS4"}) {
			t.Errorf("BatchAssignments(B1) = %v, %v; want AS2 AS3 (row 0, H2), AS1 AS4 (row 1, H1)", ids, err)
		}
		stats, err := tx.RequesterWorkerStats(ctx, "A1")
		if err != nil || len(stats) != 2 {
			t.Fatalf("RequesterWorkerStats = %v, %v", stats, err)
		}
		by := map[string]*hitd.WorkerStats{}
		for _, st := range stats {
			by[st.WorkerID] = st
		}
		if w := by["W1"]; w == nil || w.Approved != 1 || w.Submitted != 1 || w.Rejected != 0 || !w.LastSeen.Equal(t0.Add(time.Minute)) {
			t.Errorf("W1 stats = %+v", w)
		}
		if w := by["W2"]; w == nil || w.Returned != 1 || w.Rejected != 1 || w.Approved != 0 || !w.LastSeen.Equal(t0.Add(3*time.Minute)) {
			t.Errorf("W2 stats = %+v", w)
		}
		if none, err := tx.RequesterWorkerStats(ctx, "A2"); err != nil || len(none) != 0 {
			t.Errorf("RequesterWorkerStats(A2) = %v, %v", none, err)
		}
		return nil
	})
}

func testLedgerByRequester(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	write(t, s, func(tx hitd.Tx) error {
		for _, id := range []string{"A1", "A2"} {
			if err := tx.InsertRequester(ctx, requester(id, false)); err != nil {
				return err
			}
		}
		var entries []hitd.LedgerEntry
		for i := range 5 {
			entries = append(entries,
				hitd.LedgerEntry{Time: t0.Add(time.Duration(i) * time.Second), Kind: hitd.LedgerDeposit, From: "external", To: "requester:A1", Amount: hitd.Cents(100 + i), RequesterID: "A1"},
				hitd.LedgerEntry{Time: t0, Kind: hitd.LedgerDeposit, From: "external", To: "requester:A2", Amount: 1, RequesterID: "A2"})
		}
		return tx.InsertLedgerEntries(ctx, entries)
	})
	read(t, s, func(tx hitd.Tx) error {
		page, err := tx.ListLedger(ctx, hitd.LedgerQuery{RequesterID: "A1", Limit: 3})
		if err != nil || len(page) != 3 || page[0].Amount != 100 || page[2].Amount != 102 || page[0].RequesterID != "A1" ||
			page[0].To != "requester:A1" || page[0].Kind != hitd.LedgerDeposit || !page[1].Time.Equal(t0.Add(time.Second)) {
			t.Fatalf("ListLedger(A1, 3) = %+v, %v", page, err)
		}
		rest, err := tx.ListLedger(ctx, hitd.LedgerQuery{RequesterID: "A1", AfterSeq: page[2].Seq, Limit: 10})
		if err != nil || len(rest) != 2 || rest[0].Amount != 103 || rest[1].Amount != 104 {
			t.Errorf("ListLedger(A1, after) = %+v, %v", rest, err)
		}
		if a2, err := tx.ListLedger(ctx, hitd.LedgerQuery{RequesterID: "A2", Limit: 10}); err != nil || len(a2) != 5 {
			t.Errorf("ListLedger(A2) = %d entries, %v; want 5", len(a2), err)
		}
		return nil
	})
}
