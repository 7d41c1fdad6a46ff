package hitd

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"
)

// errMirroredAccounts refuses to make requesters in a realm whose
// requesters come from Config.Accounts.
func errMirroredAccounts() error {
	return Errorf(ErrInvalidParameter, "Requesters are created in the production realm; they appear in the sandbox with their own balance the first time they use it.")
}

// CreateRequester makes a new requester with fresh credentials and the
// configured starting balance.
func (s *Service) CreateRequester(ctx context.Context, name string) (*Requester, error) {
	return s.createRequester(ctx, name, false)
}

// CreateAdminRequester is CreateRequester for a requester who may manage
// the server from the requester console (Requester.Admin).
func (s *Service) CreateAdminRequester(ctx context.Context, name string) (*Requester, error) {
	return s.createRequester(ctx, name, true)
}

func (s *Service) createRequester(ctx context.Context, name string, admin bool) (*Requester, error) {
	if s.cfg.Accounts != nil {
		return nil, errMirroredAccounts()
	}
	if err := requireString("Name", name); err != nil {
		return nil, err
	}
	draft := Requester{
		ID:              s.ids.RequesterID(),
		Name:            name,
		AccessKeyID:     s.ids.AccessKeyID(),
		SecretAccessKey: s.ids.SecretAccessKey(),
		Admin:           admin,
		CreationTime:    s.now(),
	}
	var r *Requester
	err := s.store.Write(ctx, func(tx Tx) error {
		// The deposit adds to r.Balance: each attempt starts from the draft.
		r = new(draft)
		p := purse{now: r.CreationTime}
		p.deposit(r, s.cfg.StartingBalance)
		if err := tx.InsertRequester(ctx, r); err != nil {
			return err
		}
		return p.flush(ctx, tx)
	})
	if err != nil {
		return nil, internal("create requester", err)
	}
	return r, nil
}

// EnsureRootRequester makes sure the root requester exists. With both keys
// given, the root requester gets exactly those keys (created or updated).
// With neither, an existing root is kept, or a new one is generated; created
// tells the caller to show the new keys once.
func (s *Service) EnsureRootRequester(ctx context.Context, accessKeyID, secret string) (r *Requester, created bool, err error) {
	if s.cfg.Accounts != nil {
		return nil, false, errMirroredAccounts()
	}
	if (accessKeyID == "") != (secret == "") {
		return nil, false, Errorf(ErrInvalidParameter, "set both HITD_ROOT_ACCESS_KEY_ID and HITD_ROOT_SECRET_ACCESS_KEY, or neither")
	}
	err = s.store.Write(ctx, func(tx Tx) error {
		r, created = nil, false // a retried attempt may take the other path
		root, err := tx.RootRequester(ctx)
		switch {
		case errors.Is(err, ErrNoRows):
			root = nil
		case err != nil:
			return err
		}
		if accessKeyID != "" {
			if other, err := tx.RequesterByAccessKey(ctx, accessKeyID); err == nil && (root == nil || other.ID != root.ID) {
				return Errorf(ErrRequesterExists, "access key %s already belongs to requester %s", accessKeyID, other.ID)
			} else if err != nil && !errors.Is(err, ErrNoRows) {
				return err
			}
			if err := checkNotRetired(ctx, tx, accessKeyID); err != nil {
				return err
			}
		}
		if root != nil {
			if accessKeyID != "" && (root.AccessKeyID != accessKeyID || root.SecretAccessKey != secret) {
				root.AccessKeyID, root.SecretAccessKey = accessKeyID, secret
				if err := tx.UpdateRequester(ctx, root); err != nil {
					return err
				}
			}
			r = root
			return nil
		}
		r = &Requester{
			ID:              s.ids.RequesterID(),
			Name:            "root",
			AccessKeyID:     accessKeyID,
			SecretAccessKey: secret,
			Root:            true,
			CreationTime:    s.now(),
		}
		if accessKeyID == "" {
			r.AccessKeyID, r.SecretAccessKey = s.ids.AccessKeyID(), s.ids.SecretAccessKey()
			created = true
		}
		p := purse{now: r.CreationTime}
		p.deposit(r, s.cfg.StartingBalance)
		if err := tx.InsertRequester(ctx, r); err != nil {
			return err
		}
		return p.flush(ctx, tx)
	})
	s.keys.forget() // the root's keys may have changed
	if err != nil {
		return nil, false, internal("ensure root requester", err)
	}
	return r, created, nil
}

// checkNotRetired refuses HITD_ROOT_ACCESS_KEY_ID when it names a key that
// was rotated out: putting it back would silently revive a key an operator
// retired, perhaps because it leaked.
func checkNotRetired(ctx context.Context, tx Tx, accessKeyID string) error {
	old, err := tx.RetiredKey(ctx, accessKeyID)
	if errors.Is(err, ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	return Errorf(ErrRequesterExists, "HITD_ROOT_ACCESS_KEY_ID is %s, a key of requester %s that was rotated out at %s (hitd requester rotate-key); set HITD_ROOT_ACCESS_KEY_ID and HITD_ROOT_SECRET_ACCESS_KEY to the root's current key (hitd requester keys --access-key-id %s shows it), or unset both.",
		accessKeyID, old.RequesterID, old.RetiredAt.Format(time.RFC3339), accessKeyID)
}

// ListRequesters returns every requester.
func (s *Service) ListRequesters(ctx context.Context) ([]*Requester, error) {
	var out []*Requester
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListRequesters(ctx)
		return err
	})
	return out, err
}

// LookupRequester returns the requester an access key belongs to (its
// current key, or a retired one within its grace period: LookupAccessKey);
// ok is false when the key is unknown or expired or its requester is
// disabled (Requester.Disabled), so every authentication path built on
// LookupAccessKey (LookupSecret, AuthenticateSecret, ConsoleLogin, and a
// mirrored realm's lookups) refuses a disabled requester exactly as it
// refuses an unknown key.
func (s *Service) LookupRequester(ctx context.Context, accessKeyID string) (r *Requester, ok bool, err error) {
	k, ok, err := s.LookupAccessKey(ctx, accessKeyID)
	if err != nil || !ok {
		return nil, false, err
	}
	return k.Requester, true, nil
}

// SetRequesterDisabled disables or enables the requester with an access key
// (`hitd requester disable` / `enable`). A disabled requester's access key
// is refused everywhere as if it did not exist — by the API (SigV4, HTTP
// Basic, the legacy API), the console and the sandbox realm — and its
// console sessions end. It takes effect on this node at once and on other
// nodes sharing the database (and in the sandbox realm, which caches its
// own lookups) within KeyCacheTTL. The requester's HITs, assignments,
// balance and history are left as they are: workers may finish work
// already accepted, and due auto-approvals still pay them.
func (s *Service) SetRequesterDisabled(ctx context.Context, accessKeyID string, disabled bool) (*Requester, error) {
	if s.cfg.Accounts != nil {
		return nil, Errorf(ErrInvalidParameter, "Requesters are disabled and enabled in the production realm; that applies in the sandbox too.")
	}
	if err := requireString("access key id", accessKeyID); err != nil {
		return nil, err
	}
	var r *Requester
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if r, err = tx.RequesterByAccessKey(ctx, accessKeyID); err != nil {
			return notFound(err, ErrNotAuthorized, "No requester has the access key id %s.", accessKeyID)
		}
		if disabled {
			// Enabling again must not revive the sessions of before.
			if err := tx.DeleteRequesterSessions(ctx, r.ID); err != nil {
				return err
			}
		}
		if r.Disabled == disabled {
			return nil
		}
		r.Disabled = disabled
		return tx.UpdateRequester(ctx, r)
	})
	s.keys.forget() // a remembered secret must not outlive the disabling here
	if err != nil {
		return nil, internal("set requester disabled", err)
	}
	return r, nil
}

// mirroredKey looks an access key up in Config.Accounts and makes sure
// this store holds the same requester (same ID, name, current keys, Root
// and Admin), creating it with StartingBalance the first time. The key's
// secret and expiry are production's (a retired key's, for a key rotated
// out); the requester and its balance are this realm's. Retired keys are
// not mirrored: production answers for them on every uncached lookup. The
// console password is not mirrored either: the mirrored realm checks it
// against Config.Accounts (ConsoleLogin).
func (s *Service) mirroredKey(ctx context.Context, accessKeyID string, retried bool) (*AccessKey, bool, error) {
	key, ok, err := s.cfg.Accounts.LookupAccessKey(ctx, accessKeyID)
	if err != nil || !ok || key.Requester.Disabled { // a disabled production requester is refused here too
		return nil, false, err
	}
	src := key.Requester
	mirrored := func(local *Requester) *AccessKey {
		return &AccessKey{Requester: local, SecretAccessKey: key.SecretAccessKey, Expires: key.Expires}
	}
	// same compares two stored copies, neither of them caller input, so
	// == on the secret leaks nothing (callers' secrets are compared in
	// constant time: AuthenticateSecret, consoleCredentialsOK, sigv4).
	same := func(r *Requester) bool {
		return r.Name == src.Name && r.AccessKeyID == src.AccessKeyID && r.SecretAccessKey == src.SecretAccessKey && r.Root == src.Root && r.Admin == src.Admin
	}
	var local *Requester
	err = s.store.Read(ctx, func(tx Tx) error {
		var err error
		local, err = tx.RequesterByID(ctx, src.ID)
		if errors.Is(err, ErrNoRows) {
			local = nil
			return nil
		}
		return err
	})
	if err == nil && local != nil && same(local) {
		return mirrored(local), true, nil
	}
	err = s.store.Write(ctx, func(tx Tx) error {
		r, err := tx.RequesterByID(ctx, src.ID)
		switch {
		case errors.Is(err, ErrNoRows):
			local = &Requester{ID: src.ID, Name: src.Name, AccessKeyID: src.AccessKeyID, SecretAccessKey: src.SecretAccessKey, Root: src.Root, Admin: src.Admin, CreationTime: s.now()}
			p := purse{now: local.CreationTime}
			p.deposit(local, s.cfg.StartingBalance)
			if err := tx.InsertRequester(ctx, local); err != nil {
				return err
			}
			return p.flush(ctx, tx)
		case err != nil:
			return err
		case same(r):
			local = r // a concurrent request mirrored it first
			return nil
		}
		r.Name, r.AccessKeyID, r.SecretAccessKey, r.Root, r.Admin = src.Name, src.AccessKeyID, src.SecretAccessKey, src.Root, src.Admin
		local = r
		return tx.UpdateRequester(ctx, r)
	})
	s.keys.forget() // the mirrored requester's keys may have changed
	if errors.Is(err, ErrDuplicate) {
		// Two requests mirrored the same requester at once: the other won.
		if retried {
			return nil, false, Errorf(ErrInternal, "The requester %s cannot be mirrored into this realm: its access key belongs to another requester here.", src.ID)
		}
		return s.mirroredKey(ctx, accessKeyID, true)
	}
	if err != nil {
		return nil, false, internal("mirror requester", err)
	}
	return mirrored(local), true, nil
}

// LookupSecret returns the secret and requester ID for an access key, for
// signature verification. ok is false when the key is unknown or expired
// or its requester disabled (LookupAccessKey). Answers are remembered for
// KeyCacheTTL (only successful ones), and a retired key's never past its
// expiry, so a requester disabled (or a key rotated out with no grace) on
// another node, or in production while this is the sandbox realm, is
// refused within that time, and a retired key at its expiry exactly.
func (s *Service) LookupSecret(ctx context.Context, accessKeyID string) (secret, requesterID string, ok bool, err error) {
	now := s.now()
	e, ok, gen := s.keys.get(accessKeyID, now)
	if ok {
		return e.secret, e.requesterID, true, nil
	}
	k, ok, err := s.LookupAccessKey(ctx, accessKeyID)
	if err != nil || !ok {
		return "", "", false, err
	}
	until := now.Add(KeyCacheTTL)
	if !k.Expires.IsZero() && k.Expires.Before(until) {
		until = k.Expires
	}
	s.keys.put(accessKeyID, keyEntry{secret: k.SecretAccessKey, requesterID: k.Requester.ID, until: until}, gen)
	return k.SecretAccessKey, k.Requester.ID, true, nil
}

// AuthenticateSecret checks an access key and secret pair (HTTP Basic on the
// REST edge) in constant time and returns the requester's ID.
func (s *Service) AuthenticateSecret(ctx context.Context, accessKeyID, secret string) (requesterID string, ok bool, err error) {
	want, id, found, err := s.LookupSecret(ctx, accessKeyID)
	if err != nil || !found {
		// Compare anyway so an unknown key costs the same as a wrong secret.
		subtle.ConstantTimeCompare([]byte(secret), []byte(secret))
		return "", false, err
	}
	if subtle.ConstantTimeCompare([]byte(want), []byte(secret)) != 1 {
		return "", false, nil
	}
	return id, true, nil
}

// GetAccountBalanceInput is the (empty) input of GetAccountBalance.
type GetAccountBalanceInput struct{}

// GetAccountBalanceOutput reports the caller's balance.
type GetAccountBalanceOutput struct {
	AvailableBalance string `json:"AvailableBalance"`
	OnHoldBalance    string `json:"OnHoldBalance,omitempty"`
}

// GetAccountBalance returns the caller's available balance.
func (s *Service) GetAccountBalance(ctx context.Context, c Caller, _ *GetAccountBalanceInput) (*GetAccountBalanceOutput, error) {
	var out GetAccountBalanceOutput
	err := s.store.Read(ctx, func(tx Tx) error {
		r, err := tx.RequesterByID(ctx, c.RequesterID)
		if err != nil {
			return notFound(err, ErrNotAuthorized, "The requester for these credentials no longer exists.")
		}
		out.AvailableBalance = r.Balance.String()
		return nil
	})
	if err != nil {
		return nil, internal("GetAccountBalance", err)
	}
	return &out, nil
}
