package sigv4

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	vanillaSig   = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	vanillaCred  = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"
	vanillaAuthz = "AWS4-HMAC-SHA256 Credential=" + vanillaCred + ", SignedHeaders=host;x-amz-date, Signature=" + vanillaSig
)

// vanillaRequest is the suite's get-vanilla request as a Go server sees it.
func vanillaRequest(authz string, hdr map[string]string, target string) *http.Request {
	if target == "" {
		target = "/"
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		u = &url.URL{Path: "/"}
	}
	r := &http.Request{
		Method:     http.MethodGet,
		URL:        u,
		RequestURI: target,
		Host:       "example.amazonaws.com",
		Header:     http.Header{"X-Amz-Date": {"20150830T123600Z"}},
		Proto:      "HTTP/1.1",
	}
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	for k, v := range hdr {
		if v == "" {
			r.Header.Del(k)
		} else {
			r.Header.Set(k, v)
		}
	}
	return r.WithContext(context.Background())
}

func TestMalformed(t *testing.T) {
	withAuth := func(cred, signed, sig string) string {
		return "AWS4-HMAC-SHA256 Credential=" + cred + ", SignedHeaders=" + signed + ", Signature=" + sig
	}
	cases := []struct {
		name    string
		authz   string
		hdr     map[string]string
		target  string
		body    string
		code    string
		message string // substring
	}{
		{name: "valid", authz: vanillaAuthz},
		{name: "valid-no-spaces", authz: "AWS4-HMAC-SHA256 Credential=" + vanillaCred + ",SignedHeaders=host;x-amz-date,Signature=" + vanillaSig},
		{name: "valid-param-order", authz: "AWS4-HMAC-SHA256 Signature=" + vanillaSig + ", Credential=" + vanillaCred + ", SignedHeaders=host;x-amz-date"},

		{name: "no-auth", code: CodeMissingAuthenticationToken, message: "Missing Authentication Token"},
		{name: "blank-auth", authz: "   ", code: CodeMissingAuthenticationToken},
		{name: "bearer", authz: "Bearer abc.def", code: CodeIncompleteSignature, message: "Unsupported Authorization algorithm 'Bearer'"},
		{name: "sigv2", authz: "AWS AKIDEXAMPLE:c2lnbmF0dXJl", code: CodeIncompleteSignature},
		{name: "algorithm-prefix-only", authz: "AWS4-HMAC-SHA256X Credential=" + vanillaCred, code: CodeIncompleteSignature},
		{name: "algorithm-only", authz: "AWS4-HMAC-SHA256", code: CodeIncompleteSignature,
			message: "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."},
		{name: "missing-signature", authz: "AWS4-HMAC-SHA256 Credential=" + vanillaCred + ", SignedHeaders=host;x-amz-date",
			code: CodeIncompleteSignature, message: "requires 'Signature' parameter"},
		{name: "missing-signed-headers", authz: "AWS4-HMAC-SHA256 Credential=" + vanillaCred + ", Signature=" + vanillaSig,
			code: CodeIncompleteSignature, message: "requires 'SignedHeaders' parameter"},
		{name: "empty-signature", authz: withAuth(vanillaCred, "host;x-amz-date", ""), code: CodeIncompleteSignature},
		{name: "missing-equals", authz: "AWS4-HMAC-SHA256 Credential=" + vanillaCred + ", SignedHeaders, Signature=" + vanillaSig,
			code: CodeIncompleteSignature, message: "not a valid key=value pair"},
		{name: "unknown-param", authz: vanillaAuthz + ", Foo=bar", code: CodeIncompleteSignature, message: "Unexpected parameter 'Foo'"},
		{name: "duplicate-param", authz: vanillaAuthz + ", Signature=" + vanillaSig, code: CodeIncompleteSignature, message: "Duplicate 'Signature'"},
		{name: "credential-4-parts", authz: withAuth("AKIDEXAMPLE/20150830/us-east-1/service", "host;x-amz-date", vanillaSig),
			code: CodeIncompleteSignature, message: "Credential must have exactly 5 slash-delimited elements"},
		{name: "credential-6-parts", authz: withAuth(vanillaCred+"/x", "host;x-amz-date", vanillaSig), code: CodeIncompleteSignature},
		{name: "credential-empty-key", authz: withAuth("/20150830/us-east-1/service/aws4_request", "host;x-amz-date", vanillaSig), code: CodeIncompleteSignature},
		{name: "signed-headers-empty-entry", authz: withAuth(vanillaCred, "host;;x-amz-date", vanillaSig), code: CodeIncompleteSignature},
		{name: "bad-terminator", authz: withAuth("AKIDEXAMPLE/20150830/us-east-1/service/aws5_request", "host;x-amz-date", vanillaSig),
			code: CodeInvalidSignature, message: "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."},
		{name: "scope-date-mismatch", authz: withAuth("AKIDEXAMPLE/20150831/us-east-1/service/aws4_request", "host;x-amz-date", vanillaSig),
			code: CodeInvalidSignature, message: "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20150831' != '20150830', from '20150830T123600Z'."},
		{name: "wrong-region", authz: withAuth("AKIDEXAMPLE/20150830/us-west-2/service/aws4_request", "host;x-amz-date", vanillaSig),
			code: CodeInvalidSignature, message: "Credential should be scoped to a valid region, not 'us-west-2'."},
		{name: "wrong-service", authz: withAuth("AKIDEXAMPLE/20150830/us-east-1/mturk-requester/aws4_request", "host;x-amz-date", vanillaSig),
			code: CodeInvalidSignature, message: "Credential should be scoped to correct service: 'service'."},
		{name: "host-not-signed", authz: withAuth(vanillaCred, "x-amz-date", vanillaSig),
			code: CodeInvalidSignature, message: "'Host' or ':authority' must be a 'SignedHeader'"},
		{name: "unknown-key", authz: withAuth("AKIDUNKNOWN/20150830/us-east-1/service/aws4_request", "host;x-amz-date", vanillaSig),
			code: CodeUnrecognizedClient, message: "The security token included in the request is invalid."},
		{name: "signature-upper-hex", authz: withAuth(vanillaCred, "host;x-amz-date", strings.ToUpper(vanillaSig)), code: CodeInvalidSignature},
		{name: "signature-short", authz: withAuth(vanillaCred, "host;x-amz-date", vanillaSig[:63]), code: CodeInvalidSignature},
		{name: "signature-not-hex", authz: withAuth(vanillaCred, "host;x-amz-date", strings.Repeat("zz", 32)), code: CodeInvalidSignature},
		{name: "signed-header-absent", authz: withAuth(vanillaCred, "host;my-header1;x-amz-date", vanillaSig), code: CodeInvalidSignature},

		{name: "no-date", authz: vanillaAuthz, hdr: map[string]string{"X-Amz-Date": ""}, code: CodeIncompleteSignature,
			message: "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."},
		{name: "date-extended-format", authz: vanillaAuthz, hdr: map[string]string{"X-Amz-Date": "2015-08-30T12:36:00Z"},
			code: CodeIncompleteSignature, message: "ISO-8601 'basic format'"},
		{name: "date-not-utc", authz: vanillaAuthz, hdr: map[string]string{"X-Amz-Date": "20150830T123600+0100"}, code: CodeIncompleteSignature},
		{name: "date-impossible", authz: vanillaAuthz, hdr: map[string]string{"X-Amz-Date": "20151340T253600Z"}, code: CodeIncompleteSignature},
		{name: "http-date-header-expired", authz: vanillaAuthz, hdr: map[string]string{"X-Amz-Date": "", "Date": "Sun, 30 Aug 2015 11:36:00 GMT"},
			code: CodeInvalidSignature, message: "Signature expired: 20150830T113600Z is now earlier than"},
		{name: "http-date-header-garbage", authz: vanillaAuthz, hdr: map[string]string{"X-Amz-Date": "", "Date": "yesterday"}, code: CodeIncompleteSignature},
		{name: "date-changed", authz: vanillaAuthz, hdr: map[string]string{"X-Amz-Date": "20150830T123559Z"}, code: CodeInvalidSignature},
		{name: "expired", authz: withAuth("AKIDEXAMPLE/20150830/us-east-1/service/aws4_request", "host;x-amz-date", vanillaSig),
			hdr: map[string]string{"X-Amz-Date": "20150830T122000Z"}, code: CodeInvalidSignature,
			message: "Signature expired: 20150830T122000Z is now earlier than 20150830T122100Z (20150830T123600Z - 15 min.)"},
		{name: "not-yet-current", authz: vanillaAuthz, hdr: map[string]string{"X-Amz-Date": "20150830T125200Z"}, code: CodeInvalidSignature,
			message: "Signature not yet current: 20150830T125200Z is still later than 20150830T125100Z (20150830T123600Z + 15 min.)"},

		{name: "content-sha-mismatch", authz: vanillaAuthz, hdr: map[string]string{"X-Amz-Content-Sha256": strings.Repeat("a", 64)},
			code: CodeInvalidSignature, message: "The provided 'x-amz-content-sha256' header does not match what was computed."},
		{name: "content-sha-garbage", authz: vanillaAuthz, hdr: map[string]string{"X-Amz-Content-Sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
			code: CodeInvalidSignature, message: "x-amz-content-sha256 must be UNSIGNED-PAYLOAD"},
		{name: "content-sha-unsigned-not-what-was-signed", authz: vanillaAuthz, hdr: map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"},
			code: CodeInvalidSignature, message: "does not match the signature you provided"},
		{name: "content-sha-matching-unsigned-header", authz: vanillaAuthz,
			hdr: map[string]string{"X-Amz-Content-Sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}},
		{name: "body-not-signed", authz: vanillaAuthz, body: "{}", code: CodeInvalidSignature},

		{name: "header-and-query-auth", authz: vanillaAuthz, target: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256",
			code: CodeIncompleteSignature, message: "Only one auth mechanism allowed"},
		{name: "presign-bad-algorithm", target: "/?X-Amz-Algorithm=AWS4-HMAC-SHA1", code: CodeIncompleteSignature},
		{name: "presign-missing-params", target: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256", code: CodeIncompleteSignature,
			message: "AWS query-string parameters must include 'X-Amz-Credential'."},
		{name: "presign-bad-expires", code: CodeIncompleteSignature, message: "X-Amz-Expires must be a positive number",
			target: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=soon&X-Amz-Signature=" + vanillaSig},
		{name: "presign-expires-too-long", code: CodeIncompleteSignature, message: "604800",
			target: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=604801&X-Amz-Signature=" + vanillaSig},
		{name: "presign-expired", code: CodeInvalidSignature, message: "Signature expired: 20150830T120000Z is now earlier than 20150830T123500Z (20150830T123600Z - 60 sec.)",
			target: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T120000Z&X-Amz-SignedHeaders=host&X-Amz-Expires=60&X-Amz-Signature=" + vanillaSig},
		{name: "presign-wrong-signature", code: CodeInvalidSignature, message: "does not match",
			target: "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=60&X-Amz-Signature=" + vanillaSig},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := vanillaRequest(c.authz, c.hdr, c.target)
			id, err := suiteVerifier().Verify(r, []byte(c.body))
			if c.code == "" {
				if err != nil || id != suiteAccessKey {
					t.Fatalf("Verify = %q, %v; want success", id, err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error %s", err, c.code)
			}
			if e.Code != c.code || e.Status != http.StatusBadRequest || !strings.Contains(e.Message, c.message) || e.Message == "" {
				t.Fatalf("err = %+v\nwant code %s, message containing %q", e, c.code, c.message)
			}
			if id != "" {
				t.Fatalf("id = %q on failure", id)
			}
			if e.Error() != e.Code+": "+e.Message {
				t.Fatalf("Error() = %q", e.Error())
			}
		})
	}
}

func TestHasSignature(t *testing.T) {
	cases := []struct {
		authz, target string
		want          bool
	}{
		{vanillaAuthz, "/", true},
		{"AWS4-HMAC-SHA256", "/", true},
		{"Bearer x", "/", false},
		{"", "/", false},
		{"", "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&a=b", true},
		{"", "/?x-amz-algorithm=AWS4-HMAC-SHA256", false},
		{"", "/?Action=GetAccountBalance", false},
	}
	for _, c := range cases {
		if got := HasSignature(vanillaRequest(c.authz, nil, c.target)); got != c.want {
			t.Errorf("HasSignature(%q, %q) = %v, want %v", c.authz, c.target, got, c.want)
		}
	}
	if HasSignature(nil) {
		t.Error("HasSignature(nil) = true")
	}
	if HasSignature(&http.Request{}) {
		t.Error("HasSignature(empty request) = true")
	}
}

func TestVerifierMisconfigured(t *testing.T) {
	r := vanillaRequest(vanillaAuthz, nil, "")
	boom := errors.New("db down")
	cases := map[string]*Verifier{
		"nil-now":    {Lookup: suiteVerifier().Lookup},
		"nil-lookup": {Now: func() time.Time { return suiteTime }},
		"lookup-error": {Now: func() time.Time { return suiteTime },
			Lookup: func(context.Context, string) (string, bool, error) { return "", false, boom }},
	}
	for name, v := range cases {
		_, err := v.Verify(r, nil)
		var e *Error
		if err == nil || errors.As(err, &e) {
			t.Errorf("%s: err = %v, want a non-*Error internal error", name, err)
		}
		if name == "lookup-error" && !errors.Is(err, boom) {
			t.Errorf("lookup error not wrapped: %v", err)
		}
	}
	if _, err := suiteVerifier().Verify(nil, nil); codeOf(err) != CodeMissingAuthenticationToken {
		t.Errorf("Verify(nil) = %v", err)
	}
}

func TestMaxSkew(t *testing.T) {
	v := suiteVerifier()
	v.MaxSkew = 90 * time.Second
	v.Now = func() time.Time { return suiteTime.Add(2 * time.Minute) }
	_, err := v.Verify(vanillaRequest(vanillaAuthz, nil, ""), nil)
	if codeOf(err) != CodeInvalidSignature || !strings.Contains(err.Error(), "(20150830T123800Z - 1m30s.)") {
		t.Fatalf("err = %v", err)
	}
	v.Now = func() time.Time { return suiteTime.Add(89 * time.Second) }
	if _, err := v.Verify(vanillaRequest(vanillaAuthz, nil, ""), nil); err != nil {
		t.Fatalf("within skew: %v", err)
	}
}

func TestNormalizePath(t *testing.T) {
	cases := map[string]string{
		"/":                        "/",
		"//":                       "/",
		"/./":                      "/",
		"/example/..":              "/",
		"/a/b/..":                  "/a/",
		"/a/b/../c":                "/a/c",
		"/../..":                   "/",
		"//example//":              "/example/",
		"/./example":               "/example",
		"/example1/example2/../..": "/",
		"/a%20b/c":                 "/a%20b/c",
	}
	for in, want := range cases {
		if got := normalizePath(in); got != want {
			t.Errorf("normalizePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCanonicalQuery(t *testing.T) {
	cases := []struct{ raw, want string }{
		{"", ""},
		{"b=2&a=1&A=0", "A=0&a=1&b=2"},
		{"a=2&a=1", "a=1&a=2"},
		{"a", "a="},
		{"a=&&b=", "a=&b="},
		{"x=a+b&y=a%20b&z=a%2Bb", "x=a%20b&y=a%20b&z=a%2Bb"},
		{"k=%zz", "k=%25zz"},
		{"%E1%88%B4=1&Param=2", "%E1%88%B4=1&Param=2"},
		{"p=/,?><", "p=%2F%2C%3F%3E%3C"},
	}
	for _, c := range cases {
		if got := canonicalQuery(c.raw, false); got != c.want {
			t.Errorf("canonicalQuery(%q) = %q, want %q", c.raw, got, c.want)
		}
	}
	if got := canonicalQuery("X-Amz-Signature=abc&a=1", true); got != "a=1" {
		t.Errorf("presigned canonicalQuery = %q", got)
	}
}

func TestCollapseSpaces(t *testing.T) {
	cases := map[string]string{
		"  a   b  ":   "a b",
		`"a   b   c"`: `"a b c"`,
		"\tx\ty\t":    "x\ty",
		"":            "",
	}
	for in, want := range cases {
		if got := collapseSpaces(in); got != want {
			t.Errorf("collapseSpaces(%q) = %q, want %q", in, got, want)
		}
	}
}
