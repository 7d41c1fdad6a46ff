package notify

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestSignWebhookKnownValue(t *testing.T) {
	// Computed independently: printf '1700000000.{}' | openssl dgst -sha256 -hmac secret
	const want = "sha256=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
	if got := SignWebhook("secret", 1700000000, []byte("{}")); got != want {
		t.Fatalf("SignWebhook = %q, want %q", got, want)
	}
}

func TestVerifyWebhook(t *testing.T) {
	const secret = "s3cret"
	body := []byte(`{"Events":[],"EventDocId":"d"}`)
	now := time.Unix(1_800_000_000, 0)
	signed := func(ts time.Time, secret string, body []byte) http.Header {
		h := http.Header{}
		h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
		h.Set(HeaderSignature, SignWebhook(secret, ts.Unix(), body))
		return h
	}
	tests := []struct {
		name    string
		secret  string
		header  http.Header
		body    []byte
		skew    time.Duration
		wantErr error
	}{
		{"good", secret, signed(now, secret, body), body, time.Minute, nil},
		{"good, 59s old", secret, signed(now.Add(-59*time.Second), secret, body), body, time.Minute, nil},
		{"good, default skew", secret, signed(now.Add(-4*time.Minute), secret, body), body, 0, nil},
		{"tampered body", secret, signed(now, secret, body), []byte(`{"Events":[],"EventDocId":"e"}`), time.Minute, ErrWebhookSignature},
		{"wrong secret", secret, signed(now, "other", body), body, time.Minute, ErrWebhookSignature},
		{"stale timestamp", secret, signed(now.Add(-2*time.Minute), secret, body), body, time.Minute, ErrWebhookTimestamp},
		{"future timestamp", secret, signed(now.Add(2*time.Minute), secret, body), body, time.Minute, ErrWebhookTimestamp},
		{"stale beyond default skew", secret, signed(now.Add(-6*time.Minute), secret, body), body, 0, ErrWebhookTimestamp},
		{"timestamp replaced", secret, func() http.Header {
			h := signed(now.Add(-time.Hour), secret, body)
			h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10)) // fresh stamp, old signature
			return h
		}(), body, time.Minute, ErrWebhookSignature},
		{"no timestamp", secret, func() http.Header { h := signed(now, secret, body); h.Del(HeaderTimestamp); return h }(), body, time.Minute, ErrWebhookTimestamp},
		{"bad timestamp", secret, func() http.Header { h := signed(now, secret, body); h.Set(HeaderTimestamp, "soon"); return h }(), body, time.Minute, ErrWebhookTimestamp},
		{"no signature", secret, func() http.Header { h := signed(now, secret, body); h.Del(HeaderSignature); return h }(), body, time.Minute, ErrWebhookSignature},
		{"not hex", secret, func() http.Header { h := signed(now, secret, body); h.Set(HeaderSignature, "sha256=zz"); return h }(), body, time.Minute, ErrWebhookSignature},
		{"other scheme", secret, func() http.Header {
			h := signed(now, secret, body)
			h.Set(HeaderSignature, "sha1="+h.Get(HeaderSignature)[7:])
			return h
		}(), body, time.Minute, ErrWebhookSignature},
		{"rotation: second value matches", secret, func() http.Header {
			h := signed(now, secret, body)
			h.Set(HeaderSignature, SignWebhook("old", now.Unix(), body)+", "+h.Get(HeaderSignature))
			return h
		}(), body, time.Minute, nil},
		{"empty secret refuses", "", signed(now, "", body), body, time.Minute, ErrWebhookSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifyWebhook(tt.secret, tt.header, tt.body, now, tt.skew)
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("VerifyWebhook: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("VerifyWebhook error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
