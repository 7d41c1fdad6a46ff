package hitd

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
	"unicode/utf8"
)

// Config holds the Service's policy knobs.
type Config struct {
	// AllowHTTPExternalURLs accepts http:// ExternalQuestion URLs for any
	// host (https is otherwise required, loopback hosts excepted).
	AllowHTTPExternalURLs bool
	// StartingBalance is credited to every new requester.
	StartingBalance Cents
	// PasswordCost is the bcrypt cost for worker passwords and requester
	// console passwords (0: bcrypt's default). Tests lower it; production
	// should not.
	PasswordCost int
	// Deliverer sends notifications (package notify); nil turns delivery
	// off, while events still queue in the outbox.
	Deliverer Deliverer
	// Accounts, when set, is where this Service's requesters come from:
	// the sandbox realm's Service is given the production one. Credentials
	// are looked up there; a requester seen there is mirrored into this
	// Service's store at first use (same ID and keys, StartingBalance of
	// its own), so the two realms share identities but nothing else.
	Accounts RequesterDirectory
}

// RequesterDirectory finds requesters by access key — a current key, or a
// retired one within its grace period (keys.go); *Service is one. The
// requester it returns carries its ConsolePasswordHash: a mirrored realm
// checks console sign-ins against it (ConsoleLogin).
type RequesterDirectory interface {
	LookupAccessKey(ctx context.Context, accessKeyID string) (k *AccessKey, ok bool, err error)
}

// DefaultStartingBalance is MTurk sandbox's 10000.00.
const DefaultStartingBalance Cents = 10000_00

// Service implements every operation of the Requester API over a Store.
type Service struct {
	store Store
	clock Clock
	ids   IDSource
	cfg   Config
	keys  keyCache // recent access-key lookups (keycache.go)

	dummyOnce sync.Once // dummyPasswordHash (service_console.go)
	dummy     []byte
}

// NewService returns a Service. ids may be the zero IDSource (crypto/rand).
func NewService(store Store, clock Clock, ids IDSource, cfg Config) *Service {
	return &Service{store: store, clock: clock, ids: ids, cfg: cfg}
}

// Clock returns the Service's clock, so edges that check time (signature
// skew) agree with it.
func (s *Service) Clock() Clock { return s.clock }

// Ping reports whether the store is reachable.
func (s *Service) Ping(ctx context.Context) error { return s.store.Ping(ctx) }

// now is the current time at the precision the API reports (milliseconds).
func (s *Service) now() time.Time { return s.clock.Now().UTC().Truncate(time.Millisecond) }

// --- validation helpers shared by operations ---

func requireString(name, v string) error {
	if v == "" {
		return Errorf(ErrMissingParameter, "Your request is missing required parameters. Required parameters include %s.", name)
	}
	return nil
}

func maxRunes(name, v string, limit int) error {
	if n := utf8.RuneCountInString(v); n > limit {
		return Errorf(ErrOutOfRange, "The value for %s is %d characters long; it must not be longer than %d characters.", name, n, limit)
	}
	if !utf8.ValidString(v) {
		return Errorf(ErrInvalidParameter, "The value for %s is not valid UTF-8.", name)
	}
	return nil
}

// intInRange checks an optional integer parameter. A nil value is replaced by
// def when def is non-nil, and is a missing-parameter error otherwise.
func intInRange(name string, v *int64, lo, hi int64, def *int64) (int64, error) {
	if v == nil {
		if def == nil {
			return 0, Errorf(ErrMissingParameter, "Your request is missing required parameters. Required parameters include %s.", name)
		}
		return *def, nil
	}
	if *v < lo || *v > hi {
		return 0, Errorf(ErrOutOfRange, "The value %d is invalid for %s. Valid values range from %d to %d.", *v, name, lo, hi)
	}
	return *v, nil
}

func ptr[T any](v T) *T { return &v }

// notFound turns a store's ErrNoRows into the resource's domain error.
func notFound(err error, code Code, format string, args ...any) error {
	if errors.Is(err, ErrNoRows) {
		return Errorf(code, format, args...)
	}
	return err
}

// internal wraps an unexpected store failure.
func internal(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("%s: %w", op, err)
}
