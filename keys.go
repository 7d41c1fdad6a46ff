package hitd

import (
	"context"
	"errors"
	"time"
)

// This file holds access-key rotation (`hitd requester rotate-key`,
// `revoke-key`, `keys`) and the lookup every authentication path shares.
//
// A requester has one current key: Requester.AccessKeyID and
// SecretAccessKey, as before rotation existed. Rotating it stores the
// current key as a RetiredKey with an expiry (now + grace) and gives the
// requester a fresh key. Until the expiry both work everywhere a key is
// accepted: SigV4 (the 2017 API), HTTP Basic (the REST edge), the legacy
// 2014 API, the requester console, and the sandbox realm, which asks
// production. From the expiry on, the old key is refused exactly as an
// unknown key is. Keeping the current key in the requester's row (rather
// than moving every key to the retired-keys table) leaves the hot path, a
// signed request with a current key, one indexed row read as it was; only
// keys that were rotated out are looked up in the second table.
//
// Rotating again within a grace period retires the then-current key with
// its own expiry and leaves earlier retired keys' expiries as they were:
// every key a client may still hold keeps the grace it was promised, and
// RevokeAccessKey ends one early.

// RetiredKey is an access key its requester rotated out. It keeps working
// until Expires (exclusive), then is refused as if it never existed; it is
// kept afterwards so `hitd requester keys` can show when it ended and so it
// is never handed out again.
type RetiredKey struct {
	AccessKeyID     string
	SecretAccessKey string
	RequesterID     string
	RetiredAt       time.Time // when RotateAccessKey replaced it
	Expires         time.Time // the first instant it is refused
}

// ValidAt reports whether the key still works at now.
func (k *RetiredKey) ValidAt(now time.Time) bool { return now.Before(k.Expires) }

// AccessKey is what a request's access key identifies: the requester that
// owns it (as stored, with its current key and console password hash) and
// this key's own secret, which for a retired key is not the requester's
// current one.
type AccessKey struct {
	Requester       *Requester
	SecretAccessKey string
	// Expires is zero for the requester's current key and a retired key's
	// end of grace otherwise.
	Expires time.Time
}

// errProductionOnly refuses a requester-account change in a realm whose
// requesters come from Config.Accounts.
func errProductionOnly(what string) error {
	return Errorf(ErrInvalidParameter, "%s in the production realm; that applies in the sandbox too.", what)
}

// requesterByCurrentKey returns the requester whose current access key is
// accessKeyID. For a retired key the error says so and names no secret.
func requesterByCurrentKey(ctx context.Context, tx Tx, accessKeyID string) (*Requester, error) {
	if err := requireString("access key id", accessKeyID); err != nil {
		return nil, err
	}
	r, err := tx.RequesterByAccessKey(ctx, accessKeyID)
	if !errors.Is(err, ErrNoRows) {
		return r, err
	}
	old, err := tx.RetiredKey(ctx, accessKeyID)
	if errors.Is(err, ErrNoRows) {
		return nil, Errorf(ErrNotAuthorized, "No requester has the access key id %s.", accessKeyID)
	} else if err != nil {
		return nil, err
	}
	owner, err := tx.RequesterByID(ctx, old.RequesterID)
	if err != nil {
		return nil, err
	}
	return nil, Errorf(ErrInvalidParameter, "The access key id %s was rotated out of requester %s at %s; use its current key, %s.",
		accessKeyID, owner.ID, old.RetiredAt.Format(time.RFC3339), owner.AccessKeyID)
}

// RotateAccessKey gives the requester whose current key is accessKeyID a
// new access key id and secret (`hitd requester rotate-key`). The old key
// keeps working until now+grace; grace 0 refuses it at once. It takes
// effect on this node at once and on other nodes sharing the database, and
// in the sandbox realm, within KeyCacheTTL (their remembered lookups), and
// exactly at the expiry when the grace is longer than that. The requester
// returned carries the new key; it is shown once, like CreateRequester's.
func (s *Service) RotateAccessKey(ctx context.Context, accessKeyID string, grace time.Duration) (*Requester, *RetiredKey, error) {
	if s.cfg.Accounts != nil {
		return nil, nil, errProductionOnly("Access keys are rotated")
	}
	if grace < 0 {
		return nil, nil, Errorf(ErrInvalidParameter, "The grace period %s is negative; give 0 to refuse the old key at once.", grace)
	}
	newKey, newSecret := s.ids.AccessKeyID(), s.ids.SecretAccessKey()
	now := s.now()
	var r *Requester
	var old *RetiredKey
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if r, err = requesterByCurrentKey(ctx, tx, accessKeyID); err != nil {
			return err
		}
		old = &RetiredKey{AccessKeyID: r.AccessKeyID, SecretAccessKey: r.SecretAccessKey, RequesterID: r.ID,
			RetiredAt: now, Expires: now.Add(grace)}
		if err := tx.InsertRetiredKey(ctx, old); err != nil {
			return err
		}
		r.AccessKeyID, r.SecretAccessKey = newKey, newSecret
		return tx.UpdateRequester(ctx, r)
	})
	s.keys.forget() // a remembered old key must not outlive a grace of 0 here
	if err != nil {
		return nil, nil, internal("rotate access key", err)
	}
	return r, old, nil
}

// RevokeAccessKey ends a retired key's grace period now (`hitd requester
// revoke-key`). A requester's current key is not revoked this way: rotate it
// with a grace of 0 instead, so the requester keeps a working key.
func (s *Service) RevokeAccessKey(ctx context.Context, accessKeyID string) (*RetiredKey, error) {
	if s.cfg.Accounts != nil {
		return nil, errProductionOnly("Access keys are revoked")
	}
	if err := requireString("access key id", accessKeyID); err != nil {
		return nil, err
	}
	now := s.now()
	var old *RetiredKey
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		old, err = tx.RetiredKey(ctx, accessKeyID)
		if errors.Is(err, ErrNoRows) {
			if r, err := tx.RequesterByAccessKey(ctx, accessKeyID); err == nil {
				return Errorf(ErrInvalidParameter, "The access key id %s is requester %s's current key; rotate it (with --grace 0 to refuse it at once) rather than revoke it.", accessKeyID, r.ID)
			}
			return Errorf(ErrNotAuthorized, "No requester has the access key id %s.", accessKeyID)
		} else if err != nil {
			return err
		}
		if !old.ValidAt(now) {
			return nil // already refused; its expiry stays as it was
		}
		old.Expires = now
		return tx.ExpireRetiredKey(ctx, accessKeyID, now)
	})
	s.keys.forget()
	if err != nil {
		return nil, internal("revoke access key", err)
	}
	return old, nil
}

// RequesterKeys returns the requester an access key belongs to — its
// current key or any key it rotated out, expired or not — with every key it
// rotated out, oldest first (`hitd requester keys`).
func (s *Service) RequesterKeys(ctx context.Context, accessKeyID string) (*Requester, []*RetiredKey, error) {
	if s.cfg.Accounts != nil {
		return nil, nil, errProductionOnly("Access keys are kept")
	}
	if err := requireString("access key id", accessKeyID); err != nil {
		return nil, nil, err
	}
	var r *Requester
	var keys []*RetiredKey
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		r, err = tx.RequesterByAccessKey(ctx, accessKeyID)
		if errors.Is(err, ErrNoRows) {
			old, err := tx.RetiredKey(ctx, accessKeyID)
			if err != nil {
				return notFound(err, ErrNotAuthorized, "No requester has the access key id %s.", accessKeyID)
			}
			r, err = tx.RequesterByID(ctx, old.RequesterID)
			if err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		keys, err = tx.ListRetiredKeys(ctx, r.ID)
		return err
	})
	if err != nil {
		return nil, nil, internal("requester keys", err)
	}
	return r, keys, nil
}

// RetiredKeys returns every requester's retired keys, oldest first, for
// `hitd requester list`.
func (s *Service) RetiredKeys(ctx context.Context) ([]*RetiredKey, error) {
	var out []*RetiredKey
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListRetiredKeys(ctx, "")
		return err
	})
	return out, internal("retired keys", err)
}

// LookupAccessKey returns what an access key identifies, for every
// authentication path: the requester's current key, or a key it rotated
// out whose grace period has not ended by the Service's clock. ok is false
// for an unknown key, an expired one, and any key of a disabled requester.
// In a mirrored realm (Config.Accounts) production answers and the
// requester is this realm's copy. It makes *Service a RequesterDirectory.
func (s *Service) LookupAccessKey(ctx context.Context, accessKeyID string) (*AccessKey, bool, error) {
	if s.cfg.Accounts != nil {
		return s.mirroredKey(ctx, accessKeyID, false)
	}
	now := s.now()
	var k *AccessKey
	err := s.store.Read(ctx, func(tx Tx) error {
		k = nil
		r, err := tx.RequesterByAccessKey(ctx, accessKeyID)
		if err == nil {
			k = &AccessKey{Requester: r, SecretAccessKey: r.SecretAccessKey}
			return nil
		} else if !errors.Is(err, ErrNoRows) {
			return err
		}
		old, err := tx.RetiredKey(ctx, accessKeyID)
		if errors.Is(err, ErrNoRows) {
			return nil
		} else if err != nil {
			return err
		}
		if !old.ValidAt(now) {
			return nil
		}
		if r, err = tx.RequesterByID(ctx, old.RequesterID); err != nil {
			return err
		}
		k = &AccessKey{Requester: r, SecretAccessKey: old.SecretAccessKey, Expires: old.Expires}
		return nil
	})
	if err != nil {
		return nil, false, internal("look up access key", err)
	}
	if k == nil || k.Requester.Disabled {
		return nil, false, nil
	}
	return k, true, nil
}
