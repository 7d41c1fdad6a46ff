package hitd

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"regexp"
	"strings"
	"time"

	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// This file holds the worker accounts: sign-up, invites, login sessions
// and profiles. Both worker edges (the web site and the worker JSON API)
// authenticate through WorkerForSession.

var usernameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// newSecret returns a random URL-safe token and its SHA-256.
func newSecret() (token string, hash []byte) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("hitd: random source failed: " + err.Error()) // crypto/rand never fails on supported platforms
	}
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, hashSecret(token)
}

func hashSecret(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// WorkerID returns a new WorkerId shaped like MTurk's: "A" followed by 13
// upper-case alphanumerics.
func (g IDSource) WorkerID() string { return "A" + g.random(13, idAlphabet) }

// AssignmentID returns a new 30-character assignment ID.
func (g IDSource) AssignmentID() string { return g.random(IDLength, idAlphabet) }

func (s *Service) passwordCost() int {
	if s.cfg.PasswordCost != 0 {
		return s.cfg.PasswordCost
	}
	return bcrypt.DefaultCost
}

func validateCredentials(username, password string) error {
	n := utf8.RuneCountInString(username)
	if n < MinUsernameRunes || n > MaxUsernameRunes || !usernameRE.MatchString(username) {
		return Errorf(ErrInvalidParameter, "A username is %d to %d characters: letters, digits, '.', '_' and '-', starting with a letter or digit.", MinUsernameRunes, MaxUsernameRunes)
	}
	return validatePassword(password)
}

// validatePassword applies the password rules workers and requester
// console passwords share.
func validatePassword(password string) error {
	if utf8.RuneCountInString(password) < MinPasswordRunes {
		return Errorf(ErrInvalidParameter, "A password must be at least %d characters long.", MinPasswordRunes)
	}
	if len(password) > MaxPasswordBytes {
		return Errorf(ErrInvalidParameter, "A password must be at most %d bytes long.", MaxPasswordBytes)
	}
	return nil
}

// CreateWorker makes a worker account (the `hitd worker create` command;
// no invite needed).
func (s *Service) CreateWorker(ctx context.Context, username, password string) (*Worker, error) {
	return s.signUp(ctx, username, password, nil)
}

// SignUpWorker makes a worker account from the web sign-up form under the
// given policy; inviteCode is required under SignupInvite.
func (s *Service) SignUpWorker(ctx context.Context, policy SignupPolicy, username, password, inviteCode string) (*Worker, error) {
	switch policy {
	case SignupOpen, "":
		return s.signUp(ctx, username, password, nil)
	case SignupInvite:
		if inviteCode == "" {
			return nil, Errorf(ErrSignupClosed, "Sign-up on this server needs an invite code.")
		}
		return s.signUp(ctx, username, password, hashSecret(strings.TrimSpace(inviteCode)))
	}
	return nil, Errorf(ErrSignupClosed, "Sign-up on this server is closed; ask its operator for an account.")
}

func (s *Service) signUp(ctx context.Context, username, password string, inviteHash []byte) (*Worker, error) {
	if err := validateCredentials(username, password); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.passwordCost())
	if err != nil {
		return nil, internal("hash password", err)
	}
	now := s.now()
	w := &Worker{ID: s.ids.WorkerID(), Username: username, PasswordHash: hash, CreationTime: now}
	err = s.store.Write(ctx, func(tx Tx) error {
		if inviteHash != nil {
			ok, err := tx.UseInvite(ctx, inviteHash, w.ID, now.Add(-InviteLifetime))
			if err != nil {
				return err
			}
			if !ok {
				return Errorf(ErrSignupClosed, "That invite code is not valid: it is unknown, used or expired.")
			}
		}
		if err := tx.InsertWorker(ctx, w); errors.Is(err, ErrDuplicate) {
			return Errorf(ErrUsernameTaken, "The username %q is taken.", username)
		} else if err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, internal("sign up", err)
	}
	return w, nil
}

// CreateWorkerInvite makes a one-use sign-up code (the `hitd worker invite`
// command). Only its hash is stored; the code is shown once.
func (s *Service) CreateWorkerInvite(ctx context.Context) (string, error) {
	code, hash := newSecret()
	err := s.store.Write(ctx, func(tx Tx) error {
		return tx.InsertInvite(ctx, &Invite{CodeHash: hash, CreationTime: s.now()})
	})
	if err != nil {
		return "", internal("create invite", err)
	}
	return code, nil
}

// LoginWorker checks a username and password and opens a session. The
// returned token is the session cookie value or the API bearer token.
func (s *Service) LoginWorker(ctx context.Context, username, password string) (token string, w *Worker, err error) {
	if w, err = s.workerByUsername(ctx, username); err != nil {
		return "", nil, err
	}
	if w == nil {
		_ = bcrypt.CompareHashAndPassword(s.dummyPasswordHash(), []byte(password)) // as much work as a wrong password
		return "", nil, Errorf(ErrNotAuthenticated, "The username or password is wrong.")
	}
	if bcrypt.CompareHashAndPassword(w.PasswordHash, []byte(password)) != nil {
		return "", nil, Errorf(ErrNotAuthenticated, "The username or password is wrong.")
	}
	if w.Disabled { // said only to whoever knows the password
		return "", nil, errWorkerDisabled()
	}
	if token, err = s.openSession(ctx, w.ID); err != nil {
		return "", nil, internal("login", err)
	}
	return token, w, nil
}

// workerByUsername returns the worker with this username (compared
// without case), or nil.
func (s *Service) workerByUsername(ctx context.Context, username string) (*Worker, error) {
	var w *Worker
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		w, err = tx.WorkerByUsername(ctx, username)
		if errors.Is(err, ErrNoRows) {
			w, err = nil, nil
		}
		return err
	})
	if err != nil {
		return nil, internal("find worker", err)
	}
	return w, nil
}

// openSession starts a session of the worker and returns its token.
func (s *Service) openSession(ctx context.Context, workerID string) (string, error) {
	token, hash := newSecret()
	now := s.now()
	err := s.store.Write(ctx, func(tx Tx) error {
		return tx.InsertSession(ctx, &Session{TokenHash: hash, WorkerID: workerID, CreationTime: now, Expiration: now.Add(SessionLifetime)})
	})
	return token, err
}

// sessionLive reports whether a session the store found by the token's
// hash is still valid: the store looked the hash up by equality, so it is
// compared again in constant time (no timing of ours depends on the
// secret), and the session must not have expired. Worker and requester
// console sessions both use it.
func (s *Service) sessionLive(stored, hash []byte, expiration time.Time) bool {
	return subtle.ConstantTimeCompare(stored, hash) == 1 && s.now().Before(expiration)
}

// WorkerForSession returns the worker a session token belongs to.
func (s *Service) WorkerForSession(ctx context.Context, token string) (*Worker, error) {
	if token == "" {
		return nil, Errorf(ErrNotAuthenticated, "Log in first.")
	}
	hash := hashSecret(token)
	var w *Worker
	err := s.store.Read(ctx, func(tx Tx) error {
		sess, err := tx.SessionByTokenHash(ctx, hash)
		if err != nil {
			return err
		}
		if !s.sessionLive(sess.TokenHash, hash, sess.Expiration) {
			return ErrNoRows
		}
		w, err = tx.WorkerByID(ctx, sess.WorkerID)
		return err
	})
	if errors.Is(err, ErrNoRows) {
		return nil, Errorf(ErrNotAuthenticated, "Your session has expired; log in again.")
	}
	if err != nil {
		return nil, internal("session", err)
	}
	if w.Disabled { // SetWorkerDisabled ends their sessions; this covers a race with it
		return nil, errWorkerDisabled()
	}
	return w, nil
}

// LogoutWorker ends a session.
func (s *Service) LogoutWorker(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.store.Write(ctx, func(tx Tx) error { return tx.DeleteSession(ctx, hashSecret(token)) })
}

var countryRE = regexp.MustCompile(`^[A-Z]{2}$`)
var subdivisionRE = regexp.MustCompile(`^[A-Z0-9]{1,3}$`)

// UpdateWorkerLocation sets a worker's country (ISO 3166-1 alpha-2) and
// subdivision (the ISO 3166-2 code after the country, e.g. "WA"); both may
// be empty.
func (s *Service) UpdateWorkerLocation(ctx context.Context, workerID, country, subdivision string) (*Worker, error) {
	country, subdivision = strings.ToUpper(strings.TrimSpace(country)), strings.ToUpper(strings.TrimSpace(subdivision))
	subdivision = strings.TrimPrefix(subdivision, country+"-")
	if country != "" && !countryRE.MatchString(country) {
		return nil, Errorf(ErrInvalidParameter, "The country %q is not an ISO 3166-1 two-letter code such as US or DE.", country)
	}
	if subdivision != "" && (country == "" || !subdivisionRE.MatchString(subdivision)) {
		return nil, Errorf(ErrInvalidParameter, "The subdivision %q is not an ISO 3166-2 code such as WA (with a country).", subdivision)
	}
	var w *Worker
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if w, err = tx.WorkerByID(ctx, workerID); err != nil {
			return notFound(err, ErrWorkerNotFound, "Worker %s does not exist.", workerID)
		}
		w.Country, w.Subdivision = country, subdivision
		return tx.UpdateWorker(ctx, w)
	})
	if err != nil {
		return nil, internal("update location", err)
	}
	return w, nil
}

// WorkerProfile returns a worker's account and counts.
func (s *Service) WorkerProfile(ctx context.Context, workerID string) (*WorkerProfile, error) {
	var out WorkerProfile
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		if out.Worker, err = tx.WorkerByID(ctx, workerID); err != nil {
			return notFound(err, ErrWorkerNotFound, "Worker %s does not exist.", workerID)
		}
		out.Pending, err = tx.CountAssignments(ctx, AssignmentQuery{WorkerID: workerID, Statuses: []AssignmentStatus{AssignmentAccepted}})
		return err
	})
	if err != nil {
		return nil, internal("worker profile", err)
	}
	return &out, nil
}

// ListWorkers returns every worker (the `hitd worker list` command).
func (s *Service) ListWorkers(ctx context.Context) ([]*Worker, error) {
	var out []*Worker
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListWorkers(ctx)
		return err
	})
	return out, err
}

// WorkerMessages returns the newest messages in a worker's inbox.
func (s *Service) WorkerMessages(ctx context.Context, workerID string, limit int) ([]*WorkerMessage, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	var out []*WorkerMessage
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListMessages(ctx, workerID, limit)
		return err
	})
	return out, err
}

// SetWorkerAdult records whether a worker declared being 18 or older (the
// Adult system qualification).
func (s *Service) SetWorkerAdult(ctx context.Context, workerID string, adult bool) (*Worker, error) {
	return s.updateWorker(ctx, workerID, func(w *Worker) { w.Adult = adult })
}

// SetWorkerMasters grants or revokes Masters (the `hitd worker masters`
// command); it satisfies both MTurk's production and sandbox Masters IDs.
func (s *Service) SetWorkerMasters(ctx context.Context, workerID string, masters bool) (*Worker, error) {
	return s.updateWorker(ctx, workerID, func(w *Worker) { w.Masters = masters })
}

func (s *Service) updateWorker(ctx context.Context, workerID string, change func(*Worker)) (*Worker, error) {
	var w *Worker
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if w, err = tx.WorkerByID(ctx, workerID); err != nil {
			return notFound(err, ErrWorkerNotFound, "Worker %s does not exist.", workerID)
		}
		change(w)
		return tx.UpdateWorker(ctx, w)
	})
	if err != nil {
		return nil, internal("update worker", err)
	}
	return w, nil
}
