package main

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"

	"github.com/hitd/hitd/notify"
	"github.com/hitd/hitd/notify/notifytest"
)

// TestNotificationsSurviveRestart: events written to the outbox while
// `hitd serve` cannot deliver them (its scheduler runs once an hour) are
// delivered by the next `hitd serve` on the same data directory, to a
// SigV4-checking SQS queue, an SNS topic at --sns-endpoint and an SMTP
// server (package notifytest), each configured the way an operator does:
// HITD_NOTIFY_AWS_* and flags. Every event type a requester and workers
// can cause without waiting for time to pass is covered (abandonment needs
// AssignmentDurationInSeconds to elapse; api/server's
// TestNotificationsForEveryEvent covers it with a fake clock).
func TestNotificationsSurviveRestart(t *testing.T) {
	sqs, sns, smtp := notifytest.NewSQS(t), notifytest.NewSNS(t), notifytest.NewSMTP(t)
	t.Setenv("HITD_ROOT_ACCESS_KEY_ID", nodeRootKey)
	t.Setenv("HITD_ROOT_SECRET_ACCESS_KEY", nodeRootSecret)
	t.Setenv("HITD_NOTIFY_AWS_ACCESS_KEY_ID", notifytest.AccessKeyID)
	t.Setenv("HITD_NOTIFY_AWS_SECRET_ACCESS_KEY", notifytest.SecretAccessKey)
	dir := t.TempDir()
	flags := []string{"--sns-endpoint", sns.Endpoint(), "--smtp-addr", smtp.Addr(), "--smtp-from", "hitd <hitd@localhost>"}
	ctx := context.Background()

	// First server: the scheduler's first pass is at start-up, before any
	// event; the next would be an hour later.
	_, addr, stop := startServe(t, dir, append([]string{"--scheduler-interval", "1h"}, flags...)...)
	base := "http://" + addr
	hc := &http.Client{Timeout: 30 * time.Second}
	c := sdkClient(base, hc)

	events := []types.EventType{types.EventTypeAssignmentAccepted, types.EventTypeAssignmentReturned, types.EventTypeAssignmentSubmitted,
		types.EventTypeAssignmentRejected, types.EventTypeAssignmentApproved, types.EventTypeHITCreated, types.EventTypeHITExpired,
		types.EventTypeHITReviewable, types.EventTypeHITExtended, types.EventTypeHITDisposed}
	dest := map[types.NotificationTransport]string{types.NotificationTransportSqs: sqs.QueueURL(),
		types.NotificationTransportSns: sns.TopicARN(), types.NotificationTransportEmail: "lab@example.org"}
	hits := map[types.NotificationTransport]string{} // transport → the HIT whose events go there
	var workers []string
	for i, name := range []string{"rs-ann", "rs-ben", "rs-cal"} {
		if _, err := runCmd(t, "worker", "create", "--username", name, "--password", "long-password", "--data-dir", dir); err != nil {
			t.Fatal(err)
		}
		login := workerAPI(hc, base, "POST", "/login", "", map[string]string{"username": name, "password": "long-password"})
		if login.status != 200 || login.str("token") == "" {
			t.Fatalf("login %d: %+v", i, login)
		}
		workers = append(workers, login.str("token"))
	}
	ok := func(r apiResult) apiResult {
		t.Helper()
		if r.err != nil || r.status != 200 {
			t.Fatalf("worker API: %d %v %+v", r.status, r.err, r.body)
		}
		return r
	}
	for _, transport := range []types.NotificationTransport{types.NotificationTransportSqs, types.NotificationTransportSns, types.NotificationTransportEmail} {
		ht, err := c.CreateHITType(ctx, &mturk.CreateHITTypeInput{Title: aws.String("restart via " + string(transport)), Description: aws.String("d"),
			Reward: aws.String("0.10"), AssignmentDurationInSeconds: aws.Int64(600)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.UpdateNotificationSettings(ctx, &mturk.UpdateNotificationSettingsInput{HITTypeId: ht.HITTypeId, Active: aws.Bool(true),
			Notification: &types.NotificationSpecification{Destination: aws.String(dest[transport]), Transport: transport,
				Version: aws.String("2006-05-05"), EventTypes: events}}); err != nil {
			t.Fatal(err)
		}
		h, err := c.CreateHITWithHITType(ctx, &mturk.CreateHITWithHITTypeInput{HITTypeId: ht.HITTypeId, LifetimeInSeconds: aws.Int64(3600),
			MaxAssignments: aws.Int32(2), Question: aws.String(restartQuestion)}) // HITCreated
		if err != nil {
			t.Fatal(err)
		}
		hit := *h.HIT.HITId
		hits[transport] = hit
		a := ok(workerAPI(hc, base, "POST", "/hits/"+hit+"/accept", workers[0], nil)).str("assignmentId") // AssignmentAccepted
		ok(workerAPI(hc, base, "POST", "/assignments/"+a+"/return", workers[0], nil))                     // AssignmentReturned
		var ids []string
		for _, w := range workers[:2] {
			a := ok(workerAPI(hc, base, "POST", "/hits/"+hit+"/accept", w, nil)).str("assignmentId")
			ok(workerAPI(hc, base, "POST", "/assignments/"+a+"/submit", w, map[string]any{"answers": map[string]string{"label": "cat"}})) // AssignmentSubmitted; the second: HITReviewable
			ids = append(ids, a)
		}
		if _, err := c.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: &ids[0]}); err != nil { // AssignmentApproved
			t.Fatal(err)
		}
		if _, err := c.RejectAssignment(ctx, &mturk.RejectAssignmentInput{AssignmentId: &ids[1], RequesterFeedback: aws.String("no")}); err != nil { // AssignmentRejected
			t.Fatal(err)
		}
		if _, err := c.CreateAdditionalAssignmentsForHIT(ctx, &mturk.CreateAdditionalAssignmentsForHITInput{HITId: &hit, NumberOfAdditionalAssignments: aws.Int32(1)}); err != nil { // HITExtended
			t.Fatal(err)
		}
		if _, err := c.UpdateExpirationForHIT(ctx, &mturk.UpdateExpirationForHITInput{HITId: &hit, ExpireAt: aws.Time(time.Unix(0, 0))}); err != nil { // HITExpired
			t.Fatal(err)
		}
		if _, err := c.DeleteHIT(ctx, &mturk.DeleteHITInput{HITId: &hit}); err != nil { // HITDisposed
			t.Fatal(err)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if n := sqs.Requests() + len(sns.Publishes()) + len(smtp.Mails()); n != 0 {
		t.Fatalf("the first server delivered %d messages; the test needs them queued", n)
	}
	pending, err := runCmd(t, "outbox", "list", "--status", "Pending", "--data-dir", dir)
	if err != nil {
		t.Fatal(err)
	}
	for transport, hit := range hits {
		if n := strings.Count(pending, hit); n < len(events) {
			t.Errorf("%s: %d messages pending for %s while the server is down, want at least %d:\n%s", transport, n, hit, len(events), pending)
		}
	}

	// Second server, same data directory: everything queued arrives.
	_, _, stop = startServe(t, dir, append([]string{"--scheduler-interval", "50ms"}, flags...)...)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	bodies := map[types.NotificationTransport][]string{}
	// Each transport gets one message per event: every type, and
	// AssignmentAccepted three times, AssignmentSubmitted twice, and
	// HITReviewable twice (after the second submission, and when the HIT,
	// extended, expires).
	want := len(events) + 4
	deadline := time.Now().Add(2 * time.Minute)
	for {
		bodies[types.NotificationTransportSqs] = sqs.Messages()
		bodies[types.NotificationTransportSns] = nil
		for _, p := range sns.Publishes() {
			bodies[types.NotificationTransportSns] = append(bodies[types.NotificationTransportSns], p.Message)
		}
		bodies[types.NotificationTransportEmail] = nil
		for _, m := range smtp.Mails() {
			bodies[types.NotificationTransportEmail] = append(bodies[types.NotificationTransportEmail], string(m.Body))
		}
		done := true
		for _, b := range bodies {
			done = done && len(b) >= want
		}
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	for transport, list := range bodies {
		var got []string
		for _, b := range list {
			m, err := notify.ParseMessage([]byte(strings.TrimSpace(b)))
			if err != nil {
				t.Fatalf("%s: %q: %v", transport, b, err)
			}
			if m.SourceAccount != notify.SourceAccount(m.CustomerId) || m.EventDocVersion != "2006-05-05" || len(m.Events) != 1 || m.Events[0].HITId != hits[transport] {
				t.Errorf("%s: message %+v", transport, m)
			}
			got = append(got, m.Events[0].EventType)
		}
		for _, ev := range events {
			if !slices.Contains(got, string(ev)) {
				t.Errorf("%s: no %s after the restart; got %v", transport, ev, got)
			}
		}
		if len(got) != want {
			t.Errorf("%s: %d messages, want %d: %v", transport, len(got), want, got)
		}
	}
	if out, err := runCmd(t, "outbox", "list", "--status", "Pending", "--data-dir", dir); err != nil || strings.Count(out, "\n") > 1 {
		t.Errorf("still pending after delivery: %v\n%s", err, out)
	}
}

// restartQuestion is an HTMLQuestion with one field, label.
const restartQuestion = `<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd">` +
	`<HTMLContent><![CDATA[<form name="mturk_form"><input name="label"></form>]]></HTMLContent><FrameHeight>200</FrameHeight></HTMLQuestion>`
