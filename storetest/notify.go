package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hitd/hitd"
)

// This file holds the conformance tests for notification settings, the
// outbox and delivery credentials.

func testNotifications(t *testing.T, s hitd.Store) {
	ctx := context.Background()
	h := seedHIT(t, s, "H1", 2)
	spec := hitd.NotificationSpecification{Destination: "https://q.example/1/q", Transport: hitd.TransportSQS,
		Version: hitd.NotificationVersion, EventTypes: []string{hitd.EventAssignmentAccepted}}
	write(t, s, func(tx hitd.Tx) error {
		if err := tx.PutNotificationSettings(ctx, &hitd.NotificationSettings{HITTypeID: "T1", RequesterID: "A1", Spec: spec, Active: true}); err != nil {
			return err
		}
		spec2 := spec
		spec2.EventTypes = []string{hitd.EventHITExpired, hitd.EventHITCreated}
		return tx.PutNotificationSettings(ctx, &hitd.NotificationSettings{HITTypeID: "T1", RequesterID: "A1", Spec: spec2, Active: false})
	})
	read(t, s, func(tx hitd.Tx) error {
		n, err := tx.NotificationSettings(ctx, "T1")
		if err != nil || n.Active || len(n.Spec.EventTypes) != 2 || n.Spec.Destination != spec.Destination {
			t.Errorf("NotificationSettings = %+v %v", n, err)
		}
		if _, err := tx.NotificationSettings(ctx, "T9"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("missing settings: %v", err)
		}
		return nil
	})

	ev := hitd.Event{EventType: hitd.EventAssignmentAccepted, EventTimestamp: t0, HITId: "H1", AssignmentId: "AS1", HITTypeId: "T1"}
	write(t, s, func(tx hitd.Tx) error {
		return tx.InsertOutbox(ctx, []*hitd.OutboxItem{
			{ID: "O1", RequesterID: "A1", Spec: spec, Event: ev, Status: hitd.OutboxPending, NextAttempt: t0, CreatedAt: t0},
			{ID: "O2", RequesterID: "A1", Spec: spec, Event: ev, Status: hitd.OutboxPending, NextAttempt: t0.Add(time.Minute), CreatedAt: t0},
		})
	})
	write(t, s, func(tx hitd.Tx) error {
		due, err := tx.DueOutbox(ctx, t0, 10)
		if err != nil || len(due) != 1 || due[0].ID != "O1" || due[0].Event != ev || due[0].Spec.Transport != hitd.TransportSQS {
			t.Errorf("DueOutbox = %+v %v", due, err)
			return nil
		}
		o := due[0]
		o.Status, o.Attempts, o.LastError, o.DeliveredAt = hitd.OutboxDead, 3, "HTTP 400", t0
		return tx.UpdateOutbox(ctx, o)
	})
	read(t, s, func(tx hitd.Tx) error {
		o, err := tx.OutboxItem(ctx, "O1")
		if err != nil || o.Status != hitd.OutboxDead || o.Attempts != 3 || o.LastError != "HTTP 400" || !o.DeliveredAt.Equal(t0) {
			t.Errorf("OutboxItem = %+v %v", o, err)
		}
		if _, err := tx.OutboxItem(ctx, "O9"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("missing outbox item: %v", err)
		}
		dead, err := tx.ListOutbox(ctx, hitd.OutboxDead, 10)
		if err != nil || len(dead) != 1 || dead[0].ID != "O1" {
			t.Errorf("ListOutbox(Dead) = %v %v", dead, err)
		}
		if due, err := tx.DueOutbox(ctx, t0.Add(time.Hour), 10); err != nil || len(due) != 1 || due[0].ID != "O2" {
			t.Errorf("DueOutbox later = %v %v", due, err)
		}
		// Expiry notices: the HIT expires at h.Expiration.
		if got, err := tx.ExpiringHITs(ctx, t0, 10); err != nil || len(got) != 0 {
			t.Errorf("ExpiringHITs before expiry = %d %v", len(got), err)
		}
		if got, err := tx.ExpiringHITs(ctx, h.Expiration, 10); err != nil || len(got) != 1 {
			t.Errorf("ExpiringHITs at expiry = %d %v", len(got), err)
		}
		return nil
	})

	write(t, s, func(tx hitd.Tx) error {
		if err := tx.PutNotifyCredentials(ctx, &hitd.NotifyCredentials{RequesterID: "A1", AccessKeyID: "K1", SecretAccessKey: "S1"}); err != nil {
			return err
		}
		return tx.PutNotifyCredentials(ctx, &hitd.NotifyCredentials{RequesterID: "A1", AccessKeyID: "K2", SecretAccessKey: "S2", Region: "eu-west-1"})
	})
	read(t, s, func(tx hitd.Tx) error {
		c, err := tx.NotifyCredentials(ctx, "A1")
		if err != nil || c.AccessKeyID != "K2" || c.SecretAccessKey != "S2" || c.Region != "eu-west-1" {
			t.Errorf("NotifyCredentials = %+v %v", c, err)
		}
		if _, err := tx.NotifyCredentials(ctx, "A9"); !errors.Is(err, hitd.ErrNoRows) {
			t.Errorf("missing credentials: %v", err)
		}
		return nil
	})
}
