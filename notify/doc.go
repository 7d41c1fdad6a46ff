// Package notify delivers hitd's HIT and assignment event notifications the
// way Amazon Mechanical Turk did: as a JSON event document sent to an Amazon
// SQS queue, published to an Amazon SNS topic, or mailed to an address, plus
// hitd's own signed webhook.
//
// What it owns:
//
//   - The message format (Message, Event, Message.Body, ParseMessage): the
//     JSON document MTurk put in the SQS message body / SNS message, key for
//     key and in MTurk's key order (see message.go for the sources).
//   - The transports (Sender.Send): SQS SendMessage and SNS Publish over the
//     AWS query protocol, SigV4-signed with
//     github.com/aws/aws-sdk-go-v2/aws/signer/v4; e-mail over net/smtp; and
//     webhooks signed with HMAC-SHA256 (SignWebhook, VerifyWebhook).
//   - Destination syntax (ValidateDestination), the classification of
//     failures into transient and permanent (ErrPermanent, *SendError) and the
//     retry schedule (Backoff).
//
// What it must not touch: apart from deliverer.go, the one adapter to the
// domain's hitd.Deliverer, it does not import the domain package
// (github.com/hitd/hitd), and it imports no store or HTTP API. It has no outbox, no
// queue of its own and no goroutines: Send delivers one message synchronously
// and returns. Deciding what to send, when, to whom, persisting attempts and
// retrying (with Backoff) belong to the caller's durable outbox and
// dispatcher; the caller adapts its domain types to Message and Destination.
//
// Package notify/notifytest holds fake receivers (SQS, SNS, SMTP, webhook)
// for tests in any package.
package notify
