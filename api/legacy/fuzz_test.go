package legacy

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/sqlite"
)

// realBoto2Body is the body of a RegisterHITType request exactly as boto
// 2.49.0 (Debian's python3-boto) sent it on 2026-12-05, from
//
//	c = MTurkConnection(aws_access_key_id='HITDTESTROOT00000000',
//	    aws_secret_access_key='test-root-secret-0123456789abcdefghijklm', host='127.0.0.1', ...)
//	qs = Qualifications([LocaleRequirement('EqualTo', 'US'),
//	    PercentAssignmentsApprovedRequirement('GreaterThan', 90),
//	    LocaleRequirement('In', ['US', ('DE', 'BE')])])
//	c.register_hit_type('Tag ümlaut & co', 'Say what is in the picture', Price(0.05), 600,
//	    keywords=['image', 'tagging'], qual_req=qs)
//
// as "POST / HTTP/1.1", Host 127.0.0.1, Content-Type
// application/x-www-form-urlencoded; charset=UTF-8, SignatureVersion 1.
const realBoto2Body = `AssignmentDurationInSeconds=600&AWSAccessKeyId=HITDTESTROOT00000000&Description=Say%20what%20is%20in%20the%20picture&Keywords=image%2C%20tagging&Operation=RegisterHITType&QualificationRequirement.1.Comparator=EqualTo&QualificationRequirement.1.LocaleValue.Country=US&QualificationRequirement.1.QualificationTypeId=00000000000000000071&QualificationRequirement.2.Comparator=GreaterThan&QualificationRequirement.2.IntegerValue=90&QualificationRequirement.2.QualificationTypeId=000000000000000000L0&QualificationRequirement.3.Comparator=In&QualificationRequirement.3.LocaleValue.1.Country=US&QualificationRequirement.3.LocaleValue.2.Country=DE&QualificationRequirement.3.LocaleValue.2.Subdivision=BE&QualificationRequirement.3.QualificationTypeId=00000000000000000071&Reward.1.Amount=0.05&Reward.1.CurrencyCode=USD&SignatureVersion=1&Timestamp=2026-12-05T15%3A48%3A57Z&Title=Tag%20%C3%BCmlaut%20%26%20co&Version=2014-08-15&Signature=wKSzMXLgj%2Frwg59ddP6sItu7uwI%3D`

var realBoto2Time = time.Date(2026, 12, 5, 15, 48, 57, 0, time.UTC)

const (
	fuzzKey    = "HITDTESTROOT00000000"
	fuzzSecret = "test-root-secret-0123456789abcdefghijklm"
)

// fuzzService is a Service on a fresh SQLite store whose root requester
// has the credentials of realBoto2Body.
func fuzzService(t testing.TB) (*hitd.Service, string) {
	t.Helper()
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hitd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	svc := hitd.NewService(store, hitd.NewFakeClock(realBoto2Time), hitd.IDSource{}, hitd.Config{StartingBalance: hitd.DefaultStartingBalance})
	root, _, err := svc.EnsureRootRequester(ctx, fuzzKey, fuzzSecret)
	if err != nil {
		t.Fatal(err)
	}
	return svc, root.ID
}

// TestRealBoto2Request authenticates the captured boto 2 request and reads
// its HIT type, qualification requirements included: boto 2 writes a
// single-locale LocaleRequirement as LocaleValue.Country, unnumbered.
func TestRealBoto2Request(t *testing.T) {
	svc, rootID := fuzzService(t)
	r := httptest.NewRequest("POST", "http://127.0.0.1/", strings.NewReader(realBoto2Body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
	p, err := parseParams("", realBoto2Body)
	if err != nil {
		t.Fatal(err)
	}
	c, err := authenticate(context.Background(), svc, realBoto2Time.Add(time.Minute), r, p)
	if err != nil || c.RequesterID != rootID {
		t.Fatalf("authenticate = %+v, %v", c, err)
	}
	d := &decoder{p: p}
	in := hitTypeInput(d)
	if d.err != nil {
		t.Fatal(d.err)
	}
	want := []hitd.QualificationRequirement{
		{QualificationTypeId: "00000000000000000071", Comparator: "EqualTo", LocaleValues: []hitd.Locale{{Country: "US"}}},
		{QualificationTypeId: "000000000000000000L0", Comparator: "GreaterThan", IntegerValues: []int32{90}},
		{QualificationTypeId: "00000000000000000071", Comparator: "In", LocaleValues: []hitd.Locale{{Country: "US"}, {Country: "DE", Subdivision: "BE"}}},
	}
	if in.Title != "Tag ümlaut & co" || in.Reward != "0.05" || in.Keywords != "image, tagging" || *in.AssignmentDurationInSeconds != 600 ||
		!reflect.DeepEqual(in.QualificationRequirements, want) {
		t.Fatalf("hitTypeInput = %+v\nrequirements %+v", in, in.QualificationRequirements)
	}
}

// domainError reports whether err is a *hitd.Error of a request-error code.
func domainError(err error) bool {
	var e *hitd.Error
	if !errors.As(err, &e) || e.Message == "" {
		return false
	}
	switch e.Code {
	case hitd.ErrInvalidParameter, hitd.ErrOutOfRange, hitd.ErrMissingParameter:
		return true
	}
	return false
}

// encodeRequirements writes requirements as boto 2 does
// (boto/mturk/qualification.py): QualificationRequirement.N.*, with a single
// IntegerValue or LocaleValue unnumbered unless the comparator is In or
// NotIn.
func encodeRequirements(v url.Values, reqs []hitd.QualificationRequirement) {
	for i, q := range reqs {
		pre := "QualificationRequirement." + strconv.Itoa(i+1) + "."
		v.Set(pre+"QualificationTypeId", q.QualificationTypeId)
		v.Set(pre+"Comparator", q.Comparator)
		list := q.Comparator == "In" || q.Comparator == "NotIn"
		if len(q.IntegerValues) == 1 && !list {
			v.Set(pre+"IntegerValue", strconv.Itoa(int(q.IntegerValues[0])))
		} else {
			for j, n := range q.IntegerValues {
				v.Set(pre+"IntegerValue."+strconv.Itoa(j+1), strconv.Itoa(int(n)))
			}
		}
		if len(q.LocaleValues) == 1 && !list {
			v.Set(pre+"LocaleValue.Country", q.LocaleValues[0].Country)
			if s := q.LocaleValues[0].Subdivision; s != "" {
				v.Set(pre+"LocaleValue.Subdivision", s)
			}
		} else {
			for j, l := range q.LocaleValues {
				lp := pre + "LocaleValue." + strconv.Itoa(j+1) + "."
				v.Set(lp+"Country", l.Country)
				if l.Subdivision != "" {
					v.Set(lp+"Subdivision", l.Subdivision)
				}
			}
		}
		if q.RequiredToPreview != nil {
			v.Set(pre+"RequiredToPreview", strconv.FormatBool(*q.RequiredToPreview))
		}
		if q.ActionsGuarded != "" {
			v.Set(pre+"ActionsGuarded", q.ActionsGuarded)
		}
	}
}

// FuzzLegacyParams checks the legacy API's parameter parser and the
// readers of its structured parameters:
//
//   - parseParams fails only with request errors; what it accepts has
//     non-empty names, at most maxParams of them, does not depend on which
//     half (query or body) a parameter came in, and parses to the same
//     parameters when written back with url.Values.Encode;
//   - every structured reader (Reward.1.Amount, QualificationRequirement.N.*,
//     HITLayoutParameter.N.*, Notification.*, review policies, lists, numbers)
//     fails only with a request error, and what they read is a fixed point:
//     written back the way boto 2 writes it, it reads the same;
//   - a requirement built from the fuzzer's values, written as boto 2 writes
//     it (a single IntegerValue or LocaleValue unnumbered), reads back exactly,
//     with no error.
func FuzzLegacyParams(f *testing.F) {
	for _, s := range []string{
		realBoto2Body,
		"Operation=CreateHIT&Reward.1.Amount=0.05&QualificationRequirement.1.Comparator=In&QualificationRequirement.1.IntegerValue.2=5",
		"QualificationRequirement.1.LocaleValue.1.Country=US&QualificationRequirement.1.LocaleValue.Country=DE",
		"HITLayoutParameter.1.Name=image_url&HITLayoutParameter.1.Value=https%3A%2F%2Fx%2F1.jpg&HITLayoutParameter.2.Name=caption&HITLayoutParameter.2.Value=%3Cb%3E",
		"Notification.1.Destination=https%3A%2F%2Fsqs&Notification.1.Transport=SQS&Notification.1.Version=2006-05-05&Notification.1.EventType.1=AssignmentSubmitted&Notification.1.EventType.2=HITExpired",
		"AssignmentReviewPolicy.PolicyName=ScoreMyKnownAnswers%2F2011-09-01&AssignmentReviewPolicy.Parameter.1.Key=AnswerKey&AssignmentReviewPolicy.Parameter.1.MapEntry.1.Key=q1&AssignmentReviewPolicy.Parameter.1.MapEntry.1.Value.1=a",
		"a=1&a=2", "%zz", "x=%", "QualificationRequirement.99999999999999999999.x=1", "HITLayoutParameter..Name=1", "=x", "a;b=c",
		"AssignmentStatus=Submitted,Approved&PageSize=0&PageNumber=-5&SortProperty=Title&SortDirection=Descending",
	} {
		f.Add(s, "", "00000000000000000071", "EqualTo", "US", "", []byte{90}, uint8(0))
	}
	f.Add("Operation=GetAccountBalance", "AWSAccessKeyId=x", "000000000000000000L0", "In", "DE", "BE", []byte{1, 2, 200}, uint8(3))
	f.Add("", "", "", "NotIn", "", "", []byte{}, uint8(6))
	f.Fuzz(func(t *testing.T, query, body, typeID, comparator, country, subdivision string, ints []byte, flags uint8) {
		p, err := parseParams(query, body)
		if err != nil {
			if !domainError(err) || p != nil {
				t.Fatalf("parseParams(%q, %q) = %v, %v", query, body, p, err)
			}
		} else {
			if len(p) > maxParams {
				t.Fatalf("%d parameters", len(p))
			}
			enc := url.Values{}
			for name, v := range p {
				if name == "" {
					t.Fatalf("empty name in %q %q", query, body)
				}
				enc.Set(name, v)
			}
			for _, halves := range [][2]string{{enc.Encode(), ""}, {"", enc.Encode()}, {body, query}} {
				again, err := parseParams(halves[0], halves[1])
				if err != nil || !reflect.DeepEqual(again, p) {
					t.Fatalf("%q %q parses to %v; %q %q to %v, %v", query, body, p, halves[0], halves[1], again, err)
				}
			}

			d := &decoder{p: p}
			reqs := d.qualificationRequirements()
			layout := d.layoutParameters()
			note := d.notification()
			_ = d.price("Reward")
			_ = d.price("BonusAmount")
			_ = d.reviewPolicy("AssignmentReviewPolicy")
			_ = d.assignmentStatuses()
			_ = d.int64p("PageSize")
			_ = d.int32p("IntegerValue")
			_ = d.boolp("Active")
			_ = d.list("WorkerId")
			_ = hitTypeInput(d)
			if _, ok := parseTimestamp(p["Timestamp"]); ok && p["Timestamp"] == "" {
				t.Fatal("empty Timestamp parsed")
			}
			if d.err != nil && !domainError(d.err) {
				t.Fatalf("decoder error %v is not a request error", d.err)
			}
			if _, err := paged(&decoder{p: p}, sortOrder[int]{"": func(a, b int) int { return a - b }}, func(string, int64) ([]int, string, error) { return []int{3, 1, 2}, "", nil }); err != nil && !domainError(err) {
				t.Fatalf("paged: %v", err)
			}
			if d.err == nil {
				// What was read, written back, reads the same.
				v := url.Values{}
				encodeRequirements(v, reqs)
				for i, lp := range layout {
					v.Set("HITLayoutParameter."+strconv.Itoa(i+1)+".Name", lp.Name)
					v.Set("HITLayoutParameter."+strconv.Itoa(i+1)+".Value", lp.Value)
				}
				if note != nil {
					v.Set("Notification.1.Destination", note.Destination)
					v.Set("Notification.1.Transport", note.Transport)
					v.Set("Notification.1.Version", note.Version)
					for i, e := range note.EventTypes {
						v.Set("Notification.1.EventType."+strconv.Itoa(i+1), e)
					}
				}
				p2, err := parseParams(v.Encode(), "")
				if err != nil {
					t.Fatalf("written back as %q: %v", v.Encode(), err)
				}
				d2 := &decoder{p: p2}
				reqs2, layout2, note2 := d2.qualificationRequirements(), d2.layoutParameters(), d2.notification()
				if d2.err != nil || !reflect.DeepEqual(reqs2, reqs) || !reflect.DeepEqual(layout2, layout) || !reflect.DeepEqual(note2, note) {
					t.Fatalf("read %+v %+v %+v\nwritten back as %q\nread %+v %+v %+v (%v)", reqs, layout, note, v.Encode(), reqs2, layout2, note2, d2.err)
				}
			}
		}

		// A requirement as boto 2 writes it reads back exactly.
		q := hitd.QualificationRequirement{QualificationTypeId: typeID, Comparator: comparator, ActionsGuarded: subdivision}
		for _, b := range ints {
			q.IntegerValues = append(q.IntegerValues, int32(int8(b))*int32(1+int(flags)))
		}
		if country != "" {
			q.LocaleValues = append(q.LocaleValues, hitd.Locale{Country: country, Subdivision: subdivision})
			if flags&1 != 0 {
				q.LocaleValues = append(q.LocaleValues, hitd.Locale{Country: subdivision + country})
			}
		}
		if flags&2 != 0 {
			b := flags&4 != 0
			q.RequiredToPreview = &b
		}
		want := []hitd.QualificationRequirement{q}
		if flags&8 != 0 {
			want = append(want, hitd.QualificationRequirement{QualificationTypeId: comparator, Comparator: "Exists"})
		}
		v := url.Values{}
		encodeRequirements(v, want)
		bp, err := parseParams("", v.Encode())
		if err != nil {
			t.Fatalf("%q: %v", v.Encode(), err)
		}
		d := &decoder{p: bp}
		got := d.qualificationRequirements()
		if d.err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("requirements %+v\nwritten as boto 2 does: %q\nread as %+v, %v", want, v.Encode(), got, d.err)
		}
	})
}

// stringToSign is an independent statement of what the three legacy
// signatures sign, after boto 2.49 (boto/auth.py) and MTurk's REST
// documentation. SignatureVersion 1 sorts names case-insensitively; names
// equal but for case (which boto leaves in dict order) are ordered by byte.
func stringToSign(v url.Values, method, host, path string) string {
	var names []string
	for n := range v {
		if n != "Signature" {
			names = append(names, n)
		}
	}
	switch v.Get("SignatureVersion") {
	case "1":
		sort.Slice(names, func(i, j int) bool {
			a, b := strings.ToLower(names[i]), strings.ToLower(names[j])
			if a != b {
				return a < b
			}
			return names[i] < names[j]
		})
		var b strings.Builder
		for _, n := range names {
			b.WriteString(n + v.Get(n))
		}
		return b.String()
	case "2":
		sort.Strings(names)
		enc := func(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }
		var pairs []string
		for _, n := range names {
			pairs = append(pairs, enc(n)+"="+enc(v.Get(n)))
		}
		return method + "\n" + strings.ToLower(host) + "\n" + path + "\n" + strings.Join(pairs, "&")
	}
	service := v.Get("Service")
	if service == "" {
		service = ServiceName // the REST signature's default
	}
	return service + v.Get("Operation") + v.Get("Timestamp")
}

func signWith(secret string, v url.Values, method, host, path string) string {
	h := sha1.New
	if v.Get("SignatureVersion") == "2" && v.Get("SignatureMethod") == "HmacSHA256" {
		h = sha256.New
	}
	mac := hmac.New(h, []byte(secret))
	mac.Write([]byte(stringToSign(v, method, host, path)))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// FuzzLegacySignature signs requests (any parameters, as a GET query or a
// form POST) with an independent implementation of the legacy signatures
// (MTurk REST, SignatureVersion 1, SignatureVersion 2 with HmacSHA256 or
// HmacSHA1), and checks that authenticate, after parseParams, accepts them
// as the root requester; then changes one thing (a parameter's value, an
// added or removed parameter, the method, the host or the path) and checks
// that authenticate refuses the request with AWS.BadClaimsSupplied exactly
// when the change alters what the signature covers. (The REST signature
// covers only Service, Operation and Timestamp, and version 1 only the
// parameters: that is how those signatures were defined.)
func FuzzLegacySignature(f *testing.F) {
	boto, _ := url.ParseQuery(realBoto2Body)
	boto.Del("Signature")
	f.Add(boto.Encode(), uint8(1), "Title", "Tag umlaut & co", uint8(1))
	f.Add(boto.Encode(), uint8(1), "QualificationRequirement.1.LocaleValue.Country", "DE", uint8(0))
	for kind := uint8(0); kind < 4; kind++ {
		for tamper := uint8(0); tamper < 7; tamper++ {
			f.Add("Operation=GetAccountBalance&Version=2014-08-15&ResponseGroup.0=Minimal", kind, "Operation", "GetHIT", tamper)
		}
	}
	f.Add("Operation=SearchHITs&PageSize=10&a=1&A=2&%C3%BC=%F0%9F%98%80&space=a+b&tilde=~", uint8(1), "A", "", uint8(1))
	f.Add("Operation=CreateHIT&Question=%3CHTMLQuestion%3E", uint8(2), "Timestamp", "2014-08-15T12:00:00Z", uint8(1))
	svc, rootID := fuzzService(f)
	now := realBoto2Time
	f.Fuzz(func(t *testing.T, query string, kind uint8, name, value string, tamper uint8) {
		p, err := parseParams(query, "")
		if err != nil {
			return
		}
		v := url.Values{}
		for n, val := range p {
			v.Set(n, val)
		}
		for _, n := range []string{"Signature", "SignatureVersion", "SignatureMethod", "AWSAccessKeyId", "Timestamp", "Service"} {
			v.Del(n)
		}
		v.Set("Service", ServiceName)
		v.Set("AWSAccessKeyId", fuzzKey)
		v.Set("Timestamp", now.Format(time.RFC3339))
		switch kind % 4 {
		case 1:
			v.Set("SignatureVersion", "1")
		case 2:
			v.Set("SignatureVersion", "2")
			v.Set("SignatureMethod", "HmacSHA256")
		case 3:
			v.Set("SignatureVersion", "2")
			v.Set("SignatureMethod", "HmacSHA1")
		}
		if len(v) > maxParams-1 {
			return
		}
		method, host, path := "GET", "mechanicalturk.example.com", "/"
		if tamper&0x80 != 0 {
			method, host, path = "POST", "Localhost:8443", "/onca/xml"
		}
		signed := stringToSign(v, method, host, path)
		v.Set("Signature", signWith(fuzzSecret, v, method, host, path))

		// One change after signing.
		sent := url.Values{}
		for n, vs := range v {
			sent[n] = append([]string(nil), vs...)
		}
		sentMethod, sentHost, sentPath := method, host, path
		switch tamper % 7 {
		case 1:
			if name == "" || name == "Signature" {
				return
			}
			sent.Set(name, value)
		case 2:
			sent.Del(name)
		case 3:
			sent.Set(name+".1", value)
		case 4:
			sentMethod = map[string]string{"GET": "POST", "POST": "GET"}[method]
		case 5:
			sentHost = "other.example.com"
		case 6:
			sentPath = path + "x"
		}
		if len(sent) > maxParams {
			return
		}
		changed := stringToSign(sent, sentMethod, sentHost, sentPath) != signed

		var r *http.Request
		var q, body string
		if sentMethod == "GET" {
			q = sent.Encode()
			r = httptest.NewRequest("GET", "http://"+sentHost+sentPath+"?"+q, nil)
		} else {
			body = sent.Encode()
			r = httptest.NewRequest("POST", "http://"+sentHost+sentPath, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
		}
		got, err := parseParams(r.URL.RawQuery, body)
		if err != nil {
			t.Fatalf("%q %q: %v", r.URL.RawQuery, body, err)
		}
		c, err := authenticate(context.Background(), svc, now.Add(time.Minute), r, got)
		if !changed {
			if err != nil || c.RequesterID != rootID {
				t.Fatalf("signed %q\nauthenticate = %+v, %v", signed, c, err)
			}
			return
		}
		if err == nil {
			t.Fatalf("tamper %d (%q=%q) changed the string to sign\n%q\nto\n%q\nbut authenticate accepted it", tamper%7, name, value, signed, stringToSign(sent, sentMethod, sentHost, sentPath))
		}
		var ae *authError
		credential := false
		for _, n := range []string{"AWSAccessKeyId", "Timestamp", "SignatureVersion", "SignatureMethod", "Service", "Signature"} {
			credential = credential || name == n
		}
		if !credential && (!errors.As(err, &ae) || ae.Code != codeBadClaims) {
			t.Fatalf("tamper %d (%q=%q): authenticate = %v, want %s", tamper%7, name, value, err, codeBadClaims)
		}
		if credential && !errors.As(err, &ae) && !domainError(err) {
			t.Fatalf("tamper %d (%q=%q): authenticate = %v", tamper%7, name, value, err)
		}
	})
}
