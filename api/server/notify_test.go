package server_test

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/hitdtest"
	"github.com/hitd/hitd/notify"
	"github.com/hitd/hitd/notify/notifytest"
)

var allEvents = []types.EventType{types.EventTypeAssignmentAccepted, types.EventTypeAssignmentAbandoned, types.EventTypeAssignmentReturned,
	types.EventTypeAssignmentSubmitted, types.EventTypeAssignmentRejected, types.EventTypeAssignmentApproved, types.EventTypeHITCreated,
	types.EventTypeHITExpired, types.EventTypeHITReviewable, types.EventTypeHITExtended, types.EventTypeHITDisposed}

type delivered struct {
	Events []struct {
		EventType, EventTimestamp, HITId, AssignmentId, HITTypeId string
	}
	EventDocId, SourceAccount, CustomerId, EventDocVersion string
}

func decodeAll(t *testing.T, bodies []string) (events []string, docs []delivered) {
	t.Helper()
	for _, b := range bodies {
		var d delivered
		if err := json.Unmarshal([]byte(b), &d); err != nil {
			t.Fatalf("body %q: %v", b, err)
		}
		for _, e := range d.Events {
			events = append(events, e.EventType)
		}
		docs = append(docs, d)
	}
	sort.Strings(events)
	return events, docs
}

func TestNotificationSettingsValidation(t *testing.T) {
	sqs := notifytest.NewSQS(t)
	e := newWorkEnv(t, hitdtest.Options{Config: hitd.Config{Deliverer: notify.NewDeliverer(sqs.Config())}})
	ctx := context.Background()
	h := e.createHIT(nil)
	spec := func(mod func(*types.NotificationSpecification)) *types.NotificationSpecification {
		s := &types.NotificationSpecification{Destination: aws.String(sqs.QueueURL()), Transport: types.NotificationTransportSqs,
			Version: aws.String("2006-05-05"), EventTypes: []types.EventType{types.EventTypeAssignmentSubmitted}}
		if mod != nil {
			mod(s)
		}
		return s
	}
	for _, tc := range []struct {
		name string
		n    *types.NotificationSpecification
		code string
	}{
		{"bad version", spec(func(s *types.NotificationSpecification) { s.Version = aws.String("2014-08-15") }), "AWS.MechanicalTurk.InvalidParameterValue"},
		{"bad transport", spec(func(s *types.NotificationSpecification) { s.Transport = "Pigeon" }), "AWS.MechanicalTurk.InvalidParameterValue"},
		{"bad topic", spec(func(s *types.NotificationSpecification) {
			s.Transport, s.Destination = types.NotificationTransportSns, aws.String("my-topic")
		}), "AWS.MechanicalTurk.InvalidParameterValue"},
		{"bad address", spec(func(s *types.NotificationSpecification) {
			s.Transport, s.Destination = types.NotificationTransportEmail, aws.String("not an address")
		}), "AWS.MechanicalTurk.InvalidParameterValue"},
		{"http queue", spec(func(s *types.NotificationSpecification) { s.Destination = aws.String("http://queue.example.com/1/q") }), "AWS.MechanicalTurk.InvalidParameterValue"},
		{"unknown event", spec(func(s *types.NotificationSpecification) { s.EventTypes = []types.EventType{"HITExploded"} }), "AWS.MechanicalTurk.InvalidParameterValue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Client.UpdateNotificationSettings(ctx, &mturk.UpdateNotificationSettingsInput{HITTypeId: h.HITTypeId, Notification: tc.n})
			wantTurk(t, err, tc.code, "")
		})
	}
	_, err := e.Client.UpdateNotificationSettings(ctx, &mturk.UpdateNotificationSettingsInput{HITTypeId: h.HITTypeId, Active: aws.Bool(true)})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidParameterValue", "give a Notification")
	_, other := e.NewRequester("other")
	_, err = other.UpdateNotificationSettings(ctx, &mturk.UpdateNotificationSettingsInput{HITTypeId: h.HITTypeId, Notification: spec(nil)})
	wantTurk(t, err, "AWS.MechanicalTurk.HITTypeDoesNotExist", "")

	// SendTestEventNotification delivers at once, or says why not.
	if _, err := e.Client.SendTestEventNotification(ctx, &mturk.SendTestEventNotificationInput{Notification: spec(nil), TestEventType: types.EventTypePing}); err != nil {
		t.Fatal(err)
	}
	events, docs := decodeAll(t, sqs.Messages())
	if len(events) != 1 || events[0] != "Ping" || docs[0].EventDocVersion != "2006-05-05" || docs[0].CustomerId != e.Root.ID || docs[0].EventDocId == "" {
		t.Fatalf("ping %v %+v", events, docs)
	}
	// MTurk's keys, in MTurk's order, SourceAccount included.
	body := sqs.Messages()[0]
	if docs[0].SourceAccount != notify.SourceAccount(e.Root.ID) || len(docs[0].SourceAccount) != 12 ||
		!strings.HasPrefix(body, `{"Events":[{"EventType":"Ping","EventTimestamp":"`) ||
		!strings.Contains(body, `"EventDocId":"`+docs[0].EventDocId+`","SourceAccount":"`+docs[0].SourceAccount+`","CustomerId":"`+e.Root.ID+`","EventDocVersion":"2006-05-05"}`) {
		t.Fatalf("ping document %s", body)
	}
	if other := notify.SourceAccount("A" + e.Root.ID); other == docs[0].SourceAccount {
		t.Fatalf("two requesters share SourceAccount %s", other)
	}
	sqs.FailNext(1, 400)
	_, err = e.Client.SendTestEventNotification(ctx, &mturk.SendTestEventNotificationInput{Notification: spec(nil), TestEventType: types.EventTypeAssignmentSubmitted})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidParameterValue", "could not be delivered")
}

func TestNotificationsForEveryEvent(t *testing.T) {
	sqs := notifytest.NewSQS(t)
	e := newWorkEnv(t, hitdtest.Options{Config: hitd.Config{Deliverer: notify.NewDeliverer(sqs.Config())}})
	ctx := context.Background()
	ht, err := e.Client.CreateHITType(ctx, &mturk.CreateHITTypeInput{Title: aws.String("notified"), Description: aws.String("d"), Reward: aws.String("0.10"),
		AssignmentDurationInSeconds: aws.Int64(60), AutoApprovalDelayInSeconds: aws.Int64(86400)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.UpdateNotificationSettings(ctx, &mturk.UpdateNotificationSettingsInput{HITTypeId: ht.HITTypeId, Active: aws.Bool(true),
		Notification: &types.NotificationSpecification{Destination: aws.String(sqs.QueueURL()), Transport: types.NotificationTransportSqs,
			Version: aws.String("2006-05-05"), EventTypes: allEvents}}); err != nil {
		t.Fatal(err)
	}
	create := func(max int32) string {
		out, err := e.Client.CreateHITWithHITType(ctx, &mturk.CreateHITWithHITTypeInput{HITTypeId: ht.HITTypeId, LifetimeInSeconds: aws.Int64(3600),
			MaxAssignments: aws.Int32(max), Question: aws.String(htmlQ)})
		if err != nil {
			t.Fatal(err)
		}
		return *out.HIT.HITId
	}
	w1, w2, w3 := e.worker("note1"), e.worker("note2"), e.worker("note3")
	h1 := create(2)
	a := e.accept(w1, h1)
	if err := e.Service.ReturnAssignment(ctx, w1.ID, a.ID); err != nil {
		t.Fatal(err)
	}
	a1 := e.accept(w1, h1)
	a2 := e.accept(w2, h1)
	e.submit(w1, a1, "x", "1")
	e.submit(w2, a2, "x", "2") // the HIT becomes reviewable
	if _, err := e.Client.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: &a1.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.RejectAssignment(ctx, &mturk.RejectAssignmentInput{AssignmentId: &a2.ID, RequesterFeedback: aws.String("")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.CreateAdditionalAssignmentsForHIT(ctx, &mturk.CreateAdditionalAssignmentsForHITInput{HITId: &h1, NumberOfAdditionalAssignments: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	e.accept(w3, h1)
	// The HIT expires by time; w3's assignment is abandoned a minute after it was accepted.
	e.Clock.Advance(2 * time.Hour)
	st := e.runDue()
	if st.Expired != 1 || st.Abandoned != 1 || st.Delivered == 0 {
		t.Fatalf("scheduler %+v", st)
	}
	if _, err := e.Client.DeleteHIT(ctx, &mturk.DeleteHITInput{HITId: &h1}); err != nil {
		t.Fatal(err)
	}
	e.runDue()
	events, docs := decodeAll(t, sqs.Messages())
	got := map[string]int{}
	for _, ev := range events {
		got[ev]++
	}
	for _, want := range allEvents {
		if got[string(want)] == 0 {
			t.Errorf("no %s event; got %v", want, got)
		}
	}
	for _, d := range docs {
		ev := d.Events[0]
		if ev.HITId != h1 || ev.HITTypeId != *ht.HITTypeId || !strings.HasSuffix(ev.EventTimestamp, "Z") {
			t.Errorf("event %+v", ev)
		}
		if strings.HasPrefix(ev.EventType, "Assignment") == (ev.AssignmentId == "") {
			t.Errorf("%s with AssignmentId %q", ev.EventType, ev.AssignmentId)
		}
	}
	// Turned off, nothing more is sent.
	if _, err := e.Client.UpdateNotificationSettings(ctx, &mturk.UpdateNotificationSettingsInput{HITTypeId: ht.HITTypeId, Active: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	n := len(sqs.Messages())
	create(1)
	e.runDue()
	if len(sqs.Messages()) != n {
		t.Fatalf("inactive settings still deliver")
	}
}

func TestNotificationRetriesAndDeadLetters(t *testing.T) {
	sqs := notifytest.NewSQS(t)
	e := newWorkEnv(t, hitdtest.Options{Config: hitd.Config{Deliverer: notify.NewDeliverer(sqs.Config())}})
	ctx := context.Background()
	h := e.createHIT(nil)
	if _, err := e.Client.UpdateNotificationSettings(ctx, &mturk.UpdateNotificationSettingsInput{HITTypeId: h.HITTypeId,
		Notification: &types.NotificationSpecification{Destination: aws.String(sqs.QueueURL()), Transport: types.NotificationTransportSqs,
			Version: aws.String("2006-05-05"), EventTypes: []types.EventType{types.EventTypeAssignmentAccepted}}}); err != nil {
		t.Fatal(err)
	}
	w := e.worker("retry")
	sqs.FailNext(2, 500)
	e.accept(w, *h.HITId)
	if st := e.runDue(); st.Delivered != 0 || st.DeliveryFailures != 1 {
		t.Fatalf("first try %+v", st)
	}
	if st := e.runDue(); st.Delivered != 0 || st.DeliveryFailures != 0 {
		t.Fatalf("retried before its time %+v", st)
	}
	e.Clock.Advance(6 * time.Second)
	if st := e.runDue(); st.DeliveryFailures != 1 {
		t.Fatalf("second try %+v", st)
	}
	e.Clock.Advance(11 * time.Second)
	if st := e.runDue(); st.Delivered != 1 {
		t.Fatalf("third try %+v", st)
	}
	if len(sqs.Messages()) != 1 {
		t.Fatalf("messages %v", sqs.Messages())
	}
	// A permanent failure is dead-lettered at once, and can be retried by hand.
	sqs.FailNext(1, 400)
	e.accept(e.worker("retry2"), *h.HITId)
	if st := e.runDue(); st.DeliveryFailures != 1 {
		t.Fatalf("permanent %+v", st)
	}
	dead, err := e.Service.ListOutbox(ctx, hitd.OutboxDead, 10)
	if err != nil || len(dead) != 1 || !strings.Contains(dead[0].LastError, "400") {
		t.Fatalf("dead letters %+v %v", dead, err)
	}
	if err := e.Service.RetryDead(ctx, dead[0].ID); err != nil {
		t.Fatal(err)
	}
	if st := e.runDue(); st.Delivered != 1 {
		t.Fatalf("after retry %+v", st)
	}
	if len(sqs.Messages()) != 2 {
		t.Fatalf("messages %d", len(sqs.Messages()))
	}
}

func TestGetFileUploadURL(t *testing.T) {
	e := newWorkEnv(t)
	ctx := context.Background()
	h := e.createHIT(nil)
	w := e.worker("uploader")
	a := e.accept(w, *h.HITId)
	e.submit(w, a, "x", "1")
	_, err := e.Client.GetFileUploadURL(ctx, &mturk.GetFileUploadURLInput{AssignmentId: &a.ID, QuestionIdentifier: aws.String("x")})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidParameterValue", "not a FileUploadAnswer question")
	_, err = e.Client.GetFileUploadURL(ctx, &mturk.GetFileUploadURLInput{AssignmentId: aws.String("NOSUCH"), QuestionIdentifier: aws.String("x")})
	wantTurk(t, err, "AWS.MechanicalTurk.AssignmentDoesNotExist", "")
}

func TestEmailAndWebhookNotifications(t *testing.T) {
	smtp := notifytest.NewSMTP(t)
	hook := notifytest.NewWebhook(t, "hook-secret")
	e := newWorkEnv(t, hitdtest.Options{Config: hitd.Config{Deliverer: notify.NewDeliverer(notify.Config{
		SMTPAddr: smtp.Addr(), SMTPFrom: "hitd <hitd@localhost>", WebhookSecret: "hook-secret"})}})
	ctx := context.Background()
	for _, tc := range []struct {
		transport types.NotificationTransport
		dest      string
	}{{types.NotificationTransportEmail, "lab@example.org"}, {"Webhook", hook.URL()}} {
		h := e.createHIT(func(in *mturk.CreateHITInput) { in.Title = aws.String("via " + string(tc.transport)) })
		if _, err := e.Client.UpdateNotificationSettings(ctx, &mturk.UpdateNotificationSettingsInput{HITTypeId: h.HITTypeId,
			Notification: &types.NotificationSpecification{Destination: aws.String(tc.dest), Transport: tc.transport,
				Version: aws.String("2006-05-05"), EventTypes: []types.EventType{types.EventTypeAssignmentAccepted}}}); err != nil {
			t.Fatal(err)
		}
		e.accept(e.worker("mail-"+strings.ToLower(string(tc.transport))), *h.HITId)
	}
	if st := e.runDue(); st.Delivered != 2 {
		t.Fatalf("delivered %+v", st)
	}
	mails := smtp.Mails()
	if len(mails) != 1 || mails[0].To[0] != "lab@example.org" {
		t.Fatalf("mails %+v", mails)
	}
	if msgs := hook.Messages(); len(msgs) != 1 || !strings.Contains(msgs[0], `"EventType":"AssignmentAccepted"`) {
		t.Fatalf("webhook %v", msgs)
	}
}

// TestOneReviewableEventWhenExpiryAndAbandonmentCoincide: a late scheduler
// pass that both expires a HIT and abandons its last pending assignment
// sends HITReviewable once.
func TestOneReviewableEventWhenExpiryAndAbandonmentCoincide(t *testing.T) {
	sqs := notifytest.NewSQS(t)
	e := newWorkEnv(t, hitdtest.Options{Config: hitd.Config{Deliverer: notify.NewDeliverer(sqs.Config())}})
	ctx := context.Background()
	h := e.createHIT(func(in *mturk.CreateHITInput) {
		in.MaxAssignments, in.LifetimeInSeconds, in.AssignmentDurationInSeconds = aws.Int32(2), aws.Int64(30), aws.Int64(30)
	})
	if _, err := e.Client.UpdateNotificationSettings(ctx, &mturk.UpdateNotificationSettingsInput{HITTypeId: h.HITTypeId,
		Notification: &types.NotificationSpecification{Destination: aws.String(sqs.QueueURL()), Transport: types.NotificationTransportSqs,
			Version: aws.String("2006-05-05"), EventTypes: allEvents}}); err != nil {
		t.Fatal(err)
	}
	w1, w2 := e.worker("late-one"), e.worker("late-two")
	e.submit(w1, e.accept(w1, *h.HITId), "x", "1")
	e.accept(w2, *h.HITId)
	e.Clock.Advance(45 * time.Second)
	if st := e.runDue(); st.Expired != 1 || st.Abandoned != 1 {
		t.Fatalf("pass %+v", st)
	}
	events, _ := decodeAll(t, sqs.Messages())
	n := 0
	for _, ev := range events {
		if ev == "HITReviewable" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d HITReviewable events: %v", n, events)
	}
}

func TestPerRequesterNotifyCredentials(t *testing.T) {
	sqs := notifytest.NewSQS(t)
	cfg := sqs.Config()
	cfg.AWSSecretAccessKey = "not-the-queue-owners-secret" // the server-wide default is wrong for this queue
	d := notify.NewDeliverer(cfg)
	e := newWorkEnv(t, hitdtest.Options{Config: hitd.Config{Deliverer: d}})
	d.Credentials = func(ctx context.Context, requesterID string) (string, string, string, bool, error) {
		c, ok, err := e.Service.NotifyCredentials(ctx, requesterID)
		if !ok || err != nil {
			return "", "", "", false, err
		}
		return c.AccessKeyID, c.SecretAccessKey, c.Region, true, nil
	}
	ctx := context.Background()
	spec := &types.NotificationSpecification{Destination: aws.String(sqs.QueueURL()), Transport: types.NotificationTransportSqs,
		Version: aws.String("2006-05-05"), EventTypes: []types.EventType{types.EventTypePing}}
	_, err := e.Client.SendTestEventNotification(ctx, &mturk.SendTestEventNotificationInput{Notification: spec, TestEventType: types.EventTypePing})
	wantTurk(t, err, "AWS.MechanicalTurk.InvalidParameterValue", "could not be delivered")
	right := sqs.Config()
	if err := e.Service.SetNotifyCredentials(ctx, hitdtest.RootAccessKeyID, hitd.NotifyCredentials{AccessKeyID: right.AWSAccessKeyID,
		SecretAccessKey: right.AWSSecretAccessKey}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Client.SendTestEventNotification(ctx, &mturk.SendTestEventNotificationInput{Notification: spec, TestEventType: types.EventTypePing}); err != nil {
		t.Fatal(err)
	}
	if len(sqs.Messages()) != 1 {
		t.Fatalf("messages %v", sqs.Messages())
	}
	if err := e.Service.SetNotifyCredentials(ctx, "NOSUCHKEY", hitd.NotifyCredentials{AccessKeyID: "a", SecretAccessKey: "b"}); hitd.ErrorCode(err) != hitd.ErrNotAuthorized {
		t.Fatalf("unknown requester: %v", err)
	}
}
