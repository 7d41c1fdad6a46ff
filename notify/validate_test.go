package notify

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidateDestination(t *testing.T) {
	tests := []struct {
		transport, target string
		wantErr           string // "" means valid
	}{
		// SQS
		{"SQS", "https://sqs.us-east-1.amazonaws.com/123456789012/my-queue", ""},
		{"SQS", "https://sqs.eu-west-1.amazonaws.com/123456789012/q.fifo", ""},
		{"SQS", "https://queue.amazonaws.com/123456789012/legacy", ""},
		{"SQS", "http://127.0.0.1:9324/000000000000/queue", ""},
		{"SQS", "http://localhost:4566/000000000000/q", ""},
		{"SQS", "http://[::1]:4566/000000000000/q", ""},
		{"SQS", "http://sqs.us-east-1.localhost:4566/000000000000/q", ""},
		{"SQS", "http://sqs.us-east-1.amazonaws.com/123456789012/q", "http is allowed only for loopback"},
		{"SQS", "http://10.0.0.1/123/q", "http is allowed only for loopback"},
		{"SQS", "https://sqs.us-east-1.amazonaws.com", "no path"},
		{"SQS", "https://sqs.us-east-1.amazonaws.com/", "no path"},
		{"SQS", "https://sqs.us-east-1.amazonaws.com/1/q?x=1", "no query"},
		{"SQS", "https://user:pw@sqs.us-east-1.amazonaws.com/1/q", "credentials"},
		{"SQS", "https://sqs.us-east-1.amazonaws.com/1/q#frag", "fragment"},
		{"SQS", "ftp://example.com/1/q", "scheme"},
		{"SQS", "sqs.us-east-1.amazonaws.com/1/q", "absolute URL"},
		{"SQS", "arn:aws:sqs:us-east-1:123456789012:q", "absolute URL"},
		{"SQS", "https://example.com:99999/1/q", "bad port"},
		{"SQS", "", "empty target"},
		{"SQS", "https://sqs.us-east-1.amazonaws.com/1/q\n", "control characters"},
		// SNS
		{"SNS", "arn:aws:sns:us-east-1:123456789012:my_topic-1", ""},
		{"SNS", "arn:aws:sns:us-east-1:123456789012:orders.fifo", ""},
		{"SNS", "arn:aws-cn:sns:cn-north-1:123456789012:t", ""},
		{"SNS", "arn:aws-us-gov:sns:us-gov-west-1:123456789012:t", ""},
		{"SNS", "arn:aws:sns:us-east-1:000000000000:localstack", ""},
		{"SNS", "arn:aws:sqs:us-east-1:123456789012:t", "topic ARN"},
		{"SNS", "arn:aws:sns:us-east-1:12345:t", "topic ARN"},
		{"SNS", "arn:aws:sns::123456789012:t", "topic ARN"},
		{"SNS", "arn:aws:sns:us-east-1:123456789012:", "topic ARN"},
		{"SNS", "arn:aws:sns:us-east-1:123456789012:bad.name", "topic ARN"},
		{"SNS", "arn:aws:sns:us-east-1:123456789012:" + strings.Repeat("a", 257), "topic ARN"},
		{"SNS", "https://sns.us-east-1.amazonaws.com/", "topic ARN"},
		// Email
		{"Email", "requester@example.com", ""},
		{"Email", "first.last+mturk@mail.example.co.uk", ""},
		{"Email", "root@localhost", ""},
		{"Email", "Requester <requester@example.com>", "bare address"},
		{"Email", "<requester@example.com>", "bare address"},
		{"Email", "requester", "not an e-mail address"},
		{"Email", "requester@", "not an e-mail address"},
		{"Email", "requester@example", "not fully qualified"},
		{"Email", "a@example.com, b@example.com", "not an e-mail address"},
		{"Email", " requester@example.com", "surrounding spaces"},
		{"Email", "requester@example.com\r\nBcc: x@example.com", "control characters"},
		// Webhook
		{"Webhook", "https://hooks.example.com/mturk?token=abc", ""},
		{"Webhook", "http://127.0.0.1:8080/hook", ""},
		{"Webhook", "http://localhost/hook", ""},
		{"Webhook", "http://example.com/hook", "http is allowed only for loopback"},
		{"Webhook", "https:///hook", "no host"},
		{"Webhook", "/hook", "absolute URL"},
		{"Webhook", "https://u:p@example.com/", "credentials"},
		// Transport
		{"sqs", "https://sqs.us-east-1.amazonaws.com/1/q", `unsupported transport "sqs"`},
		{"REST", "http://127.0.0.1/", `unsupported transport "REST"`},
		{"", "x", "no transport"},
	}
	for _, tt := range tests {
		t.Run(tt.transport+" "+tt.target, func(t *testing.T) {
			err := ValidateDestination(Destination{Transport: tt.transport, Target: tt.target})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted; want error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %q does not contain %q", err, tt.wantErr)
			}
			if !errors.Is(err, ErrInvalidDestination) || !errors.Is(err, ErrPermanent) {
				t.Fatalf("error %v does not match ErrInvalidDestination and ErrPermanent", err)
			}
		})
	}
}

func TestBackoffBounds(t *testing.T) {
	nominal := func(n int) time.Duration {
		d := BackoffBase
		for i := 1; i < n; i++ {
			d *= 2
			if d >= BackoffCap {
				return BackoffCap
			}
		}
		return d
	}
	tests := []struct {
		n        int
		min, max time.Duration
	}{
		{-3, time.Second, 2 * time.Second},
		{0, time.Second, 2 * time.Second},
		{1, time.Second, 2 * time.Second},
		{2, 2 * time.Second, 4 * time.Second},
		{5, 16 * time.Second, 32 * time.Second},
		{9, 256 * time.Second, 512 * time.Second},
		{10, 5 * time.Minute, 10 * time.Minute},
		{30, 5 * time.Minute, 10 * time.Minute},
		{1 << 30, 5 * time.Minute, 10 * time.Minute},
	}
	for _, tt := range tests {
		if n := max(tt.n, 1); n < 64 && (nominal(n)/2 != tt.min || nominal(n) != tt.max) {
			t.Fatalf("table wrong for n=%d: nominal %s", tt.n, nominal(n))
		}
		lo, hi := time.Duration(1<<62), time.Duration(0)
		for range 2000 {
			d := Backoff(tt.n)
			if d < tt.min || d > tt.max {
				t.Fatalf("Backoff(%d) = %s, want within [%s, %s]", tt.n, d, tt.min, tt.max)
			}
			lo, hi = min(lo, d), max(hi, d)
		}
		// Jitter: 2000 draws spread over most of the range.
		if spread := hi - lo; spread < (tt.max-tt.min)/2 {
			t.Errorf("Backoff(%d) spread only %s over [%s, %s]", tt.n, spread, tt.min, tt.max)
		}
	}
}
