package hitd

import "time"

// AssignmentStatus is an assignment's state. The API reports only the last
// three; the first three are the worker-side states before submission.
type AssignmentStatus string

// Assignment states.
const (
	AssignmentAccepted  AssignmentStatus = "Accepted"  // a worker holds the slot and is working
	AssignmentReturned  AssignmentStatus = "Returned"  // the worker gave it back; the slot is free again
	AssignmentAbandoned AssignmentStatus = "Abandoned" // AssignmentDuration passed without a submission
	AssignmentSubmitted AssignmentStatus = "Submitted"
	AssignmentApproved  AssignmentStatus = "Approved"
	AssignmentRejected  AssignmentStatus = "Rejected"
)

// Reported reports whether the API shows assignments in this state.
func (s AssignmentStatus) Reported() bool {
	return s == AssignmentSubmitted || s == AssignmentApproved || s == AssignmentRejected
}

// Live reports whether the assignment holds one of its HIT's slots.
func (s AssignmentStatus) Live() bool { return s != AssignmentReturned && s != AssignmentAbandoned }

// Assignment is one worker's work on one HIT.
type Assignment struct {
	ID          string
	Seq         int64 // store-assigned, increasing; orders listings
	HITID       string
	HITTypeID   string // the HIT's type when the worker accepted it
	RequesterID string
	WorkerID    string
	Status      AssignmentStatus
	AcceptTime  time.Time
	Deadline    time.Time // AcceptTime + AssignmentDurationInSeconds
	// AutoApprovalDelay is copied from the HIT type at accept time so a later
	// UpdateHITTypeOfHIT does not change a worker's terms.
	AutoApprovalDelayInSeconds int64
	SubmitTime                 time.Time // zero until submitted
	AutoApprovalTime           time.Time // SubmitTime + AutoApprovalDelay
	ApprovalTime               time.Time
	RejectionTime              time.Time
	Answer                     string // QuestionFormAnswers XML
	RequesterFeedback          string
}

// DueAt is when the scheduler must next act on the assignment: abandon it
// at its deadline, or approve it at its auto-approval time. Zero when
// nothing is due.
func (a *Assignment) DueAt() time.Time {
	switch a.Status {
	case AssignmentAccepted:
		return a.Deadline
	case AssignmentSubmitted:
		return a.AutoApprovalTime
	}
	return time.Time{}
}

// Limits from the MTurk API reference.
const (
	MaxFeedbackRunes         = 1024
	MaxBonusReasonRunes      = 4096
	MaxNotifySubjectRunes    = 200
	MaxNotifyMessageRunes    = 4096
	MaxNotifyWorkers         = 100
	MaxAdditionalAssignments = 1000000
	// HighFeeThreshold: HITs with this many assignments or more pay the
	// higher commission, and a HIT created with fewer can never reach it.
	HighFeeThreshold = 10
)

// FeePercent is MTurk's commission rate for a HIT: 20 %, 40 % for HITs
// with HighFeeThreshold or more assignments, plus 5 % when the HIT
// requires Masters. Bonuses pay 20 %.
func FeePercent(maxAssignments int, masters bool) Cents {
	pct := Cents(20)
	if maxAssignments >= HighFeeThreshold {
		pct = 40
	}
	if masters {
		pct += 5
	}
	return pct
}

// BonusFeePercent is the commission on bonuses.
const BonusFeePercent Cents = 20

// Fee is the commission at pct percent on a payment of amount cents, at
// least one cent. Fractions of a cent round up, so the marketplace never
// pays out more than it was given.
func Fee(amount, pct Cents) Cents {
	f := (amount*pct + 99) / 100
	if f < 1 {
		f = 1
	}
	return f
}

// SlotCost is what one assignment slot of a HIT of type t reserves: the
// reward and its fee.
func SlotCost(t *HITType, maxAssignments int) Cents {
	return t.Reward + Fee(t.Reward, FeePercent(maxAssignments, RequiresMasters(t.QualificationRequirements)))
}

// BonusPayment is one SendBonus.
type BonusPayment struct {
	ID           string
	RequesterID  string
	WorkerID     string
	AssignmentID string
	HITID        string
	Seq          int64 // store-assigned; orders listings
	Amount       Cents
	Fee          Cents
	Reason       string
	GrantTime    time.Time
}

// LedgerEntry is one movement of money. Accounts are named
// "requester:<id>", "hit:<id>" (a HIT's reserve), "worker:<id>", "fees"
// and "external" (deposits come from outside). The entries of one
// operation are written in the same transaction as the balances they move.
type LedgerEntry struct {
	Seq    int64
	Time   time.Time
	Kind   LedgerKind
	From   string
	To     string
	Amount Cents
	Ref    string // the HIT, assignment or bonus the movement is for
	// RequesterID is the requester whose money moved: the one credited,
	// debited, or whose HIT paid.
	RequesterID string
	// Reason is why an operator moved the money (deposits and
	// adjustments made with `hitd requester deposit|adjust-balance
	// --reason`); "" otherwise.
	Reason string
}

// LedgerKind says why money moved.
type LedgerKind string

// Ledger entry kinds.
const (
	LedgerDeposit  LedgerKind = "deposit"  // external → requester
	LedgerReserve  LedgerKind = "reserve"  // requester → hit: reward + fee for each slot
	LedgerRelease  LedgerKind = "release"  // hit → requester: a rejected or unused slot
	LedgerReward   LedgerKind = "reward"   // hit → worker: an approved assignment
	LedgerFee      LedgerKind = "fee"      // hit → fees: the commission on an approved assignment
	LedgerBonus    LedgerKind = "bonus"    // requester → worker
	LedgerBonusFee LedgerKind = "bonusfee" // requester → fees
	// LedgerAdjustment is an operator's correction with a reason:
	// external → requester when positive, requester → external when
	// negative (`hitd requester adjust-balance`).
	LedgerAdjustment LedgerKind = "adjustment"
)

// Ledger account names.
func requesterAccount(id string) string { return "requester:" + id }
func hitAccount(id string) string       { return "hit:" + id }
func workerAccount(id string) string    { return "worker:" + id }

const (
	feesAccount     = "fees"
	externalAccount = "external"
)
