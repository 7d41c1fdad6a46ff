package legacy_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hitd/hitd/internal/hitdtest"
)

// client is a minimal legacy API client, written independently of the
// package (its signatures are checked against boto's in sig_test.go).
type client struct {
	t      *testing.T
	base   string
	key    string
	secret string
	sig    string // "rest", "1" or "2"
	method string // GET or POST
	path   string // "/" or "/onca/xml"
	now    func() time.Time
	// tamper, if set, changes the values after signing.
	tamper func(url.Values)
}

func newClient(t *testing.T, e *hitdtest.Env) *client {
	return &client{t: t, base: e.URL, key: hitdtest.RootAccessKeyID, secret: hitdtest.RootSecret, sig: "1", method: "POST", path: "/", now: time.Now}
}

func (c client) with(f func(*client)) *client { f(&c); return &c }

func sign(c *client, v url.Values, host string) string {
	switch c.sig {
	case "rest":
		m := hmac.New(sha1.New, []byte(c.secret))
		m.Write([]byte(v.Get("Service") + v.Get("Operation") + v.Get("Timestamp")))
		return base64.StdEncoding.EncodeToString(m.Sum(nil))
	case "1":
		names := make([]string, 0, len(v))
		for n := range v {
			names = append(names, n)
		}
		sort.Slice(names, func(i, j int) bool { return strings.ToLower(names[i]) < strings.ToLower(names[j]) })
		m := hmac.New(sha1.New, []byte(c.secret))
		for _, n := range names {
			m.Write([]byte(n + v.Get(n)))
		}
		return base64.StdEncoding.EncodeToString(m.Sum(nil))
	case "2":
		names := make([]string, 0, len(v))
		for n := range v {
			names = append(names, n)
		}
		sort.Strings(names)
		var pairs []string
		enc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
		for _, n := range names {
			pairs = append(pairs, enc(n)+"="+enc(v.Get(n)))
		}
		m := hmac.New(sha256.New, []byte(c.secret))
		m.Write([]byte(c.method + "\n" + strings.ToLower(host) + "\n" + c.path + "\n" + strings.Join(pairs, "&")))
		return base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	panic("unknown signature kind " + c.sig)
}

// do calls op with name/value pairs and returns the parsed response.
func (c *client) do(op string, kv ...string) *resp {
	c.t.Helper()
	v := url.Values{}
	v.Set("Service", "AWSMechanicalTurkRequester")
	v.Set("Operation", op)
	v.Set("AWSAccessKeyId", c.key)
	v.Set("Version", "2014-08-15")
	v.Set("Timestamp", c.now().UTC().Format("2006-01-02T15:04:05Z"))
	switch c.sig {
	case "1":
		v.Set("SignatureVersion", "1")
	case "2":
		v.Set("SignatureVersion", "2")
		v.Set("SignatureMethod", "HmacSHA256")
	}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	u, _ := url.Parse(c.base)
	v.Set("Signature", sign(c, v, u.Host))
	if c.tamper != nil {
		c.tamper(v)
	}
	var req *http.Request
	if c.method == "GET" {
		req, _ = http.NewRequest("GET", c.base+c.path+"?"+v.Encode(), nil)
	} else {
		req, _ = http.NewRequest("POST", c.base+c.path, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	r := &resp{t: c.t, op: op, status: res.StatusCode, body: string(b), contentType: res.Header.Get("Content-Type")}
	r.parse()
	return r
}

// resp is a parsed response: every element's text by local name, in
// document order.
type resp struct {
	t           *testing.T
	op          string
	status      int
	body        string
	contentType string
	root        string
	texts       map[string][]string
}

func (r *resp) parse() {
	r.t.Helper()
	r.texts = map[string][]string{}
	dec := xml.NewDecoder(strings.NewReader(r.body))
	var stack []string
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			r.t.Fatalf("%s: response is not well-formed XML: %v\n%s", r.op, err, r.body)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				r.root = tk.Name.Local
			}
			stack = append(stack, tk.Name.Local)
			text.Reset()
		case xml.CharData:
			text.Write(tk)
		case xml.EndElement:
			r.texts[tk.Name.Local] = append(r.texts[tk.Name.Local], text.String())
			text.Reset()
			stack = stack[:len(stack)-1]
		}
	}
}

// get returns the text of the first element named name ("" if none).
func (r *resp) get(name string) string {
	if v := r.texts[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func (r *resp) all(name string) []string { return r.texts[name] }

// code is the first error code, "" when the request succeeded.
func (r *resp) code() string { return r.get("Code") }

// ok fails the test unless the request succeeded with the legacy shape.
func (r *resp) ok() *resp {
	r.t.Helper()
	if r.status != 200 || r.code() != "" || r.get("IsValid") != "True" {
		r.t.Fatalf("%s: status %d, want a valid result:\n%s", r.op, r.status, r.body)
	}
	if r.root != r.op+"Response" || r.get("RequestId") == "" {
		r.t.Fatalf("%s: root %q, RequestId %q:\n%s", r.op, r.root, r.get("RequestId"), r.body)
	}
	return r
}

// fails fails the test unless the request failed with code.
func (r *resp) fails(code string) *resp {
	r.t.Helper()
	if r.code() != code {
		r.t.Fatalf("%s: code %q, want %q:\n%s", r.op, r.code(), code, r.body)
	}
	if r.status != 200 {
		r.t.Fatalf("%s: status %d, want 200 (MTurk answered request errors with 200)", r.op, r.status)
	}
	if !strings.Contains(r.body, "<Errors><Error><Code>") {
		r.t.Fatalf("%s: no Errors/Error element:\n%s", r.op, r.body)
	}
	return r
}
