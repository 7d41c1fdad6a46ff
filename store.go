package hitd

import (
	"context"
	"errors"
	"time"
)

// Store is the persistence the Service needs — nothing more. Implementations
// (package sqlite; postgres later) must pass the storetest conformance suite.
//
// Every Service operation runs inside exactly one Read or Write call, so a
// multi-row change is one transaction. Write transactions are serialisable
// with respect to each other for the rows they touch; Read sees a consistent
// snapshot.
type Store interface {
	Read(ctx context.Context, fn func(Tx) error) error
	Write(ctx context.Context, fn func(Tx) error) error
	Ping(ctx context.Context) error
	Close() error
}

// ErrDuplicate is returned by inserts that would break a uniqueness rule.
var ErrDuplicate = errors.New("hitd: duplicate key")

// HITQuery selects a page of one requester's HITs in Seq order.
type HITQuery struct {
	RequesterID string
	AfterSeq    int64 // return HITs with Seq > AfterSeq
	Limit       int
}

// Tx is one transaction. Methods that look one row up return ErrNoRows when
// it does not exist.
type Tx interface {
	InsertRequester(ctx context.Context, r *Requester) error // ErrDuplicate if the ID or access key is taken
	UpdateRequester(ctx context.Context, r *Requester) error
	RequesterByID(ctx context.Context, id string) (*Requester, error)
	RequesterByAccessKey(ctx context.Context, accessKeyID string) (*Requester, error)
	RootRequester(ctx context.Context) (*Requester, error)
	ListRequesters(ctx context.Context) ([]*Requester, error)

	// InsertHITType stores t unless a type with its ID exists; inserted
	// says which happened.
	InsertHITType(ctx context.Context, t *HITType) (inserted bool, err error)
	HITType(ctx context.Context, id string) (*HITType, error)

	// InsertHIT stores h and sets h.Seq. ErrDuplicate if the ID is taken.
	InsertHIT(ctx context.Context, h *HIT) error
	HIT(ctx context.Context, id string) (*HIT, error) // disposed HITs included
	UpdateHIT(ctx context.Context, h *HIT) error
	ListHITs(ctx context.Context, q HITQuery) ([]*HIT, error) // disposed HITs excluded

	// ClaimRequestToken records t unless a live token with the same
	// (RequesterID, Scope, Token) exists, in which case it returns that one.
	// A token created before notBefore is dead and is replaced. The claim is
	// atomic across concurrent transactions and nodes.
	ClaimRequestToken(ctx context.Context, t *RequestToken, notBefore time.Time) (existing *RequestToken, err error)
}
