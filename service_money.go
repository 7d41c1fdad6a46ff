package hitd

import (
	"context"
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
	r.Balance += amount
	p.record(LedgerDeposit, r.ID, externalAccount, requesterAccount(r.ID), amount, "")
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
}

// Deposit adds funds to a requester's available balance and returns the
// new balance.
func (s *Service) Deposit(ctx context.Context, in DepositInput) (*Requester, error) {
	amount, ok := ParseCents(in.Amount)
	if !ok || amount <= 0 {
		return nil, Errorf(ErrInvalidParameter, "The amount %q is invalid. Give a positive USD amount such as \"100.00\".", in.Amount)
	}
	if s.cfg.Accounts != nil {
		// A sandbox deposit may come before the requester's first sandbox request.
		if _, _, err := s.LookupRequester(ctx, in.AccessKeyID); err != nil {
			return nil, err
		}
	}
	var r *Requester
	err := s.store.Write(ctx, func(tx Tx) error {
		var err error
		if r, err = tx.RequesterByAccessKey(ctx, in.AccessKeyID); err != nil {
			return notFound(err, ErrNotAuthorized, "No requester has the access key id %s.", in.AccessKeyID)
		}
		p := purse{now: s.now()}
		p.deposit(r, amount)
		if err := tx.UpdateRequester(ctx, r); err != nil {
			return err
		}
		return p.flush(ctx, tx)
	})
	if err != nil {
		return nil, internal("deposit", err)
	}
	return r, nil
}

// MoneyAudit sums every balance and the ledger, so an operator (and the
// conservation tests) can check that no money was made or lost.
type MoneyAudit struct {
	RequesterBalances Cents // Σ available balances
	Reserves          Cents // Σ HIT reserves
	WorkerEarnings    Cents // Σ worker earnings
	Fees              Cents // Σ fees, from the ledger
	Deposits          Cents // Σ deposits, from the ledger
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
