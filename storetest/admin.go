package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hitd/hitd"
)

// This file checks hitd.AdminTx (retired access keys, reserves, ending a
// worker's sessions) and the columns the admin commands added to rows the
// rest of the suite covers: Worker.Disabled and LedgerEntry.Reason.

func adminTests() []struct {
	name string
	fn   func(*testing.T, hitd.Store)
} {
	return []struct {
		name string
		fn   func(*testing.T, hitd.Store)
	}{
		{"RetiredKeys", testRetiredKeys},
		{"ReservedFunds", testReservedFunds},
		{"WorkerDisabledAndSessions", testWorkerDisabled},
		{"LedgerReason", testLedgerReason},
	}
}

func testRetiredKeys(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	write(t, s, func(tx hitd.Tx) error {
		if err := tx.InsertRequester(ctx, requester("A1", false)); err != nil {
			return err
		}
		return tx.InsertRequester(ctx, requester("A2", false))
	})
	k1 := &hitd.RetiredKey{AccessKeyID: "OLD1", SecretAccessKey: "old-secret-1", RequesterID: "A1", RetiredAt: t0, Expires: t0.Add(24 * time.Hour)}
	k2 := &hitd.RetiredKey{AccessKeyID: "OLD2", SecretAccessKey: "old-secret-2", RequesterID: "A1", RetiredAt: t0.Add(time.Hour), Expires: t0.Add(time.Hour)}
	k3 := &hitd.RetiredKey{AccessKeyID: "OLD3", SecretAccessKey: "old-secret-3", RequesterID: "A2", RetiredAt: t0.Add(30 * time.Minute), Expires: t0.Add(2 * time.Hour)}
	write(t, s, func(tx hitd.Tx) error {
		for _, k := range []*hitd.RetiredKey{k2, k1, k3} {
			if err := tx.InsertRetiredKey(ctx, k); err != nil {
				return err
			}
		}
		return nil
	})
	dup := *k1
	dup.RequesterID = "A2"
	if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertRetiredKey(ctx, &dup) }); !errors.Is(err, hitd.ErrDuplicate) {
		t.Errorf("a retired key inserted twice: %v, want ErrDuplicate", err)
	}
	ids := func(ks []*hitd.RetiredKey) []string {
		var out []string
		for _, k := range ks {
			out = append(out, k.AccessKeyID)
		}
		return out
	}
	read(t, s, func(tx hitd.Tx) error {
		got, err := tx.RetiredKey(ctx, "OLD1")
		if err != nil || !sameKey(got, k1) {
			t.Errorf("RetiredKey(OLD1) = %+v, %v; want %+v", got, err, k1)
		}
		if _, err := tx.RetiredKey(ctx, "KEYA1"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("RetiredKey of a current key: %v, want ErrNoRows", err)
		}
		// A retired key does not find its requester as a current key does.
		if _, err := tx.RequesterByAccessKey(ctx, "OLD1"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("RequesterByAccessKey of a retired key: %v, want ErrNoRows", err)
		}
		mine, err := tx.ListRetiredKeys(ctx, "A1")
		if err != nil || len(mine) != 2 || mine[0].AccessKeyID != "OLD1" || mine[1].AccessKeyID != "OLD2" || !sameKey(mine[1], k2) {
			t.Errorf("ListRetiredKeys(A1) = %v, %v; want OLD1, OLD2 (by retirement)", ids(mine), err)
		}
		all, err := tx.ListRetiredKeys(ctx, "")
		if err != nil || len(all) != 3 || all[0].AccessKeyID != "OLD1" || all[1].AccessKeyID != "OLD3" || all[2].AccessKeyID != "OLD2" {
			t.Errorf("ListRetiredKeys(\"\") = %v, %v; want OLD1, OLD3, OLD2", ids(all), err)
		}
		none, err := tx.ListRetiredKeys(ctx, "A9")
		if err != nil || len(none) != 0 {
			t.Errorf("ListRetiredKeys(A9) = %v, %v", ids(none), err)
		}
		return nil
	})
	write(t, s, func(tx hitd.Tx) error { return tx.ExpireRetiredKey(ctx, "OLD1", t0.Add(time.Minute)) })
	if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.ExpireRetiredKey(ctx, "NOPE", t0) }); !errors.Is(err, hitd.ErrNoRows) {
		t.Errorf("ExpireRetiredKey(NOPE) = %v, want ErrNoRows", err)
	}
	read(t, s, func(tx hitd.Tx) error {
		got, err := tx.RetiredKey(ctx, "OLD1")
		if err != nil || !got.Expires.Equal(t0.Add(time.Minute)) || !got.RetiredAt.Equal(t0) || got.SecretAccessKey != "old-secret-1" {
			t.Errorf("OLD1 after ExpireRetiredKey: %+v, %v", got, err)
		}
		return nil
	})
}

func sameKey(a, b *hitd.RetiredKey) bool {
	return a.AccessKeyID == b.AccessKeyID && a.SecretAccessKey == b.SecretAccessKey && a.RequesterID == b.RequesterID &&
		a.RetiredAt.Equal(b.RetiredAt) && a.Expires.Equal(b.Expires)
}

func testReservedFunds(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	h1 := seedHIT(t, s, "H1", 3)
	write(t, s, func(tx hitd.Tx) error {
		h1.Funded, h1.Reserved = 3, 330
		if err := tx.UpdateHIT(ctx, h1); err != nil {
			return err
		}
		h2 := hit("H2", "T1", "A1")
		h2.Funded, h2.Reserved, h2.Disposed = 1, 110, true // deleted, its money not yet released
		if err := tx.InsertHIT(ctx, h2); err != nil {
			return err
		}
		if err := tx.InsertRequester(ctx, requester("A2", false)); err != nil {
			return err
		}
		if _, err := tx.InsertHITType(ctx, hitType("T2", "A2")); err != nil {
			return err
		}
		h3 := hit("H3", "T2", "A2")
		h3.Funded, h3.Reserved = 1, 7
		return tx.InsertHIT(ctx, h3)
	})
	read(t, s, func(tx hitd.Tx) error {
		for id, want := range map[string]hitd.Cents{"A1": 440, "A2": 7, "A9": 0} {
			if got, err := tx.ReservedFunds(ctx, id); err != nil || got != want {
				t.Errorf("ReservedFunds(%s) = %s, %v; want %s", id, got, err, want)
			}
		}
		return nil
	})
}

func testWorkerDisabled(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	off := worker("W1", "alice")
	off.Disabled = true
	write(t, s, func(tx hitd.Tx) error {
		if err := tx.InsertWorker(ctx, off); err != nil {
			return err
		}
		if err := tx.InsertWorker(ctx, worker("W2", "bob")); err != nil {
			return err
		}
		for i, w := range []string{"W1", "W1", "W2"} {
			if err := tx.InsertSession(ctx, &hitd.Session{TokenHash: []byte{byte(i), 1, 2}, WorkerID: w, CreationTime: t0, Expiration: t0.Add(time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	})
	read(t, s, func(tx hitd.Tx) error {
		if w, err := tx.WorkerByID(ctx, "W1"); err != nil || !w.Disabled {
			t.Errorf("W1 = %+v, %v; want disabled", w, err)
		}
		if w, err := tx.WorkerByUsername(ctx, "bob"); err != nil || w.Disabled {
			t.Errorf("W2 = %+v, %v; want enabled by default", w, err)
		}
		return nil
	})
	write(t, s, func(tx hitd.Tx) error {
		w, err := tx.WorkerByID(ctx, "W2")
		if err != nil {
			return err
		}
		w.Disabled, w.Masters = true, true
		if err := tx.UpdateWorker(ctx, w); err != nil {
			return err
		}
		if w, err = tx.WorkerByID(ctx, "W1"); err != nil {
			return err
		}
		w.Disabled = false
		if err := tx.UpdateWorker(ctx, w); err != nil {
			return err
		}
		if err := tx.DeleteWorkerSessions(ctx, "W1"); err != nil {
			return err
		}
		return tx.DeleteWorkerSessions(ctx, "W9") // none: no error
	})
	read(t, s, func(tx hitd.Tx) error {
		all, err := tx.ListWorkers(ctx)
		disabled := map[string]bool{}
		for _, w := range all {
			disabled[w.ID] = w.Disabled
		}
		if err != nil || len(all) != 2 || disabled["W1"] || !disabled["W2"] {
			t.Errorf("ListWorkers disabled = %v, %v; want W2 only", disabled, err)
		}
		if w, err := tx.WorkerByID(ctx, "W2"); err != nil || !w.Masters {
			t.Errorf("W2 lost another column: %+v, %v", w, err)
		}
		for i, want := range []bool{false, false, true} {
			_, err := tx.SessionByTokenHash(ctx, []byte{byte(i), 1, 2})
			if got := err == nil; got != want || (err != nil && !errors.Is(err, hitd.ErrNoRows)) {
				t.Errorf("session %d after DeleteWorkerSessions(W1): found=%v err=%v, want found=%v", i, got, err, want)
			}
		}
		return nil
	})
}

func testLedgerReason(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	write(t, s, func(tx hitd.Tx) error {
		if err := tx.InsertRequester(ctx, requester("A1", false)); err != nil {
			return err
		}
		return tx.InsertLedgerEntries(ctx, []hitd.LedgerEntry{
			{Time: t0, Kind: hitd.LedgerDeposit, From: "external", To: "requester:A1", Amount: 10000_00, RequesterID: "A1"},
			{Time: t0, Kind: hitd.LedgerAdjustment, From: "requester:A1", To: "external", Amount: 1250, RequesterID: "A1", Reason: "refund of invoice #12 — «double charge»"},
			{Time: t0, Kind: hitd.LedgerAdjustment, From: "external", To: "requester:A1", Amount: 250, RequesterID: "A1", Reason: "goodwill"},
		})
	})
	read(t, s, func(tx hitd.Tx) error {
		got, err := tx.ListLedger(ctx, hitd.LedgerQuery{RequesterID: "A1", Limit: 10})
		if err != nil || len(got) != 3 || got[0].Reason != "" || got[1].Reason != "refund of invoice #12 — «double charge»" || got[2].Reason != "goodwill" || got[1].Kind != hitd.LedgerAdjustment {
			t.Errorf("ListLedger = %+v, %v", got, err)
		}
		// Money out to the world counts against the deposits, so the books
		// balance: 10000.00 in, 12.50 out, 2.50 in.
		m, err := tx.AuditMoney(ctx)
		if err != nil || m.Deposits != 10000_00-1250+250 || m.RequesterBalances != 10000_00 {
			t.Errorf("AuditMoney = %+v, %v; want Deposits %s", m, err, hitd.Cents(10000_00-1250+250))
		}
		return nil
	})
}
