package hitd

import (
	"context"
	"errors"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// This file holds notifications: the per-HIT-type settings
// (UpdateNotificationSettings), the events, and the durable outbox they
// are written to in the same transaction as the change they report. The
// transports live in package notify; the Service reaches them through the
// Deliverer interface, so the domain imports no network code.

// Event types, as MTurk named them.
const (
	EventAssignmentAccepted  = "AssignmentAccepted"
	EventAssignmentAbandoned = "AssignmentAbandoned"
	EventAssignmentReturned  = "AssignmentReturned"
	EventAssignmentSubmitted = "AssignmentSubmitted"
	EventAssignmentRejected  = "AssignmentRejected"
	EventAssignmentApproved  = "AssignmentApproved"
	EventHITCreated          = "HITCreated"
	EventHITExpired          = "HITExpired"
	EventHITReviewable       = "HITReviewable"
	EventHITExtended         = "HITExtended"
	EventHITDisposed         = "HITDisposed"
	EventPing                = "Ping"
)

var eventTypes = []string{EventAssignmentAccepted, EventAssignmentAbandoned, EventAssignmentReturned, EventAssignmentSubmitted,
	EventAssignmentRejected, EventAssignmentApproved, EventHITCreated, EventHITExpired, EventHITReviewable, EventHITExtended,
	EventHITDisposed, EventPing}

// Transports. Webhook is hitd's addition: an https POST signed with the
// requester's webhook secret.
const (
	TransportSQS     = "SQS"
	TransportSNS     = "SNS"
	TransportEmail   = "Email"
	TransportWebhook = "Webhook"
)

// NotificationVersion is the only message version MTurk had.
const NotificationVersion = "2006-05-05"

// NotificationSpecification says where and which events to send.
type NotificationSpecification struct {
	Destination string   `json:"Destination,omitempty"`
	Transport   string   `json:"Transport,omitempty"`
	Version     string   `json:"Version,omitempty"`
	EventTypes  []string `json:"EventTypes,omitempty"`
}

// NotificationSettings are a HIT type's settings.
type NotificationSettings struct {
	HITTypeID   string
	RequesterID string
	Spec        NotificationSpecification
	Active      bool
}

// Wants reports whether the settings deliver events of this type.
func (n *NotificationSettings) Wants(eventType string) bool {
	return n != nil && n.Active && slices.Contains(n.Spec.EventTypes, eventType)
}

// Event is one notification event, as MTurk's message body carries it.
type Event struct {
	EventType      string
	EventTimestamp time.Time
	HITId          string
	AssignmentId   string
	HITTypeId      string
}

// Outbox states.
const (
	OutboxPending   = "Pending"
	OutboxDelivered = "Delivered"
	OutboxDead      = "Dead" // gave up: a permanent failure, or too many attempts
)

// MaxDeliveryAttempts is how often an outbox item is tried before it is
// dead-lettered.
const MaxDeliveryAttempts = 12

// OutboxItem is one message waiting to be delivered.
type OutboxItem struct {
	Seq         int64
	ID          string // also the message's EventDocId
	RequesterID string
	Spec        NotificationSpecification
	Event       Event
	Status      string
	Attempts    int
	NextAttempt time.Time
	LastError   string
	CreatedAt   time.Time
	DeliveredAt time.Time
}

// Deliverer sends one message now (package notify implements it). A
// failure wrapping ErrPermanentDelivery is not retried.
type Deliverer interface {
	Deliver(ctx context.Context, requesterID string, spec NotificationSpecification, eventDocID string, events []Event) error
}

// ErrPermanentDelivery marks delivery failures that retrying cannot fix.
var ErrPermanentDelivery = errors.New("hitd: permanent delivery failure")

var snsARN = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$`)

// validateSpec checks a notification specification.
func validateSpec(n *NotificationSpecification, ping bool) error {
	for _, p := range []struct{ name, v string }{{"Destination", n.Destination}, {"Transport", n.Transport}, {"Version", n.Version}} {
		if err := requireString("Notification."+p.name, p.v); err != nil {
			return err
		}
	}
	if n.Version != NotificationVersion {
		return Errorf(ErrInvalidParameter, "The value %q is invalid for Notification.Version. The only version is %s.", n.Version, NotificationVersion)
	}
	if len(n.EventTypes) == 0 && !ping {
		return Errorf(ErrMissingParameter, "Your request is missing required parameters. Required parameters include Notification.EventTypes.")
	}
	for _, e := range n.EventTypes {
		if !slices.Contains(eventTypes, e) {
			return Errorf(ErrInvalidParameter, "The value %q is invalid for EventTypes. Valid values: %s.", e, strings.Join(eventTypes, ", "))
		}
	}
	return validateDestination(n.Transport, n.Destination)
}

func validateDestination(transport, dest string) error {
	httpish := func(what string) error {
		u, err := url.Parse(dest)
		if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname()))) {
			return Errorf(ErrInvalidParameter, "The Destination %q is not a valid %s: use an https:// URL (http:// only for localhost).", dest, what)
		}
		return nil
	}
	switch transport {
	case TransportSQS:
		return httpish("SQS queue URL")
	case TransportWebhook:
		return httpish("webhook URL")
	case TransportSNS:
		if !snsARN.MatchString(dest) {
			return Errorf(ErrInvalidParameter, "The Destination %q is not an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:my-topic.", dest)
		}
	case TransportEmail:
		if a, err := mail.ParseAddress(dest); err != nil || a.Address != dest {
			return Errorf(ErrInvalidParameter, "The Destination %q is not an e-mail address.", dest)
		}
	default:
		return Errorf(ErrInvalidParameter, "The value %q is invalid for Transport. Valid values: SQS, SNS, Email, Webhook.", transport)
	}
	return nil
}

// NotifyCredentials are a requester's credentials for signing SQS and SNS
// deliveries (set with `hitd requester notify-credentials`).
type NotifyCredentials struct {
	RequesterID     string
	AccessKeyID     string
	SecretAccessKey string
	Region          string // "" for the server's default
}
