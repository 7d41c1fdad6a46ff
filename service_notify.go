package hitd

import (
	"context"
	"errors"
	"time"
)

// UpdateNotificationSettingsInput is the input of UpdateNotificationSettings.
type UpdateNotificationSettingsInput struct {
	HITTypeId    string                     `json:"HITTypeId,omitempty"`
	Notification *NotificationSpecification `json:"Notification,omitempty"`
	Active       *bool                      `json:"Active,omitempty"`
}

// UpdateNotificationSettings sets or changes where a HIT type's events go,
// or turns them on and off. The first call must give a Notification.
func (s *Service) UpdateNotificationSettings(ctx context.Context, c Caller, in *UpdateNotificationSettingsInput) (*Empty, error) {
	if in.Notification == nil && in.Active == nil {
		return nil, Errorf(ErrMissingParameter, "Your request is missing required parameters. Give a Notification, Active, or both.")
	}
	if in.Notification != nil {
		if err := validateSpec(in.Notification, false); err != nil {
			return nil, err
		}
	}
	err := s.store.Write(ctx, func(tx Tx) error {
		t, err := s.ownHITType(ctx, tx, c, in.HITTypeId)
		if err != nil {
			return err
		}
		n, err := tx.NotificationSettings(ctx, t.ID)
		switch {
		case errors.Is(err, ErrNoRows):
			if in.Notification == nil {
				return Errorf(ErrInvalidParameter, "HIT type %s has no notification settings yet; give a Notification.", t.ID)
			}
			n = &NotificationSettings{HITTypeID: t.ID, RequesterID: c.RequesterID, Active: true}
		case err != nil:
			return err
		}
		if in.Notification != nil {
			n.Spec = *in.Notification
		}
		if in.Active != nil {
			n.Active = *in.Active
		}
		return tx.PutNotificationSettings(ctx, n)
	})
	if err != nil {
		return nil, internal("UpdateNotificationSettings", err)
	}
	return &Empty{}, nil
}

// SendTestEventNotificationInput is the input of SendTestEventNotification.
type SendTestEventNotificationInput struct {
	Notification  *NotificationSpecification `json:"Notification,omitempty"`
	TestEventType string                     `json:"TestEventType,omitempty"`
}

// SendTestEventNotification delivers one test message with the given
// settings now, and reports a delivery failure as a RequestError.
func (s *Service) SendTestEventNotification(ctx context.Context, c Caller, in *SendTestEventNotificationInput) (*Empty, error) {
	if in.Notification == nil {
		return nil, Errorf(ErrMissingParameter, "Your request is missing required parameters. Required parameters include Notification.")
	}
	if err := requireString("TestEventType", in.TestEventType); err != nil {
		return nil, err
	}
	if err := validateSpec(in.Notification, true); err != nil {
		return nil, err
	}
	spec := *in.Notification
	if err := validateSpec(&NotificationSpecification{Destination: spec.Destination, Transport: spec.Transport, Version: spec.Version,
		EventTypes: []string{in.TestEventType}}, true); err != nil {
		return nil, err
	}
	if s.cfg.Deliverer == nil {
		return nil, Errorf(ErrNotImplemented, "This server has no notification transports configured.")
	}
	ev := Event{EventType: in.TestEventType, EventTimestamp: s.now()}
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := s.cfg.Deliverer.Deliver(dctx, c.RequesterID, spec, s.ids.HITID(), []Event{ev}); err != nil {
		return nil, Errorf(ErrInvalidParameter, "The test notification could not be delivered to %s (%s): %s", spec.Destination, spec.Transport, err.Error())
	}
	return &Empty{}, nil
}

// emit writes an event for h to the outbox, in the caller's transaction,
// when h's type has active settings that want it.
func (s *Service) emit(ctx context.Context, tx Tx, h *HIT, eventType, assignmentID string, now time.Time) error {
	n, err := tx.NotificationSettings(ctx, h.HITTypeID)
	if errors.Is(err, ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if !n.Wants(eventType) {
		return nil
	}
	return tx.InsertOutbox(ctx, []*OutboxItem{{ID: s.ids.HITID(), RequesterID: h.RequesterID, Spec: n.Spec, Status: OutboxPending,
		NextAttempt: now, CreatedAt: now,
		Event: Event{EventType: eventType, EventTimestamp: now, HITId: h.ID, AssignmentId: assignmentID, HITTypeId: h.HITTypeID}}})
}

// emitIfReviewable sends HITReviewable when a change made h reviewable.
func (s *Service) emitIfReviewable(ctx context.Context, tx Tx, h *HIT, before HITStatus, now time.Time) error {
	if before != HITStatusReviewable && h.StatusAt(now) == HITStatusReviewable && h.Submitted+h.Completed > 0 {
		return s.emit(ctx, tx, h, EventHITReviewable, "", now)
	}
	return nil
}

// deliveryLease is how long a claimed outbox item is left to one delivery
// attempt before another pass (or node) may try it again.
const deliveryLease = time.Minute

// retryDelay is the wait before attempt n+1: 5 s doubling, at most an hour.
func retryDelay(attempts int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < attempts && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// DeliveryStats counts one delivery pass.
type DeliveryStats struct{ Delivered, Retrying, Dead int }

// DeliverDue delivers up to limit due outbox items: it claims them in one
// transaction (so no other pass or node takes them for deliveryLease),
// sends each outside any transaction, then records the outcome. Delivery
// is at least once: a crash between sending and recording sends again.
func (s *Service) DeliverDue(ctx context.Context, now time.Time, limit int) (DeliveryStats, error) {
	var st DeliveryStats
	if s.cfg.Deliverer == nil {
		return st, nil
	}
	now = now.UTC().Truncate(time.Millisecond)
	var claimed []*OutboxItem
	err := s.store.Write(ctx, func(tx Tx) error {
		items, err := tx.DueOutbox(ctx, now, limit)
		if err != nil {
			return err
		}
		for _, o := range items {
			o.Attempts++
			o.NextAttempt = now.Add(deliveryLease)
			if err := tx.UpdateOutbox(ctx, o); err != nil {
				return err
			}
		}
		claimed = items
		return nil
	})
	if err != nil {
		return st, internal("claim outbox", err)
	}
	for _, o := range claimed {
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		derr := s.cfg.Deliverer.Deliver(dctx, o.RequesterID, o.Spec, o.ID, []Event{o.Event})
		cancel()
		switch {
		case derr == nil:
			o.Status, o.DeliveredAt, o.LastError = OutboxDelivered, now, ""
			st.Delivered++
		case errors.Is(derr, ErrPermanentDelivery) || o.Attempts >= MaxDeliveryAttempts:
			o.Status, o.LastError = OutboxDead, derr.Error()
			st.Dead++
		default:
			o.NextAttempt, o.LastError = now.Add(retryDelay(o.Attempts)), derr.Error()
			st.Retrying++
		}
		if err := s.store.Write(ctx, func(tx Tx) error { return tx.UpdateOutbox(ctx, o) }); err != nil {
			return st, internal("record delivery", err)
		}
	}
	return st, nil
}

// ListOutbox returns the newest outbox items in a state (the `hitd outbox`
// command shows dead letters with it).
func (s *Service) ListOutbox(ctx context.Context, status string, limit int) ([]*OutboxItem, error) {
	var out []*OutboxItem
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ListOutbox(ctx, status, limit)
		return err
	})
	return out, err
}

// RetryDead puts a dead-lettered item back in the queue.
func (s *Service) RetryDead(ctx context.Context, id string) error {
	return s.store.Write(ctx, func(tx Tx) error {
		o, err := tx.OutboxItem(ctx, id)
		if err == nil && o.Status != OutboxDead {
			err = ErrNoRows
		}
		if err != nil {
			return notFound(err, ErrInvalidParameter, "No dead-lettered notification has the ID %s.", id)
		}
		o.Status, o.Attempts, o.NextAttempt = OutboxPending, 0, s.now()
		return tx.UpdateOutbox(ctx, o)
	})
}

// SetNotifyCredentials stores the credentials a requester's SQS and SNS
// notifications are signed with (the `hitd requester notify-credentials`
// command).
func (s *Service) SetNotifyCredentials(ctx context.Context, requesterAccessKeyID string, c NotifyCredentials) error {
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return Errorf(ErrMissingParameter, "Both an AWS access key id and a secret access key are required.")
	}
	return s.store.Write(ctx, func(tx Tx) error {
		r, err := tx.RequesterByAccessKey(ctx, requesterAccessKeyID)
		if err != nil {
			return notFound(err, ErrNotAuthorized, "No requester has the access key id %s.", requesterAccessKeyID)
		}
		c.RequesterID = r.ID
		return tx.PutNotifyCredentials(ctx, &c)
	})
}

// NotifyCredentials returns a requester's delivery credentials; ok is false
// when the requester has set none (the server's defaults then apply).
func (s *Service) NotifyCredentials(ctx context.Context, requesterID string) (c *NotifyCredentials, ok bool, err error) {
	err = s.store.Read(ctx, func(tx Tx) error {
		var err error
		c, err = tx.NotifyCredentials(ctx, requesterID)
		return err
	})
	if errors.Is(err, ErrNoRows) {
		return nil, false, nil
	}
	return c, err == nil, err
}
