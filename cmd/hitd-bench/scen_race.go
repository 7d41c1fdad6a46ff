package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/load"
)

// scenarioRace: --race-workers workers (made directly in the server's
// store, each with a session) accept one HIT of --race-slots slots at the
// same moment through the worker API, round-robin over the nodes. Exactly
// --race-slots must win; the winners then submit, and
// ListAssignmentsForHIT (every page) must list exactly them.
func (b *bench) scenarioRace(ctx context.Context, store string, nodes int) *Scenario {
	cfg := b.cfg
	workers, slots := cfg.raceWorkers, cfg.raceSlots
	s := b.newScenario("race", store, nodes, workers)
	s.Params["workers"], s.Params["slots"] = workers, slots
	d := b.open(ctx, s, store, nodes, true)
	if d == nil {
		return s
	}
	defer d.close()
	hc := newHTTPClient(workers)
	defer hc.CloseIdleConnections()
	cs := sdkClients(d.bases, d.key, d.secret, hc)

	out, err := cs[0].CreateHIT(ctx, &mturk.CreateHITInput{Title: aws.String(benchTitle), Description: aws.String(benchDescription),
		Keywords: aws.String(benchKeywords), Reward: aws.String(benchReward), AssignmentDurationInSeconds: aws.Int64(benchAsgDuration),
		AutoApprovalDelayInSeconds: aws.Int64(benchAutoApprove), LifetimeInSeconds: aws.Int64(benchLifetime),
		MaxAssignments: aws.Int32(int32(slots)), Question: aws.String(benchQuestion)})
	if err != nil {
		s.fail(1, "CreateHIT: "+err.Error())
		return s
	}
	hitID := aws.ToString(out.HIT.HITId)
	st, err := d.db.open(ctx)
	if err != nil {
		s.fail(1, "open the server's store: "+err.Error())
		return s
	}
	defer st.Close()
	b.logf("race: creating %d workers with sessions in the store", workers)
	ws, err := makeWorkers(ctx, st, "racer", workers, true)
	if err != nil {
		s.fail(1, err.Error())
		return s
	}

	// Each worker first asks who it is (unmeasured), which opens its
	// connection and checks its session, so the race measures accepts, not
	// TCP handshakes.
	base := func(bases []string, i int) string { return bases[i%len(bases)] }
	warmWorkers := func(bases []string) {
		load.Run(ctx, load.Options{Clients: workers, Count: workers}, func(ctx context.Context, i int) error {
			_, err := workerAPI(ctx, hc, base(bases, i), "GET", "/me", ws[i].Token, nil)
			return err
		})
	}
	warmWorkers(d.bases)

	b.logf("race: %d accepts at once for %d slots", workers, slots)
	var mu sync.Mutex
	winners := map[string]string{} // assignment → worker
	smp := d.sample()
	cpu0 := cpuTime(d.pids())
	race := load.Run(ctx, load.Options{Clients: workers, Count: workers}, func(ctx context.Context, i int) error {
		r, err := workerAPI(ctx, hc, base(d.bases, i), "POST", "/hits/"+hitID+"/accept", ws[i].Token, nil)
		switch {
		case err != nil:
			return err
		case r.status == 200:
			mu.Lock()
			winners[r.str("assignmentId")] = ws[i].ID
			mu.Unlock()
			return nil
		case r.status == 409 && r.code == "HITNotAvailable":
			return nil // lost the race: the expected answer
		}
		return fmt.Errorf("accept: %d %s %v", r.status, r.code, r.body)
	})
	hCPU := cpuPerOp(cpu0, cpuTime(d.pids()), race.Ops)
	maxRSS := smp.stop()
	h := s.addRun("hitd", "hitd", "worker API accept", race)

	// What the server holds now.
	var granted int64 = int64(len(winners))
	s.check("accepts granted", granted, int64(slots))
	if g, err := cs[0].GetHIT(ctx, &mturk.GetHITInput{HITId: &hitID}); err != nil {
		s.fail(1, "GetHIT: "+err.Error())
	} else {
		s.check("GetHIT NumberOfAssignmentsPending", int64(aws.ToInt32(g.HIT.NumberOfAssignmentsPending)), int64(slots))
		s.check("GetHIT NumberOfAssignmentsAvailable", int64(aws.ToInt32(g.HIT.NumberOfAssignmentsAvailable)), 0)
	}
	tokenOf := map[string]string{}
	for _, w := range ws {
		tokenOf[w.ID] = w.Token
	}
	type win struct{ asg, worker string }
	var wins []win
	for a, w := range winners {
		wins = append(wins, win{a, w})
	}
	s.addRun("hitd submit", "hitd", "worker API submit (the winners)", load.Run(ctx,
		load.Options{Clients: min(64, max(1, len(wins))), Count: len(wins)}, func(ctx context.Context, i int) error {
			r, err := workerAPI(ctx, hc, base(d.bases, i), "POST", "/assignments/"+wins[i].asg+"/submit", tokenOf[wins[i].worker],
				map[string]any{"answers": map[string]string{"label": "a cat"}})
			if err == nil && r.status != 200 {
				err = fmt.Errorf("submit: %d %s %v", r.status, r.code, r.body)
			}
			return err
		}))
	listed, workersListed, err := listAssignments(ctx, cs[len(cs)-1], hitID)
	if err != nil {
		s.fail(1, "ListAssignmentsForHIT: "+err.Error())
	}
	s.check("ListAssignmentsForHIT assignments (every page)", int64(listed), int64(slots))
	s.check("ListAssignmentsForHIT distinct workers", int64(workersListed), int64(slots))
	var stored int
	err = st.Read(ctx, func(tx hitd.Tx) error {
		var err error
		stored, err = tx.CountAssignments(ctx, hitd.AssignmentQuery{HITID: hitID,
			Statuses: []hitd.AssignmentStatus{hitd.AssignmentAccepted, hitd.AssignmentSubmitted, hitd.AssignmentApproved, hitd.AssignmentRejected}})
		return err
	})
	if err != nil {
		s.fail(1, "count assignments in the store: "+err.Error())
	}
	s.check("live assignments in the store", int64(stored), int64(slots))
	over := max(granted, int64(listed), int64(stored)) - int64(slots)
	s.recordServers(d, maxRSS)
	d.close()

	var noop, raw load.Summary
	var nCPU float64
	b.logf("race: noop baseline")
	b.withNoops(ctx, s, d, len(d.bases), func(bases []string, pids []int) {
		warmWorkers(bases)
		cpu0 := cpuTime(pids)
		defer func() { nCPU = cpuPerOp(cpu0, cpuTime(pids), noop.Ops) }()
		noop = s.addRun("noop", "noop", "worker API accept", load.Run(ctx, load.Options{Clients: workers, Count: workers},
			func(ctx context.Context, i int) error {
				r, err := workerAPI(ctx, hc, base(bases, i), "POST", "/hits/"+hitID+"/accept", ws[i].Token, nil)
				if err == nil && r.status != 200 {
					err = fmt.Errorf("noop accept: %d", r.status)
				}
				return err
			}))
	})
	b.logf("race: store baseline")
	raw = b.raceStoreBaseline(ctx, s, d, workers, slots)

	s.metric("over-assignments", "assignments", float64(max(0, over)), nil, &target{"==", 0})
	var p99 *target
	if d.store == "sqlite" && nodes == 1 {
		p99 = &target{"<", 20}
	}
	s.metric("accept p50", "ms", h.P50Ms, baselines(noop.P50Ms, raw.P50Ms), nil)
	s.metric("accept p99", "ms", h.P99Ms, baselines(noop.P99Ms, raw.P99Ms), p99)
	s.metric("race wall time", "ms", h.Seconds*1000, baselines(noop.Seconds*1000, raw.Seconds*1000), nil)
	if hCPU > 0 {
		s.metric("server CPU per accept", "ms", hCPU, baselines(nCPU, 0), nil)
	}
	s.note("all %d accepts are released at once, one per worker, each on its own warmed connection; %d win, the rest get 409 HITNotAvailable", workers, slots)
	s.note("store baseline: %d goroutines each Write(InsertAssignment) of one assignment into a fresh store (a raw insert, no slot check)", workers)
	return s
}

// raceStoreBaseline inserts one assignment per worker on a fresh store
// from as many goroutines, released at once.
func (b *bench) raceStoreBaseline(ctx context.Context, s *Scenario, d *deployment, workers, slots int) load.Summary {
	st, req, closeStore, err := b.baselineStore(ctx, d)
	if err != nil {
		s.fail(1, "baseline store: "+err.Error())
		return load.Summary{}
	}
	defer closeStore()
	t := benchHITType(req.ID, benchAutoApprove)
	now := time.Now().UTC()
	h := benchHIT(t, slots, now, now.Add(benchLifetime*time.Second))
	err = st.Write(ctx, func(tx hitd.Tx) error {
		if _, err := tx.InsertHITType(ctx, t); err != nil {
			return err
		}
		return tx.InsertHIT(ctx, h)
	})
	if err != nil {
		s.fail(1, "baseline store: "+err.Error())
		return load.Summary{}
	}
	ws, err := makeWorkers(ctx, st, "baseline", workers, false)
	if err != nil {
		s.fail(1, "baseline store: "+err.Error())
		return load.Summary{}
	}
	return s.addRun("store", "store", "Write(InsertAssignment)", load.Run(ctx, load.Options{Clients: workers, Count: workers},
		func(ctx context.Context, i int) error {
			return st.Write(ctx, func(tx hitd.Tx) error {
				now := time.Now().UTC()
				return tx.InsertAssignment(ctx, &hitd.Assignment{ID: hitd.IDSource{}.AssignmentID(), HITID: h.ID, HITTypeID: t.ID,
					RequesterID: req.ID, WorkerID: ws[i].ID, Status: hitd.AssignmentAccepted, AcceptTime: now,
					Deadline: now.Add(benchAsgDuration * time.Second), AutoApprovalDelayInSeconds: benchAutoApprove})
			})
		}))
}

// listAssignments counts a HIT's assignments over every page of
// ListAssignmentsForHIT, and their distinct workers.
func listAssignments(ctx context.Context, c *mturk.Client, hitID string) (n, workers int, err error) {
	seen := map[string]bool{}
	p := mturk.NewListAssignmentsForHITPaginator(c, &mturk.ListAssignmentsForHITInput{HITId: &hitID, MaxResults: aws.Int32(100),
		AssignmentStatuses: []types.AssignmentStatus{types.AssignmentStatusSubmitted, types.AssignmentStatusApproved, types.AssignmentStatusRejected}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return n, len(seen), err
		}
		for _, a := range page.Assignments {
			n++
			seen[aws.ToString(a.WorkerId)] = true
		}
	}
	return n, len(seen), nil
}
