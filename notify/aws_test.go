package notify

import (
	"net/http"
	"testing"
)

func TestSQSRegion(t *testing.T) {
	tests := []struct {
		host, cfgRegion, want string
	}{
		{"sqs.eu-west-2.amazonaws.com", "us-west-1", "eu-west-2"},
		{"sqs.us-gov-west-1.amazonaws.com", "", "us-gov-west-1"},
		{"sqs.cn-north-1.amazonaws.com.cn", "", "cn-north-1"},
		{"sqs-fips.us-east-2.amazonaws.com", "", "us-east-2"},
		{"sqs.ap-southeast-2.localhost.localstack.cloud", "", "ap-southeast-2"},
		{"us-west-2.queue.amazonaws.com", "", "us-west-2"},
		{"queue.amazonaws.com", "eu-west-1", "us-east-1"},
		{"127.0.0.1", "eu-central-1", "eu-central-1"},
		{"localhost", "", "us-east-1"},
		{"sqs.example.com", "", "us-east-1"},
	}
	for _, tt := range tests {
		s := NewSender(Config{Region: tt.cfgRegion})
		if got := s.sqsRegion(tt.host); got != tt.want {
			t.Errorf("sqsRegion(%q) with Config.Region %q = %q, want %q", tt.host, tt.cfgRegion, got, tt.want)
		}
	}
}

func TestParseAWSError(t *testing.T) {
	tests := []struct {
		name             string
		header           http.Header
		body             string
		code, msg, reqID string
	}{
		{
			name: "query protocol XML",
			body: `<?xml version="1.0"?><ErrorResponse xmlns="http://queue.amazonaws.com/doc/2012-11-05/"><Error><Type>Sender</Type><Code>AWS.SimpleQueueService.NonExistentQueue</Code><Message>The specified queue does not exist for this wsdl version.</Message><Detail/></Error><RequestId>42d59b56-7407-4c4a-be0f-4c88daeea257</RequestId></ErrorResponse>`,
			code: "AWS.SimpleQueueService.NonExistentQueue", msg: "The specified queue does not exist for this wsdl version.",
			reqID: "42d59b56-7407-4c4a-be0f-4c88daeea257",
		},
		{
			name: "EC2-style XML",
			body: `<Response><Errors><Error><Code>InvalidAction</Code><Message>nope</Message></Error></Errors><RequestID>r1</RequestID></Response>`,
			code: "InvalidAction", msg: "nope", reqID: "r1",
		},
		{
			name:   "JSON protocol with query-compatible header",
			header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}, "X-Amzn-Query-Error": {"AWS.SimpleQueueService.NonExistentQueue;Sender"}},
			body:   `{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`,
			code:   "AWS.SimpleQueueService.NonExistentQueue", msg: "The specified queue does not exist.",
		},
		{
			name: "JSON protocol",
			body: `{"__type":"com.amazonaws.sqs#RequestThrottled","message":"slow down"}`,
			code: "RequestThrottled", msg: "slow down",
		},
		{
			name:   "only x-amzn-ErrorType",
			header: http.Header{"X-Amzn-Errortype": {"AccessDeniedException:http://internal.amazon.com/coral/com.amazon.coral.service/"}},
			body:   `Forbidden`,
			code:   "AccessDeniedException",
		},
		{name: "plain text", body: "bad gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			code, msg, reqID := parseAWSError(h, []byte(tt.body))
			if code != tt.code || msg != tt.msg || reqID != tt.reqID {
				t.Fatalf("parseAWSError = (%q, %q, %q), want (%q, %q, %q)", code, msg, reqID, tt.code, tt.msg, tt.reqID)
			}
		})
	}
}

func TestClassification(t *testing.T) {
	for status, want := range map[int]bool{
		200: false, 301: true, 302: true, 400: true, 401: true, 403: true, 404: true, 408: false,
		409: true, 413: true, 429: false, 500: false, 502: false, 503: false, 504: false,
	} {
		if got := httpStatusPermanent(status); got != want {
			t.Errorf("httpStatusPermanent(%d) = %v, want %v", status, got, want)
		}
	}
	for _, code := range []string{"Throttling", "RequestThrottled", "InternalError", "ServiceUnavailable", "RequestExpired"} {
		if !transientAWSCode(code) {
			t.Errorf("transientAWSCode(%q) = false", code)
		}
	}
	for _, code := range []string{"SignatureDoesNotMatch", "InvalidClientTokenId", "AccessDenied", "NotFound", "AWS.SimpleQueueService.NonExistentQueue", ""} {
		if transientAWSCode(code) {
			t.Errorf("transientAWSCode(%q) = true", code)
		}
	}
}
