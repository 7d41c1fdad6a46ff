package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hitd/hitd"
)

// testRequesterConsole covers the requester console's columns (Admin,
// ConsolePasswordHash, Disabled) and its sessions.
func testRequesterConsole(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	admin := requester("A1", false)
	admin.Admin, admin.ConsolePasswordHash = true, []byte("$2a$04$not-a-real-bcrypt-hash")
	write(t, s, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, admin) })
	write(t, s, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, requester("A2", false)) })
	read(t, s, func(tx hitd.Tx) error {
		r, err := tx.RequesterByID(ctx, "A1")
		if err != nil || !r.Admin || !bytes.Equal(r.ConsolePasswordHash, admin.ConsolePasswordHash) {
			t.Errorf("RequesterByID(A1) = %+v, %v; want admin with its password hash", r, err)
		}
		r, err = tx.RequesterByAccessKey(ctx, "KEYA2")
		if err != nil || r.Admin || r.ConsolePasswordHash != nil {
			t.Errorf("RequesterByAccessKey(KEYA2) = %+v, %v; want no admin, nil password hash", r, err)
		}
		all, err := tx.ListRequesters(ctx)
		if err != nil || len(all) != 2 || !all[0].Admin || all[1].Admin {
			t.Errorf("ListRequesters = %+v, %v", all, err)
		}
		return nil
	})
	// Updates change both columns, and clear them.
	write(t, s, func(tx hitd.Tx) error {
		r, err := tx.RequesterByID(ctx, "A2")
		if err != nil {
			return err
		}
		r.Admin, r.ConsolePasswordHash = true, []byte("hash-2")
		if err := tx.UpdateRequester(ctx, r); err != nil {
			return err
		}
		a1, err := tx.RequesterByID(ctx, "A1")
		if err != nil {
			return err
		}
		a1.Admin, a1.ConsolePasswordHash = false, nil
		return tx.UpdateRequester(ctx, a1)
	})
	read(t, s, func(tx hitd.Tx) error {
		if r, err := tx.RequesterByID(ctx, "A2"); err != nil || !r.Admin || string(r.ConsolePasswordHash) != "hash-2" {
			t.Errorf("A2 after update: %+v, %v", r, err)
		}
		if r, err := tx.RequesterByID(ctx, "A1"); err != nil || r.Admin || r.ConsolePasswordHash != nil {
			t.Errorf("A1 after clearing: %+v, %v", r, err)
		}
		return nil
	})
	testRequesterDisabled(t, s)

	hash := bytes.Repeat([]byte{5}, 32)
	sess := &hitd.RequesterSession{TokenHash: hash, RequesterID: "A1", CreationTime: t0, Expiration: t0.Add(time.Hour)}
	write(t, s, func(tx hitd.Tx) error { return tx.InsertRequesterSession(ctx, sess) })
	if err := s.Write(ctx, func(tx hitd.Tx) error { return tx.InsertRequesterSession(ctx, sess) }); !errors.Is(err, hitd.ErrDuplicate) {
		t.Errorf("InsertRequesterSession of a taken hash: %v, want ErrDuplicate", err)
	}
	read(t, s, func(tx hitd.Tx) error {
		got, err := tx.RequesterSessionByTokenHash(ctx, hash)
		if err != nil || got.RequesterID != "A1" || !bytes.Equal(got.TokenHash, hash) || !got.CreationTime.Equal(t0) || !got.Expiration.Equal(t0.Add(time.Hour)) {
			t.Errorf("RequesterSessionByTokenHash = %+v, %v", got, err)
		}
		if _, err := tx.RequesterSessionByTokenHash(ctx, bytes.Repeat([]byte{6}, 32)); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("unknown hash: %v, want ErrNoRows", err)
		}
		// Worker sessions and requester sessions are apart.
		if _, err := tx.SessionByTokenHash(ctx, hash); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("a requester session found as a worker session: %v", err)
		}
		return nil
	})
	write(t, s, func(tx hitd.Tx) error { return tx.DeleteRequesterSession(ctx, hash) })
	write(t, s, func(tx hitd.Tx) error { return tx.DeleteRequesterSession(ctx, hash) }) // deleting twice is no error
	read(t, s, func(tx hitd.Tx) error {
		if _, err := tx.RequesterSessionByTokenHash(ctx, hash); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("deleted session: %v, want ErrNoRows", err)
		}
		return nil
	})

	// DeleteRequesterSessions ends one requester's sessions, not others'.
	hashes := [][]byte{bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{8}, 32), bytes.Repeat([]byte{9}, 32)}
	write(t, s, func(tx hitd.Tx) error {
		for i, h := range hashes {
			owner := "A1"
			if i == 2 {
				owner = "A2"
			}
			if err := tx.InsertRequesterSession(ctx, &hitd.RequesterSession{TokenHash: h, RequesterID: owner, CreationTime: t0, Expiration: t0.Add(time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	})
	write(t, s, func(tx hitd.Tx) error { return tx.DeleteRequesterSessions(ctx, "A1") })
	write(t, s, func(tx hitd.Tx) error { return tx.DeleteRequesterSessions(ctx, "NOSUCH") }) // none is no error
	read(t, s, func(tx hitd.Tx) error {
		for i, h := range hashes {
			_, err := tx.RequesterSessionByTokenHash(ctx, h)
			if i < 2 && !errors.Is(err, hitd.ErrNoRows) {
				t.Errorf("A1's session %d after DeleteRequesterSessions: %v, want ErrNoRows", i, err)
			}
			if i == 2 && err != nil {
				t.Errorf("A2's session after deleting A1's: %v", err)
			}
		}
		return nil
	})
}

// testRequesterDisabled covers Requester.Disabled: false by default, set
// and cleared by UpdateRequester, kept by InsertRequester and read back by
// every lookup, without touching the other columns.
func testRequesterDisabled(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	off := requester("D1", false)
	off.Disabled = true
	write(t, s, func(tx hitd.Tx) error { return tx.InsertRequester(ctx, off) })
	read(t, s, func(tx hitd.Tx) error {
		if r, err := tx.RequesterByAccessKey(ctx, "KEYD1"); err != nil || !r.Disabled {
			t.Errorf("RequesterByAccessKey(KEYD1) = %+v, %v; want disabled", r, err)
		}
		if r, err := tx.RequesterByID(ctx, "A2"); err != nil || r.Disabled {
			t.Errorf("RequesterByID(A2) = %+v, %v; want enabled by default", r, err)
		}
		return nil
	})
	write(t, s, func(tx hitd.Tx) error {
		r, err := tx.RequesterByID(ctx, "A2")
		if err != nil {
			return err
		}
		r.Disabled = true
		if err := tx.UpdateRequester(ctx, r); err != nil {
			return err
		}
		d, err := tx.RequesterByID(ctx, "D1")
		if err != nil {
			return err
		}
		d.Disabled = false
		return tx.UpdateRequester(ctx, d)
	})
	read(t, s, func(tx hitd.Tx) error {
		if r, err := tx.RequesterByID(ctx, "A2"); err != nil || !r.Disabled || !r.Admin || string(r.ConsolePasswordHash) != "hash-2" || r.Balance != 10000_00 {
			t.Errorf("A2 after disabling: %+v, %v; want disabled with its other columns kept", r, err)
		}
		if r, err := tx.RequesterByAccessKey(ctx, "KEYD1"); err != nil || r.Disabled {
			t.Errorf("D1 after enabling: %+v, %v", r, err)
		}
		all, err := tx.ListRequesters(ctx)
		disabled := map[string]bool{}
		for _, r := range all {
			disabled[r.ID] = r.Disabled
		}
		if err != nil || len(all) != 3 || !disabled["A2"] || disabled["A1"] || disabled["D1"] {
			t.Errorf("ListRequesters disabled = %v, %v", disabled, err)
		}
		return nil
	})
	write(t, s, func(tx hitd.Tx) error {
		r, err := tx.RequesterByID(ctx, "A2")
		if err != nil {
			return err
		}
		r.Disabled = false
		return tx.UpdateRequester(ctx, r)
	})
}
