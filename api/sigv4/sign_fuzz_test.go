package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// realSDKRequest is a request exactly as aws-sdk-go-v2 (1.43.5, service/mturk
// 1.33.5) sent it to a test server on 2026-12-05: ListHITs, signed with
// sdkKey and sdkSecret.
const realSDKRequest = "POST / HTTP/1.1\r\nHost: 127.0.0.1:45317\r\nAccept-Encoding: gzip\r\nAmz-Sdk-Invocation-Id: f01ad36b-5410-40fe-a4e5-89587f31f740\r\nAmz-Sdk-Request: attempt=1; max=3\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAHITDTEST00000001/20261205/us-east-1/mturk-requester/aws4_request, SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target, Signature=1145989ffcf1772204889f9f670d8ace1546dfe462673fbac8380bcf7a57687c\r\nContent-Length: 17\r\nContent-Type: application/x-amz-json-1.1\r\nUser-Agent: aws-sdk-go-v2/1.43.5 ua/2.1 os/linux lang/go#1.26.8 md/GOOS#linux md/GOARCH#amd64 api/mturk#1.33.5 m/E\r\nX-Amz-Date: 20261205T154236Z\r\nX-Amz-Target: MTurkRequesterServiceV20170117.ListHITs\r\n\r\n{\"MaxResults\":10}"

// realSDKAuthz is the Authorization header of realSDKRequest.
const realSDKAuthz = "AWS4-HMAC-SHA256 Credential=AKIAHITDTEST00000001/20261205/us-east-1/mturk-requester/aws4_request, SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-date;x-amz-target, Signature=1145989ffcf1772204889f9f670d8ace1546dfe462673fbac8380bcf7a57687c"

func readWire(t testing.TB, raw string) (*http.Request, []byte) {
	t.Helper()
	r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	return r.WithContext(context.Background()), body
}

// TestRealSDKRequest verifies the captured aws-sdk-go-v2 request at its own
// time, and refuses it with one byte of its body changed.
func TestRealSDKRequest(t *testing.T) {
	at := time.Date(2026, 12, 5, 15, 42, 36, 0, time.UTC)
	r, body := readWire(t, realSDKRequest)
	if id, err := sdkVerifier(at).Verify(r, body); err != nil || id != sdkKey {
		t.Fatalf("Verify = %q, %v", id, err)
	}
	r, body = readWire(t, strings.Replace(realSDKRequest, ":10}", ":11}", 1))
	if _, err := sdkVerifier(at).Verify(r, body); codeOf(err) != CodeInvalidSignature {
		t.Fatalf("tampered body: %v", err)
	}
}

// FuzzParseAuthHeader checks the Authorization header parser on its own:
// every failure is an IncompleteSignatureException, and what it accepts is
// well formed (five non-empty credential elements, non-empty lower-case
// signed header names, a signature) and parses the same when written back
// in the SDKs' canonical "Credential=…, SignedHeaders=…, Signature=…" form,
// with the parameters in any order.
func FuzzParseAuthHeader(f *testing.F) {
	f.Add(vanillaAuthz, "20150830T123600Z")
	f.Add(realSDKAuthz, "20261205T154236Z")
	f.Add("AWS4-HMAC-SHA256 Signature=x,SignedHeaders=Host;X-Amz-Date , Credential= a/b/c/d/e ,", "")
	f.Add("AWS4-HMAC-SHA256 Credential=a//c/d/e, SignedHeaders=host;;x, Signature=", "20150830T123600Z")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=s, Credential=a/b/c/d/e", "2015-08-30T12:36:00Z")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=s, Foo=bar", "")
	f.Add("AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=", "")
	// The published Authorization values of the AWS test suite.
	files, _ := filepath.Glob(filepath.Join("testdata", "aws-sig-v4-test-suite", "*", "*.authz"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(strings.TrimSpace(string(b)), "20150830T123600Z")
		}
	}
	f.Fuzz(func(t *testing.T, authz, date string) {
		r := vanillaRequest("", map[string]string{"X-Amz-Date": date}, "/")
		ai, err := parseAuthHeader(r, authz)
		if err != nil {
			if err.Code != CodeIncompleteSignature || err.Status != http.StatusBadRequest || err.Message == "" || ai != nil {
				t.Fatalf("parseAuthHeader(%q) = %+v, %+v", authz, ai, err)
			}
			if len(err.Message) > 600 {
				t.Fatalf("%d-byte message echoes too much input: %q", len(err.Message), err.Message)
			}
			return
		}
		for _, s := range []string{ai.accessKeyID, ai.scopeDate, ai.region, ai.service, ai.terminator} {
			if s == "" || strings.Contains(s, "/") {
				t.Fatalf("credential element %q", s)
			}
		}
		if ai.signature == "" || ai.signature != strings.TrimSpace(ai.signature) || len(ai.signedHeaders) == 0 {
			t.Fatalf("parsed %+v", ai)
		}
		for _, h := range ai.signedHeaders {
			if h == "" || h != strings.ToLower(h) || h != strings.TrimSpace(h) {
				t.Fatalf("signed header name %q", h)
			}
		}
		if ai.amzDate != date || ai.date.Format(amzDateLayout) != date {
			t.Fatalf("date %q parsed as %q / %v", date, ai.amzDate, ai.date)
		}
		cred := strings.Join([]string{ai.accessKeyID, ai.scopeDate, ai.region, ai.service, ai.terminator}, "/")
		parts := []string{"Credential=" + cred, "SignedHeaders=" + ai.signedRaw, "Signature=" + ai.signature}
		for _, order := range [][3]int{{0, 1, 2}, {2, 0, 1}} {
			again := Algorithm + " " + parts[order[0]] + ", " + parts[order[1]] + ", " + parts[order[2]]
			back, err := parseAuthHeader(r, again)
			if err != nil {
				t.Fatalf("%q parsed; written back as %q it fails: %v", authz, again, err)
			}
			if !reflect.DeepEqual(back, ai) {
				t.Fatalf("%q parsed as %+v; written back as %q it parses as %+v", authz, ai, again, back)
			}
		}
	})
}

// validToken reports whether s is an HTTP token (a method or header name).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7F || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// sdkCanonicalQuery is the canonical query string as aws-sdk-go-v2's
// signer builds it (aws/signer/v4, httpSigner.Build).
func sdkCanonicalQuery(q url.Values) string {
	for k := range q {
		sort.Strings(q[k])
	}
	return strings.ReplaceAll(q.Encode(), "+", "%20")
}

// unsignable headers: set by the transport, by the signer, or not signed
// by the SDK.
var unsignable = map[string]bool{
	"Host": true, "Authorization": true, "Content-Length": true, "Transfer-Encoding": true,
	"Connection": true, "Expect": true, "Te": true, "Trailer": true, "Upgrade": true,
	"User-Agent": true, "X-Amzn-Trace-Id": true, "X-Amz-Date": true, "X-Amz-Content-Sha256": true,
	"X-Amz-Security-Token": true, "Proxy-Connection": true, "Keep-Alive": true,
}

// FuzzSignVerify signs requests with aws-sdk-go-v2's own SigV4 signer, sends
// them through Go's HTTP/1.1 wire format to the server side, and checks that
// Verify accepts them, and that it refuses them after any one change to
// what the signature covers: the method, the path, the query, a signed
// header, the body, the date, the credential scope or the signature. It
// also checks that canonicalQuery and normalizePath are idempotent on any
// input.
func FuzzSignVerify(f *testing.F) {
	// The shape of the captured request (realSDKRequest).
	f.Add("POST", "/", "X-Amz-Target", "MTurkRequesterServiceV20170117.ListHITs", `{"MaxResults":10}`, uint8(0))
	for tamper := uint8(1); tamper < 10; tamper++ {
		f.Add("POST", "/", "Content-Type", "application/x-amz-json-1.1", `{"HITId":"3AQF3RZ558H03P7ZPD2X6DZSK6P6N1"}`, tamper)
	}
	// The REST edge's shape, and suite-like oddities.
	f.Add("POST", "/v1/list-hits?MaxResults=10", "Content-Type", "application/json", `{}`, uint8(0))
	f.Add("GET", "/example/../a/./b//c/?Param2=value2&Param1=value1&Param1=Value1&x=%20+y&e=", "My-Header1", "  value1   value2  ", "", uint8(0))
	f.Add("PUT", "/%E1%88%B4/ü?ü=😀&a=&~-._=%7E", "X-Amz-Meta-Ü", "tab\tinside", "Param1=value1", uint8(2))
	f.Add("DELETE", "/a%2Fb%20c", "X-Empty", "", "", uint8(5))

	v := sdkVerifier(sdkTime)
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: sdkKey, SecretAccessKey: sdkSecret}
	f.Fuzz(func(t *testing.T, method, target, name, value, body string, tamper uint8) {
		// Canonicalisation on any bytes: a canonical query is its own
		// canonical form, and a normalised path is absolute, without empty,
		// "." or ".." segments, and its own normal form.
		path, query, _ := strings.Cut(target, "?")
		if cq := canonicalQuery(query, false); canonicalQuery(cq, false) != cq {
			t.Fatalf("canonicalQuery(%q) = %q, which canonicalises to %q", query, cq, canonicalQuery(cq, false))
		}
		np := normalizePath(path)
		if !strings.HasPrefix(np, "/") || strings.Contains(np, "//") || normalizePath(np) != np {
			t.Fatalf("normalizePath(%q) = %q", path, np)
		}
		for _, seg := range strings.Split(strings.Trim(np, "/"), "/") {
			if seg == "." || seg == ".." {
				t.Fatalf("normalizePath(%q) = %q", path, np)
			}
		}

		if !validToken(method) {
			method = http.MethodPost
		}
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		const host = "mturk-requester.us-east-1.amazonaws.com"
		u, err := url.Parse("http://" + host + target)
		if err != nil || u.Host != host || u.Fragment != "" || u.Opaque != "" || u.User != nil {
			return
		}
		name = http.CanonicalHeaderKey(name)
		if !validToken(name) || unsignable[name] {
			name = "X-Hitd-Fuzz"
		}
		for i := 0; i < len(value); i++ {
			if c := value[i]; (c < ' ' && c != '\t') || c == 0x7F {
				return // not a valid header value (RFC 9110 section 5.5)
			}
		}
		req, err := http.NewRequest(method, u.String(), strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set(name, value)
		if err := signer.SignHTTP(context.Background(), creds, req, hexSHA256([]byte(body)), "mturk-requester", "us-east-1", sdkTime); err != nil {
			t.Fatalf("SignHTTP: %v", err)
		}

		// What the server reads.
		var wire bytes.Buffer
		if err := req.Write(&wire); err != nil {
			return
		}
		sentWire := wire.String()
		r, err := http.ReadRequest(bufio.NewReader(&wire))
		if err != nil {
			return // Go's client wrote something its server will not read
		}
		got, err := io.ReadAll(r.Body)
		if err != nil || string(got) != body {
			return
		}
		r = r.WithContext(context.Background())

		// The verifier sees the same header value the signer signed only if
		// the value survives the trip unchanged but for surrounding blanks.
		sent := r.Header.Get(name)
		sameValue := sent == strings.Trim(value, " \t")
		// Cases the signer canonicalises differently from the AWS
		// specification (and from the server, which follows it): its
		// strings.TrimSpace also trims Unicode spaces and \v \f from header
		// values; and it sorts query parameters by their decoded names and
		// values, then encodes them, where the specification sorts the
		// encoded ones ("%BC" sorts before "0", "\xBC" after it).
		specMatches := sameValue && strings.TrimSpace(sent) == strings.Trim(sent, " \t") &&
			sdkCanonicalQuery(r.URL.Query()) == canonicalQuery(rawQuery(r), false)

		var want string // "" for success, else the error code
		switch tamper % 10 {
		case 0:
		case 1: // the body
			body += "x"
			want = CodeInvalidSignature
		case 2: // a signed header's value
			if strings.Trim(sent, " \t") == "" {
				return
			}
			r.Header.Set(name, sent+"x")
			want = CodeInvalidSignature
		case 3: // the query
			r.RequestURI = r.RequestURI + map[bool]string{true: "&", false: "?"}[strings.Contains(r.RequestURI, "?")] + "zz=1"
			want = CodeInvalidSignature
		case 4: // the method
			if r.Method == "PATCH" {
				r.Method = "PUT"
			} else {
				r.Method = "PATCH"
			}
			want = CodeInvalidSignature
		case 5: // the path
			p, q, ok := strings.Cut(r.RequestURI, "?")
			r.RequestURI = p + "x"
			if ok {
				r.RequestURI += "?" + q
			}
			want = CodeInvalidSignature
		case 6: // the date, one second later
			r.Header.Set("X-Amz-Date", sdkTime.Add(time.Second).Format(amzDateLayout))
			want = CodeInvalidSignature
		case 7: // the signature
			a := r.Header.Get("Authorization")
			last := a[len(a)-1]
			r.Header.Set("Authorization", a[:len(a)-1]+map[bool]string{true: "1", false: "0"}[last == '0'])
			want = CodeInvalidSignature
		case 8: // the region, another one the verifier allows
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/us-east-1/", "/us-west-2/", 1))
			want = CodeInvalidSignature
		case 9: // a signed header removed
			if strings.Trim(sent, " \t") == "" {
				return // an empty header and a missing one sign the same
			}
			r.Header.Del(name)
			want = CodeInvalidSignature
		}
		id, err := v.Verify(r, []byte(body))
		if want == "" {
			if !specMatches {
				if err != nil && codeOf(err) != CodeInvalidSignature {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			if err != nil || id != sdkKey {
				t.Fatalf("the SDK's signature does not verify: %q, %v\nrequest:\n%q", id, err, sentWire)
			}
			return
		}
		var e *Error
		if err == nil || !errors.As(err, &e) || e.Code != want {
			t.Fatalf("tamper %d: Verify = %q, %v; want %s\nrequest as signed:\n%q", tamper%10, id, err, want, sentWire)
		}
	})
}
