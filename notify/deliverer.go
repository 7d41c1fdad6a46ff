package notify

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/hitd/hitd"
)

// Deliverer adapts a Sender to the domain's hitd.Deliverer: it turns the
// domain's events into MTurk's message document and marks failures that
// retrying cannot fix as hitd.ErrPermanentDelivery. It is the one file of
// this package that knows the domain.
type Deliverer struct {
	cfg Config
	// Credentials, when set, returns a requester's own SQS/SNS signing
	// credentials (ok false: use the server-wide ones in Config).
	Credentials func(ctx context.Context, requesterID string) (accessKeyID, secret, region string, ok bool, err error)
}

// NewDeliverer returns a Deliverer sending with cfg.
func NewDeliverer(cfg Config) *Deliverer { return &Deliverer{cfg: cfg} }

// Deliver sends one message document with the events.
func (d *Deliverer) Deliver(ctx context.Context, requesterID string, spec hitd.NotificationSpecification, eventDocID string, events []hitd.Event) error {
	m := Message{EventDocId: eventDocID, SourceAccount: SourceAccount(requesterID), CustomerId: requesterID, EventDocVersion: spec.Version}
	for _, e := range events {
		m.Events = append(m.Events, Event{EventType: e.EventType, EventTimestamp: e.EventTimestamp, HITId: e.HITId,
			AssignmentId: e.AssignmentId, HITTypeId: e.HITTypeId})
	}
	cfg := d.cfg
	if d.Credentials != nil && (spec.Transport == TransportSQS || spec.Transport == TransportSNS) {
		key, secret, region, ok, err := d.Credentials(ctx, requesterID)
		if err != nil {
			return err // the store failed: transient
		}
		if ok {
			cfg.AWSAccessKeyID, cfg.AWSSecretAccessKey = key, secret
			if region != "" {
				cfg.Region = region
			}
		}
	}
	err := NewSender(cfg).Send(ctx, Destination{Transport: spec.Transport, Target: spec.Destination}, m)
	if err != nil && errors.Is(err, ErrPermanent) {
		return fmt.Errorf("%w: %w", hitd.ErrPermanentDelivery, err)
	}
	return err
}

var _ hitd.Deliverer = (*Deliverer)(nil)

// SourceAccount is what a requester's messages carry as SourceAccount.
// MTurk wrote there the AWS account linked to the requester; a hitd
// requester has none, so this is a 12-digit number derived from the
// requester ID: the same for every message of one requester, practically
// never the same for two, and not any real AWS account.
func SourceAccount(requesterID string) string {
	sum := sha256.Sum256([]byte("hitd SourceAccount\x00" + requesterID))
	return fmt.Sprintf("%012d", binary.BigEndian.Uint64(sum[:8])%1_000_000_000_000)
}
