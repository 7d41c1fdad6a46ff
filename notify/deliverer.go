package notify

import (
	"context"
	"errors"
	"fmt"

	"github.com/hitd/hitd"
)

// Deliverer adapts a Sender to the domain's hitd.Deliverer: it turns the
// domain's events into MTurk's message document and marks failures that
// retrying cannot fix as hitd.ErrPermanentDelivery. It is the one file of
// this package that knows the domain.
type Deliverer struct {
	Sender *Sender
}

// NewDeliverer returns a Deliverer over a Sender with cfg.
func NewDeliverer(cfg Config) *Deliverer { return &Deliverer{Sender: NewSender(cfg)} }

// Deliver sends one message document with the events.
func (d *Deliverer) Deliver(ctx context.Context, requesterID string, spec hitd.NotificationSpecification, eventDocID string, events []hitd.Event) error {
	m := Message{EventDocId: eventDocID, CustomerId: requesterID, EventDocVersion: spec.Version}
	for _, e := range events {
		m.Events = append(m.Events, Event{EventType: e.EventType, EventTimestamp: e.EventTimestamp, HITId: e.HITId,
			AssignmentId: e.AssignmentId, HITTypeId: e.HITTypeId})
	}
	err := d.Sender.Send(ctx, Destination{Transport: spec.Transport, Target: spec.Destination}, m)
	if err != nil && (errors.Is(err, ErrPermanent) || errors.Is(err, ErrInvalidDestination)) {
		return fmt.Errorf("%w: %w", hitd.ErrPermanentDelivery, err)
	}
	return err
}

var _ hitd.Deliverer = (*Deliverer)(nil)
