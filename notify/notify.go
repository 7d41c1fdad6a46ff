package notify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Transports, as Destination.Transport spells them. SQS, SNS and Email are
// MTurk's NotificationTransport values; Webhook is hitd's own.
const (
	TransportSQS     = "SQS"
	TransportSNS     = "SNS"
	TransportEmail   = "Email"
	TransportWebhook = "Webhook"
)

// Destination says where one notification goes.
type Destination struct {
	Transport string // "SQS", "SNS", "Email", "Webhook"
	Target    string // SQS queue URL; SNS topic ARN; e-mail address; https:// webhook URL
}

// Config holds outbound delivery settings. Credentials are per requester;
// the caller stores them and builds a Sender (cheap) per requester.
type Config struct {
	// SigV4 credentials for SQS and SNS. Region is used for SQS when the
	// queue URL does not name one (sqs.REGION.amazonaws.com does), and for
	// SNS when the topic ARN does not (it always does once validated);
	// default us-east-1.
	AWSAccessKeyID, AWSSecretAccessKey, Region string

	// SNSEndpoint is the base URL of an SNS-compatible endpoint (e.g.
	// http://127.0.0.1:4566). Empty: https://sns.REGION.amazonaws.com, with
	// REGION from the topic ARN. SQS posts to the queue URL itself.
	SNSEndpoint string

	// E-mail: the SMTP server as host:port (port 25 when omitted), the From
	// header ("hitd <noreply@example.com>" or a bare address), and optional
	// PLAIN credentials. STARTTLS is used whenever the server offers it;
	// net/smtp refuses PLAIN over an unencrypted connection except to
	// localhost.
	SMTPAddr, SMTPFrom, SMTPUser, SMTPPassword string

	// WebhookSecret is the HMAC-SHA256 key for webhooks. Empty: webhooks are
	// sent without X-Hitd-Signature (receivers that verify will refuse them).
	WebhookSecret string

	// HTTPClient for SQS, SNS and webhooks; nil means a plain client. Its
	// redirect policy is replaced: redirects are never followed (a 3xx is a
	// permanent failure), so a signed body is never replayed elsewhere.
	HTTPClient *http.Client

	// Timeout bounds one Send, connection included; 0 means DefaultTimeout.
	Timeout time.Duration
}

// DefaultTimeout bounds one Send when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// MaxBodySize is the largest document SQS and SNS accept (256 KiB); larger
// ones fail permanently on those transports.
const MaxBodySize = 256 * 1024

// Sender delivers notifications with one Config. It is safe for concurrent
// use and holds no state besides its configuration.
type Sender struct {
	cfg    Config
	client *http.Client
	signer *v4.Signer
	now    func() time.Time
}

// NewSender returns a Sender for cfg.
func NewSender(cfg Config) *Sender {
	var c http.Client
	if cfg.HTTPClient != nil {
		c = *cfg.HTTPClient
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &Sender{cfg: cfg, client: &c, signer: v4.NewSigner(), now: time.Now}
}

// Send delivers one message to d synchronously. A nil error means the
// receiver accepted it (SQS returned a MessageId whose MD5 matches, SNS a
// MessageId, the SMTP server 250 after DATA, the webhook a 2xx).
//
// Errors are *SendError values naming the transport, the target, the HTTP
// status with the AWS error code and message from the body, or the SMTP
// reply. Those that retrying cannot fix satisfy errors.Is(err, ErrPermanent):
// an invalid destination or unsupported transport, missing configuration, a
// message that does not encode, HTTP 3xx and 4xx other than 408 and 429
// (unless the AWS error code is a throttling or service-side one), SMTP 5xx
// replies, and TLS certificate failures. Everything else — 5xx, 408, 429,
// SMTP 4xx, connection refused or reset, timeouts, DNS failures, the
// caller's context ending — is transient: retry after Backoff(n).
func (s *Sender) Send(ctx context.Context, d Destination, m Message) error {
	if err := ValidateDestination(d); err != nil {
		return &SendError{Transport: d.Transport, Target: d.Target, Message: strings.TrimPrefix(err.Error(), "notify: "), Permanent: true, Err: err}
	}
	body, err := m.Body()
	if err != nil {
		return &SendError{Transport: d.Transport, Target: d.Target, Message: strings.TrimPrefix(err.Error(), "notify: "), Permanent: true, Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	switch d.Transport {
	case TransportSQS:
		return s.sendSQS(ctx, d.Target, body)
	case TransportSNS:
		return s.sendSNS(ctx, d.Target, body)
	case TransportEmail:
		return s.sendEmail(ctx, d.Target, m, body)
	default: // TransportWebhook; ValidateDestination refused the rest
		return s.sendWebhook(ctx, d.Target, m, body)
	}
}

// ErrPermanent is matched (errors.Is) by every error that retrying cannot
// fix. The caller should stop retrying and record the failure.
var ErrPermanent = errors.New("permanent failure")

// ErrInvalidDestination is matched by ValidateDestination's errors (which
// also match ErrPermanent).
var ErrInvalidDestination = errors.New("invalid notification destination")

// SendError describes a failed delivery.
type SendError struct {
	Transport string // Destination.Transport
	Target    string // Destination.Target
	// StatusCode is the HTTP status (SQS, SNS, Webhook) or the SMTP reply
	// code (Email); 0 when no reply was received.
	StatusCode int
	Code       string // AWS error code (e.g. AWS.SimpleQueueService.NonExistentQueue, NotFound, SignatureDoesNotMatch)
	Message    string // AWS error message, SMTP reply text, response excerpt or local reason
	RequestID  string // AWS request id, when given
	Permanent  bool   // retrying cannot fix it
	Err        error  // underlying error (network, TLS, validation), if any
}

func (e *SendError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "notify: %s delivery to %s failed", e.Transport, e.Target)
	switch {
	case e.StatusCode != 0 && e.Transport == TransportEmail:
		fmt.Fprintf(&b, ": SMTP %d", e.StatusCode)
	case e.StatusCode != 0:
		fmt.Fprintf(&b, ": HTTP %d", e.StatusCode)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	} else if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	if e.Permanent {
		b.WriteString(" [permanent]")
	} else {
		b.WriteString(" [transient]")
	}
	return b.String()
}

func (e *SendError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrPermanent) true for permanent failures.
func (e *SendError) Is(target error) bool { return target == ErrPermanent && e.Permanent }

// netError wraps a failure to get any reply (dial, TLS, I/O, timeout).
func netError(transport, target string, err error) *SendError {
	return &SendError{Transport: transport, Target: target, Permanent: isCertError(err), Err: err}
}

// isCertError reports TLS certificate failures, which retrying does not fix.
func isCertError(err error) bool {
	var (
		cv *tls.CertificateVerificationError
		ua x509.UnknownAuthorityError
		he x509.HostnameError
		ci x509.CertificateInvalidError
	)
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci)
}

// httpStatusPermanent classifies an HTTP status: 4xx other than 408 and 429,
// and 3xx (redirects are not followed), cannot be fixed by retrying.
func httpStatusPermanent(status int) bool {
	switch {
	case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests:
		return false
	case status >= 300 && status < 500:
		return true
	default:
		return false
	}
}

// Backoff schedule: the nominal delay before retry n is BackoffBase·2^(n-1),
// capped at BackoffCap; Backoff returns a uniformly random duration in
// [nominal/2, nominal] ("equal jitter"), so concurrent retries spread out
// but never come sooner than half the nominal delay.
//
//	n:       1     2     3     4      5       6       7        8        9        10+
//	delay: 1-2s  2-4s  4-8s  8-16s  16-32s  32-64s  64-128s  128-256s 256-512s  5-10min
const (
	BackoffBase = 2 * time.Second
	BackoffCap  = 10 * time.Minute
)

// Backoff returns the delay before retry n (1-based; n < 1 counts as 1).
func Backoff(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	d := BackoffBase
	for i := 1; i < n && d < BackoffCap; i++ {
		d *= 2
	}
	d = min(d, BackoffCap)
	half := d / 2
	return half + rand.N(d-half+1)
}
