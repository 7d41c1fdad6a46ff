package hitd

import (
	"context"
	"time"
)

// AdminTx is the part of Tx the admin commands added for retired keys,
// balances and worker accounts (`hitd requester rotate-key|revoke-key|keys|
// balance|adjust-balance`, `hitd worker disable|enable`).
type AdminTx interface {
	// InsertRetiredKey stores k; ErrDuplicate when its access key is taken
	// by another retired key.
	InsertRetiredKey(ctx context.Context, k *RetiredKey) error
	// RetiredKey looks a retired key up, expired or not; ErrNoRows when
	// none has that access key.
	RetiredKey(ctx context.Context, accessKeyID string) (*RetiredKey, error)
	// ListRetiredKeys returns a requester's retired keys, or every
	// requester's when requesterID is "", oldest retirement first.
	ListRetiredKeys(ctx context.Context, requesterID string) ([]*RetiredKey, error)
	// ExpireRetiredKey sets a retired key's Expires; ErrNoRows when none
	// has that access key.
	ExpireRetiredKey(ctx context.Context, accessKeyID string, expires time.Time) error
	// ReservedFunds sums the reserves of a requester's HITs (HIT.Reserved):
	// money taken from its available balance for slots not yet paid.
	ReservedFunds(ctx context.Context, requesterID string) (Cents, error)
	// DeleteWorkerSessions ends every session (web and worker API) of a
	// worker; none is no error.
	DeleteWorkerSessions(ctx context.Context, workerID string) error
}
