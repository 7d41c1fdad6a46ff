package notify

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// API versions of the AWS query protocol.
const (
	sqsAPIVersion = "2012-11-05"
	snsAPIVersion = "2010-03-31"
)

// defaultRegion is used when neither the target nor Config names a region.
const defaultRegion = "us-east-1"

// maxResponse bounds how much of a response is read.
const maxResponse = 1 << 20

var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// sendSQS calls SendMessage on the queue URL (AWS query protocol).
func (s *Sender) sendSQS(ctx context.Context, queueURL string, body []byte) error {
	if len(body) > MaxBodySize {
		return &SendError{Transport: TransportSQS, Target: queueURL, Permanent: true,
			Message: fmt.Sprintf("message is %d bytes; SQS accepts at most %d", len(body), MaxBodySize)}
	}
	u, _ := url.Parse(queueURL) // validated
	form := url.Values{
		"Action":      {"SendMessage"},
		"MessageBody": {string(body)},
		"Version":     {sqsAPIVersion},
	}
	region := s.sqsRegion(u.Hostname())
	res, err := s.awsCall(ctx, TransportSQS, queueURL, queueURL, "sqs", region, form)
	if err != nil {
		return err
	}
	var ok struct {
		MessageID string `xml:"SendMessageResult>MessageId"`
		MD5       string `xml:"SendMessageResult>MD5OfMessageBody"`
	}
	var okJSON struct {
		MessageID string `json:"MessageId"`
		MD5       string `json:"MD5OfMessageBody"`
	}
	if xml.Unmarshal(res.body, &ok) != nil || ok.MessageID == "" {
		if json.Unmarshal(res.body, &okJSON) == nil && okJSON.MessageID != "" {
			ok.MessageID, ok.MD5 = okJSON.MessageID, okJSON.MD5
		}
	}
	if ok.MessageID == "" {
		return &SendError{Transport: TransportSQS, Target: queueURL, StatusCode: res.status, RequestID: res.requestID,
			Message: "unrecognised SendMessage response: " + excerpt(res.body)}
	}
	if ok.MD5 != "" {
		sum := md5.Sum(body)
		if !strings.EqualFold(ok.MD5, hex.EncodeToString(sum[:])) {
			return &SendError{Transport: TransportSQS, Target: queueURL, StatusCode: res.status, RequestID: res.requestID,
				Message: fmt.Sprintf("MD5OfMessageBody %s does not match the body sent (%x); the message may be corrupt", ok.MD5, sum)}
		}
	}
	return nil
}

// sqsRegion takes the region from the queue host (sqs.REGION.amazonaws.com,
// sqs-fips.REGION…, sqs.REGION.localhost.localstack.cloud, the legacy
// REGION.queue.amazonaws.com and queue.amazonaws.com), else Config.Region,
// else us-east-1.
func (s *Sender) sqsRegion(host string) string {
	labels := strings.Split(strings.ToLower(host), ".")
	if len(labels) >= 3 && (labels[0] == "sqs" || labels[0] == "sqs-fips") && regionRE.MatchString(labels[1]) {
		return labels[1]
	}
	if len(labels) >= 4 && labels[1] == "queue" && labels[2] == "amazonaws" && regionRE.MatchString(labels[0]) {
		return labels[0]
	}
	if strings.ToLower(host) == "queue.amazonaws.com" {
		return "us-east-1"
	}
	if s.cfg.Region != "" {
		return s.cfg.Region
	}
	return defaultRegion
}

// sendSNS calls Publish on Config.SNSEndpoint or the topic's regional
// endpoint (AWS query protocol).
func (s *Sender) sendSNS(ctx context.Context, topicARN string, body []byte) error {
	if len(body) > MaxBodySize {
		return &SendError{Transport: TransportSNS, Target: topicARN, Permanent: true,
			Message: fmt.Sprintf("message is %d bytes; SNS accepts at most %d", len(body), MaxBodySize)}
	}
	parts := snsARN.FindStringSubmatch(topicARN) // validated
	partition, region := parts[1], parts[2]
	if region == "" {
		region = s.cfg.Region
	}
	endpoint := s.cfg.SNSEndpoint
	if endpoint == "" {
		suffix := "amazonaws.com"
		if partition == "aws-cn" {
			suffix = "amazonaws.com.cn"
		}
		endpoint = "https://sns." + region + "." + suffix + "/"
	} else if u, err := url.Parse(endpoint); err != nil || !u.IsAbs() || u.Host == "" {
		return &SendError{Transport: TransportSNS, Target: topicARN, Permanent: true,
			Message: fmt.Sprintf("Config.SNSEndpoint %q is not an absolute URL", endpoint)}
	}
	form := url.Values{
		"Action":   {"Publish"},
		"TopicArn": {topicARN},
		"Message":  {string(body)},
		// MTurk set the SNS Subject to the publish time in epoch
		// milliseconds: the captured notification in Dallinger's
		// tests/test_recruiters.py has "Subject": "1565385436809" and
		// "Timestamp": "2019-08-09T21:17:16.848Z".
		"Subject": {strconv.FormatInt(s.now().UnixMilli(), 10)},
		"Version": {snsAPIVersion},
	}
	res, err := s.awsCall(ctx, TransportSNS, topicARN, endpoint, "sns", region, form)
	if err != nil {
		return err
	}
	var ok struct {
		MessageID string `xml:"PublishResult>MessageId"`
	}
	var okJSON struct {
		MessageID string `json:"MessageId"`
	}
	if xml.Unmarshal(res.body, &ok) != nil || ok.MessageID == "" {
		if json.Unmarshal(res.body, &okJSON) == nil {
			ok.MessageID = okJSON.MessageID
		}
	}
	if ok.MessageID == "" {
		return &SendError{Transport: TransportSNS, Target: topicARN, StatusCode: res.status, RequestID: res.requestID,
			Message: "unrecognised Publish response: " + excerpt(res.body)}
	}
	return nil
}

type awsResult struct {
	status    int
	body      []byte
	requestID string
}

// awsCall POSTs a SigV4-signed query-protocol form and returns a 2xx
// response, or a *SendError built from the error response.
func (s *Sender) awsCall(ctx context.Context, transport, target, endpoint, service, region string, form url.Values) (awsResult, error) {
	if s.cfg.AWSAccessKeyID == "" || s.cfg.AWSSecretAccessKey == "" {
		return awsResult{}, &SendError{Transport: transport, Target: target, Permanent: true,
			Message: "no AWS credentials configured (Config.AWSAccessKeyID, Config.AWSSecretAccessKey)"}
	}
	payload := []byte(form.Encode())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
	if err != nil {
		return awsResult{}, &SendError{Transport: transport, Target: target, Permanent: true, Err: err}
	}
	if req.URL.Path == "" {
		req.URL.Path = "/"
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	sum := sha256.Sum256(payload)
	creds := aws.Credentials{AccessKeyID: s.cfg.AWSAccessKeyID, SecretAccessKey: s.cfg.AWSSecretAccessKey}
	if err := s.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, region, s.now()); err != nil {
		return awsResult{}, &SendError{Transport: transport, Target: target, Permanent: true, Err: fmt.Errorf("signing: %w", err)}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return awsResult{}, netError(transport, target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return awsResult{}, netError(transport, target, fmt.Errorf("reading the HTTP %d response: %w", resp.StatusCode, err))
	}
	res := awsResult{status: resp.StatusCode, body: body, requestID: resp.Header.Get("X-Amzn-RequestId")}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return res, nil
	}
	code, msg, rid := parseAWSError(resp.Header, body)
	if rid != "" {
		res.requestID = rid
	}
	if code == "" && msg == "" {
		msg = excerpt(body)
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		if loc := resp.Header.Get("Location"); loc != "" {
			msg = strings.TrimSpace(msg + " (redirect to " + loc + " not followed)")
		}
	}
	permanent := httpStatusPermanent(resp.StatusCode)
	if transientAWSCode(code) {
		permanent = false
	}
	return res, &SendError{Transport: transport, Target: target, StatusCode: resp.StatusCode,
		Code: code, Message: msg, RequestID: res.requestID, Permanent: permanent}
}

// transientAWSCode lists error codes that AWS services return with a 4xx
// status although a later retry may succeed (throttling, clock skew of a
// delayed request, service-side trouble).
func transientAWSCode(code string) bool {
	switch code {
	case "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled",
		"RequestThrottledException", "TooManyRequestsException", "ProvisionedThroughputExceededException",
		"RequestLimitExceeded", "SlowDown", "PriorRequestNotComplete",
		"RequestTimeout", "RequestTimeoutException", "RequestExpired", "RequestTimeTooSkewed",
		"InternalError", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException",
		"KMS.ThrottlingException", "KMSThrottling", "EC2ThrottledException":
		return true
	}
	return false
}

// parseAWSError extracts code, message and request id from an AWS error
// response: the query protocol's XML <ErrorResponse><Error><Code>…, the JSON
// protocol's {"__type": "…#Code", "message": "…"}, and the
// x-amzn-query-error header ("Code;Sender").
func parseAWSError(h http.Header, body []byte) (code, msg, requestID string) {
	var x struct {
		Code      string `xml:"Error>Code"`
		Message   string `xml:"Error>Message"`
		RequestID string `xml:"RequestId"`
		// EC2-style <Response><Errors><Error>…, used by some emulators.
		Code2      string `xml:"Errors>Error>Code"`
		Message2   string `xml:"Errors>Error>Message"`
		RequestID2 string `xml:"RequestID"`
	}
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) > 0 && trimmed[0] == '<':
		if xml.Unmarshal(trimmed, &x) == nil {
			code, msg, requestID = x.Code, x.Message, x.RequestID
			if code == "" {
				code, msg = x.Code2, x.Message2
			}
			if requestID == "" {
				requestID = x.RequestID2
			}
		}
	case len(trimmed) > 0 && trimmed[0] == '{' || strings.Contains(mt, "json"):
		var j map[string]any
		if json.Unmarshal(trimmed, &j) == nil {
			for _, k := range []string{"__type", "code", "Code"} {
				if v, ok := j[k].(string); ok && v != "" {
					code = v
					break
				}
			}
			if i := strings.LastIndexByte(code, '#'); i >= 0 {
				code = code[i+1:]
			}
			for _, k := range []string{"message", "Message"} {
				if v, ok := j[k].(string); ok && v != "" {
					msg = v
					break
				}
			}
		}
	}
	if q := h.Get("X-Amzn-Query-Error"); q != "" {
		if c, _, _ := strings.Cut(q, ";"); c != "" {
			code = c
		}
	}
	if code == "" {
		code = h.Get("X-Amzn-ErrorType")
		if c, _, ok := strings.Cut(code, ":"); ok {
			code = c
		}
	}
	return strings.TrimSpace(code), strings.TrimSpace(msg), strings.TrimSpace(requestID)
}

// excerpt returns the start of a response body as one printable line.
func excerpt(b []byte) string {
	const max = 300
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "(empty body)"
	}
	cut := len(s) > max
	if cut {
		s = s[:max]
	}
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	if cut {
		s += "…"
	}
	return s
}
