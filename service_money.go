package hitd

import (
	"context"
	"strings"
	"time"
)

// Money moves only through a purse: it changes the balances on the domain
// values and records a ledger entry for every movement, and flush writes
// the entries in the caller's transaction. The caller persists the HITs,
// requesters and workers it changed, in the same transaction.
type purse struct {
	now     time.Time
	entries []LedgerEntry
}

func (p *purse) record(kind LedgerKind, requesterID, from, to string, amount Cents, ref string) {
	if amount == 0 {
		return
	}
	p.entries = append(p.entries, LedgerEntry{Time: p.now, Kind: kind, From: from, To: to, Amount: amount, Ref: ref, RequesterID: requesterID})
}

func (p *purse) flush(ctx context.Context, tx Tx) error {
	if len(p.entries) == 0 {
		return nil
	}
	err := tx.InsertLedgerEntries(ctx, p.entries)
	p.entries = nil
	return err
}

// deposit credits a requester from outside the marketplace.
func (p *purse) deposit(r *Requester, amount Cents) {
	_ = p.external(r, amount, LedgerDeposit, "") // a credit is never refused
}

// external moves money between the world outside the marketplace and r's
// available balance — in when amount is positive, out when negative — with
// the operator's reason in the ledger. Taking out more than the available
// balance is refused: a balance never goes negative, and money reserved
// for HITs is not available.
func (p *purse) external(r *Requester, amount Cents, kind LedgerKind, reason string) error {
	if r.Balance+amount < 0 {
		return Errorf(ErrInsufficientFunds, "The available balance is %s; taking %s would leave %s, and a balance cannot be negative. Money reserved for HITs is not available until they release it.",
			r.Balance, -amount, r.Balance+amount)
	}
	r.Balance += amount
	from, to := externalAccount, requesterAccount(r.ID)
	if amount < 0 {
		from, to, amount = to, from, -amount
	}
	p.record(kind, r.ID, from, to, amount, "")
	if n := len(p.entries); n > 0 && amount != 0 {
		p.entries[n-1].Reason = reason
	}
	return nil
}

// fund makes n more of h's slots funded, taking their cost from r.
func (p *purse) fund(r *Requester, h *HIT, t *HITType, n int) error {
	if n <= 0 {
		return nil
	}
	cost := Cents(n) * SlotCost(t, h.MaxAssignments)
	if r.Balance < cost {
		return Errorf(ErrInsufficientFunds, "This Requester has insufficient funds in their account to complete this transaction. The transaction needs %s (%d assignments at %s reward + fee) and the available balance is %s.",
			cost, n, t.Reward, r.Balance)
	}
	r.Balance -= cost
	h.Funded += n
	h.Reserved += cost
	p.record(LedgerReserve, r.ID, requesterAccount(r.ID), hitAccount(h.ID), cost, h.ID)
	return nil
}

// release returns n of h's funded slots to r.
func (p *purse) release(r *Requester, h *HIT, t *HITType, n int) {
	if n <= 0 {
		return
	}
	cost := Cents(n) * SlotCost(t, h.MaxAssignments)
	r.Balance += cost
	h.Funded -= n
	h.Reserved -= cost
	p.record(LedgerRelease, r.ID, hitAccount(h.ID), requesterAccount(r.ID), cost, h.ID)
}

// pay settles one funded slot of h for an approved assignment: the reward
// to the worker, the fee to the marketplace.
func (p *purse) pay(h *HIT, t *HITType, w *Worker, a *Assignment) {
	fee := SlotCost(t, h.MaxAssignments) - t.Reward
	h.Funded--
	h.Reserved -= t.Reward + fee
	w.Earnings += t.Reward
	p.record(LedgerReward, h.RequesterID, hitAccount(h.ID), workerAccount(w.ID), t.Reward, a.ID)
	p.record(LedgerFee, h.RequesterID, hitAccount(h.ID), feesAccount, fee, a.ID)
}

// reprice moves h's reserve to the slot cost of a new type: the difference
// is taken from or returned to r.
func (p *purse) reprice(r *Requester, h *HIT, newType *HITType) error {
	want := Cents(h.Funded) * SlotCost(newType, h.MaxAssignments)
	switch diff := want - h.Reserved; {
	case diff > 0:
		if r.Balance < diff {
			return Errorf(ErrInsufficientFunds, "This Requester has insufficient funds in their account to complete this transaction. Changing the reward needs %s more and the available balance is %s.", diff, r.Balance)
		}
		r.Balance -= diff
		p.record(LedgerReserve, r.ID, requesterAccount(r.ID), hitAccount(h.ID), diff, h.ID)
	case diff < 0:
		r.Balance += -diff
		p.record(LedgerRelease, r.ID, hitAccount(h.ID), requesterAccount(r.ID), -diff, h.ID)
	}
	h.Reserved = want
	return nil
}

// bonus pays a worker from r's balance, with the bonus fee.
func (p *purse) bonus(r *Requester, w *Worker, b *BonusPayment) error {
	total := b.Amount + b.Fee
	if r.Balance < total {
		return Errorf(ErrInsufficientFunds, "This Requester has insufficient funds in their account to complete this transaction. The bonus needs %s (%s + %s fee) and the available balance is %s.", total, b.Amount, b.Fee, r.Balance)
	}
	r.Balance -= total
	w.Earnings += b.Amount
	p.record(LedgerBonus, r.ID, requesterAccount(r.ID), workerAccount(w.ID), b.Amount, b.ID)
	p.record(LedgerBonusFee, r.ID, requesterAccount(r.ID), feesAccount, b.Fee, b.ID)
	return nil
}

// fundTarget is how many of h's slots must be funded at time now: every
// slot that can still be worked or paid for.
func fundTarget(h *HIT, now time.Time) int {
	if h.Disposed || !now.Before(h.Expiration) {
		return h.Live()
	}
	return h.MaxAssignments - h.Completed
}

// settle brings h's funding to its target: it releases slots nobody can
// work any more, and (after an extension) funds slots that reopened.
func (p *purse) settle(r *Requester, h *HIT, t *HITType, now time.Time) error {
	switch target := fundTarget(h, now); {
	case h.Funded > target:
		p.release(r, h, t, h.Funded-target)
	case h.Funded < target:
		return p.fund(r, h, t, target-h.Funded)
	}
	return nil
}

// DepositInput is the input of Deposit (the `hitd requester deposit` command).
type DepositInput struct {
	AccessKeyID string
	Amount      string // dollars, e.g. "100.00"
	Reason      string // optional: recorded in the ledger entry
}

// Deposit adds funds to a requester's available balance and returns the
// new balance.
func (s *Service) Deposit(ctx context.Context, in DepositInput) (*Requester, error) {
	amount, ok := ParseCents(in.Amount)
	if !ok || amount <= 0 {
		return nil, Errorf(ErrInvalidParameter, "The amount %q is invalid. Give a positive USD amount such as \"100.00\".", in.Amount)
	}
	return s.moveExternal(ctx, "deposit", in.AccessKeyID, amount, LedgerDeposit, in.Reason)
}

// MaxReasonRunes bounds the reason of a deposit or an adjustment.
const MaxReasonRunes = 1024

// AdjustBalanceInput is the input of AdjustBalance (the `hitd requester
// adjust-balance` command).
type AdjustBalanceInput struct {
	AccessKeyID string
	Amount      string // signed dollars: "+12.50" or "12.50" adds, "-12.50" takes away
	Reason      string // required: recorded in the ledger entry
}

// AdjustBalance corrects a requester's available balance by a signed amount
// with a reason, which the ledger entry (kind LedgerAdjustment) records,
// in one transaction, and returns the requester with its new balance. A
// change that would leave the balance negative is refused
// (ErrInsufficientFunds).
func (s *Service) AdjustBalance(ctx context.Context, in AdjustBalanceInput) (*Requester, error) {
	digits, sign := in.Amount, Cents(1)
	if rest, ok := strings.CutPrefix(digits, "-"); ok {
		digits, sign = rest, -1
	} else {
		digits = strings.TrimPrefix(digits, "+")
	}
	amount, ok := ParseCents(digits)
	if !ok || amount == 0 {
		return nil, Errorf(ErrInvalidParameter, "The amount %q is invalid. Give a nonzero USD amount with its sign, such as \"+12.50\" or \"-12.50\".", in.Amount)
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" {
		return nil, Errorf(ErrMissingParameter, "An adjustment needs a reason; it is recorded in the ledger.")
	}
	return s.moveExternal(ctx, "adjust balance", in.AccessKeyID, sign*amount, LedgerAdjustment, reason)
}

// moveExternal is Deposit and AdjustBalance: money in (amount > 0) or out
// of the requester's available balance, from or to outside the marketplace,
// in one transaction with its ledger entry.
func (s *Service) moveExternal(ctx context.Context, op, accessKeyID string, amount Cents, kind LedgerKind, reason string) (*Requester, error) {
	if err := maxRunes("Reason", reason, MaxReasonRunes); err != nil {
		return nil, err
	}
	if err := s.mirrorForAdmin(ctx, accessKeyID); err != nil {
		return nil, err
	}
	var r *Requester
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if r, err = requesterByCurrentKey(ctx, tx, accessKeyID); err != nil {
			return err
		}
		p := purse{now: s.now()}
		if err := p.external(r, amount, kind, reason); err != nil {
			return err
		}
		if err := tx.UpdateRequester(ctx, r); err != nil {
			return err
		}
		return p.flush(ctx, tx)
	})
	if err != nil {
		return nil, internal(op, err)
	}
	return r, nil
}

// mirrorForAdmin makes sure a mirrored realm (the sandbox) holds the
// requester with this access key: an admin command may come before the
// requester's first request there.
func (s *Service) mirrorForAdmin(ctx context.Context, accessKeyID string) error {
	if s.cfg.Accounts == nil {
		return nil
	}
	_, _, err := s.LookupRequester(ctx, accessKeyID)
	return err
}

// Balance is a requester's money as `hitd requester balance` shows it.
type Balance struct {
	Requester *Requester
	Available Cents // Requester.Balance: what new HITs and bonuses can spend
	Reserved  Cents // held in its HITs' reserves for slots not yet paid
}

// RequesterBalance returns the available and reserved money of the
// requester whose current key is accessKeyID, in one snapshot.
func (s *Service) RequesterBalance(ctx context.Context, accessKeyID string) (*Balance, error) {
	if err := s.mirrorForAdmin(ctx, accessKeyID); err != nil {
		return nil, err
	}
	var b Balance
	err := s.store.Read(ctx, func(tx Tx) error {
		r, err := requesterByCurrentKey(ctx, tx, accessKeyID)
		if err != nil {
			return err
		}
		reserved, err := tx.ReservedFunds(ctx, r.ID)
		b = Balance{Requester: r, Available: r.Balance, Reserved: reserved}
		return err
	})
	if err != nil {
		return nil, internal("balance", err)
	}
	return &b, nil
}

// MoneyAudit sums every balance and the ledger, so an operator (and the
// conservation tests) can check that no money was made or lost.
type MoneyAudit struct {
	RequesterBalances Cents // Σ available balances
	Reserves          Cents // Σ HIT reserves
	WorkerEarnings    Cents // Σ worker earnings
	Fees              Cents // Σ fees, from the ledger
	Deposits          Cents // Σ money in from outside less money out to it (deposits and adjustments), from the ledger
	// Mismatches lists every account whose stored balance differs from the
	// sum of its ledger entries (empty when the books agree).
	Mismatches []string
}

// Balanced reports whether the books agree: everything deposited is either
// still with requesters, reserved, earned by workers, or taken as fees.
func (m *MoneyAudit) Balanced() bool {
	return len(m.Mismatches) == 0 && m.RequesterBalances+m.Reserves+m.WorkerEarnings+m.Fees == m.Deposits
}

// AuditMoney reads the books in one snapshot.
func (s *Service) AuditMoney(ctx context.Context) (*MoneyAudit, error) {
	var out *MoneyAudit
	err := s.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.AuditMoney(ctx)
		return err
	})
	return out, err
}
