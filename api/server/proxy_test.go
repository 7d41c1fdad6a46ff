package server_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/hitd/hitd/api/server"
	"github.com/hitd/hitd/internal/hitdtest"
	"github.com/hitd/hitd/web"
)

// seen is what a handler behind TrustedProxies.Handler saw of a request.
type seen struct{ remote, host, scheme string }

// through sends r through p's handler and returns what the inner handler saw.
func through(t *testing.T, p *server.TrustedProxies, r *http.Request) seen {
	t.Helper()
	var got seen
	p.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = seen{r.RemoteAddr, r.Host, r.URL.Scheme}
	})).ServeHTTP(httptest.NewRecorder(), r)
	return got
}

func mustProxies(t *testing.T, list string, headers server.ProxyHeaders) *server.TrustedProxies {
	t.Helper()
	p, err := server.ParseTrustedProxies(list, headers)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestTrustedProxies: forwarding headers change the request only when the
// direct peer is a trusted proxy; the client address is the rightmost
// untrusted hop of the chain, so a client cannot choose it by sending a
// chain of its own; only the configured family of headers is read.
func TestTrustedProxies(t *testing.T) {
	xf := mustProxies(t, "10.0.0.0/8, 127.0.0.1", server.XForwarded)
	fw := mustProxies(t, "10.0.0.0/8", server.Forwarded)
	const host = "hits.example.org"
	for _, tc := range []struct {
		name    string
		p       *server.TrustedProxies
		peer    string
		target  string // request line target; default "/"
		tls     bool
		headers [][2]string
		want    seen
	}{
		{name: "untrusted peer: every forwarding header ignored", p: xf, peer: "203.0.113.9:5555",
			headers: [][2]string{{"X-Forwarded-For", "198.51.100.7"}, {"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "evil.example"}, {"Forwarded", "for=198.51.100.7;proto=https;host=evil.example"}},
			want:    seen{"203.0.113.9:5555", host, "http"}},
		{name: "no trusted proxies configured: loopback peer ignored too", p: nil, peer: "127.0.0.1:5555",
			headers: [][2]string{{"X-Forwarded-For", "198.51.100.7"}, {"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "evil.example"}},
			want:    seen{"127.0.0.1:5555", host, "http"}},
		{name: "trusted peer: client, scheme and host from X-Forwarded-*", p: xf, peer: "10.0.0.2:40000",
			headers: [][2]string{{"X-Forwarded-For", "198.51.100.7"}, {"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "hits.example.org:8443"}},
			want:    seen{"198.51.100.7:0", "hits.example.org:8443", "https"}},
		{name: "trusted loopback peer (a proxy on the same machine)", p: xf, peer: "127.0.0.1:40000",
			headers: [][2]string{{"X-Forwarded-For", "198.51.100.7"}, {"X-Forwarded-Proto", "https"}},
			want:    seen{"198.51.100.7:0", host, "https"}},
		{name: "spoofed chain: the rightmost untrusted hop is the client", p: xf, peer: "10.0.0.2:40000",
			headers: [][2]string{{"X-Forwarded-For", "6.6.6.6, 127.0.0.1, 198.51.100.7"}},
			want:    seen{"198.51.100.7:0", host, "http"}},
		{name: "two trusted proxies in the chain", p: xf, peer: "10.0.0.2:40000",
			headers: [][2]string{{"X-Forwarded-For", "6.6.6.6, 198.51.100.7, 10.0.0.3"}},
			want:    seen{"198.51.100.7:0", host, "http"}},
		{name: "the chain across several header lines", p: xf, peer: "10.0.0.2:40000",
			headers: [][2]string{{"X-Forwarded-For", "6.6.6.6"}, {"X-Forwarded-For", "198.51.100.7, 10.0.0.3"}},
			want:    seen{"198.51.100.7:0", host, "http"}},
		{name: "every hop trusted: the leftmost", p: xf, peer: "10.0.0.2:40000",
			headers: [][2]string{{"X-Forwarded-For", "10.1.2.3, 10.0.0.3"}},
			want:    seen{"10.1.2.3:0", host, "http"}},
		{name: "garbage in the chain: the last hop that could be placed", p: xf, peer: "10.0.0.2:40000",
			headers: [][2]string{{"X-Forwarded-For", "198.51.100.7, not-an-address, 10.0.0.3"}},
			want:    seen{"10.0.0.3:0", host, "http"}},
		{name: "IPv6 client with a port", p: xf, peer: "10.0.0.2:40000",
			headers: [][2]string{{"X-Forwarded-For", "[2001:db8::1]:4711"}},
			want:    seen{"[2001:db8::1]:4711", host, "http"}},
		{name: "IPv4-mapped trusted peer", p: xf, peer: "[::ffff:10.0.0.2]:40000",
			headers: [][2]string{{"X-Forwarded-For", "198.51.100.7"}},
			want:    seen{"198.51.100.7:0", host, "http"}},
		{name: "the rightmost X-Forwarded-Proto and -Host (a client can only prepend)", p: xf, peer: "10.0.0.2:40000",
			headers: [][2]string{{"X-Forwarded-Proto", "http, https"}, {"X-Forwarded-Host", "evil.example"}, {"X-Forwarded-Host", "evil.example, hits.example.org"}},
			want:    seen{"10.0.0.2:40000", host, "https"}},
		{name: "invalid scheme and host values ignored", p: xf, peer: "10.0.0.2:40000",
			headers: [][2]string{{"X-Forwarded-Proto", "javascript"}, {"X-Forwarded-Host", "evil.example/path"}},
			want:    seen{"10.0.0.2:40000", host, "http"}},
		{name: "host with user info ignored", p: xf, peer: "10.0.0.2:40000",
			headers: [][2]string{{"X-Forwarded-Host", "user@evil.example"}},
			want:    seen{"10.0.0.2:40000", host, "http"}},
		{name: "trusted peer without forwarding headers: the connection's own", p: xf, peer: "10.0.0.2:40000", tls: true,
			want: seen{"10.0.0.2:40000", host, "https"}},
		{name: "x-forwarded mode ignores Forwarded", p: xf, peer: "10.0.0.2:40000",
			headers: [][2]string{{"Forwarded", "for=198.51.100.7;proto=https;host=evil.example"}},
			want:    seen{"10.0.0.2:40000", host, "http"}},
		{name: "absolute request line cannot claim https", p: xf, peer: "203.0.113.9:5555", target: "https://" + host + "/",
			want: seen{"203.0.113.9:5555", host, "http"}},
		{name: "Forwarded: client, scheme and host of the client's hop", p: fw, peer: "10.0.0.2:40000",
			headers: [][2]string{{"Forwarded", `for=6.6.6.6;proto=http;host=evil.example, for="[2001:db8::1]:4711";proto=https;host=hits.example.org`}},
			want:    seen{"[2001:db8::1]:4711", "hits.example.org", "https"}},
		{name: "Forwarded through a CDN and a trusted proxy", p: fw, peer: "10.0.0.2:40000",
			headers: [][2]string{{"Forwarded", "for=198.51.100.7;proto=https;host=hits.example.org"}, {"Forwarded", `for=10.0.0.3;proto=http;host="internal:8080"`}},
			want:    seen{"198.51.100.7:0", "hits.example.org", "https"}},
		{name: "Forwarded: for=unknown stops at the proxy", p: fw, peer: "10.0.0.2:40000",
			headers: [][2]string{{"Forwarded", "for=198.51.100.7, for=unknown;proto=https"}},
			want:    seen{"10.0.0.2:40000", host, "https"}},
		{name: "Forwarded: a quoted comma does not split elements", p: fw, peer: "10.0.0.2:40000",
			headers: [][2]string{{"Forwarded", `for=198.51.100.7;ext="a, for=6.6.6.6"`}},
			want:    seen{"198.51.100.7:0", host, "http"}},
		{name: "forwarded mode ignores X-Forwarded-*", p: fw, peer: "10.0.0.2:40000",
			headers: [][2]string{{"X-Forwarded-For", "198.51.100.7"}, {"X-Forwarded-Proto", "https"}, {"X-Forwarded-Host", "evil.example"}},
			want:    seen{"10.0.0.2:40000", host, "http"}},
		{name: "Forwarded from an untrusted peer ignored", p: fw, peer: "203.0.113.9:5555",
			headers: [][2]string{{"Forwarded", "for=198.51.100.7;proto=https;host=evil.example"}},
			want:    seen{"203.0.113.9:5555", host, "http"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			target := tc.target
			if target == "" {
				target = "/"
			}
			r := httptest.NewRequest("GET", target, nil)
			r.Host, r.RemoteAddr = host, tc.peer
			r.TLS = nil // httptest.NewRequest sets it for an https:// target
			if tc.target != "" {
				r.URL.Scheme = "https" // as net/http parses an absolute request line
			}
			if tc.tls {
				r.TLS = &tls.ConnectionState{}
			}
			for _, h := range tc.headers {
				r.Header.Add(h[0], h[1])
			}
			if got := through(t, tc.p, r); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	p := mustProxies(t, " 10.0.0.0/8, 127.0.0.1 ,::1, ::ffff:192.168.0.0/112,", server.XForwarded)
	if got := p.String(); got != "10.0.0.0/8,127.0.0.1/32,::1/128,192.168.0.0/16" {
		t.Errorf("String() = %q", got)
	}
	for addr, want := range map[string]bool{"10.200.0.1": true, "127.0.0.1": true, "127.0.0.2": false, "::1": true,
		"192.168.4.5": true, "::ffff:10.0.0.1": true, "11.0.0.1": false, "2001:db8::1": false} {
		if got := p.Trusts(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Trusts(%s) = %v", addr, got)
		}
	}
	if p := mustProxies(t, " , ", server.Forwarded); p != nil || p.String() != "" || p.Trusts(netip.MustParseAddr("127.0.0.1")) {
		t.Errorf("an empty list trusts %v", p)
	}
	for _, bad := range []struct {
		list    string
		headers server.ProxyHeaders
	}{{"proxy.example.org", server.XForwarded}, {"10.0.0.0/33", server.XForwarded}, {"10.0.0.1", "x-real-ip"}, {"", "both"}} {
		if _, err := server.ParseTrustedProxies(bad.list, bad.headers); err == nil {
			t.Errorf("ParseTrustedProxies(%q, %q) accepted", bad.list, bad.headers)
		}
	}
}

// TestRequestLogClient: the request log names the client, which behind a
// trusted proxy is the forwarded address, and otherwise the peer.
func TestRequestLogClient(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, nil))
	p := mustProxies(t, "10.0.0.0/8", server.XForwarded)
	h := p.Handler(server.LogRequests(logger, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})))
	for _, tc := range []struct{ peer, xff, want string }{
		{"10.0.0.2:40000", "6.6.6.6, 198.51.100.7", "client=198.51.100.7"},
		{"203.0.113.9:5555", "198.51.100.7", "client=203.0.113.9"},
		{"[2001:db8::5]:5555", "", "client=2001:db8::5"},
	} {
		buf.Reset()
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.peer
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if !strings.Contains(buf.String(), tc.want+"\n") && !strings.Contains(buf.String(), tc.want+" ") {
			t.Errorf("peer %s, X-Forwarded-For %q: log %q lacks %q", tc.peer, tc.xff, buf.String(), tc.want)
		}
	}
}

// hostRewritingProxy is a reverse proxy in front of target that, like
// nginx's default, rewrites Host to target's, and sends X-Forwarded-For,
// X-Forwarded-Host (the Host the client asked for) and, as though it
// terminated TLS, X-Forwarded-Proto: https.
func hostRewritingProxy(t *testing.T, target string) *httptest.Server {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(u)
		pr.SetXForwarded()
		pr.Out.Header.Set("X-Forwarded-Proto", "https")
	}})
	t.Cleanup(srv.Close)
	return srv
}

// TestBehindReverseProxy runs the API and the worker site behind a real
// reverse proxy that rewrites Host. From a trusted proxy, SigV4 signatures
// made for the proxy's host name verify, and turkSubmitTo, externalSubmit
// URLs in requester HTML and cookies follow the forwarded host and scheme;
// from an untrusted one the forwarding headers change nothing; and
// --public-url wins over both.
func TestBehindReverseProxy(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		trusted   string
		publicURL string
		// base is turkSubmitTo: "proxy" (https://<the proxy's host>),
		// "direct" (http://<hitd's own address>, the Host the proxy sent),
		// or a URL.
		base       string
		sdkWorks   bool
		secureCook bool
	}{
		{name: "trusted proxy", trusted: "127.0.0.1", base: "proxy", sdkWorks: true, secureCook: true},
		{name: "untrusted proxy", trusted: "192.0.2.0/24", base: "direct"},
		{name: "no trusted proxies", base: "direct"},
		{name: "trusted proxy, --public-url", trusted: "127.0.0.1", publicURL: "https://hits.example.org", base: "https://hits.example.org", sdkWorks: true, secureCook: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mustProxies(t, tc.trusted, server.XForwarded)
			env := hitdtest.New(t, hitdtest.Options{Web: true, WebOptions: web.Options{PublicURL: tc.publicURL}, Wrap: p.Handler})
			proxy := hostRewritingProxy(t, env.URL)
			want := tc.base
			switch tc.base {
			case "proxy":
				want = "https://" + strings.TrimPrefix(proxy.URL, "http://")
			case "direct":
				want = env.URL
			}

			// The Requester API through the proxy: the SDK signs the proxy's host.
			viaProxy := mturk.NewFromConfig(aws.Config{
				Region: "us-east-1",
				Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
					return aws.Credentials{AccessKeyID: hitdtest.RootAccessKeyID, SecretAccessKey: hitdtest.RootSecret}, nil
				}),
				Retryer: func() aws.Retryer { return aws.NopRetryer{} },
			}, func(o *mturk.Options) { o.BaseEndpoint = aws.String(proxy.URL) })
			in := createHITInput()
			_, err := viaProxy.CreateHIT(ctx, in)
			if tc.sdkWorks && err != nil {
				t.Fatalf("CreateHIT through the trusted proxy: %v", err)
			}
			if !tc.sdkWorks && (err == nil || !strings.Contains(err.Error(), "signature")) {
				t.Fatalf("CreateHIT through an untrusted, Host-rewriting proxy: %v, want a signature mismatch", err)
			}

			// Preview pages through the proxy: turkSubmitTo.
			ext, err := env.Client.CreateHIT(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			in.Question = aws.String(htmlQ)
			html, err := env.Client.CreateHIT(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			body := get(t, proxy.URL+"/hits/"+aws.ToString(ext.HIT.HITId))
			if param := "turkSubmitTo=" + url.QueryEscape(want); !strings.Contains(body, param) {
				t.Errorf("the ExternalQuestion preview lacks %s:\n%s", param, excerpt(body, "turkSubmitTo"))
			}
			// Requester HTML: MTurk's externalSubmit URL points at this site.
			body = get(t, proxy.URL+"/content/preview-"+aws.ToString(html.HIT.HITId))
			if submit := `action="` + want + `/mturk/externalSubmit"`; !strings.Contains(body, submit) {
				t.Errorf("the HTMLQuestion content lacks %s:\n%s", submit, body)
			}

			// A worker's login through the proxy: Secure cookies over https.
			if _, err := env.Service.CreateWorker(ctx, "proxied", "proxied-password"); err != nil {
				t.Fatal(err)
			}
			noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := noRedirect.PostForm(proxy.URL+"/login", url.Values{"username": {"proxied"}, "password": {"proxied-password"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			cookie := resp.Header.Get("Set-Cookie")
			if cookie == "" || strings.Contains(cookie, "; Secure") != tc.secureCook {
				t.Errorf("login: status %d, Set-Cookie %q, want Secure %v", resp.StatusCode, cookie, tc.secureCook)
			}
		})
	}
}

// get is the body of a 200 answer to GET u (send, auth_test.go).
func get(t *testing.T, u string) string {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	status, _, body := send(t, req)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d\n%s", u, status, body)
	}
	return string(body)
}

// excerpt is the text around the first occurrence of s.
func excerpt(body, s string) string {
	i := strings.Index(body, s)
	if i < 0 {
		return "(no " + s + ")"
	}
	return body[max(0, i-200):min(len(body), i+300)]
}
