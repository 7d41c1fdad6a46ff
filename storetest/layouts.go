package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/hitd/hitd"
)

// This file holds the conformance tests for HIT layouts.

func layout(id, requesterID, name string) *hitd.HITLayout {
	return &hitd.HITLayout{ID: id, RequesterID: requesterID, Name: name,
		HTML: `<p>${a} & ${b_2} — 'quoted' "text" ]]> ünïcode</p>`, CreationTime: t0}
}

func testLayouts(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	write(t, s, func(tx hitd.Tx) error {
		for _, r := range []string{"A1", "A2"} {
			if err := tx.InsertRequester(ctx, requester(r, false)); err != nil {
				return err
			}
		}
		for _, l := range []*hitd.HITLayout{layout("L2", "A1", "second"), layout("L1", "A1", "first"), layout("L3", "A2", "other")} {
			if err := tx.InsertLayout(ctx, l); err != nil {
				return err
			}
		}
		return nil
	})
	if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertLayout(ctx, layout("L1", "A2", "again")) }); !errors.Is(err, hitd.ErrDuplicate) {
		t.Errorf("duplicate ID: %v", err)
	}
	read(t, s, func(tx hitd.Tx) error {
		l, err := tx.Layout(ctx, "L1")
		want := layout("L1", "A1", "first")
		if err != nil || l.ID != want.ID || l.RequesterID != "A1" || l.Name != "first" || l.HTML != want.HTML ||
			!l.CreationTime.Equal(t0) || l.Deleted {
			t.Errorf("Layout = %+v %v", l, err)
		}
		if _, err := tx.Layout(ctx, "NOSUCH"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("unknown layout: %v", err)
		}
		list, err := tx.ListLayouts(ctx, "A1")
		if err != nil || len(list) != 2 || list[0].ID != "L2" || list[1].ID != "L1" {
			t.Errorf("ListLayouts(A1) = %v %v, want L2, L1 (insertion order)", layoutIDs(list), err)
		}
		if list, err := tx.ListLayouts(ctx, "A3"); err != nil || len(list) != 0 {
			t.Errorf("ListLayouts(A3) = %v %v", layoutIDs(list), err)
		}
		return nil
	})
	// Soft delete: gone from the list, still readable, marked deleted.
	write(t, s, func(tx hitd.Tx) error {
		l, err := tx.Layout(ctx, "L2")
		if err != nil {
			return err
		}
		l.Deleted, l.Name = true, "renamed"
		return tx.UpdateLayout(ctx, l)
	})
	read(t, s, func(tx hitd.Tx) error {
		if list, err := tx.ListLayouts(ctx, "A1"); err != nil || len(list) != 1 || list[0].ID != "L1" {
			t.Errorf("ListLayouts after delete = %v %v", layoutIDs(list), err)
		}
		if l, err := tx.Layout(ctx, "L2"); err != nil || !l.Deleted || l.Name != "renamed" {
			t.Errorf("deleted layout = %+v %v", l, err)
		}
		return nil
	})
	if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.UpdateLayout(ctx, layout("NOSUCH", "A1", "x")) }); !errors.Is(err, hitd.ErrNoRows) {
		t.Errorf("UpdateLayout of an unknown layout: %v", err)
	}
}

func layoutIDs(ls []*hitd.HITLayout) []string {
	ids := make([]string, len(ls))
	for i, l := range ls {
		ids[i] = l.ID
	}
	return ids
}
