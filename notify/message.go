package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The notification document, as MTurk wrote it.
//
// Sources:
//
//   - AWS, "Notification Handling Using Amazon SNS", section "SNS Message
//     Payload" (https://docs.aws.amazon.com/AWSMechTurk/latest/AWSMturkAPI/ApiReference_NotificationReceptorAPI_SNSTransportArticle.html):
//     the body is a JSON structure with EventDocVersion (the Version given in
//     the notification specification), EventDocId (unique per event document,
//     for duplicate detection), CustomerId and Events; each Event has
//     EventType, EventTimestamp ("a dateTime in the Coordinated Universal
//     Time time zone, such as 2005-01-31T23:59:59Z"), HITTypeId, HITId and
//     AssignmentId ("the assignment ID for the event, if applicable"). The
//     SQS article of the same guide and the README of the npm package
//     "turk" (chbrown/turk, "SQS Message Payload") describe the same
//     structure for SQS, with "2006-05-05" as the example EventDocVersion.
//   - A captured MTurk message used as a test fixture by Dallinger
//     (Dallinger/Dallinger, tests/test_recruiters.py, the SNS "Message"
//     field of a notification posted to its SNS route):
//
//     {"Events":[{"EventType":"AssignmentSubmitted","EventTimestamp":"2019-08-09T21:17:16Z","HITId":"…","AssignmentId":"…","HITTypeId":"…"},…],
//     "EventDocId":"9928a491605538bb160590bb57b0596a9fbbcbba","SourceAccount":"047991105548","CustomerId":"AUYKYIHQXG6XR","EventDocVersion":"2014-08-15"}
//
//     It fixes what the prose does not: the key order (Events, EventDocId,
//     SourceAccount, CustomerId, EventDocVersion; within an event
//     EventType, EventTimestamp, HITId, AssignmentId, HITTypeId), compact
//     JSON with no spaces, whole-second timestamps with a literal "Z", and
//     the SourceAccount key (the AWS account linked to the requester), which
//     the documentation does not list.
//
// Omission: no public sample of a HIT-level event (HITReviewable,
// HITExpired, …) was found. Following the documentation's "if applicable",
// AssignmentId is omitted when empty; consumers seen in public code read it
// with event.get("AssignmentId") (Dallinger's recruiters.py), which accepts
// either. SourceAccount is omitted when empty, since the documented format
// (and the older SQS format) has no such key; the Deliverer always fills it
// (see SourceAccount), so hitd's messages have every key of the captured
// one. Every other key is always written.

// Event is one event of a notification document.
type Event struct {
	EventType      string    // AssignmentAccepted, AssignmentSubmitted, HITReviewable, Ping, …
	EventTimestamp time.Time // written in UTC, truncated to the second
	HITId          string
	AssignmentId   string // empty for HIT-level events; then the key is omitted
	HITTypeId      string
}

// Message is one notification document: one or more events of one HIT type.
type Message struct {
	Events          []Event
	EventDocId      string // unique per document; receivers dedupe on it
	SourceAccount   string // the requester's AWS account id; omitted when empty
	CustomerId      string // the requester's customer id
	EventDocVersion string // the Version of the notification specification, e.g. "2006-05-05" or "2014-08-15"
}

// TimestampFormat is how EventTimestamp is written: ISO-8601 in UTC with
// whole seconds, e.g. 2005-01-31T23:59:59Z.
const TimestampFormat = "2006-01-02T15:04:05Z"

// The wire forms. Field order is the key order of the JSON.
type wireEvent struct {
	EventType      string `json:"EventType"`
	EventTimestamp string `json:"EventTimestamp"`
	HITId          string `json:"HITId"`
	AssignmentId   string `json:"AssignmentId,omitempty"`
	HITTypeId      string `json:"HITTypeId"`
}

type wireMessage struct {
	Events          []wireEvent `json:"Events"`
	EventDocId      string      `json:"EventDocId"`
	SourceAccount   string      `json:"SourceAccount,omitempty"`
	CustomerId      string      `json:"CustomerId"`
	EventDocVersion string      `json:"EventDocVersion"`
}

// Body returns the JSON document exactly as MTurk sent it: compact, in
// MTurk's key order, without a trailing newline and without Go's HTML
// escaping of <, > and &. It fails when there is no event, or an event has
// no EventType or a zero EventTimestamp.
func (m Message) Body() ([]byte, error) {
	if len(m.Events) == 0 {
		return nil, errors.New("notify: message has no events")
	}
	w := wireMessage{
		Events:          make([]wireEvent, len(m.Events)),
		EventDocId:      m.EventDocId,
		SourceAccount:   m.SourceAccount,
		CustomerId:      m.CustomerId,
		EventDocVersion: m.EventDocVersion,
	}
	for i, e := range m.Events {
		if e.EventType == "" {
			return nil, fmt.Errorf("notify: event %d has no EventType", i)
		}
		if e.EventTimestamp.IsZero() {
			return nil, fmt.Errorf("notify: event %d (%s) has no EventTimestamp", i, e.EventType)
		}
		w.Events[i] = wireEvent{
			EventType:      e.EventType,
			EventTimestamp: e.EventTimestamp.UTC().Format(TimestampFormat),
			HITId:          e.HITId,
			AssignmentId:   e.AssignmentId,
			HITTypeId:      e.HITTypeId,
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		return nil, fmt.Errorf("notify: encoding message: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ParseMessage decodes a notification document (as written by Body or by
// MTurk). EventTimestamp accepts any RFC 3339 time.
func ParseMessage(body []byte) (Message, error) {
	var w wireMessage
	if err := json.Unmarshal(body, &w); err != nil {
		return Message{}, fmt.Errorf("notify: decoding message: %w", err)
	}
	m := Message{
		Events:          make([]Event, len(w.Events)),
		EventDocId:      w.EventDocId,
		SourceAccount:   w.SourceAccount,
		CustomerId:      w.CustomerId,
		EventDocVersion: w.EventDocVersion,
	}
	for i, e := range w.Events {
		ts, err := time.Parse(time.RFC3339, e.EventTimestamp)
		if err != nil {
			return Message{}, fmt.Errorf("notify: event %d: EventTimestamp %q: %w", i, e.EventTimestamp, err)
		}
		m.Events[i] = Event{
			EventType:      e.EventType,
			EventTimestamp: ts.UTC(),
			HITId:          e.HITId,
			AssignmentId:   e.AssignmentId,
			HITTypeId:      e.HITTypeId,
		}
	}
	return m, nil
}

// firstEventType names the message in subjects and errors.
func (m Message) firstEventType() string {
	if len(m.Events) == 0 {
		return ""
	}
	return m.Events[0].EventType
}
