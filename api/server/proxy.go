package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ProxyHeaders names the forwarding headers a trusted reverse proxy sends.
type ProxyHeaders string

const (
	// XForwarded is X-Forwarded-For, X-Forwarded-Proto and
	// X-Forwarded-Host, which nginx, Caddy, HAProxy, Traefik and the
	// cloud load balancers send.
	XForwarded ProxyHeaders = "x-forwarded"
	// Forwarded is RFC 7239's Forwarded header (for=, proto=, host=).
	Forwarded ProxyHeaders = "forwarded"
)

// TrustedProxies is the set of reverse proxies whose forwarding headers
// hitd believes (hitd serve --trusted-proxies), and which family of
// headers they send. Only one family is read: a proxy that sets
// X-Forwarded-* usually passes a client's own Forwarded header through
// untouched (and the other way round), so reading both would let a client
// choose its address. A nil *TrustedProxies trusts nobody.
//
// Its Handler rewrites each request to what the client sent the proxy:
//
//   - r.RemoteAddr is the client's address ("IP:port", port 0 when the
//     proxy did not say), found by walking the forwarded-for chain from
//     the right past trusted proxies to the first untrusted hop;
//   - r.Host is the host the client asked for (X-Forwarded-Host, or
//     host=), so SigV4 signatures, sandbox host routing (ByHost),
//     CrossOriginProtection and the worker site's links all see the name
//     the client used, even behind a proxy that rewrites Host;
//   - r.URL.Scheme is "https" or "http": the scheme the client used
//     (X-Forwarded-Proto, or proto=), else the connection's own.
//
// Requests from any other peer keep their RemoteAddr and Host; their
// forwarding headers are ignored entirely (not read, not removed: a SigV4
// client may have signed them), and r.URL.Scheme is set from the
// connection alone, overriding whatever an absolute request line said.
type TrustedProxies struct {
	prefixes []netip.Prefix
	headers  ProxyHeaders
}

// ParseTrustedProxies parses a comma-separated list of CIDR ranges or
// single addresses ("10.0.0.0/8, 127.0.0.1, ::1"). An empty list is nil:
// trust nobody.
func ParseTrustedProxies(list string, headers ProxyHeaders) (*TrustedProxies, error) {
	switch headers {
	case XForwarded, Forwarded:
	default:
		return nil, fmt.Errorf("proxy headers %q: want %s or %s", headers, XForwarded, Forwarded)
	}
	var p TrustedProxies
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(s)
		if err != nil {
			addr, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("trusted proxy %q: want an address or a CIDR range such as 10.0.0.0/8", s)
			}
			prefix = netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen())
		}
		if prefix.Addr().Is4In6() {
			prefix = netip.PrefixFrom(prefix.Addr().Unmap(), prefix.Bits()-96)
		}
		p.prefixes = append(p.prefixes, prefix.Masked())
	}
	if len(p.prefixes) == 0 {
		return nil, nil
	}
	p.headers = headers
	return &p, nil
}

// String lists the trusted ranges, for the start-up log line.
func (p *TrustedProxies) String() string {
	if p == nil {
		return ""
	}
	s := make([]string, len(p.prefixes))
	for i, prefix := range p.prefixes {
		s[i] = prefix.String()
	}
	return strings.Join(s, ",")
}

// Trusts reports whether addr is in one of the trusted ranges.
func (p *TrustedProxies) Trusts(addr netip.Addr) bool {
	if p == nil || !addr.IsValid() {
		return false
	}
	addr = addr.Unmap()
	for _, prefix := range p.prefixes {
		if prefix.Contains(addr) {
			return true
		}
	}
	return false
}

// Handler returns next behind the rewriting described on TrustedProxies.
// hitd serve puts it around every listener's handler.
func (p *TrustedProxies) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, p.rewrite(r))
	})
}

// hop is what one proxy said about the peer it forwarded a request from.
type hop struct {
	addr   netip.AddrPort // invalid: "unknown", obfuscated or malformed
	scheme string         // "" when not said
	host   string         // "" when not said
}

// rewrite returns a shallow copy of r with RemoteAddr, Host and URL.Scheme
// set to what the client sent.
func (p *TrustedProxies) rewrite(r *http.Request) *http.Request {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	remote, host := r.RemoteAddr, r.Host
	if peer, err := netip.ParseAddrPort(r.RemoteAddr); err == nil && p.Trusts(peer.Addr()) {
		var hops []hop
		if p.headers == Forwarded {
			hops = forwardedHops(r.Header)
		} else {
			hops = xForwardedHops(r.Header)
		}
		// Walk from the right: each hop was written by a proxy we trust
		// (the first by our direct peer); its address is the next proxy
		// or, at the first untrusted address, the client.
		for i := len(hops) - 1; i >= 0; i-- {
			h := hops[i]
			if h.scheme != "" {
				scheme = h.scheme
			}
			if h.host != "" {
				host = h.host
			}
			if !h.addr.IsValid() {
				break // a hop we cannot place: the client is the last one we could
			}
			remote = netip.AddrPortFrom(h.addr.Addr().Unmap(), h.addr.Port()).String()
			if !p.Trusts(h.addr.Addr()) {
				break
			}
		}
	}
	r2 := r.WithContext(r.Context()) // a shallow copy: handlers must not change r
	u := *r.URL
	u.Scheme = scheme
	r2.URL = &u
	r2.RemoteAddr, r2.Host = remote, host
	return r2
}

// xForwardedHops reads X-Forwarded-For (every line, in order; each proxy
// appends its peer), and the rightmost X-Forwarded-Proto and
// X-Forwarded-Host values, which the nearest proxy wrote (a client can add
// values to the left, never to the right). Those two carry no per-hop
// positions, so they belong to the last hop.
func xForwardedHops(h http.Header) []hop {
	var hops []hop
	for _, line := range h.Values("X-Forwarded-For") {
		for _, s := range strings.Split(line, ",") {
			hops = append(hops, hop{addr: parseHopAddr(strings.TrimSpace(s))})
		}
	}
	if len(hops) == 0 {
		hops = []hop{{}} // proto and host alone, from our peer about its client
	}
	last := &hops[len(hops)-1]
	last.scheme = parseScheme(lastValue(h.Values("X-Forwarded-Proto")))
	last.host = parseHost(lastValue(h.Values("X-Forwarded-Host")))
	return hops
}

// lastValue is the rightmost element of comma-separated header lines.
func lastValue(lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	l := lines[len(lines)-1]
	return strings.TrimSpace(l[strings.LastIndexByte(l, ',')+1:])
}

// forwardedHops reads RFC 7239 Forwarded headers: one element per proxy,
// "for=…;proto=…;host=…", elements separated by commas (also across
// header lines), values tokens or quoted strings.
func forwardedHops(h http.Header) []hop {
	var hops []hop
	for _, line := range h.Values("Forwarded") {
		for _, element := range splitQuoted(line, ',') {
			var hp hop
			for _, pair := range splitQuoted(element, ';') {
				k, v, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok {
					continue
				}
				v = unquote(strings.TrimSpace(v))
				switch strings.ToLower(strings.TrimSpace(k)) {
				case "for":
					hp.addr = parseHopAddr(v)
				case "proto":
					hp.scheme = parseScheme(v)
				case "host":
					hp.host = parseHost(v)
				}
			}
			hops = append(hops, hp)
		}
	}
	return hops
}

// splitQuoted splits s at sep outside double-quoted strings.
func splitQuoted(s string, sep byte) []string {
	var parts []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && quoted:
			i++
		case c == '"':
			quoted = !quoted
		case c == sep && !quoted:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// unquote removes a quoted string's quotes and backslash escapes.
func unquote(v string) string {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return v
	}
	var b strings.Builder
	for i := 1; i < len(v)-1; i++ {
		if v[i] == '\\' && i+1 < len(v)-1 {
			i++
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// parseHopAddr parses a forwarded address: "192.0.2.60", "2001:db8::1",
// "[2001:db8::1]", with or without ":port". Anything else (RFC 7239's
// "unknown" and "_obfuscated" names included) is invalid.
func parseHopAddr(s string) netip.AddrPort {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap
	}
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")); err == nil && a.Zone() == "" {
		return netip.AddrPortFrom(a, 0)
	}
	return netip.AddrPort{}
}

// parseScheme accepts http and https only.
func parseScheme(s string) string {
	switch s = strings.ToLower(s); s {
	case "http", "https":
		return s
	}
	return ""
}

// parseHost accepts a host name or address with an optional port, as a
// Host header carries them; anything else is "" (ignored).
func parseHost(s string) string {
	if s == "" || len(s) > 255 {
		return ""
	}
	name, port := s, ""
	if h, p, err := net.SplitHostPort(s); err == nil {
		name, port = h, p
		if strings.Contains(name, ":") {
			if _, err := netip.ParseAddr(name); err != nil {
				return ""
			}
			return s
		}
	} else if strings.HasPrefix(s, "[") {
		if a, err := netip.ParseAddr(strings.TrimSuffix(s[1:], "]")); err == nil && a.Is6() && strings.HasSuffix(s, "]") {
			return s
		}
		return ""
	}
	for _, c := range port {
		if c < '0' || c > '9' {
			return ""
		}
	}
	if name == "" {
		return ""
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return ""
		}
	}
	return s
}
