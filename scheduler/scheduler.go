// Package scheduler applies hitd's time-driven work: abandoning accepted
// assignments whose time ran out, auto-approving submitted ones, noting
// expiries and returning the money of expired HITs' unused slots, running
// HIT-level review policies on HITs that became reviewable, and delivering
// notifications from the outbox.
//
// It owns only the loop. What is due, and how it is applied, is the
// Service's (hitd.Service.ApplyDue): every item is re-checked inside its
// transaction, so a pass that runs twice — or on two nodes — applies
// nothing twice. Tests call RunOnce with the fake clock's time instead of
// waiting for the loop.
package scheduler

import (
	"context"
	"log/slog"
	"time"

	"github.com/hitd/hitd"
)

// Scheduler runs due work periodically.
type Scheduler struct {
	svc      *hitd.Service
	elector  Elector
	clock    hitd.Clock
	interval time.Duration
	batch    int
	logger   *slog.Logger
	observer Observer
}

// Elector decides whether this node runs the scheduler now. Lead takes or
// renews leadership and reports whether this node has it; Resign gives it
// up so another node can take it at once.
type Elector interface {
	Lead(ctx context.Context) (bool, error)
	Resign(ctx context.Context) error
}

// Options configures a Scheduler.
type Options struct {
	Elector  Elector       // nil: this node always runs the scheduler
	Interval time.Duration // between passes; default 1s
	Batch    int           // items per transaction; default 500
	Logger   *slog.Logger  // nil: discard
	Observer Observer      // nil: none
}

// Observer is told the totals of every RunOnce, and its error (package
// metrics counts them).
type Observer interface {
	ObservePass(st Stats, err error)
}

// New returns a Scheduler over svc, reading time from clock.
func New(svc *hitd.Service, clock hitd.Clock, opts Options) *Scheduler {
	if opts.Interval <= 0 {
		opts.Interval = time.Second
	}
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Scheduler{svc: svc, elector: opts.Elector, clock: clock, interval: opts.Interval, batch: opts.Batch, logger: opts.Logger,
		observer: opts.Observer}
}

// Stats are the totals of one RunOnce.
type Stats struct {
	hitd.DueStats
	Delivered        int // notifications delivered
	DeliveryFailures int // deliveries that failed (retried later, or dead-lettered)
}

// RunOnce applies everything due at now, in batches, and returns the
// totals. It stops early only when ctx ends or the store fails.
func (s *Scheduler) RunOnce(ctx context.Context, now time.Time) (Stats, error) {
	st, err := s.runOnce(ctx, now)
	if s.observer != nil {
		s.observer.ObservePass(st, err)
	}
	return st, err
}

func (s *Scheduler) runOnce(ctx context.Context, now time.Time) (Stats, error) {
	var total Stats
	for {
		st, err := s.svc.ApplyDue(ctx, now, s.batch)
		total.Add(st)
		if err != nil {
			return total, err
		}
		if st.Total() < s.batch {
			break
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
	// Notifications go out after the work that produced them, outside any
	// transaction; what fails is retried on a later pass.
	for {
		d, err := s.svc.DeliverDue(ctx, now, s.batch)
		total.Delivered += d.Delivered
		total.DeliveryFailures += d.Retrying + d.Dead
		if err != nil {
			return total, err
		}
		if d.Delivered+d.Retrying+d.Dead < s.batch || ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}

// Run calls RunOnce every interval until ctx ends. With an Elector, each
// pass first takes or renews leadership and runs only if this node has it.
func (s *Scheduler) Run(ctx context.Context) {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	leading := false
	if s.elector != nil {
		defer func() {
			rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := s.elector.Resign(rctx); err != nil {
				s.logger.Warn("scheduler: resign", "err", err)
			}
		}()
	}
	for {
		run := true
		if s.elector != nil {
			ok, err := s.elector.Lead(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				s.logger.Error("scheduler: leader lease", "err", err)
			case ok && !leading:
				s.logger.Info("scheduler: leading (this node applies due work)")
			case !ok && leading:
				s.logger.Warn("scheduler: lost the leader lease; standing by")
			}
			leading = ok && err == nil
			run = leading
		}
		if run {
			s.pass(ctx)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Scheduler) pass(ctx context.Context) {
	st, err := s.RunOnce(ctx, s.clock.Now())
	switch {
	case err != nil && ctx.Err() == nil:
		s.logger.Error("scheduler pass failed", "err", err)
	case st.Total() > 0 || st.Delivered+st.DeliveryFailures > 0:
		s.logger.Info("scheduler pass", "abandoned", st.Abandoned, "auto_approved", st.AutoApproved, "expired", st.Expired,
			"released", st.Released, "reviewed", st.Reviewed, "delivered", st.Delivered, "delivery_failures", st.DeliveryFailures)
	}
}
