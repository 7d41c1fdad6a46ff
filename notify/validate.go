package notify

import (
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
)

// maxTargetLen bounds every Destination.Target.
const maxTargetLen = 2048

// destError is a ValidateDestination failure.
type destError struct {
	transport, target, reason string
}

func (e *destError) Error() string {
	if e.transport == "" {
		return "notify: invalid destination: " + e.reason
	}
	return fmt.Sprintf("notify: invalid %s destination %q: %s", e.transport, e.target, e.reason)
}

func (e *destError) Is(target error) bool {
	return target == ErrInvalidDestination || target == ErrPermanent
}

// snsARN matches arn:PARTITION:sns:REGION:ACCOUNT:TOPIC. Topic names are
// 1-256 letters, digits, hyphens and underscores, plus ".fifo" for FIFO
// topics; the account is 12 digits (LocalStack uses 000000000000).
var snsARN = regexp.MustCompile(`^arn:(aws[a-z-]*):sns:([a-z]{2}(?:-[a-z]+)+-[0-9]+):([0-9]{12}):([A-Za-z0-9_-]{1,256}(?:\.fifo)?)$`)

// ValidateDestination checks a destination's syntax, with a message that
// says what is wrong. Errors match ErrInvalidDestination and ErrPermanent.
//
//   - SQS: an absolute queue URL with a path (https://sqs.us-east-1.amazonaws.com/123456789012/name);
//     http only for loopback hosts (127.0.0.0/8, ::1, localhost, *.localhost).
//   - SNS: a topic ARN, arn:aws:sns:REGION:ACCOUNT:NAME.
//   - Email: one bare address (user@example.com), no display name.
//   - Webhook: an absolute https URL; http only for loopback hosts.
//
// URLs may not carry user:password@, a fragment, or (SQS) a query.
func ValidateDestination(d Destination) error {
	fail := func(reason string, args ...any) error {
		return &destError{transport: d.Transport, target: d.Target, reason: fmt.Sprintf(reason, args...)}
	}
	switch d.Transport {
	case TransportSQS, TransportSNS, TransportEmail, TransportWebhook:
	case "":
		return &destError{reason: `no transport (want "SQS", "SNS", "Email" or "Webhook")`}
	default:
		return &destError{reason: fmt.Sprintf(`unsupported transport %q (want "SQS", "SNS", "Email" or "Webhook")`, d.Transport)}
	}
	if strings.TrimSpace(d.Target) == "" {
		return fail("empty target (want %s)", targetWanted(d.Transport))
	}
	if len(d.Target) > maxTargetLen {
		return fail("target is longer than %d bytes", maxTargetLen)
	}
	if strings.IndexFunc(d.Target, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
		return fail("target contains control characters")
	}
	switch d.Transport {
	case TransportSQS:
		u, reason := checkURL(d.Target)
		if reason != "" {
			return fail("%s", reason)
		}
		if u.RawQuery != "" || u.ForceQuery {
			return fail("a queue URL has no query string")
		}
		if strings.Trim(u.Path, "/") == "" {
			return fail("the queue URL has no path (want e.g. https://sqs.us-east-1.amazonaws.com/123456789012/my-queue)")
		}
	case TransportSNS:
		if !snsARN.MatchString(d.Target) {
			return fail("want a topic ARN such as arn:aws:sns:us-east-1:123456789012:my-topic (arn:PARTITION:sns:REGION:12-digit ACCOUNT:NAME, NAME of letters, digits, - and _, up to 256)")
		}
	case TransportEmail:
		if reason := checkEmail(d.Target); reason != "" {
			return fail("%s", reason)
		}
	case TransportWebhook:
		if _, reason := checkURL(d.Target); reason != "" {
			return fail("%s", reason)
		}
	}
	return nil
}

func targetWanted(transport string) string {
	switch transport {
	case TransportSQS:
		return "an SQS queue URL"
	case TransportSNS:
		return "an SNS topic ARN"
	case TransportEmail:
		return "an e-mail address"
	default:
		return "an https:// URL"
	}
}

// checkURL accepts absolute https URLs, and http URLs on loopback hosts.
func checkURL(s string) (*url.URL, string) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, "not a URL: " + err.Error()
	}
	if !u.IsAbs() || u.Opaque != "" {
		return nil, "not an absolute URL (want https://host/…)"
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, "the URL has no host"
	}
	if u.User != nil {
		return nil, "the URL may not carry credentials (user:password@)"
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return nil, "the URL may not have a #fragment"
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return nil, "http is allowed only for loopback hosts (127.0.0.1, [::1], localhost); use https"
		}
	default:
		return nil, fmt.Sprintf("scheme %q is not supported (want https)", u.Scheme)
	}
	if p := u.Port(); p != "" {
		if n, ok := atoiPort(p); !ok || n == 0 {
			return nil, fmt.Sprintf("bad port %q", p)
		}
	}
	return u, ""
}

func atoiPort(p string) (int, bool) {
	if len(p) > 5 {
		return 0, false
	}
	n := 0
	for _, c := range p {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= 65535
}

// isLoopbackHost reports literal loopback addresses and the names RFC 6761
// reserves for loopback.
func isLoopbackHost(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// checkEmail accepts one bare address with a domain.
func checkEmail(s string) string {
	if s != strings.TrimSpace(s) {
		return "surrounding spaces"
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "not an e-mail address: " + strings.TrimPrefix(err.Error(), "mail: ")
	}
	if a.Name != "" || a.Address != s {
		return "want a bare address such as user@example.com, without a display name or <>"
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at <= 0 {
		return "no @"
	}
	domain := a.Address[at+1:]
	if strings.HasPrefix(domain, "[") { // address literal, e.g. user@[127.0.0.1]
		return ""
	}
	if !strings.Contains(domain, ".") && !strings.EqualFold(domain, "localhost") {
		return fmt.Sprintf("domain %q is not fully qualified", domain)
	}
	if strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
		return fmt.Sprintf("bad domain %q", domain)
	}
	return ""
}
