package hitd

import "time"

// Worker is a person (or script) who does HITs. Its ID is shaped like
// MTurk's WorkerIds: "A" followed by 13 upper-case alphanumerics.
type Worker struct {
	ID           string
	Username     string // as typed at sign-up; unique regardless of case
	PasswordHash []byte // bcrypt; never leaves the Service
	Country      string // ISO 3166-1 alpha-2, "" until set (used by the Locale qualification)
	Subdivision  string // ISO 3166-2 subdivision code without the country prefix, e.g. "WA"
	Adult        bool   // declared 18 or older (the Adult qualification)
	Masters      bool   // granted Masters by the operator (`hitd worker masters`)
	Earnings     Cents  // rewards and bonuses paid so far
	// Counts of the worker's assignments by outcome, kept by the Service in
	// the same transaction as the change.
	Submitted    int // ever submitted
	Approved     int
	Rejected     int
	CreationTime time.Time
	// Disabled workers (`hitd worker disable`) cannot sign in, their
	// sessions and worker-API tokens are refused, and they cannot accept
	// or submit (SetWorkerDisabled).
	Disabled bool
}

// Limits on worker accounts.
const (
	MinUsernameRunes = 3
	MaxUsernameRunes = 64
	MinPasswordRunes = 8
	MaxPasswordBytes = 72 // bcrypt's limit
	// SessionLifetime is how long a login (web cookie or API bearer token) lasts.
	SessionLifetime = 30 * 24 * time.Hour
	// InviteLifetime is how long an invite code from `hitd worker invite` stays usable.
	InviteLifetime = 30 * 24 * time.Hour
)

// SignupPolicy says who may create a worker account on the web.
type SignupPolicy string

// Sign-up policies (--worker-signup).
const (
	SignupOpen   SignupPolicy = "open"   // anyone
	SignupInvite SignupPolicy = "invite" // only with an unused invite code
	SignupClosed SignupPolicy = "closed" // only `hitd worker create`
)

// Session is a logged-in worker. The token itself is never stored: the
// store keeps its SHA-256, so a leaked database does not leak sessions.
type Session struct {
	TokenHash    []byte
	WorkerID     string
	CreationTime time.Time
	Expiration   time.Time
}

// Invite is a one-use sign-up code; like session tokens, only its hash is kept.
type Invite struct {
	CodeHash     []byte
	CreationTime time.Time
	UsedBy       string // WorkerId, "" while unused
}

// WorkerMessage is a message from a requester (NotifyWorkers) in a
// worker's inbox on the worker site.
type WorkerMessage struct {
	ID            string
	WorkerID      string
	RequesterID   string
	RequesterName string
	Subject       string
	MessageText   string
	CreationTime  time.Time
}

// WorkerProfile is what the worker site shows a worker about themselves.
type WorkerProfile struct {
	Worker  *Worker
	Pending int // assignments accepted and not yet submitted
}
