package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhook headers. The signature is "sha256=" followed by the lower-case hex
// HMAC-SHA256, keyed with the webhook secret, of "<timestamp>.<body>", where
// timestamp is the X-Hitd-Timestamp value (Unix seconds) and body the raw
// request body. X-Hitd-Event-Doc-Id repeats the document's EventDocId for
// duplicate detection before parsing.
const (
	HeaderSignature  = "X-Hitd-Signature"
	HeaderTimestamp  = "X-Hitd-Timestamp"
	HeaderEventDocID = "X-Hitd-Event-Doc-Id"
)

// DefaultWebhookMaxSkew is VerifyWebhook's tolerance when maxSkew <= 0.
const DefaultWebhookMaxSkew = 5 * time.Minute

// Errors of VerifyWebhook, for errors.Is.
var (
	ErrWebhookSignature = errors.New("webhook signature does not verify")
	ErrWebhookTimestamp = errors.New("webhook timestamp missing, malformed or outside the allowed skew")
)

// SignWebhook returns the X-Hitd-Signature value for a body sent at unix
// time ts: "sha256=<hex HMAC-SHA256(secret, "<ts>.<body>")>".
func SignWebhook(secret string, ts int64, body []byte) string {
	return "sha256=" + hex.EncodeToString(webhookMAC(secret, strconv.FormatInt(ts, 10), body))
}

func webhookMAC(secret, ts string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return mac.Sum(nil)
}

// VerifyWebhook checks a received webhook: X-Hitd-Timestamp must be within
// maxSkew of now (DefaultWebhookMaxSkew when maxSkew <= 0), and one of the
// comma-separated "sha256=<hex>" values in X-Hitd-Signature must equal the
// HMAC of "<timestamp>.<body>" under secret (compared in constant time;
// several values allow a sender to rotate secrets). body must be the raw
// bytes received. Errors match ErrWebhookTimestamp or ErrWebhookSignature.
func VerifyWebhook(secret string, header http.Header, body []byte, now time.Time, maxSkew time.Duration) error {
	if secret == "" {
		return fmt.Errorf("%w: no secret to verify with", ErrWebhookSignature)
	}
	if maxSkew <= 0 {
		maxSkew = DefaultWebhookMaxSkew
	}
	tsStr := strings.TrimSpace(header.Get(HeaderTimestamp))
	if tsStr == "" {
		return fmt.Errorf("%w: no %s header", ErrWebhookTimestamp, HeaderTimestamp)
	}
	ts, err := strconv.ParseInt(tsStr, 10, 64)
	if err != nil || ts <= 0 {
		return fmt.Errorf("%w: %s %q is not Unix seconds", ErrWebhookTimestamp, HeaderTimestamp, tsStr)
	}
	skew := now.Sub(time.Unix(ts, 0))
	if skew < 0 {
		skew = -skew
	}
	if skew > maxSkew {
		return fmt.Errorf("%w: %s is %s away from now (allowed %s)", ErrWebhookTimestamp, HeaderTimestamp, skew.Round(time.Second), maxSkew)
	}
	sigs := header.Values(HeaderSignature)
	if len(sigs) == 0 {
		return fmt.Errorf("%w: no %s header", ErrWebhookSignature, HeaderSignature)
	}
	want := webhookMAC(secret, tsStr, body)
	matched := 0
	for _, line := range sigs {
		for _, v := range strings.Split(line, ",") {
			hexSig, ok := strings.CutPrefix(strings.TrimSpace(v), "sha256=")
			if !ok {
				continue
			}
			got, err := hex.DecodeString(hexSig)
			if err != nil {
				continue
			}
			if hmac.Equal(got, want) {
				matched++
			}
		}
	}
	if matched == 0 {
		return fmt.Errorf("%w: no sha256 signature in %s matches the body", ErrWebhookSignature, HeaderSignature)
	}
	return nil
}

// sendWebhook POSTs the document as application/json.
func (s *Sender) sendWebhook(ctx context.Context, target string, m Message, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return &SendError{Transport: TransportWebhook, Target: target, Permanent: true, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "hitd-notify/1")
	if docID := cleanHeader(m.EventDocId); docID != "" {
		req.Header.Set(HeaderEventDocID, docID)
	}
	ts := s.now().Unix()
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	if s.cfg.WebhookSecret != "" {
		req.Header.Set(HeaderSignature, SignWebhook(s.cfg.WebhookSecret, ts, body))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return netError(TransportWebhook, target, err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	msg := excerpt(snippet)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		msg = "redirects are not followed"
		if loc := resp.Header.Get("Location"); loc != "" {
			msg += " (Location: " + loc + ")"
		}
	}
	return &SendError{Transport: TransportWebhook, Target: target, StatusCode: resp.StatusCode,
		Message: msg, Permanent: httpStatusPermanent(resp.StatusCode)}
}
