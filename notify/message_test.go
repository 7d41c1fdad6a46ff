package notify

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestBodyGolden(t *testing.T) {
	tests := []struct {
		name string
		msg  Message
		want string
	}{
		{
			// The notification MTurk published to SNS, as captured in
			// Dallinger's tests/test_recruiters.py (Dallinger/Dallinger):
			// key order, compact JSON, whole-second UTC timestamps.
			name: "Dallinger fixture (MTurk SNS message, 2014-08-15)",
			msg: Message{
				Events: []Event{
					{EventType: "AssignmentSubmitted", EventTimestamp: ts("2019-08-09T21:17:16Z"), HITId: "12345678901234567890",
						AssignmentId: "1234567890123456789012345678901234567890", HITTypeId: "09876543210987654321"},
					{EventType: "AssignmentSubmitted", EventTimestamp: ts("2019-08-09T21:17:16Z"), HITId: "12345678901234567890",
						AssignmentId: "1234567890123456789012345678900987654321", HITTypeId: "09876543210987654321"},
				},
				EventDocId:      "9928a491605538bb160590bb57b0596a9fbbcbba",
				SourceAccount:   "047991105548",
				CustomerId:      "AUYKYIHQXG6XR",
				EventDocVersion: "2014-08-15",
			},
			want: `{"Events":[{"EventType":"AssignmentSubmitted","EventTimestamp":"2019-08-09T21:17:16Z","HITId":"12345678901234567890","AssignmentId":"1234567890123456789012345678901234567890","HITTypeId":"09876543210987654321"},{"EventType":"AssignmentSubmitted","EventTimestamp":"2019-08-09T21:17:16Z","HITId":"12345678901234567890","AssignmentId":"1234567890123456789012345678900987654321","HITTypeId":"09876543210987654321"}],"EventDocId":"9928a491605538bb160590bb57b0596a9fbbcbba","SourceAccount":"047991105548","CustomerId":"AUYKYIHQXG6XR","EventDocVersion":"2014-08-15"}`,
		},
		{
			name: "2006-05-05, timestamp converted to UTC and truncated to the second",
			msg: Message{
				Events: []Event{{EventType: "AssignmentSubmitted",
					EventTimestamp: ts("2026-11-23T15:00:00.987654321+01:00"),
					HITId:          "3HIT", AssignmentId: "3ASG", HITTypeId: "3TYPE"}},
				EventDocId: "doc-1", SourceAccount: "123456789012", CustomerId: "AREQ", EventDocVersion: "2006-05-05",
			},
			want: `{"Events":[{"EventType":"AssignmentSubmitted","EventTimestamp":"2026-11-23T14:00:00Z","HITId":"3HIT","AssignmentId":"3ASG","HITTypeId":"3TYPE"}],"EventDocId":"doc-1","SourceAccount":"123456789012","CustomerId":"AREQ","EventDocVersion":"2006-05-05"}`,
		},
		{
			name: "HIT-level event: AssignmentId omitted; no SourceAccount: omitted",
			msg: Message{
				Events:     []Event{{EventType: "HITReviewable", EventTimestamp: ts("2026-01-02T03:04:05Z"), HITId: "3HIT", HITTypeId: "3TYPE"}},
				EventDocId: "doc-2", CustomerId: "AREQ", EventDocVersion: "2014-08-15",
			},
			want: `{"Events":[{"EventType":"HITReviewable","EventTimestamp":"2026-01-02T03:04:05Z","HITId":"3HIT","HITTypeId":"3TYPE"}],"EventDocId":"doc-2","CustomerId":"AREQ","EventDocVersion":"2014-08-15"}`,
		},
		{
			name: "empty ids are still written; no HTML escaping",
			msg: Message{
				Events:     []Event{{EventType: "Ping", EventTimestamp: ts("2026-01-02T03:04:05Z")}},
				EventDocId: "a<b>&c",
			},
			want: `{"Events":[{"EventType":"Ping","EventTimestamp":"2026-01-02T03:04:05Z","HITId":"","HITTypeId":""}],"EventDocId":"a<b>&c","CustomerId":"","EventDocVersion":""}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.msg.Body()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("Body():\n got %s\nwant %s", got, tt.want)
			}
			back, err := ParseMessage(got)
			if err != nil {
				t.Fatal(err)
			}
			again, err := back.Body()
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != tt.want {
				t.Fatalf("Body(ParseMessage(Body())) differs:\n got %s\nwant %s", again, tt.want)
			}
		})
	}
}

func TestBodyErrors(t *testing.T) {
	tests := []struct {
		name string
		msg  Message
		want string
	}{
		{"no events", Message{EventDocId: "x"}, "no events"},
		{"no type", Message{Events: []Event{{EventTimestamp: time.Now()}}}, "no EventType"},
		{"no time", Message{Events: []Event{{EventType: "HITExpired"}}}, "no EventTimestamp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.msg.Body()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Body() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestParseMessage(t *testing.T) {
	m, err := ParseMessage([]byte(`{"Events":[{"EventType":"AssignmentAccepted","EventTimestamp":"2026-11-23T14:00:00.5+02:00","HITId":"H","AssignmentId":"A","HITTypeId":"T"}],"EventDocId":"D","CustomerId":"C","EventDocVersion":"2006-05-05"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Message{
		Events:     []Event{{EventType: "AssignmentAccepted", EventTimestamp: ts("2026-11-23T12:00:00.5Z"), HITId: "H", AssignmentId: "A", HITTypeId: "T"}},
		EventDocId: "D", CustomerId: "C", EventDocVersion: "2006-05-05",
	}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("ParseMessage = %+v, want %+v", m, want)
	}
	for _, bad := range []string{`{`, `{"Events":[{"EventTimestamp":"yesterday"}]}`} {
		if _, err := ParseMessage([]byte(bad)); err == nil {
			t.Errorf("ParseMessage(%s) succeeded", bad)
		}
	}
}

func TestEmailSubject(t *testing.T) {
	tests := []struct {
		msg  Message
		want string
	}{
		{Message{Events: []Event{{EventType: "AssignmentSubmitted"}, {EventType: "HITReviewable"}}}, "Your Event Notification: AssignmentSubmitted"},
		{Message{Events: []Event{{EventType: "Ping\r\nBcc: x@example.com"}}}, "Your Event Notification: PingBcc: x@example.com"},
		{Message{}, "Your Event Notification"},
	}
	for _, tt := range tests {
		if got := EmailSubject(tt.msg); got != tt.want {
			t.Errorf("EmailSubject = %q, want %q", got, tt.want)
		}
	}
}
