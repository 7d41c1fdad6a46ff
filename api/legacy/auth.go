package legacy

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"hash"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/hitd/hitd"
)

// ServiceName is the value of the Service parameter.
const ServiceName = "AWSMechanicalTurkRequester"

// MaxSkew is how far a request's Timestamp may be from the server's
// signature clock.
const MaxSkew = 15 * time.Minute

// authError is an authentication failure. MTurk reported these in
// OperationRequest/Errors with codes of the AWS. family.
type authError struct {
	Code    string
	Message string
}

func (e *authError) Error() string { return e.Code + ": " + e.Message }

const (
	codeNotAuthorized = "AWS.NotAuthorized"     // unknown access key
	codeBadClaims     = "AWS.BadClaimsSupplied" // wrong signature or stale timestamp
)

// signer computes the expected signature of a request with a secret.
type signer func(secret string) string

// authenticate checks a request's credentials: its access key, its
// timestamp against now, and its signature, in one of the three forms the
// legacy API accepted. A missing or malformed credential parameter is a
// request error (MissingParameters, InvalidParameterValue); a wrong one is
// an *authError.
func authenticate(ctx context.Context, svc *hitd.Service, now time.Time, r *http.Request, p params) (hitd.Caller, error) {
	for _, name := range []string{"AWSAccessKeyId", "Timestamp", "Signature"} {
		if p[name] == "" {
			return hitd.Caller{}, hitd.Errorf(hitd.ErrMissingParameter, "Your request is missing required parameters. Required parameters include %s.", name)
		}
	}
	ts, ok := parseTimestamp(p["Timestamp"])
	if !ok {
		return hitd.Caller{}, hitd.Errorf(hitd.ErrInvalidParameter, "The value %q is invalid for Timestamp. Use ISO-8601 UTC, e.g. 2014-08-15T12:00:00Z.", printable(p["Timestamp"]))
	}
	sign, err := signerFor(r, p)
	if err != nil {
		return hitd.Caller{}, err
	}
	if d := now.Sub(ts); d > MaxSkew || d < -MaxSkew {
		return hitd.Caller{}, &authError{codeBadClaims, "The Timestamp " + ts.Format(time.RFC3339) + " is more than 15 minutes away from the server's time " + now.UTC().Format(time.RFC3339) + "."}
	}
	// Expires (AWS query signatures' alternative to Timestamp) is honoured
	// when sent as well: a client asking for a shorter window gets it. It
	// never widens the Timestamp window, which MTurk always required.
	if e, present := p["Expires"]; present {
		exp, ok := parseTimestamp(e)
		if !ok {
			return hitd.Caller{}, hitd.Errorf(hitd.ErrInvalidParameter, "The value %q is invalid for Expires. Use ISO-8601 UTC, e.g. 2014-08-15T12:00:00Z.", printable(e))
		}
		if !now.Before(exp) {
			return hitd.Caller{}, &authError{codeBadClaims, "The request has expired: Expires " + exp.Format(time.RFC3339) + " is not later than the server's time " + now.UTC().Format(time.RFC3339) + "."}
		}
	}
	secret, requesterID, ok, err := svc.LookupSecret(ctx, p["AWSAccessKeyId"])
	if err != nil {
		return hitd.Caller{}, err
	}
	if !ok {
		return hitd.Caller{}, &authError{codeNotAuthorized, "The identity contained in the request is not authorized to use this AWSAccessKeyId."}
	}
	want := sign(secret)
	if subtle.ConstantTimeCompare([]byte(want), []byte(p["Signature"])) != 1 {
		return hitd.Caller{}, &authError{codeBadClaims, "The specified claims are invalid: the Signature does not match. Check your secret access key and signing method (SignatureVersion " + sigVersionName(p) + ")."}
	}
	return hitd.Caller{RequesterID: requesterID}, nil
}

func sigVersionName(p params) string {
	if v, ok := p["SignatureVersion"]; ok {
		return printable(v)
	}
	return "absent: the MTurk REST signature"
}

// signerFor picks the signature algorithm from SignatureVersion.
func signerFor(r *http.Request, p params) (signer, error) {
	v, ok := p["SignatureVersion"]
	if !ok {
		return func(secret string) string { return restSignature(secret, p) }, nil
	}
	switch v {
	case "1":
		return func(secret string) string { return querySignatureV1(secret, p) }, nil
	case "2":
		var h func() hash.Hash
		switch p["SignatureMethod"] {
		case "HmacSHA256":
			h = sha256.New
		case "HmacSHA1":
			h = sha1.New
		default:
			return nil, hitd.Errorf(hitd.ErrInvalidParameter, "The value %q is invalid for SignatureMethod. Valid values: HmacSHA256, HmacSHA1.", printable(p["SignatureMethod"]))
		}
		return func(secret string) string { return querySignatureV2(secret, h, r, p) }, nil
	}
	return nil, hitd.Errorf(hitd.ErrInvalidParameter, "The value %q is invalid for SignatureVersion. Valid values: 1, 2 (or none, for the MTurk REST signature).", printable(v))
}

func mac(h func() hash.Hash, secret, data string) string {
	m := hmac.New(h, []byte(secret))
	m.Write([]byte(data))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// restSignature is MTurk's REST signature:
// base64(HMAC-SHA1(secret, Service + Operation + Timestamp)).
func restSignature(secret string, p params) string {
	service := p["Service"]
	if service == "" {
		service = ServiceName
	}
	return mac(sha1.New, secret, service+p["Operation"]+p["Timestamp"])
}

// querySignatureV1 is AWS query signature version 1 as boto 2 computes it
// (boto/auth.py, QuerySignatureV1AuthHandler): HMAC-SHA1 over every
// parameter's name and value but Signature's, concatenated in the order of
// the names compared case-insensitively.
func querySignatureV1(secret string, p params) string {
	names := make([]string, 0, len(p))
	for name := range p {
		if name != "Signature" {
			names = append(names, name)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := strings.ToLower(names[i]), strings.ToLower(names[j])
		if a != b {
			return a < b
		}
		return names[i] < names[j]
	})
	var b strings.Builder
	for _, name := range names {
		b.WriteString(name)
		b.WriteString(p[name])
	}
	return mac(sha1.New, secret, b.String())
}

// querySignatureV2 is AWS query signature version 2 (boto/auth.py,
// QuerySignatureV2AuthHandler): HMAC over "VERB\nhost\npath\n" and the
// canonical query string (names sorted by byte, RFC 3986 encoding).
func querySignatureV2(secret string, h func() hash.Hash, r *http.Request, p params) string {
	names := make([]string, 0, len(p))
	for name := range p {
		if name != "Signature" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	pairs := make([]string, len(names))
	for i, name := range names {
		pairs[i] = rfc3986(name) + "=" + rfc3986(p[name])
	}
	path := r.URL.Path
	if path == "" {
		path = "/"
	}
	return mac(h, secret, r.Method+"\n"+strings.ToLower(r.Host)+"\n"+path+"\n"+strings.Join(pairs, "&"))
}

// rfc3986 percent-encodes everything but unreserved characters.
func rfc3986(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") // QueryEscape leaves only A-Za-z0-9-_.~ and turns ' ' into '+'
}
