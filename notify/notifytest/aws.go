// Package notifytest provides fake notification receivers for tests: an SQS
// queue and an SNS topic speaking enough of the AWS query protocol (with
// SigV4 verification), a minimal SMTP server, and a webhook endpoint that
// verifies hitd's signatures. Each records what it accepted, can be told to
// fail the next requests, and shuts down with the test.
//
// All listen on 127.0.0.1 only. Methods are safe for concurrent use; Wait
// must be called from the test's goroutine (it calls t.Fatalf).
package notifytest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/hitd/hitd/notify"
)

// The credentials, region and account the fake AWS receivers accept.
const (
	AccessKeyID     = "AKIDNOTIFYTEST"
	SecretAccessKey = "notifytest-secret-key"
	Region          = "us-east-1"
	AccountID       = "000000000000"
)

// maxSkew is how far X-Amz-Date may be from the fake's clock (AWS allows 15
// minutes).
const maxSkew = 15 * time.Minute

// failure is an injected error reply.
type failure struct {
	status        int
	code, message string
}

// awsFake is what the SQS and SNS fakes share: an httptest server, SigV4
// verification, failure injection and a record of accepted messages.
type awsFake struct {
	t       testing.TB
	service string // "sqs" or "sns"
	xmlns   string
	srv     *httptest.Server
	handle  func(w http.ResponseWriter, form url.Values, r *http.Request)

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced whenever msgs changes
	msgs     []string
	fail     []failure
	requests int
	rejected []string
}

func newAWSFake(t testing.TB, service, xmlns string) *awsFake {
	f := &awsFake{t: t, service: service, xmlns: xmlns, changed: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// Messages returns the bodies accepted so far, in arrival order.
func (f *awsFake) Messages() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.msgs...)
}

// Wait blocks until at least n messages were accepted and returns them, or
// fails the test after timeout.
func (f *awsFake) Wait(n int, timeout time.Duration) []string {
	f.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		f.mu.Lock()
		got, ch := len(f.msgs), f.changed
		f.mu.Unlock()
		if got >= n {
			return f.Messages()
		}
		select {
		case <-ch:
		case <-deadline.C:
			f.t.Fatalf("notifytest %s: waited %s for %d messages, got %d (requests %d, rejected %q)",
				f.service, timeout, n, got, f.Requests(), f.Rejected())
			return nil
		}
	}
}

// FailNext makes the next n requests fail with status and a matching AWS
// error code (500 InternalError, 503 ServiceUnavailable, 400
// InvalidParameterValue, 403 AccessDenied, 404 NotFound, 429 Throttling).
func (f *awsFake) FailNext(n, status int) {
	code := map[int]string{500: "InternalError", 503: "ServiceUnavailable", 400: "InvalidParameterValue",
		403: "AccessDenied", 404: "NotFound", 429: "Throttling"}[status]
	if code == "" {
		code = "InjectedFailure"
	}
	f.FailNextWith(n, status, code, "injected failure")
}

// FailNextWith makes the next n requests fail with status and the given
// AWS error code and message.
func (f *awsFake) FailNextWith(n, status int, code, message string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for range n {
		f.fail = append(f.fail, failure{status, code, message})
	}
}

// Requests counts the requests received, failed ones included.
func (f *awsFake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// Rejected returns why requests were refused (signature, parameters), in
// order; injected failures are not listed.
func (f *awsFake) Rejected() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.rejected...)
}

// record stores an accepted message and wakes waiters.
func (f *awsFake) record(msg string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, msg)
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *awsFake) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 2<<20))
	if err != nil {
		f.errorReply(w, http.StatusBadRequest, "MalformedInput", "cannot read body: "+err.Error())
		return
	}
	f.mu.Lock()
	f.requests++
	var inj *failure
	if len(f.fail) > 0 {
		inj = &f.fail[0]
		f.fail = f.fail[1:]
	}
	f.mu.Unlock()
	if inj != nil {
		f.errorReply(w, inj.status, inj.code, inj.message)
		return
	}
	if status, code, msg := verifySigV4(r, body, f.service, Region, time.Now()); status != 0 {
		f.reject(w, status, code, msg)
		return
	}
	form := r.URL.Query()
	if r.Method == http.MethodPost {
		bodyForm, err := url.ParseQuery(string(body))
		if err != nil {
			f.reject(w, http.StatusBadRequest, "MalformedQueryString", err.Error())
			return
		}
		for k, v := range bodyForm {
			form[k] = append(form[k], v...)
		}
	}
	f.handle(w, form, r)
}

// reject answers with an error and remembers why.
func (f *awsFake) reject(w http.ResponseWriter, status int, code, msg string) {
	f.mu.Lock()
	f.rejected = append(f.rejected, code+": "+msg)
	f.mu.Unlock()
	f.errorReply(w, status, code, msg)
}

// errorReply writes a query-protocol ErrorResponse.
func (f *awsFake) errorReply(w http.ResponseWriter, status int, code, msg string) {
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	type errorBody struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}
	reply := struct {
		XMLName   xml.Name  `xml:"ErrorResponse"`
		Xmlns     string    `xml:"xmlns,attr"`
		Error     errorBody `xml:"Error"`
		RequestID string    `xml:"RequestId"`
	}{Xmlns: f.xmlns, Error: errorBody{typ, code, msg}, RequestID: newID()}
	writeXML(w, status, reply)
}

func writeXML(w http.ResponseWriter, status int, v any) {
	out, err := xml.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-RequestId", newID())
	w.WriteHeader(status)
	w.Write([]byte(xml.Header))
	w.Write(out)
}

// newID returns a random UUID-shaped id.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// verifySigV4 checks a header-signed SigV4 request against the test
// credentials: the Authorization header's form, its credential scope
// (AccessKeyID, the date of X-Amz-Date, region, service), the freshness of
// X-Amz-Date, and the signature itself, recomputed with the AWS SDK's signer
// over exactly the signed headers and the body received. It returns a zero
// status when the request verifies, else the status, AWS error code and
// message AWS would answer.
func verifySigV4(r *http.Request, body []byte, service, region string, now time.Time) (int, string, string) {
	const forbidden = http.StatusForbidden
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return forbidden, "MissingAuthenticationToken", "Request is missing Authentication Token"
	}
	rest, ok := strings.CutPrefix(auth, "AWS4-HMAC-SHA256 ")
	if !ok {
		return forbidden, "IncompleteSignature", "Authorization header does not use AWS4-HMAC-SHA256"
	}
	parts := map[string]string{}
	for _, p := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		parts[k] = v
	}
	cred, signed, sig := parts["Credential"], parts["SignedHeaders"], parts["Signature"]
	if cred == "" || signed == "" || sig == "" {
		return forbidden, "IncompleteSignature", "Authorization header lacks Credential, SignedHeaders or Signature"
	}
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return forbidden, "IncompleteSignature", fmt.Sprintf("malformed credential %q", cred)
	}
	if scope[0] != AccessKeyID {
		return forbidden, "InvalidClientTokenId", fmt.Sprintf("The security token included in the request is invalid (access key %q)", scope[0])
	}
	if scope[3] != service {
		return forbidden, "SignatureDoesNotMatch", fmt.Sprintf("Credential should be scoped to correct service: '%s' (got '%s')", service, scope[3])
	}
	if scope[2] != region {
		return forbidden, "SignatureDoesNotMatch", fmt.Sprintf("Credential should be scoped to a valid region: '%s' (got '%s')", region, scope[2])
	}
	amzDate := r.Header.Get("X-Amz-Date")
	signedAt, err := time.Parse("20060102T150405Z", amzDate)
	if err != nil {
		return forbidden, "IncompleteSignature", fmt.Sprintf("missing or malformed X-Amz-Date %q", amzDate)
	}
	if scope[1] != signedAt.Format("20060102") {
		return forbidden, "SignatureDoesNotMatch", fmt.Sprintf("credential date %s does not match X-Amz-Date %s", scope[1], amzDate)
	}
	if d := now.Sub(signedAt); d > maxSkew || d < -maxSkew {
		return forbidden, "RequestExpired", fmt.Sprintf("X-Amz-Date %s is more than %s from the server's clock", amzDate, maxSkew)
	}
	names := strings.Split(signed, ";")
	has := map[string]bool{}
	for _, n := range names {
		has[n] = true
	}
	if !has["host"] || !has["x-amz-date"] {
		return forbidden, "SignatureDoesNotMatch", "SignedHeaders must include host and x-amz-date, got " + signed
	}

	// Re-sign a copy carrying only the signed headers and compare.
	c, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return http.StatusBadRequest, "MalformedInput", err.Error()
	}
	c.Host = r.Host
	if !has["content-length"] {
		c.ContentLength = 0
	}
	for _, n := range names {
		switch n {
		case "host", "content-length":
			continue
		}
		for _, v := range r.Header.Values(n) {
			c.Header.Add(n, v)
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, c, hex.EncodeToString(sum[:]), service, region, signedAt); err != nil {
		return http.StatusInternalServerError, "InternalError", "re-signing: " + err.Error()
	}
	want := c.Header.Get("Authorization")
	_, wantSig, _ := strings.Cut(want, "Signature=")
	if !hmac.Equal([]byte(wantSig), []byte(sig)) {
		return forbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided"
	}
	return 0, "", ""
}

// SQS is a fake SQS queue. It answers SendMessage, ReceiveMessage and
// DeleteMessage (AWS query protocol, API version 2012-11-05) on QueueURL,
// after verifying the SigV4 signature (service "sqs", region Region, the
// test credentials).
type SQS struct {
	*awsFake
	path string

	qmu     sync.Mutex
	pending []sqsMessage // sent, not yet received
}

type sqsMessage struct{ id, body string }

// NewSQS starts a fake queue that stops when the test ends.
func NewSQS(t testing.TB) *SQS {
	q := &SQS{path: "/" + AccountID + "/notifytest-queue"}
	q.awsFake = newAWSFake(t, "sqs", "http://queue.amazonaws.com/doc/2012-11-05/")
	q.handle = q.serveSQS
	return q
}

// QueueURL is the queue's URL (http://127.0.0.1:PORT/000000000000/notifytest-queue).
func (q *SQS) QueueURL() string { return q.srv.URL + q.path }

// Config returns a notify.Config with the credentials and region this queue
// accepts.
func (q *SQS) Config() notify.Config {
	return notify.Config{AWSAccessKeyID: AccessKeyID, AWSSecretAccessKey: SecretAccessKey, Region: Region}
}

func (q *SQS) serveSQS(w http.ResponseWriter, form url.Values, r *http.Request) {
	if v := form.Get("Version"); v != "2012-11-05" {
		q.reject(w, http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf("Version %q is not 2012-11-05", v))
		return
	}
	path := r.URL.Path
	if qu := form.Get("QueueUrl"); qu != "" {
		if u, err := url.Parse(qu); err == nil {
			path = u.Path
		}
	}
	if path != q.path {
		q.reject(w, http.StatusBadRequest, "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist for this wsdl version.")
		return
	}
	type meta struct {
		RequestID string `xml:"RequestId"`
	}
	switch action := form.Get("Action"); action {
	case "SendMessage":
		body, ok := form["MessageBody"]
		if !ok || body[0] == "" {
			q.reject(w, http.StatusBadRequest, "MissingParameter", "The request must contain the parameter MessageBody.")
			return
		}
		id := newID()
		q.qmu.Lock()
		q.pending = append(q.pending, sqsMessage{id, body[0]})
		q.qmu.Unlock()
		q.record(body[0])
		type result struct {
			MD5       string `xml:"MD5OfMessageBody"`
			MessageID string `xml:"MessageId"`
		}
		writeXML(w, http.StatusOK, struct {
			XMLName  xml.Name `xml:"SendMessageResponse"`
			Xmlns    string   `xml:"xmlns,attr"`
			Result   result   `xml:"SendMessageResult"`
			Metadata meta     `xml:"ResponseMetadata"`
		}{Xmlns: q.xmlns, Result: result{md5Hex(body[0]), id}, Metadata: meta{newID()}})
	case "ReceiveMessage":
		max := 1
		if v := form.Get("MaxNumberOfMessages"); v != "" {
			if _, err := fmt.Sscanf(v, "%d", &max); err != nil || max < 1 || max > 10 {
				q.reject(w, http.StatusBadRequest, "InvalidParameterValue", "MaxNumberOfMessages must be 1 to 10")
				return
			}
		}
		q.qmu.Lock()
		n := min(max, len(q.pending))
		got := append([]sqsMessage(nil), q.pending[:n]...)
		q.pending = q.pending[n:]
		q.qmu.Unlock()
		type message struct {
			MessageID     string `xml:"MessageId"`
			ReceiptHandle string `xml:"ReceiptHandle"`
			MD5OfBody     string `xml:"MD5OfBody"`
			Body          string `xml:"Body"`
		}
		var ms []message
		for _, m := range got {
			ms = append(ms, message{m.id, "rh-" + m.id, md5Hex(m.body), m.body})
		}
		writeXML(w, http.StatusOK, struct {
			XMLName  xml.Name  `xml:"ReceiveMessageResponse"`
			Xmlns    string    `xml:"xmlns,attr"`
			Messages []message `xml:"ReceiveMessageResult>Message"`
			Metadata meta      `xml:"ResponseMetadata"`
		}{Xmlns: q.xmlns, Messages: ms, Metadata: meta{newID()}})
	case "DeleteMessage":
		writeXML(w, http.StatusOK, struct {
			XMLName  xml.Name `xml:"DeleteMessageResponse"`
			Xmlns    string   `xml:"xmlns,attr"`
			Metadata meta     `xml:"ResponseMetadata"`
		}{Xmlns: q.xmlns, Metadata: meta{newID()}})
	default:
		q.reject(w, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("The action %q is not valid for this endpoint.", action))
	}
}

// SNS is a fake SNS endpoint with one topic, TopicARN. It answers Publish
// (AWS query protocol, API version 2010-03-31) after verifying the SigV4
// signature (service "sns", region Region, the test credentials).
type SNS struct {
	*awsFake

	pmu       sync.Mutex
	publishes []Publish
}

// Publish is one accepted Publish call.
type Publish struct {
	TopicArn, Message, Subject string
}

// TopicARN is the fake's only topic.
const TopicARN = "arn:aws:sns:" + Region + ":" + AccountID + ":notifytest-topic"

// NewSNS starts a fake SNS endpoint that stops when the test ends.
func NewSNS(t testing.TB) *SNS {
	s := &SNS{}
	s.awsFake = newAWSFake(t, "sns", "http://sns.amazonaws.com/doc/2010-03-31/")
	s.handle = s.serveSNS
	return s
}

// Endpoint is the base URL to use as notify.Config.SNSEndpoint.
func (s *SNS) Endpoint() string { return s.srv.URL }

// TopicARN returns the topic this endpoint accepts.
func (s *SNS) TopicARN() string { return TopicARN }

// Config returns a notify.Config with the credentials, region and endpoint
// this fake accepts.
func (s *SNS) Config() notify.Config {
	return notify.Config{AWSAccessKeyID: AccessKeyID, AWSSecretAccessKey: SecretAccessKey, Region: Region, SNSEndpoint: s.Endpoint()}
}

// Publishes returns the accepted Publish calls in order.
func (s *SNS) Publishes() []Publish {
	s.pmu.Lock()
	defer s.pmu.Unlock()
	return append([]Publish(nil), s.publishes...)
}

func (s *SNS) serveSNS(w http.ResponseWriter, form url.Values, r *http.Request) {
	if v := form.Get("Version"); v != "2010-03-31" {
		s.reject(w, http.StatusBadRequest, "InvalidParameter", fmt.Sprintf("Version %q is not 2010-03-31", v))
		return
	}
	switch action := form.Get("Action"); action {
	case "Publish":
		arn := form.Get("TopicArn")
		if arn == "" {
			s.reject(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
			return
		}
		if arn != TopicARN {
			s.reject(w, http.StatusNotFound, "NotFound", "Topic does not exist")
			return
		}
		msg, ok := form["Message"]
		if !ok || msg[0] == "" {
			s.reject(w, http.StatusBadRequest, "InvalidParameter", "Invalid parameter: Message Reason: Empty message")
			return
		}
		s.pmu.Lock()
		s.publishes = append(s.publishes, Publish{arn, msg[0], form.Get("Subject")})
		s.pmu.Unlock()
		s.record(msg[0])
		type meta struct {
			RequestID string `xml:"RequestId"`
		}
		writeXML(w, http.StatusOK, struct {
			XMLName   xml.Name `xml:"PublishResponse"`
			Xmlns     string   `xml:"xmlns,attr"`
			MessageID string   `xml:"PublishResult>MessageId"`
			Metadata  meta     `xml:"ResponseMetadata"`
		}{Xmlns: s.xmlns, MessageID: newID(), Metadata: meta{newID()}})
	default:
		s.reject(w, http.StatusBadRequest, "InvalidAction", fmt.Sprintf("The action %q is not valid for this endpoint.", action))
	}
}
