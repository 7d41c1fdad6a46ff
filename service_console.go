package hitd

import (
	"context"
	"crypto/subtle"
	"errors"

	"golang.org/x/crypto/bcrypt"
)

// This file holds the requester console's accounts: console passwords,
// admin requesters and console sessions. The console (package web) signs
// requesters in through ConsoleLogin and authenticates every later request
// through RequesterForConsoleSession.
//
// A requester signs in with its access key ID and either its secret access
// key or its console password (set by `hitd requester set-password`); both
// are always checked, so the two ways and an unknown key cost the same.
// Sessions are like workers': a random token whose SHA-256 is stored, valid
// for SessionLifetime.
//
// In a mirrored realm (Config.Accounts set: the sandbox) the credentials
// are production's: ConsoleLogin checks them against the requester
// Config.Accounts returns, then mirrors the requester and keeps the session
// in this realm's own store. Console passwords and admin rights are
// therefore set in production only; RequesterForConsoleSession re-mirrors
// the requester on each call, so a change made in production (admin
// revoked, access key replaced) reaches the sandbox console at once.

// errConsoleLogin is the one answer to every failed console sign-in.
func errConsoleLogin() error {
	return Errorf(ErrNotAuthenticated, "The access key ID, secret access key or password is wrong.")
}

// dummyPasswordHash is a bcrypt hash, at the Service's password cost, of
// a random secret nobody knows: sign-ins for unknown workers, unknown keys
// and requesters without a console password are compared against it, so
// they cost as much as a real password check and do not tell, by their
// time, which names exist.
func (s *Service) dummyPasswordHash() []byte {
	s.dummyOnce.Do(func() {
		secret, _ := newSecret()
		h, err := bcrypt.GenerateFromPassword([]byte(secret), s.passwordCost())
		if err != nil { // only for a cost out of bcrypt's range
			h, _ = bcrypt.GenerateFromPassword([]byte(secret), bcrypt.DefaultCost)
		}
		s.dummy = h
	})
	return s.dummy
}

// SetConsolePassword sets the console password of the requester with an
// access key (the `hitd requester set-password` command). The password
// rules are workers'. Existing console sessions stay valid.
func (s *Service) SetConsolePassword(ctx context.Context, accessKeyID, password string) error {
	if s.cfg.Accounts != nil {
		return Errorf(ErrInvalidParameter, "Console passwords are set in the production realm; the sandbox console signs in with production's.")
	}
	if err := requireString("access key id", accessKeyID); err != nil {
		return err
	}
	if err := validatePassword(password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.passwordCost())
	if err != nil {
		return internal("hash password", err)
	}
	err = s.store.Write(ctx, func(tx Tx) error {
		r, err := tx.RequesterByAccessKey(ctx, accessKeyID)
		if err != nil {
			return notFound(err, ErrNotAuthorized, "No requester has the access key id %s.", accessKeyID)
		}
		r.ConsolePasswordHash = hash
		return tx.UpdateRequester(ctx, r)
	})
	return internal("set console password", err)
}

// SetRequesterAdmin grants or revokes a requester's admin rights in the
// console (Requester.Admin). CreateAdminRequester makes one directly.
func (s *Service) SetRequesterAdmin(ctx context.Context, accessKeyID string, admin bool) (*Requester, error) {
	if s.cfg.Accounts != nil {
		return nil, Errorf(ErrInvalidParameter, "Admin rights are set in the production realm; they apply in the sandbox too.")
	}
	var r *Requester
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if r, err = tx.RequesterByAccessKey(ctx, accessKeyID); err != nil {
			return notFound(err, ErrNotAuthorized, "No requester has the access key id %s.", accessKeyID)
		}
		r.Admin = admin
		return tx.UpdateRequester(ctx, r)
	})
	if err != nil {
		return nil, internal("set requester admin", err)
	}
	return r, nil
}

// ConsoleLogin checks an access key ID with either that key's secret (a
// retired key's within its grace period) or the requester's console
// password, and opens a console session. The
// returned token is the session cookie's value; the requester is this
// realm's (its balance is this realm's). Every failure — unknown key, wrong
// secret or password — is the same ErrNotAuthenticated after the same work.
func (s *Service) ConsoleLogin(ctx context.Context, accessKeyID, secret string) (token string, r *Requester, err error) {
	lookup := s.LookupAccessKey
	if s.cfg.Accounts != nil {
		lookup = s.cfg.Accounts.LookupAccessKey // production's requester, with its password hash
	}
	var account *AccessKey
	if accessKeyID != "" {
		var ok bool
		if account, ok, err = lookup(ctx, accessKeyID); err != nil {
			return "", nil, internal("console login", err)
		} else if !ok {
			account = nil
		}
	}
	if !s.consoleCredentialsOK(account, secret) {
		return "", nil, errConsoleLogin()
	}
	r = account.Requester
	if s.cfg.Accounts != nil {
		local, ok, err := s.mirroredKey(ctx, accessKeyID, false)
		if err != nil {
			return "", nil, internal("console login", err)
		}
		if !ok || local.Requester.ID != r.ID { // the key changed hands meanwhile
			return "", nil, errConsoleLogin()
		}
		r = local.Requester
	}
	token, hash := newSecret()
	now := s.now()
	err = s.store.Write(ctx, func(tx Tx) error {
		return tx.InsertRequesterSession(ctx, &RequesterSession{TokenHash: hash, RequesterID: r.ID, CreationTime: now, Expiration: now.Add(SessionLifetime)})
	})
	if err != nil {
		return "", nil, internal("console login", err)
	}
	return token, r, nil
}

// consoleCredentialsOK reports whether secret is k's secret access key or
// its requester's console password; k is nil for an unknown key. It always
// makes one constant-time comparison and one bcrypt comparison, whatever k
// is.
func (s *Service) consoleCredentialsOK(k *AccessKey, secret string) bool {
	want, hash, hasPassword := "", s.dummyPasswordHash(), false
	if k != nil {
		want = k.SecretAccessKey
		if len(k.Requester.ConsolePasswordHash) > 0 {
			hash, hasPassword = k.Requester.ConsolePasswordHash, true
		}
	}
	keyOK := subtle.ConstantTimeCompare([]byte(want), []byte(secret)) == 1
	passwordOK := bcrypt.CompareHashAndPassword(hash, []byte(secret)) == nil
	return k != nil && secret != "" && (keyOK || (hasPassword && passwordOK))
}

// RequesterForConsoleSession returns the requester a console session token
// belongs to; an unknown, ended or expired session is ErrNotAuthenticated.
func (s *Service) RequesterForConsoleSession(ctx context.Context, token string) (*Requester, error) {
	if token == "" {
		return nil, Errorf(ErrNotAuthenticated, "Sign in first.")
	}
	hash := hashSecret(token)
	var r *Requester
	err := s.store.Read(ctx, func(tx Tx) error {
		sess, err := tx.RequesterSessionByTokenHash(ctx, hash)
		if err != nil {
			return err
		}
		if !s.sessionLive(sess.TokenHash, hash, sess.Expiration) {
			return ErrNoRows
		}
		r, err = tx.RequesterByID(ctx, sess.RequesterID)
		return err
	})
	if errors.Is(err, ErrNoRows) {
		return nil, Errorf(ErrNotAuthenticated, "Your session has expired; sign in again.")
	}
	if err != nil {
		return nil, internal("console session", err)
	}
	if r.Disabled { // SetRequesterDisabled ends its sessions; this covers a race with it
		return nil, Errorf(ErrNotAuthenticated, "This requester account is disabled.")
	}
	if s.cfg.Accounts != nil {
		// Production decides who the requester is and whether it is an
		// admin; refresh this realm's copy from it.
		local, ok, err := s.mirroredKey(ctx, r.AccessKeyID, false)
		if err != nil {
			return nil, internal("console session", err)
		}
		if !ok || local.Requester.ID != r.ID { // production disabled the requester, or gave its key to another
			return nil, Errorf(ErrNotAuthenticated, "Your access key has changed or your account is disabled; sign in again.")
		}
		r = local.Requester
	}
	return r, nil
}

// ConsoleLogout ends a console session; an unknown token is no error.
func (s *Service) ConsoleLogout(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	err := s.store.Write(ctx, func(tx Tx) error { return tx.DeleteRequesterSession(ctx, hashSecret(token)) })
	return internal("console logout", err)
}
