package hitd

import "time"

// Requester is an account that posts work and pays for it. Its secret is
// kept as given because SigV4 verification needs it to compute the HMAC; it
// is only ever compared in constant time.
type Requester struct {
	ID              string
	Name            string
	AccessKeyID     string
	SecretAccessKey string
	Balance         Cents
	Root            bool // the requester configured by HITD_ROOT_* or generated at first start
	CreationTime    time.Time
}

// RequestToken remembers a UniqueRequestToken so a retried create is
// recognised instead of repeated.
type RequestToken struct {
	RequesterID  string
	Scope        string // which kind of request the token guards, e.g. "HIT"
	Token        string
	ResultID     string // what the first request created
	CreationTime time.Time
}

// Caller identifies who is making a request. Edges fill it in after
// authentication; the Service scopes every read and write to it.
type Caller struct {
	RequesterID string
}
