package sigv4

import (
	"net/http"
	"net/textproto"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// rawPath returns the request path exactly as it arrived on the wire
// (still percent-encoded), falling back to the parsed URL for requests that
// were not read by a server.
func rawPath(r *http.Request) string {
	if ru := r.RequestURI; strings.HasPrefix(ru, "/") {
		p, _, _ := strings.Cut(ru, "?")
		return p
	}
	if r.URL == nil {
		return "/"
	}
	return r.URL.EscapedPath()
}

// rawQuery returns the query string as it arrived, without the '?'.
func rawQuery(r *http.Request) string {
	if ru := r.RequestURI; strings.HasPrefix(ru, "/") {
		_, q, _ := strings.Cut(ru, "?")
		return q
	}
	if r.URL == nil {
		return ""
	}
	return r.URL.RawQuery
}

// canonicalURIs returns the canonical URI for the normalised path first and,
// when it differs, for the path as sent.
func canonicalURIs(path string) []string {
	if path == "" {
		path = "/"
	}
	norm := uriEncode(normalizePath(path), false)
	if raw := uriEncode(path, false); raw != norm {
		return []string{norm, raw}
	}
	return []string{norm}
}

// normalizePath removes "." and ".." segments (RFC 3986 section 5.2.4) and
// empty segments, keeping a trailing slash, as the AWS test suite expects
// for non-S3 services ("//example//" -> "/example/", "/example/.." -> "/").
func normalizePath(p string) string {
	segs := strings.Split(p, "/")
	out := make([]string, 0, len(segs))
	for _, s := range segs {
		switch s {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		return "/"
	}
	res := "/" + strings.Join(out, "/")
	if last := segs[len(segs)-1]; last == "" || last == "." || last == ".." {
		res += "/"
	}
	return res
}

// uriEncode percent-encodes every byte except the RFC 3986 unreserved
// characters (and '/' unless encodeSlash), with upper-case hex digits.
func uriEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// queryPairs splits a raw query into decoded key/value pairs, in order.
// '+' decodes to a space; an undecodable component is kept as sent.
func queryPairs(raw string) [][2]string {
	var pairs [][2]string
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		pairs = append(pairs, [2]string{unescape(k), unescape(v)})
	}
	return pairs
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// queryParam returns the first decoded value of key in a raw query.
func queryParam(raw, key string) (string, bool) {
	if !strings.Contains(raw, key) {
		return "", false
	}
	for _, p := range queryPairs(raw) {
		if p[0] == key {
			return p[1], true
		}
	}
	return "", false
}

// canonicalQuery re-encodes every parameter (RFC 3986), sorts by encoded
// key then value, and drops X-Amz-Signature from presigned requests.
func canonicalQuery(raw string, presigned bool) string {
	pairs := queryPairs(raw)
	enc := make([][2]string, 0, len(pairs))
	for _, p := range pairs {
		if presigned && p[0] == "X-Amz-Signature" {
			continue
		}
		enc = append(enc, [2]string{uriEncode(p[0], true), uriEncode(p[1], true)})
	}
	sort.Slice(enc, func(i, j int) bool {
		if enc[i][0] != enc[j][0] {
			return enc[i][0] < enc[j][0]
		}
		return enc[i][1] < enc[j][1]
	})
	var b strings.Builder
	for i, p := range enc {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p[0])
		b.WriteByte('=')
		b.WriteString(p[1])
	}
	return b.String()
}

// canonicalHeaders builds the "name:value\n" block for the signed headers,
// in the order the client listed them.
func canonicalHeaders(r *http.Request, signed []string, body []byte) string {
	var b strings.Builder
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(headerValue(r, name, body))
		b.WriteByte('\n')
	}
	return b.String()
}

// headerValue returns the canonical value of one signed header: each value
// trimmed with runs of spaces collapsed, multiple values joined by ','.
// Go moves Host (and Transfer-Encoding) out of r.Header, and may drop
// Content-Length, so those are rebuilt from the request fields.
func headerValue(r *http.Request, name string, body []byte) string {
	var vals []string
	switch name {
	case "host":
		h := r.Host
		if h == "" && r.URL != nil {
			h = r.URL.Host
		}
		vals = []string{h}
	case "transfer-encoding":
		vals = r.TransferEncoding
		if len(vals) == 0 {
			vals = r.Header.Values("Transfer-Encoding")
		}
	default:
		vals = headerValues(r.Header, name)
		if len(vals) == 0 && name == "content-length" {
			n := r.ContentLength
			if n < 0 {
				n = int64(len(body))
			}
			vals = []string{strconv.FormatInt(n, 10)}
		}
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = collapseSpaces(v)
	}
	return strings.Join(out, ",")
}

func headerValues(h http.Header, name string) []string {
	if v, ok := h[textproto.CanonicalMIMEHeaderKey(name)]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// collapseSpaces trims leading/trailing spaces and tabs and replaces each
// run of spaces inside the value with a single space (the AWS "trimall").
func collapseSpaces(v string) string {
	v = strings.Trim(v, " \t")
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	b.Grow(len(v))
	prevSpace := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' && prevSpace {
			continue
		}
		prevSpace = c == ' '
		b.WriteByte(c)
	}
	return b.String()
}
