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
// ConsolePasswordHash) and its sessions.
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
}
