package notifytest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/hitd/hitd/notify"
)

// signedPost builds a SigV4-signed form POST, then lets mutate change it
// after signing.
func signedPost(t *testing.T, endpoint string, form url.Values, service, region, secret string, at time.Time, mutate func(*http.Request, *[]byte)) *http.Response {
	t.Helper()
	body := []byte(form.Encode())
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), service, region, at); err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(req, &body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func errorCode(t *testing.T, resp *http.Response) string {
	t.Helper()
	var e struct {
		Code string `xml:"Error>Code"`
	}
	b, _ := io.ReadAll(resp.Body)
	if err := xml.Unmarshal(b, &e); err != nil {
		t.Fatalf("not an ErrorResponse: %s", b)
	}
	return e.Code
}

func TestSQSVerifiesSignatures(t *testing.T) {
	send := url.Values{"Action": {"SendMessage"}, "MessageBody": {"hello"}, "Version": {"2012-11-05"}}
	now := time.Now()
	tests := []struct {
		name     string
		service  string
		region   string
		secret   string
		at       time.Time
		mutate   func(*http.Request, *[]byte)
		status   int
		wantCode string
	}{
		{"valid", "sqs", Region, SecretAccessKey, now, nil, 200, ""},
		{"tampered body", "sqs", Region, SecretAccessKey, now, func(r *http.Request, b *[]byte) {
			*b = bytes.Replace(*b, []byte("hello"), []byte("hellO"), 1)
		}, 403, "SignatureDoesNotMatch"},
		{"tampered signed header", "sqs", Region, SecretAccessKey, now, func(r *http.Request, b *[]byte) {
			r.Header.Set("Content-Type", "text/plain")
		}, 403, "SignatureDoesNotMatch"},
		{"unsigned header added is fine", "sqs", Region, SecretAccessKey, now, func(r *http.Request, b *[]byte) {
			r.Header.Set("X-Extra", "1")
		}, 200, ""},
		{"wrong secret", "sqs", Region, "nope", now, nil, 403, "SignatureDoesNotMatch"},
		{"scoped to sns", "sns", Region, SecretAccessKey, now, nil, 403, "SignatureDoesNotMatch"},
		{"scoped to another region", "sqs", "eu-west-1", SecretAccessKey, now, nil, 403, "SignatureDoesNotMatch"},
		{"stale", "sqs", Region, SecretAccessKey, now.Add(-20 * time.Minute), nil, 403, "RequestExpired"},
		{"no Authorization", "sqs", Region, SecretAccessKey, now, func(r *http.Request, b *[]byte) {
			r.Header.Del("Authorization")
		}, 403, "MissingAuthenticationToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := NewSQS(t)
			resp := signedPost(t, q.QueueURL(), send, tt.service, tt.region, tt.secret, tt.at, tt.mutate)
			if resp.StatusCode != tt.status {
				b, _ := io.ReadAll(resp.Body)
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, b)
			}
			if tt.wantCode != "" {
				if code := errorCode(t, resp); code != tt.wantCode {
					t.Fatalf("code %q, want %q", code, tt.wantCode)
				}
				if len(q.Messages()) != 0 || len(q.Rejected()) != 1 {
					t.Fatalf("messages %q, rejected %q", q.Messages(), q.Rejected())
				}
			} else if got := q.Messages(); len(got) != 1 || got[0] != "hello" {
				t.Fatalf("messages %q", got)
			}
		})
	}
}

func TestSQSReceiveMessage(t *testing.T) {
	q := NewSQS(t)
	s := notify.NewSender(q.Config())
	m := notify.Message{Events: []notify.Event{{EventType: "Ping", EventTimestamp: time.Now()}}, EventDocId: "d&<x>"}
	for range 3 {
		if err := s.Send(context.Background(), notify.Destination{Transport: "SQS", Target: q.QueueURL()}, m); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := m.Body()
	recv := url.Values{"Action": {"ReceiveMessage"}, "MaxNumberOfMessages": {"2"}, "Version": {"2012-11-05"}}
	for _, n := range []int{2, 1, 0} {
		resp := signedPost(t, q.QueueURL(), recv, "sqs", Region, SecretAccessKey, time.Now(), nil)
		var out struct {
			Messages []struct {
				Body, MD5OfBody, ReceiptHandle string
			} `xml:"ReceiveMessageResult>Message"`
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || xml.Unmarshal(b, &out) != nil {
			t.Fatalf("ReceiveMessage: %d %s", resp.StatusCode, b)
		}
		if len(out.Messages) != n {
			t.Fatalf("received %d messages, want %d", len(out.Messages), n)
		}
		for _, got := range out.Messages {
			if got.Body != string(want) || got.ReceiptHandle == "" || got.MD5OfBody == "" {
				t.Fatalf("received %+v, want body %s", got, want)
			}
		}
	}
}

func TestSNSVerifiesSignatures(t *testing.T) {
	f := NewSNS(t)
	pub := url.Values{"Action": {"Publish"}, "TopicArn": {TopicARN}, "Message": {"m"}, "Version": {"2010-03-31"}}
	if resp := signedPost(t, f.Endpoint(), pub, "sqs", Region, SecretAccessKey, time.Now(), nil); resp.StatusCode != 403 {
		t.Fatalf("request scoped to sqs: status %d", resp.StatusCode)
	}
	if resp := signedPost(t, f.Endpoint(), pub, "sns", Region, SecretAccessKey, time.Now(), nil); resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("valid Publish: %d %s", resp.StatusCode, b)
	}
	if got := f.Wait(1, time.Second); got[0] != "m" {
		t.Fatalf("messages %q", got)
	}
}

func TestSMTPWithNetSMTP(t *testing.T) {
	s := NewSMTP(t)
	msg := "Subject: hi\r\n\r\n.leading dot\r\nline two\r\n"
	if err := smtp.SendMail(s.Addr(), nil, "a@example.com", []string{"b@example.com", "c@example.com"}, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	m := s.Wait(1, time.Second)[0]
	if m.From != "a@example.com" || strings.Join(m.To, ",") != "b@example.com,c@example.com" {
		t.Fatalf("envelope %q -> %q", m.From, m.To)
	}
	if m.Header.Get("Subject") != "hi" || string(m.Body) != ".leading dot\r\nline two\r\n" {
		t.Fatalf("header %v body %q", m.Header, m.Body)
	}
}

func TestWebhookReceiver(t *testing.T) {
	h := NewWebhook(t, "k")
	body := []byte(`{"x":1}`)
	post := func(ct string, sign func(http.Header)) int {
		req, _ := http.NewRequest(http.MethodPost, h.URL(), bytes.NewReader(body))
		req.Header.Set("Content-Type", ct)
		sign(req.Header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	good := func(hd http.Header) {
		ts := time.Now().Unix()
		hd.Set(notify.HeaderTimestamp, strconv.FormatInt(ts, 10))
		hd.Set(notify.HeaderSignature, notify.SignWebhook("k", ts, body))
	}
	if st := post("text/plain", good); st != 415 {
		t.Errorf("text/plain: %d", st)
	}
	if st := post("application/json", func(http.Header) {}); st != 401 {
		t.Errorf("unsigned: %d", st)
	}
	if st := post("application/json", good); st != 204 {
		t.Errorf("signed: %d", st)
	}
	if got := h.Wait(1, time.Second); got[0] != string(body) || len(h.Rejected()) != 2 || h.Requests() != 3 {
		t.Fatalf("bodies %q rejected %q requests %d", got, h.Rejected(), h.Requests())
	}
}
