package notify_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hitd/hitd/notify"
	"github.com/hitd/hitd/notify/notifytest"
)

const wait = 5 * time.Second

func testMessage() notify.Message {
	return notify.Message{
		Events: []notify.Event{{
			EventType:      "AssignmentSubmitted",
			EventTimestamp: time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC),
			HITId:          "3HITIDNOTIFYTEST0000000000000",
			AssignmentId:   "3ASSIGNMENTIDNOTIFYTEST000000000000",
			HITTypeId:      "3HITTYPEIDNOTIFYTEST0000000000",
		}},
		EventDocId:      "6b3d1f0e9c2a4e5f8a7b6c5d4e3f2a1b0c9d8e7f",
		SourceAccount:   "123456789012",
		CustomerId:      "AREQUESTERNOTIFYTEST",
		EventDocVersion: "2006-05-05",
	}
}

func mustBody(t *testing.T, m notify.Message) string {
	t.Helper()
	b, err := m.Body()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// refusedAddr returns a 127.0.0.1 address nobody listens on.
func refusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// wantErr checks an error's classification and that its text contains each
// of parts.
func wantErr(t *testing.T, err error, permanent bool, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("Send succeeded; want a %s error", map[bool]string{true: "permanent", false: "transient"}[permanent])
	}
	if got := errors.Is(err, notify.ErrPermanent); got != permanent {
		t.Fatalf("errors.Is(err, ErrPermanent) = %v, want %v; err: %v", got, permanent, err)
	}
	var se *notify.SendError
	if !errors.As(err, &se) {
		t.Fatalf("error %T is not a *notify.SendError: %v", err, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

func TestSendSQS(t *testing.T) {
	q := notifytest.NewSQS(t)
	s := notify.NewSender(q.Config())
	m := testMessage()
	d := notify.Destination{Transport: notify.TransportSQS, Target: q.QueueURL()}
	if err := s.Send(context.Background(), d, m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := q.Wait(1, wait)
	if got[0] != mustBody(t, m) {
		t.Fatalf("queue got %s\nwant %s", got[0], mustBody(t, m))
	}
	if r := q.Rejected(); len(r) != 0 {
		t.Fatalf("fake rejected requests: %q", r)
	}
}

func TestSendSQSFailures(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(q *notifytest.SQS) (notify.Config, string) // config and queue URL
		permanent bool
		parts     []string
	}{
		{"500 is transient", func(q *notifytest.SQS) (notify.Config, string) {
			q.FailNext(1, 500)
			return q.Config(), q.QueueURL()
		}, false, []string{"HTTP 500", "InternalError", "injected failure", "request id"}},
		{"503 is transient", func(q *notifytest.SQS) (notify.Config, string) {
			q.FailNext(1, 503)
			return q.Config(), q.QueueURL()
		}, false, []string{"HTTP 503", "ServiceUnavailable"}},
		{"400 is permanent", func(q *notifytest.SQS) (notify.Config, string) {
			q.FailNext(1, 400)
			return q.Config(), q.QueueURL()
		}, true, []string{"HTTP 400", "InvalidParameterValue", "injected failure", "[permanent]"}},
		{"429 is transient", func(q *notifytest.SQS) (notify.Config, string) {
			q.FailNext(1, 429)
			return q.Config(), q.QueueURL()
		}, false, []string{"HTTP 429"}},
		{"400 throttling code is transient", func(q *notifytest.SQS) (notify.Config, string) {
			q.FailNextWith(1, 400, "Throttling", "Rate exceeded")
			return q.Config(), q.QueueURL()
		}, false, []string{"HTTP 400", "Throttling", "Rate exceeded"}},
		{"403 RequestThrottled is transient", func(q *notifytest.SQS) (notify.Config, string) {
			q.FailNextWith(1, 403, "RequestThrottled", "slow down")
			return q.Config(), q.QueueURL()
		}, false, []string{"HTTP 403", "RequestThrottled"}},
		{"missing queue is permanent", func(q *notifytest.SQS) (notify.Config, string) {
			return q.Config(), q.QueueURL() + "-missing"
		}, true, []string{"HTTP 400", "AWS.SimpleQueueService.NonExistentQueue", "does not exist"}},
		{"wrong secret is permanent", func(q *notifytest.SQS) (notify.Config, string) {
			c := q.Config()
			c.AWSSecretAccessKey = "wrong"
			return c, q.QueueURL()
		}, true, []string{"HTTP 403", "SignatureDoesNotMatch"}},
		{"unknown access key is permanent", func(q *notifytest.SQS) (notify.Config, string) {
			c := q.Config()
			c.AWSAccessKeyID = "AKIDUNKNOWN"
			return c, q.QueueURL()
		}, true, []string{"HTTP 403", "InvalidClientTokenId"}},
		{"wrong region is permanent", func(q *notifytest.SQS) (notify.Config, string) {
			c := q.Config()
			c.Region = "eu-west-1"
			return c, q.QueueURL()
		}, true, []string{"SignatureDoesNotMatch", "region"}},
		{"no credentials is permanent", func(q *notifytest.SQS) (notify.Config, string) {
			return notify.Config{}, q.QueueURL()
		}, true, []string{"no AWS credentials"}},
		{"connection refused is transient", func(q *notifytest.SQS) (notify.Config, string) {
			return q.Config(), "http://" + refusedAddr(t) + "/000000000000/q"
		}, false, []string{"refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := notifytest.NewSQS(t)
			cfg, target := tt.setup(q)
			s := notify.NewSender(cfg)
			d := notify.Destination{Transport: notify.TransportSQS, Target: target}
			err := s.Send(context.Background(), d, testMessage())
			wantErr(t, err, tt.permanent, tt.parts...)
			if !tt.permanent && target == q.QueueURL() {
				// The failure was injected once: a retry gets through.
				if err := notify.NewSender(cfg).Send(context.Background(), d, testMessage()); err != nil {
					t.Fatalf("retry: %v", err)
				}
				q.Wait(1, wait)
			}
			if len(q.Messages()) > 1 {
				t.Fatalf("queue has %d messages", len(q.Messages()))
			}
		})
	}
}

func TestSendSQSRejectsCorruptMD5(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<SendMessageResponse><SendMessageResult><MD5OfMessageBody>00000000000000000000000000000000</MD5OfMessageBody><MessageId>m</MessageId></SendMessageResult></SendMessageResponse>`)
	}))
	defer srv.Close()
	s := notify.NewSender(notify.Config{AWSAccessKeyID: "a", AWSSecretAccessKey: "b"})
	err := s.Send(context.Background(), notify.Destination{Transport: "SQS", Target: srv.URL + "/1/q"}, testMessage())
	wantErr(t, err, false, "MD5OfMessageBody")
}

func TestSendSNS(t *testing.T) {
	f := notifytest.NewSNS(t)
	s := notify.NewSender(f.Config())
	m := testMessage()
	before := time.Now().UnixMilli()
	if err := s.Send(context.Background(), notify.Destination{Transport: notify.TransportSNS, Target: f.TopicARN()}, m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := f.Wait(1, wait)
	if got[0] != mustBody(t, m) {
		t.Fatalf("topic got %s\nwant %s", got[0], mustBody(t, m))
	}
	p := f.Publishes()[0]
	if p.TopicArn != notifytest.TopicARN {
		t.Errorf("TopicArn = %q", p.TopicArn)
	}
	// MTurk's Subject was the publish time in epoch milliseconds.
	ms, err := strconv.ParseInt(p.Subject, 10, 64)
	if err != nil || ms < before || ms > time.Now().UnixMilli() {
		t.Errorf("Subject = %q, want the publish time in epoch milliseconds", p.Subject)
	}
}

func TestSendSNSFailures(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(f *notifytest.SNS) (notify.Config, string)
		permanent bool
		parts     []string
	}{
		{"500 is transient", func(f *notifytest.SNS) (notify.Config, string) {
			f.FailNext(1, 500)
			return f.Config(), f.TopicARN()
		}, false, []string{"HTTP 500", "InternalError"}},
		{"400 is permanent", func(f *notifytest.SNS) (notify.Config, string) {
			f.FailNext(1, 400)
			return f.Config(), f.TopicARN()
		}, true, []string{"HTTP 400"}},
		{"unknown topic is permanent", func(f *notifytest.SNS) (notify.Config, string) {
			return f.Config(), "arn:aws:sns:us-east-1:000000000000:nope"
		}, true, []string{"HTTP 404", "NotFound", "Topic does not exist"}},
		{"topic in another region: signed for it, refused", func(f *notifytest.SNS) (notify.Config, string) {
			return f.Config(), "arn:aws:sns:eu-west-1:000000000000:notifytest-topic"
		}, true, []string{"HTTP 403", "SignatureDoesNotMatch", "region"}},
		{"wrong secret is permanent", func(f *notifytest.SNS) (notify.Config, string) {
			c := f.Config()
			c.AWSSecretAccessKey = "wrong"
			return c, f.TopicARN()
		}, true, []string{"HTTP 403", "SignatureDoesNotMatch"}},
		{"bad endpoint is permanent", func(f *notifytest.SNS) (notify.Config, string) {
			c := f.Config()
			c.SNSEndpoint = "127.0.0.1:4566"
			return c, f.TopicARN()
		}, true, []string{"SNSEndpoint"}},
		{"connection refused is transient", func(f *notifytest.SNS) (notify.Config, string) {
			c := f.Config()
			c.SNSEndpoint = "http://" + refusedAddr(t)
			return c, f.TopicARN()
		}, false, []string{"refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := notifytest.NewSNS(t)
			cfg, target := tt.setup(f)
			err := notify.NewSender(cfg).Send(context.Background(), notify.Destination{Transport: notify.TransportSNS, Target: target}, testMessage())
			wantErr(t, err, tt.permanent, tt.parts...)
			if len(f.Messages()) != 0 {
				t.Fatalf("topic accepted %d messages", len(f.Messages()))
			}
		})
	}
}

func TestSendEmail(t *testing.T) {
	srv := notifytest.NewSMTP(t)
	s := notify.NewSender(notify.Config{SMTPAddr: srv.Addr(), SMTPFrom: "hitd <noreply@hitd.example>"})
	m := testMessage()
	// Enough events that the JSON is one line far beyond SMTP's 998-octet limit.
	for i := range 30 {
		e := m.Events[0]
		e.AssignmentId = fmt.Sprintf("3ASSIGNMENT%024d", i)
		m.Events = append(m.Events, e)
	}
	if err := s.Send(context.Background(), notify.Destination{Transport: notify.TransportEmail, Target: "requester@example.com"}, m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	mail := srv.Wait(1, wait)[0]
	if mail.From != "noreply@hitd.example" || len(mail.To) != 1 || mail.To[0] != "requester@example.com" {
		t.Errorf("envelope from %q to %q", mail.From, mail.To)
	}
	for k, want := range map[string]string{
		"Subject":                   "Your Event Notification: AssignmentSubmitted",
		"From":                      `"hitd" <noreply@hitd.example>`,
		"To":                        "<requester@example.com>",
		"Content-Type":              "text/plain; charset=utf-8",
		"Content-Transfer-Encoding": "quoted-printable",
		"X-Hitd-Event-Doc-Id":       m.EventDocId,
		"MIME-Version":              "1.0",
	} {
		if got := mail.Header.Get(k); got != want {
			t.Errorf("header %s = %q, want %q", k, got, want)
		}
	}
	if _, err := mail.Header.Date(); err != nil {
		t.Errorf("Date header: %v", err)
	}
	if !regexp.MustCompile(`^<[0-9a-f]{32}@hitd\.example>$`).MatchString(mail.Header.Get("Message-ID")) {
		t.Errorf("Message-ID = %q", mail.Header.Get("Message-ID"))
	}
	if got, want := string(mail.Body), mustBody(t, m)+"\r\n"; got != want {
		t.Errorf("decoded body:\n got %q\nwant %q", got, want)
	}
	sc := bufio.NewScanner(bytes.NewReader(mail.Data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if n := len(sc.Bytes()); n > 78 {
			t.Fatalf("raw line of %d octets: %q", n, sc.Text())
		}
	}
	if got := srv.Messages(); len(got) != 1 || got[0] != mustBody(t, m) {
		t.Errorf("Messages() = %q", got)
	}
}

func TestSendEmailAuth(t *testing.T) {
	srv := notifytest.NewSMTP(t)
	srv.RequireAuth("hitd", "pw")
	cfg := notify.Config{SMTPAddr: srv.Addr(), SMTPFrom: "noreply@hitd.example", SMTPUser: "hitd", SMTPPassword: "pw"}
	d := notify.Destination{Transport: notify.TransportEmail, Target: "requester@example.com"}
	if err := notify.NewSender(cfg).Send(context.Background(), d, testMessage()); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := srv.Wait(1, wait)[0].Auth; got != "hitd" {
		t.Errorf("authenticated as %q", got)
	}

	cfg.SMTPPassword = "wrong"
	wantErr(t, notify.NewSender(cfg).Send(context.Background(), d, testMessage()), true, "SMTP 535", "AUTH")

	cfg.SMTPUser = ""
	wantErr(t, notify.NewSender(cfg).Send(context.Background(), d, testMessage()), true, "SMTP 530", "MAIL FROM")
}

func TestSendEmailFailures(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(s *notifytest.SMTP) notify.Config
		permanent bool
		parts     []string
	}{
		{"450 is transient", func(s *notifytest.SMTP) notify.Config {
			s.FailNext(1, 450)
			return notify.Config{SMTPAddr: s.Addr(), SMTPFrom: "noreply@hitd.example"}
		}, false, []string{"SMTP 450", "RCPT TO", "injected failure"}},
		{"550 is permanent", func(s *notifytest.SMTP) notify.Config {
			s.FailNext(1, 550)
			return notify.Config{SMTPAddr: s.Addr(), SMTPFrom: "noreply@hitd.example"}
		}, true, []string{"SMTP 550", "RCPT TO"}},
		{"AUTH not offered is permanent", func(s *notifytest.SMTP) notify.Config {
			return notify.Config{SMTPAddr: s.Addr(), SMTPFrom: "noreply@hitd.example", SMTPUser: "u", SMTPPassword: "p"}
		}, true, []string{"does not offer AUTH"}},
		{"no SMTPAddr is permanent", func(s *notifytest.SMTP) notify.Config {
			return notify.Config{SMTPFrom: "noreply@hitd.example"}
		}, true, []string{"Config.SMTPAddr"}},
		{"no SMTPFrom is permanent", func(s *notifytest.SMTP) notify.Config {
			return notify.Config{SMTPAddr: s.Addr()}
		}, true, []string{"Config.SMTPFrom"}},
		{"bad SMTPFrom is permanent", func(s *notifytest.SMTP) notify.Config {
			return notify.Config{SMTPAddr: s.Addr(), SMTPFrom: "not an address"}
		}, true, []string{"SMTPFrom"}},
		{"connection refused is transient", func(s *notifytest.SMTP) notify.Config {
			return notify.Config{SMTPAddr: refusedAddr(t), SMTPFrom: "noreply@hitd.example"}
		}, false, []string{"refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := notifytest.NewSMTP(t)
			cfg := tt.setup(srv)
			d := notify.Destination{Transport: notify.TransportEmail, Target: "requester@example.com"}
			wantErr(t, notify.NewSender(cfg).Send(context.Background(), d, testMessage()), tt.permanent, tt.parts...)
			if len(srv.Mails()) != 0 {
				t.Fatalf("server accepted %d mails", len(srv.Mails()))
			}
		})
	}
}

func TestSendWebhook(t *testing.T) {
	h := notifytest.NewWebhook(t, "whsec")
	m := testMessage()
	before := time.Now().Unix()
	if err := notify.NewSender(h.Config()).Send(context.Background(), notify.Destination{Transport: notify.TransportWebhook, Target: h.URL()}, m); err != nil {
		t.Fatalf("Send: %v", err)
	}
	if got := h.Wait(1, wait)[0]; got != mustBody(t, m) {
		t.Fatalf("webhook got %s\nwant %s", got, mustBody(t, m))
	}
	hdr := h.Headers()[0]
	ts, err := strconv.ParseInt(hdr.Get(notify.HeaderTimestamp), 10, 64)
	if err != nil || ts < before || ts > time.Now().Unix() {
		t.Errorf("%s = %q", notify.HeaderTimestamp, hdr.Get(notify.HeaderTimestamp))
	}
	if want := notify.SignWebhook("whsec", ts, []byte(mustBody(t, m))); hdr.Get(notify.HeaderSignature) != want {
		t.Errorf("%s = %q, want %q", notify.HeaderSignature, hdr.Get(notify.HeaderSignature), want)
	}
	if hdr.Get(notify.HeaderEventDocID) != m.EventDocId || hdr.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", hdr)
	}
}

func TestSendWebhookFailures(t *testing.T) {
	redirect := httptest.NewServer(http.RedirectHandler("https://elsewhere.example/", http.StatusFound))
	defer redirect.Close()
	tests := []struct {
		name      string
		setup     func(h *notifytest.Webhook) (notify.Config, string)
		permanent bool
		parts     []string
	}{
		{"wrong secret is permanent (401)", func(h *notifytest.Webhook) (notify.Config, string) {
			return notify.Config{WebhookSecret: "other"}, h.URL()
		}, true, []string{"HTTP 401", "signature"}},
		{"no secret is permanent (401)", func(h *notifytest.Webhook) (notify.Config, string) {
			return notify.Config{}, h.URL()
		}, true, []string{"HTTP 401"}},
		{"500 is transient", func(h *notifytest.Webhook) (notify.Config, string) {
			h.FailNext(1, 500)
			return h.Config(), h.URL()
		}, false, []string{"HTTP 500", "injected failure"}},
		{"408 is transient", func(h *notifytest.Webhook) (notify.Config, string) {
			h.FailNext(1, 408)
			return h.Config(), h.URL()
		}, false, []string{"HTTP 408"}},
		{"429 is transient", func(h *notifytest.Webhook) (notify.Config, string) {
			h.FailNext(1, 429)
			return h.Config(), h.URL()
		}, false, []string{"HTTP 429"}},
		{"404 is permanent", func(h *notifytest.Webhook) (notify.Config, string) {
			h.FailNext(1, 404)
			return h.Config(), h.URL()
		}, true, []string{"HTTP 404"}},
		{"redirect is not followed, permanent", func(h *notifytest.Webhook) (notify.Config, string) {
			return h.Config(), redirect.URL + "/hook"
		}, true, []string{"HTTP 302", "elsewhere.example"}},
		{"connection refused is transient", func(h *notifytest.Webhook) (notify.Config, string) {
			return h.Config(), "http://" + refusedAddr(t) + "/hook"
		}, false, []string{"refused"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := notifytest.NewWebhook(t, "whsec")
			cfg, target := tt.setup(h)
			err := notify.NewSender(cfg).Send(context.Background(), notify.Destination{Transport: notify.TransportWebhook, Target: target}, testMessage())
			wantErr(t, err, tt.permanent, tt.parts...)
			if len(h.Messages()) != 0 {
				t.Fatalf("webhook accepted %d bodies", len(h.Messages()))
			}
		})
	}
}

func TestSendRefusesBeforeDialling(t *testing.T) {
	tests := []struct {
		name  string
		d     notify.Destination
		m     notify.Message
		parts []string
	}{
		{"unsupported transport", notify.Destination{Transport: "REST", Target: "http://127.0.0.1/"}, testMessage(), []string{`unsupported transport "REST"`}},
		{"invalid destination", notify.Destination{Transport: "SQS", Target: "http://example.com/1/q"}, testMessage(), []string{"http is allowed only for loopback"}},
		{"invalid message", notify.Destination{Transport: "Webhook", Target: "http://127.0.0.1:1/"}, notify.Message{}, []string{"no events"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := notify.NewSender(notify.Config{}).Send(context.Background(), tt.d, tt.m)
			wantErr(t, err, true, tt.parts...)
		})
	}
	err := notify.NewSender(notify.Config{}).Send(context.Background(), notify.Destination{Transport: "SNS", Target: "nope"}, testMessage())
	if !errors.Is(err, notify.ErrInvalidDestination) {
		t.Errorf("invalid destination error %v does not match ErrInvalidDestination", err)
	}
}

func TestSendTimeoutAndCancel(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer hang.Close()
	defer close(release)
	d := notify.Destination{Transport: notify.TransportWebhook, Target: hang.URL}

	start := time.Now()
	err := notify.NewSender(notify.Config{Timeout: 200 * time.Millisecond}).Send(context.Background(), d, testMessage())
	wantErr(t, err, false)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("timeout error %v does not wrap context.DeadlineExceeded", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("Send took %s with a 200ms timeout", el)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	err = notify.NewSender(notify.Config{}).Send(ctx, d, testMessage())
	wantErr(t, err, false)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancel error %v does not wrap context.Canceled", err)
	}

	// A silent SMTP server: the timeout bounds the greeting too.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			<-release
			c.Close()
		}
	}()
	err = notify.NewSender(notify.Config{SMTPAddr: ln.Addr().String(), SMTPFrom: "a@hitd.example", Timeout: 200 * time.Millisecond}).
		Send(context.Background(), notify.Destination{Transport: notify.TransportEmail, Target: "b@example.com"}, testMessage())
	wantErr(t, err, false, "greeting")
}
