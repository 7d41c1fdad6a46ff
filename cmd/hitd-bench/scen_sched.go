package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/load"
)

// Shape of the scheduler scenario's rows.
const (
	schedAsgPerHIT  = 9   // each pending HIT: one expiry and 9 auto-approvals pending
	schedDuePerHIT  = 100 // due auto-approvals per HIT
	schedWorkers    = 1000
	schedHITsPerTx  = bulkBatch / (schedAsgPerHIT + 1)
	schedPollEvery  = 10 * time.Millisecond
	schedMaxWait    = 30 * time.Second
	schedRawBatch   = 500 // items per transaction in the store baseline, as the scheduler's batch
	schedAnswerText = `<?xml version="1.0" encoding="ASCII"?><QuestionFormAnswers xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2005-10-01/QuestionFormAnswers.xsd"><Answer><QuestionIdentifier>label</QuestionIdentifier><FreeText>a cat</FreeText></Answer></QuestionFormAnswers>`
)

// submittedAssignment is a submitted assignment of h by w, auto-approved at approveAt.
func submittedAssignment(h *hitd.HIT, w benchWorker, now, approveAt time.Time) *hitd.Assignment {
	return &hitd.Assignment{ID: hitd.IDSource{}.AssignmentID(), HITID: h.ID, HITTypeID: h.HITTypeID, RequesterID: h.RequesterID,
		WorkerID: w.ID, Status: hitd.AssignmentSubmitted, AcceptTime: now.Add(-time.Minute), Deadline: now.Add(9 * time.Minute),
		AutoApprovalDelayInSeconds: int64(approveAt.Sub(now) / time.Second), SubmitTime: now, AutoApprovalTime: approveAt,
		Answer: schedAnswerText}
}

// dueSet is the small set of items made due at one moment: HITs that
// expire (their expiry noted and unused slots' money released) and
// submitted assignments that are auto-approved.
type dueSet struct {
	expiring  []*hitd.HIT
	approving []*hitd.HIT // each with approvals[i] submitted assignments
	approvals []int
}

func (d *dueSet) total() int {
	n := len(d.expiring)
	for _, a := range d.approvals {
		n += a
	}
	return n
}

// insertDueSet inserts due items, a tenth expiries (at least one) and the
// rest auto-approvals, all falling due at at.
func insertDueSet(ctx context.Context, st hitd.Store, t *hitd.HITType, ws []benchWorker, due int, now, at time.Time) (*dueSet, error) {
	ds := &dueSet{}
	exp := max(1, due/10)
	far := now.Add(24 * time.Hour)
	for range exp {
		ds.expiring = append(ds.expiring, benchHIT(t, 1, now, at))
	}
	for left := due - exp; left > 0; left -= schedDuePerHIT {
		n := min(left, schedDuePerHIT)
		h := benchHIT(t, n, now, far)
		h.Submitted = n
		ds.approving = append(ds.approving, h)
		ds.approvals = append(ds.approvals, n)
	}
	err := st.Write(ctx, func(tx hitd.Tx) error {
		for _, h := range ds.expiring {
			if err := tx.InsertHIT(ctx, h); err != nil {
				return err
			}
		}
		for i, h := range ds.approving {
			if err := tx.InsertHIT(ctx, h); err != nil {
				return err
			}
			for j := range ds.approvals[i] {
				if err := tx.InsertAssignment(ctx, submittedAssignment(h, ws[j%len(ws)], now, at)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return ds, err
}

// scenarioScheduler: --scheduler-items pending items (submitted
// assignments awaiting auto-approval and HITs awaiting expiry, none due
// for a day or more) inserted directly, then --scheduler-due items that
// fall due --scheduler-lead later. It measures how long after their due
// time the server applies them (polling the store every 10 ms) and the
// server's memory meanwhile.
func (b *bench) scenarioScheduler(ctx context.Context) *Scenario {
	cfg := b.cfg
	pendingHITs := cfg.schedItems / (schedAsgPerHIT + 1)
	items := pendingHITs * (schedAsgPerHIT + 1)
	s := b.newScenario("scheduler", "sqlite", 1, 0)
	s.Params["pending_items"], s.Params["due_items"] = items, cfg.schedDue
	s.Params["scheduler_interval"], s.Params["lead"] = cfg.schedEvery.String(), cfg.schedLead.String()
	d := b.open(ctx, s, "sqlite", 1, true, "--scheduler-interval", cfg.schedEvery.String())
	if d == nil {
		return s
	}
	defer d.close()
	if d.target {
		s.Params["scheduler_interval"] = "the target's"
	}
	var idleRSS int64
	if pids := d.pids(); len(pids) > 0 {
		time.Sleep(time.Second) // let start-up garbage be collected
		if m, err := load.ReadMem(pids[0]); err == nil {
			idleRSS = m.VmRSS
		}
	}
	smp := d.sample()
	st, req, ok := openAsRequester(ctx, s, d)
	if !ok {
		return s
	}
	defer st.Close()
	t := benchHITType(req.ID, benchAutoApprove)
	if err := st.Write(ctx, func(tx hitd.Tx) error { _, err := tx.InsertHITType(ctx, t); return err }); err != nil {
		s.fail(1, "insert the HIT type: "+err.Error())
		return s
	}
	ws, err := makeWorkers(ctx, st, "sched", schedWorkers, false)
	if err != nil {
		s.fail(1, err.Error())
		return s
	}

	b.logf("scheduler: inserting %d pending items (%d HITs, %d submitted assignments) directly in the store", items, pendingHITs, pendingHITs*schedAsgPerHIT)
	ld, closeLoader, err := openLoader(d.db, st)
	if err != nil {
		s.fail(1, "open the bulk loader: "+err.Error())
		return s
	}
	defer closeLoader()
	t0 := time.Now()
	now := t0.UTC()
	for lo := 0; lo < pendingHITs && ctx.Err() == nil; lo += schedHITsPerTx {
		hi := min(pendingHITs, lo+schedHITsPerTx)
		err := ld.Write(ctx, func(tx hitd.Tx) error {
			for i := lo; i < hi; i++ {
				h := benchHIT(t, schedAsgPerHIT, now, now.Add(24*time.Hour))
				h.Submitted = schedAsgPerHIT
				if err := tx.InsertHIT(ctx, h); err != nil {
					return err
				}
				for j := range schedAsgPerHIT {
					if err := tx.InsertAssignment(ctx, submittedAssignment(h, ws[(i*schedAsgPerHIT+j)%len(ws)], now, now.Add(7*24*time.Hour))); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			s.fail(1, "insert pending items: "+err.Error())
			return s
		}
		if done := hi * (schedAsgPerHIT + 1); done%(200000) == 0 {
			b.logf("scheduler: %d items inserted", done)
		}
	}
	ins := time.Since(t0)
	closeLoader()
	s.Params["insert_seconds"] = round(ins.Seconds())
	s.note("inserted %d pending items directly in %.1f s while the server ran: %d HITs expiring in 24 h, each with %d submitted assignments auto-approved in 7 days",
		items, ins.Seconds(), pendingHITs, schedAsgPerHIT)

	// The due set.
	now = time.Now().UTC()
	at := now.Add(cfg.schedLead).Truncate(time.Millisecond)
	ds, err := insertDueSet(ctx, st, t, ws, cfg.schedDue, now, at)
	if err != nil {
		s.fail(1, "insert the due items: "+err.Error())
		return s
	}
	inserted := time.Now()
	if !inserted.Before(at) {
		s.note("the due items were inserted %v after they fell due: raise --scheduler-lead", inserted.Sub(at))
	}
	var cpu0 time.Duration
	pid := 0
	if pids := d.pids(); len(pids) > 0 {
		pid = pids[0]
		cpu0, _ = load.ReadCPU(pid)
	}
	time.Sleep(time.Until(at))
	if pid > 0 && at.After(inserted) {
		if cpu1, err := load.ReadCPU(pid); err == nil {
			pct := 100 * (cpu1 - cpu0).Seconds() / at.Sub(inserted).Seconds()
			s.metric("server CPU with nothing due", "% of a core", pct, nil, nil)
			s.note("CPU measured from the due items' insert to their due time (%.1f s), %d items pending, none due", at.Sub(inserted).Seconds(), items)
		}
	}

	b.logf("scheduler: %d items due at %s; polling the store", ds.total(), at.Format("15:04:05.000"))
	late, applied, err := pollApplied(ctx, st, ds, at)
	if err != nil {
		s.fail(1, "poll the store: "+err.Error())
	}
	maxRSS := smp.stop()
	lat := load.Result{Latencies: late, Ops: len(late)}
	if len(late) > 0 {
		lat.Wall = late[len(late)-1]
	}
	h := s.addRun("hitd", "hitd", "due item applied, after its due time", lat)
	s.check("due items applied", int64(applied), int64(ds.total()))
	s.recordServers(d, maxRSS)
	d.close()

	b.logf("scheduler: store baseline")
	raw := b.schedStoreBaseline(ctx, s, d, cfg.schedDue)

	s.metric("applied after due, p50", "ms", h.P50Ms, nil, nil)
	s.metric("applied after due, p99", "ms", h.P99Ms, nil, nil)
	s.metric("applied after due, max", "ms", h.MaxMs, baselines(0, raw), &target{"<=", 1000})
	if len(maxRSS) > 0 {
		s.metric("server RSS, max sampled", "MB", mb(maxRSS[0]), map[string]float64{"idle": mb(idleRSS)}, &target{"<", 300})
	}
	s.note("applied = observed in the store (10 ms polls; a poll's end time counts, so lateness is over-stated by up to ~10 ms); the scheduler runs every %s", cfg.schedEvery)
	s.note("store baseline: the same due items' status changes written raw (UpdateAssignment / UpdateHIT, %d per transaction) in a fresh store; the scheduler also pays, writes the ledger and updates workers", schedRawBatch)
	return s
}

// pollApplied polls the store until every due item is applied or
// schedMaxWait passed, and returns for each applied item the time from
// at to the end of the poll that first saw it applied, sorted.
func pollApplied(ctx context.Context, st hitd.Store, ds *dueSet, at time.Time) ([]time.Duration, int, error) {
	seen := make([]int, len(ds.approving))
	expired := make([]bool, len(ds.expiring))
	var late []time.Duration
	applied := 0
	for applied < ds.total() {
		if time.Since(at) > schedMaxWait || ctx.Err() != nil {
			break
		}
		counts := make([]int, len(ds.approving))
		done := make([]bool, len(ds.expiring))
		err := st.Read(ctx, func(tx hitd.Tx) error {
			for i, h := range ds.approving {
				if seen[i] == ds.approvals[i] {
					counts[i] = seen[i]
					continue
				}
				n, err := tx.CountAssignments(ctx, hitd.AssignmentQuery{HITID: h.ID, Statuses: []hitd.AssignmentStatus{hitd.AssignmentApproved}})
				if err != nil {
					return err
				}
				counts[i] = n
			}
			for i, h := range ds.expiring {
				if expired[i] {
					done[i] = true
					continue
				}
				got, err := tx.HIT(ctx, h.ID)
				if err != nil {
					return err
				}
				done[i] = got.ExpiryNotified && got.Funded == 0
			}
			return nil
		})
		if err != nil {
			return late, applied, err
		}
		obs := time.Since(at)
		for i := range counts {
			for ; seen[i] < counts[i]; seen[i]++ {
				late = append(late, obs)
				applied++
			}
		}
		for i := range done {
			if done[i] && !expired[i] {
				expired[i] = true
				late = append(late, obs)
				applied++
			}
		}
		time.Sleep(schedPollEvery)
	}
	slices.Sort(late)
	return late, applied, nil
}

// schedStoreBaseline inserts the same due items in a fresh store and
// writes their status changes raw, schedRawBatch per transaction: the
// storage floor of applying them. It returns the time taken, in ms.
func (b *bench) schedStoreBaseline(ctx context.Context, s *Scenario, d *deployment, due int) float64 {
	st, req, closeStore, err := b.baselineStore(ctx, d)
	if err != nil {
		s.fail(1, "baseline store: "+err.Error())
		return 0
	}
	defer closeStore()
	t := benchHITType(req.ID, benchAutoApprove)
	if err := st.Write(ctx, func(tx hitd.Tx) error { _, err := tx.InsertHITType(ctx, t); return err }); err != nil {
		s.fail(1, "baseline store: "+err.Error())
		return 0
	}
	ws, err := makeWorkers(ctx, st, "sched", schedDuePerHIT, false)
	if err != nil {
		s.fail(1, "baseline store: "+err.Error())
		return 0
	}
	now := time.Now().UTC()
	ds, err := insertDueSet(ctx, st, t, ws, due, now.Add(-time.Hour), now.Add(-time.Second))
	if err != nil {
		s.fail(1, "baseline store: "+err.Error())
		return 0
	}
	var asgs []string
	err = st.Read(ctx, func(tx hitd.Tx) error {
		for _, h := range ds.approving {
			as, err := tx.ListAssignments(ctx, hitd.AssignmentQuery{HITID: h.ID, Limit: schedDuePerHIT + 1})
			if err != nil {
				return err
			}
			for _, a := range as {
				asgs = append(asgs, a.ID)
			}
		}
		return nil
	})
	if err != nil {
		s.fail(1, "baseline store: "+err.Error())
		return 0
	}
	type item struct {
		asg string
		hit *hitd.HIT
	}
	var work []item
	for _, h := range ds.expiring {
		work = append(work, item{hit: h})
	}
	for _, a := range asgs {
		work = append(work, item{asg: a})
	}
	t0 := time.Now()
	var ops []time.Duration
	for lo := 0; lo < len(work); lo += schedRawBatch {
		c0 := time.Now()
		err := st.Write(ctx, func(tx hitd.Tx) error {
			now := time.Now().UTC()
			for _, it := range work[lo:min(len(work), lo+schedRawBatch)] {
				if it.hit != nil {
					h, err := tx.HIT(ctx, it.hit.ID)
					if err != nil {
						return err
					}
					h.ExpiryNotified, h.Funded, h.Reserved = true, 0, 0
					if err := tx.UpdateHIT(ctx, h); err != nil {
						return err
					}
					continue
				}
				a, err := tx.Assignment(ctx, it.asg)
				if err != nil {
					return err
				}
				a.Status, a.ApprovalTime = hitd.AssignmentApproved, now
				if err := tx.UpdateAssignment(ctx, a); err != nil {
					return err
				}
			}
			return nil
		})
		ops = append(ops, time.Since(c0))
		if err != nil {
			s.fail(1, "baseline store: "+err.Error())
			return 0
		}
	}
	wall := time.Since(t0)
	slices.Sort(ops)
	s.addRun("store", "store", fmt.Sprintf("Write(%d raw status changes)", schedRawBatch), load.Result{Ops: len(ops), Latencies: ops, Wall: wall})
	if len(work) != ds.total() {
		s.fail(1, fmt.Sprintf("store baseline: %d items, want %d", len(work), ds.total()))
	}
	return load.Ms(wall)
}
