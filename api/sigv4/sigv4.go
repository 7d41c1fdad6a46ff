// Package sigv4 verifies AWS Signature Version 4 (AWS4-HMAC-SHA256) on
// incoming HTTP requests, the way an AWS JSON-protocol service such as the
// Mechanical Turk Requester API does before it looks at the request.
//
// It owns request verification and nothing else: parsing the Authorization
// header (or the presigned X-Amz-* query parameters), rebuilding the
// canonical request, checking the credential scope and the clock skew, and
// comparing signatures in constant time. It never signs requests.
//
// It must not touch storage or domain logic. Secret keys come from the
// caller through a SecretLookup, time comes from the injected Verifier.Now,
// and the request body is read by the caller and handed in; the package keeps
// no state between calls.
//
// Every verification failure is an *Error whose Code is the AWS error __type
// and whose Status is the HTTP status to answer with. All failures use 400,
// as AWS JSON 1.0/1.1 ("coral") services such as MTurk and DynamoDB do for
// UnrecognizedClientException, InvalidSignatureException,
// IncompleteSignatureException and MissingAuthenticationTokenException
// (REST services like S3 or API Gateway use 403 instead). Anything that is
// not an *Error (a nil Now or Lookup, or an error returned by Lookup) is an
// internal failure the caller should answer with 500.
//
// Canonicalisation follows the AWS rules for services other than S3: the
// path as sent on the wire is URI-encoded once more (so it ends up "double
// encoded"), with dot segments and repeated slashes removed. Because several
// SDKs (aws-sdk-go-v2 among them) do not normalise paths, a signature over
// the un-normalised path is accepted too; both describe the same wire path,
// so this widens nothing an attacker could use. Session tokens
// (X-Amz-Security-Token) are only checked as signed data, never validated.
package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm this package accepts.
const Algorithm = "AWS4-HMAC-SHA256"

// AWS error codes carried in Error.Code.
const (
	CodeUnrecognizedClient         = "UnrecognizedClientException"
	CodeInvalidSignature           = "InvalidSignatureException"
	CodeIncompleteSignature        = "IncompleteSignatureException"
	CodeMissingAuthenticationToken = "MissingAuthenticationTokenException"
)

// DefaultMaxSkew is the clock skew allowed when Verifier.MaxSkew is zero.
const DefaultMaxSkew = 15 * time.Minute

// maxPresignExpires is the longest X-Amz-Expires AWS accepts (one week).
const maxPresignExpires = 7 * 24 * time.Hour

const (
	amzDateLayout   = "20060102T150405Z"
	scopeDateLayout = "20060102"
	terminator      = "aws4_request"
	unsignedPayload = "UNSIGNED-PAYLOAD"
	mismatchMessage = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// SecretLookup returns the secret access key for an access key id, or ok=false if unknown.
type SecretLookup func(ctx context.Context, accessKeyID string) (secret string, ok bool, err error)

// Verifier checks SigV4 signatures. Its fields are read-only once in use, so
// one Verifier may serve concurrent requests.
type Verifier struct {
	Service string           // expected service in the credential scope, e.g. "mturk-requester"; empty = any
	Regions []string         // allowed regions; empty = any region accepted
	MaxSkew time.Duration    // default 15 minutes when zero
	Now     func() time.Time // injected clock (required)
	Lookup  SecretLookup
}

// Error is returned for every verification failure.
type Error struct {
	Code    string // AWS error __type, e.g. "InvalidSignatureException"
	Message string // AWS-style message
	Status  int    // HTTP status to answer with (always 400 here; see the package doc)
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func newError(code, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: code, Message: msg, Status: http.StatusBadRequest}
}

// HasSignature reports whether r carries SigV4 auth (Authorization header
// starting with AWS4-HMAC-SHA256, or X-Amz-Algorithm query param).
func HasSignature(r *http.Request) bool {
	if r == nil {
		return false
	}
	if strings.HasPrefix(r.Header.Get("Authorization"), Algorithm) {
		return true
	}
	_, ok := queryParam(rawQuery(r), "X-Amz-Algorithm")
	return ok
}

// authInfo is what the Authorization header or the presign query carries.
type authInfo struct {
	presigned     bool
	accessKeyID   string
	scopeDate     string
	region        string
	service       string
	terminator    string
	signedHeaders []string // as sent, in order
	signedRaw     string   // the SignedHeaders value verbatim
	signature     string
	amzDate       string    // request timestamp, ISO 8601 basic, as signed
	date          time.Time // amzDate parsed
	expires       time.Duration
	hasExpires    bool
}

// Verify checks r's Authorization header (AWS4-HMAC-SHA256) against body (the
// full request body, already read by the caller). It returns the access key
// id on success.
func (v *Verifier) Verify(r *http.Request, body []byte) (accessKeyID string, err error) {
	if v.Now == nil {
		return "", errors.New("sigv4: Verifier.Now is nil")
	}
	if v.Lookup == nil {
		return "", errors.New("sigv4: Verifier.Lookup is nil")
	}
	if r == nil {
		return "", newError(CodeMissingAuthenticationToken, "Missing Authentication Token")
	}

	ai, aerr := parseAuth(r)
	if aerr != nil {
		return "", aerr
	}
	if aerr := v.checkScope(ai); aerr != nil {
		return "", aerr
	}
	if aerr := v.checkTime(ai); aerr != nil {
		return "", aerr
	}
	if !containsString(ai.signedHeaders, "host") {
		return "", newError(CodeInvalidSignature, "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}

	secret, ok, lerr := v.Lookup(r.Context(), ai.accessKeyID)
	if lerr != nil {
		return "", fmt.Errorf("sigv4: secret lookup: %w", lerr)
	}
	if !ok {
		return "", newError(CodeUnrecognizedClient, "The security token included in the request is invalid.")
	}

	payloadHash, perr := payloadHash(r, body)
	if perr != nil {
		return "", perr
	}

	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	query := canonicalQuery(rawQuery(r), ai.presigned)
	headers := canonicalHeaders(r, ai.signedHeaders, body)
	scope := ai.scopeDate + "/" + ai.region + "/" + ai.service + "/" + ai.terminator
	key := signingKey(secret, ai.scopeDate, ai.region, ai.service, ai.terminator)

	provided := []byte(ai.signature)
	match := false
	for _, uri := range canonicalURIs(rawPath(r)) {
		creq := method + "\n" + uri + "\n" + query + "\n" + headers + "\n" + ai.signedRaw + "\n" + payloadHash
		sum := sha256.Sum256([]byte(creq))
		sts := Algorithm + "\n" + ai.amzDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
		want := []byte(hex.EncodeToString(hmacSHA256(key, sts)))
		// Constant time, and every candidate is computed: the timing tells
		// neither how much of the signature matched nor which URI form did.
		if hmac.Equal(want, provided) {
			match = true
		}
	}
	if !match {
		return "", newError(CodeInvalidSignature, mismatchMessage)
	}
	return ai.accessKeyID, nil
}

// parseAuth extracts the signature parameters from the Authorization header
// or, for presigned requests, from the query string.
func parseAuth(r *http.Request) (*authInfo, *Error) {
	authz := r.Header.Values("Authorization")
	algo, hasQueryAuth := queryParam(rawQuery(r), "X-Amz-Algorithm")
	switch {
	case len(authz) > 0 && hasQueryAuth:
		return nil, newError(CodeIncompleteSignature,
			"Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified")
	case len(authz) > 1:
		return nil, newError(CodeIncompleteSignature, "Only one Authorization header is allowed")
	case len(authz) == 1 && strings.TrimSpace(authz[0]) != "":
		return parseAuthHeader(r, authz[0])
	case hasQueryAuth:
		return parsePresigned(r, algo)
	default:
		return nil, newError(CodeMissingAuthenticationToken, "Missing Authentication Token")
	}
}

func parseAuthHeader(r *http.Request, h string) (*authInfo, *Error) {
	h = strings.TrimSpace(h)
	algo, rest, _ := strings.Cut(h, " ")
	if algo != Algorithm {
		return nil, newError(CodeIncompleteSignature,
			"Unsupported Authorization algorithm '%s'; only %s is accepted", truncate(algo, 64), Algorithm)
	}
	params := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, val, ok := strings.Cut(part, "=")
		if !ok {
			return nil, newError(CodeIncompleteSignature,
				"'%s' not a valid key=value pair (missing equal-sign) in Authorization header", truncate(part, 64))
		}
		k = strings.TrimSpace(k)
		switch k {
		case "Credential", "SignedHeaders", "Signature":
		default:
			return nil, newError(CodeIncompleteSignature,
				"Unexpected parameter '%s' in Authorization header", truncate(k, 64))
		}
		if _, dup := params[k]; dup {
			return nil, newError(CodeIncompleteSignature, "Duplicate '%s' parameter in Authorization header", k)
		}
		params[k] = strings.TrimSpace(val)
	}
	var missing []string
	for _, k := range []string{"Credential", "Signature", "SignedHeaders"} {
		if params[k] == "" {
			missing = append(missing, "Authorization header requires '"+k+"' parameter.")
		}
	}
	if len(missing) > 0 {
		return nil, newError(CodeIncompleteSignature, "%s", strings.Join(missing, " "))
	}

	ai := &authInfo{signature: params["Signature"]}
	if err := ai.setCredential(params["Credential"]); err != nil {
		return nil, err
	}
	if err := ai.setSignedHeaders(params["SignedHeaders"]); err != nil {
		return nil, err
	}

	if d := r.Header.Get("X-Amz-Date"); d != "" {
		t, ok := parseAmzDate(d)
		if !ok {
			return nil, newError(CodeIncompleteSignature,
				"Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", truncate(d, 64))
		}
		ai.amzDate, ai.date = d, t
	} else if d := r.Header.Get("Date"); d != "" {
		t, err := http.ParseTime(d)
		if err != nil {
			return nil, newError(CodeIncompleteSignature, "Date header '%s' is not a valid HTTP date", truncate(d, 64))
		}
		ai.date = t.UTC()
		ai.amzDate = ai.date.Format(amzDateLayout)
	} else {
		return nil, newError(CodeIncompleteSignature,
			"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	return ai, nil
}

func parsePresigned(r *http.Request, algo string) (*authInfo, *Error) {
	if algo != Algorithm {
		return nil, newError(CodeIncompleteSignature,
			"Unsupported X-Amz-Algorithm '%s'; only %s is accepted", truncate(algo, 64), Algorithm)
	}
	q := rawQuery(r)
	get := func(k string) string { v, _ := queryParam(q, k); return v }
	var missing []string
	for _, k := range []string{"X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date"} {
		if get(k) == "" {
			missing = append(missing, "AWS query-string parameters must include '"+k+"'.")
		}
	}
	if len(missing) > 0 {
		return nil, newError(CodeIncompleteSignature, "%s", strings.Join(missing, " "))
	}
	ai := &authInfo{presigned: true, signature: get("X-Amz-Signature")}
	if err := ai.setCredential(get("X-Amz-Credential")); err != nil {
		return nil, err
	}
	if err := ai.setSignedHeaders(get("X-Amz-SignedHeaders")); err != nil {
		return nil, err
	}
	d := get("X-Amz-Date")
	t, ok := parseAmzDate(d)
	if !ok {
		return nil, newError(CodeIncompleteSignature,
			"X-Amz-Date must be in ISO-8601 'basic format'. Got '%s'. See http://en.wikipedia.org/wiki/ISO_8601", truncate(d, 64))
	}
	ai.amzDate, ai.date = d, t
	if e, present := queryParam(q, "X-Amz-Expires"); present {
		n, err := strconv.ParseInt(e, 10, 64)
		if err != nil || n <= 0 {
			return nil, newError(CodeIncompleteSignature,
				"X-Amz-Expires must be a positive number of seconds, got '%s'", truncate(e, 64))
		}
		if time.Duration(n) > maxPresignExpires/time.Second {
			return nil, newError(CodeIncompleteSignature,
				"X-Amz-Expires must be less than a week (in seconds) that is 604800")
		}
		ai.expires, ai.hasExpires = time.Duration(n)*time.Second, true
	}
	return ai, nil
}

func (ai *authInfo) setCredential(c string) *Error {
	parts := strings.Split(c, "/")
	if len(parts) != 5 {
		return newError(CodeIncompleteSignature,
			"Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '%s'",
			truncate(c, 128))
	}
	for _, p := range parts {
		if p == "" {
			return newError(CodeIncompleteSignature,
				"Credential must not have empty elements, e.g. keyid/date/region/service/term, got '%s'", truncate(c, 128))
		}
	}
	ai.accessKeyID, ai.scopeDate, ai.region, ai.service, ai.terminator = parts[0], parts[1], parts[2], parts[3], parts[4]
	return nil
}

func (ai *authInfo) setSignedHeaders(s string) *Error {
	names := strings.Split(s, ";")
	for i, n := range names {
		if n == "" || strings.TrimSpace(n) != n {
			return newError(CodeIncompleteSignature, "SignedHeaders '%s' is not a ';'-separated list of header names", truncate(s, 128))
		}
		names[i] = strings.ToLower(n)
	}
	ai.signedHeaders, ai.signedRaw = names, s
	return nil
}

// checkScope validates the credential scope against the request date and
// the Verifier's configuration.
func (v *Verifier) checkScope(ai *authInfo) *Error {
	if ai.terminator != terminator {
		return newError(CodeInvalidSignature,
			"Credential should be scoped with a valid terminator: 'aws4_request', not '%s'.", truncate(ai.terminator, 64))
	}
	if day := ai.date.Format(scopeDateLayout); ai.scopeDate != day {
		return newError(CodeInvalidSignature,
			"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'.",
			truncate(ai.scopeDate, 64), day, ai.amzDate)
	}
	if v.Service != "" && ai.service != v.Service {
		return newError(CodeInvalidSignature, "Credential should be scoped to correct service: '%s'.", v.Service)
	}
	if len(v.Regions) > 0 && !containsString(v.Regions, ai.region) {
		return newError(CodeInvalidSignature, "Credential should be scoped to a valid region, not '%s'.", truncate(ai.region, 64))
	}
	return nil
}

// checkTime rejects requests signed too far from Now (header form) or used
// outside their presign window.
func (v *Verifier) checkTime(ai *authInfo) *Error {
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	now := v.Now().UTC()
	f := func(t time.Time) string { return t.UTC().Format(amzDateLayout) }
	if ai.date.After(now.Add(skew)) {
		return newError(CodeInvalidSignature, "Signature not yet current: %s is still later than %s (%s + %s.)",
			ai.amzDate, f(now.Add(skew)), f(now), skewString(skew))
	}
	if ai.hasExpires {
		if now.After(ai.date.Add(ai.expires)) {
			return newError(CodeInvalidSignature, "Signature expired: %s is now earlier than %s (%s - %d sec.)",
				ai.amzDate, f(now.Add(-ai.expires)), f(now), int64(ai.expires/time.Second))
		}
		return nil
	}
	if ai.date.Before(now.Add(-skew)) {
		return newError(CodeInvalidSignature, "Signature expired: %s is now earlier than %s (%s - %s.)",
			ai.amzDate, f(now.Add(-skew)), f(now), skewString(skew))
	}
	return nil
}

func skewString(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min"
	}
	return d.String()
}

// payloadHash returns the hash that goes last in the canonical request.
func payloadHash(r *http.Request, body []byte) (string, *Error) {
	sum := sha256.Sum256(body)
	actual := hex.EncodeToString(sum[:])
	vals := r.Header.Values("X-Amz-Content-Sha256")
	if len(vals) == 0 {
		return actual, nil
	}
	if len(vals) > 1 {
		return "", newError(CodeInvalidSignature, "Only one x-amz-content-sha256 header is allowed.")
	}
	claimed := strings.TrimSpace(vals[0])
	switch {
	case claimed == unsignedPayload:
		return claimed, nil
	case isLowerHex(claimed) && len(claimed) == sha256.Size*2:
		if !hmac.Equal([]byte(claimed), []byte(actual)) {
			return "", newError(CodeInvalidSignature, "The provided 'x-amz-content-sha256' header does not match what was computed.")
		}
		return claimed, nil
	default:
		return "", newError(CodeInvalidSignature,
			"x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value, got '%s'.", truncate(claimed, 80))
	}
}

func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(amzDateLayout) {
		return time.Time{}, false
	}
	t, err := time.Parse(amzDateLayout, s)
	if err != nil || t.Format(amzDateLayout) != s {
		return time.Time{}, false
	}
	return t, true
}

func signingKey(secret, date, region, service, term string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, term)
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// truncate keeps echoed client input in error messages short.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
