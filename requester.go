package hitd

import "time"

// Requester is an account that posts work and pays for it. Its secret is
// kept as given because SigV4 verification needs it to compute the HMAC; it
// is only ever compared in constant time.
//
// Admin and ConsolePasswordHash belong to the requester console
// (service_console.go); no API output carries them.
type Requester struct {
	ID              string
	Name            string
	AccessKeyID     string
	SecretAccessKey string
	Balance         Cents
	Root            bool // the requester configured by HITD_ROOT_* or generated at first start
	// Admin lets the requester manage the server from the console
	// (`hitd requester create --admin`). Root does not imply it.
	Admin bool
	// ConsolePasswordHash is the bcrypt hash of the console password set
	// by `hitd requester set-password`; nil when none is set, and the
	// requester then signs in to the console with its secret access key only.
	ConsolePasswordHash []byte `json:"-"`
	CreationTime        time.Time
	// Disabled requesters are refused on every authentication path (SigV4,
	// HTTP Basic, the legacy API, the console, and the sandbox, which takes
	// its requesters from production) as if their access key did not
	// exist; `hitd requester disable` / `enable` set it. Their HITs, money
	// and history stay as they are.
	Disabled bool
}

// RequesterSession is a requester console login. Only the SHA-256 of its
// token is stored, as for worker sessions.
type RequesterSession struct {
	TokenHash    []byte
	RequesterID  string
	CreationTime time.Time
	Expiration   time.Time
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
