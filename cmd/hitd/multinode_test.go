package main

// Several `hitd serve` processes on one PostgreSQL schema must behave as one
// server: accepts race across nodes without over-assigning, sessions and
// balances are shared, and the scheduler fails over to a survivor that
// applies due work exactly once. Needs HITD_TEST_POSTGRES_URL.

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/pgtest"
)

const nodesQuestion = `<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<p>hi</p>]]></HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>`

// createNodesHIT creates a HIT with the given slots, reward and
// auto-approval delay through c.
func createNodesHIT(t testing.TB, c *mturk.Client, slots int, reward string, autoApproval int64) string {
	t.Helper()
	out, err := c.CreateHIT(context.Background(), &mturk.CreateHITInput{Title: aws.String("multi-node"), Description: aws.String("d"),
		Reward: aws.String(reward), AssignmentDurationInSeconds: aws.Int64(600), AutoApprovalDelayInSeconds: aws.Int64(autoApproval),
		LifetimeInSeconds: aws.Int64(3600), MaxAssignments: aws.Int32(int32(slots)), Question: aws.String(nodesQuestion)})
	if err != nil {
		t.Fatal(err)
	}
	return *out.HIT.HITId
}

// listAssignments returns every page of ListAssignmentsForHIT (MTurk
// gives each non-empty page a NextToken; the page after the last is empty).
func listAssignments(ctx context.Context, c *mturk.Client, hitID string, statuses ...types.AssignmentStatus) ([]types.Assignment, error) {
	var all []types.Assignment
	p := mturk.NewListAssignmentsForHITPaginator(c, &mturk.ListAssignmentsForHITInput{HITId: &hitID, MaxResults: aws.Int32(100), AssignmentStatuses: statuses})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Assignments...)
	}
	return all, nil
}

// countStatuses tallies results as "STATUS CODE" → count.
func countStatuses(rs []apiResult) map[string]int {
	m := map[string]int{}
	for _, r := range rs {
		k := fmt.Sprintf("%d %s", r.status, r.code)
		if r.err != nil {
			k = "transport error"
		}
		m[k]++
	}
	return m
}

// TestNodesStartTogether starts three nodes at the same moment on a
// database none of them has seen (as an orchestrator starting replicas
// does): each must create-or-find both realms' schemas, migrate once and
// agree on one root requester.
func TestNodesStartTogether(t *testing.T) {
	dbURL := pgtest.URL(t)
	schema := pgtest.Schema(t, dbURL)
	nodes := startNodesTogether(t, dbURL, schema, 3)
	hc := newHTTPClient()
	defer hc.CloseIdleConnections()
	for _, n := range nodes {
		if _, err := sdkClient(n.base, hc).GetAccountBalance(context.Background(), &mturk.GetAccountBalanceInput{}); err != nil {
			t.Errorf("%s: GetAccountBalance: %v", n.name, err)
		}
	}
	var requesters int
	if err := pgConn(t, dbURL, schema).QueryRow(context.Background(), `SELECT count(*) FROM requesters`).Scan(&requesters); err != nil {
		t.Fatal(err)
	}
	if requesters != 1 {
		t.Errorf("%d requesters after three nodes started; want the one root requester", requesters)
	}
}

// TestTwoNodesAcceptRace races accepts across two nodes. (The nodes start
// one after another; starting at once is TestNodesStartTogether's subject.)
func TestTwoNodesAcceptRace(t *testing.T) {
	dbURL := pgtest.URL(t)
	schema := pgtest.Schema(t, dbURL)
	store := openPGStore(t, dbURL, schema)
	nodes := startNodes(t, dbURL, schema, 2)
	n1, n2 := nodes[0], nodes[1]
	hc := newHTTPClient()
	defer hc.CloseIdleConnections()
	c1, c2 := sdkClient(n1.base, hc), sdkClient(n2.base, hc)
	ctx := context.Background()
	conn := pgConn(t, dbURL, schema)

	// Shared state: the root requester's balance, and worker sessions.
	b1, err := c1.GetAccountBalance(ctx, &mturk.GetAccountBalanceInput{})
	if err != nil {
		t.Fatal(err)
	}
	b2, err := c2.GetAccountBalance(ctx, &mturk.GetAccountBalanceInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(b1.AvailableBalance) != aws.ToString(b2.AvailableBalance) || aws.ToString(b1.AvailableBalance) == "" {
		t.Errorf("GetAccountBalance: node1 %q, node2 %q; want equal", aws.ToString(b1.AvailableBalance), aws.ToString(b2.AvailableBalance))
	}
	alice := makeWorkers(t, store, "alice", 1, "alice-password")[0]
	login := workerAPI(hc, n1.base, "POST", "/login", "", map[string]string{"username": alice.Username, "password": "alice-password"})
	if login.status != 200 || login.str("token") == "" {
		t.Fatalf("login on node1: %v", login)
	}
	tok := login.str("token")
	if me := workerAPI(hc, n2.base, "GET", "/me", tok, nil); me.status != 200 || me.str("workerId") != alice.ID {
		t.Errorf("node1's token on node2: GET /me = %v; want 200 with workerId %s", me, alice.ID)
	}
	if out := workerAPI(hc, n2.base, "POST", "/logout", tok, nil); out.status != 204 {
		t.Errorf("logout on node2: %v", out)
	}
	if me := workerAPI(hc, n1.base, "GET", "/me", tok, nil); me.status != 401 {
		t.Errorf("token logged out on node2, used on node1: %v; want 401", me)
	}

	// Race 1: 500 workers, one accept each, half to each node, on a HIT
	// with 50 slots.
	const slots, racers = 50, 500
	hitID := createNodesHIT(t, c1, slots, "0.05", 3600)
	ws := makeWorkers(t, store, "racer", racers, "racer-password")
	results := make([]apiResult, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Go(func() {
			<-start
			results[i] = workerAPI(hc, nodes[i%2].base, "POST", "/hits/"+hitID+"/accept", w.Token, nil)
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	t.Logf("race: %d accepts for %d slots across 2 nodes in %v: %v", racers, slots, time.Since(began).Round(time.Millisecond), countStatuses(results))

	winners := map[string]string{} // assignment → worker
	var fives []string
	for i, r := range results {
		switch {
		case r.err != nil || r.status >= 500:
			fives = append(fives, fmt.Sprintf("%s (worker %s): %v", nodes[i%2].name, ws[i].ID, r))
		case r.status == 200:
			if r.str("assignmentId") == "" || r.str("hitId") != hitID {
				t.Errorf("accept answer %v", r)
			}
			winners[r.str("assignmentId")] = ws[i].ID
		case r.status != 409 || r.code != "HITNotAvailable":
			t.Errorf("%s: worker %s's accept: %v; want 200, or 409 HITNotAvailable", nodes[i%2].name, ws[i].ID, r)
		}
	}
	if len(fives) > 0 {
		t.Errorf("%d accepts failed with a server or transport error, e.g.:\n%s", len(fives), strings.Join(fives[:min(10, len(fives))], "\n"))
	}
	if len(winners) != slots {
		t.Errorf("%d accepts succeeded; want exactly %d", len(winners), slots)
	}
	var live, liveWorkers int
	if err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT worker_id) FROM assignments WHERE hit_id = $1 AND status = 'Accepted'`, hitID).Scan(&live, &liveWorkers); err != nil {
		t.Fatal(err)
	}
	var pending, submitted, completed int
	if err := conn.QueryRow(ctx, `SELECT pending, submitted, completed FROM hits WHERE id = $1`, hitID).Scan(&pending, &submitted, &completed); err != nil {
		t.Fatal(err)
	}
	if live != slots || liveWorkers != slots || pending != slots || submitted != 0 || completed != 0 {
		t.Errorf("database: %d live assignments of %d workers, HIT counters pending %d submitted %d completed %d; want %d, %d, %d/0/0",
			live, liveWorkers, pending, submitted, completed, slots, slots, slots)
	}
	h, err := c2.GetHIT(ctx, &mturk.GetHITInput{HITId: &hitID})
	if err != nil {
		t.Fatal(err)
	}
	if p, a := aws.ToInt32(h.HIT.NumberOfAssignmentsPending), aws.ToInt32(h.HIT.NumberOfAssignmentsAvailable); p != slots || a != 0 {
		t.Errorf("GetHIT on node2: NumberOfAssignmentsPending %d, Available %d; want %d, 0", p, a, slots)
	}

	// The winners submit, half through each node; the requester then sees
	// exactly their 50 assignments.
	tokenOf := map[string]string{}
	for _, w := range ws {
		tokenOf[w.ID] = w.Token
	}
	var subFails atomic.Int32
	i := 0
	for asg, worker := range winners {
		base := nodes[i%2].base
		i++
		wg.Go(func() {
			if r := workerAPI(hc, base, "POST", "/assignments/"+asg+"/submit", tokenOf[worker], map[string]any{"answers": map[string]string{"answer": "x"}}); r.status != 200 {
				subFails.Add(1)
				t.Errorf("submit %s at %s: %v", asg, base, r)
			}
		})
	}
	wg.Wait()
	list, err := listAssignments(ctx, c2, hitID)
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[string]bool{}
	for _, a := range list {
		distinct[aws.ToString(a.WorkerId)] = true
		if winners[aws.ToString(a.AssignmentId)] != aws.ToString(a.WorkerId) || a.AssignmentStatus != types.AssignmentStatusSubmitted {
			t.Errorf("listed assignment %s of %s (%s): not one the accepts returned, or not Submitted", aws.ToString(a.AssignmentId), aws.ToString(a.WorkerId), a.AssignmentStatus)
		}
	}
	if len(list) != slots || len(distinct) != slots {
		t.Errorf("ListAssignmentsForHIT on node2: %d assignments of %d workers; want %d of %d", len(list), len(distinct), slots, slots)
	}

	// Race 2: one worker sends 10 accepts for another HIT at once, across
	// both nodes, and gets exactly one assignment.
	hit2 := createNodesHIT(t, c2, 5, "0.05", 3600)
	w := ws[len(ws)-1]
	dup := make([]apiResult, 10)
	start = make(chan struct{})
	for i := range dup {
		wg.Go(func() {
			<-start
			dup[i] = workerAPI(hc, nodes[i%2].base, "POST", "/hits/"+hit2+"/accept", w.Token, nil)
		})
	}
	close(start)
	wg.Wait()
	t.Logf("one worker, 10 concurrent accepts across 2 nodes: %v", countStatuses(dup))
	ok := 0
	for i, r := range dup {
		switch {
		case r.status == 200:
			ok++
		case r.status != 409 || r.code != "AlreadyAccepted":
			t.Errorf("%s: duplicate accept: %v; want 200 once, else 409 AlreadyAccepted", nodes[i%2].name, r)
		}
	}
	var mine int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM assignments WHERE hit_id = $1`, hit2).Scan(&mine); err != nil {
		t.Fatal(err)
	}
	h2, err := c1.GetHIT(ctx, &mturk.GetHITInput{HITId: &hit2})
	if err != nil {
		t.Fatal(err)
	}
	if ok != 1 || mine != 1 || aws.ToInt32(h2.HIT.NumberOfAssignmentsPending) != 1 || aws.ToInt32(h2.HIT.NumberOfAssignmentsAvailable) != 4 {
		t.Errorf("one worker's 10 accepts: %d succeeded, %d assignments stored, GetHIT pending %d available %d; want 1, 1, 1, 4",
			ok, mine, aws.ToInt32(h2.HIT.NumberOfAssignmentsPending), aws.ToInt32(h2.HIT.NumberOfAssignmentsAvailable))
	}

	for _, n := range nodes {
		if errs := n.errorLines(); len(errs) > 0 {
			t.Errorf("%s logged %d errors, e.g.:\n%s", n.name, len(errs), strings.Join(errs[:min(5, len(errs))], "\n"))
		}
	}
}

// TestSchedulerFailover SIGKILLs the scheduler's leader before submitted
// work is due for auto-approval; the other node must take the lease and
// approve everything exactly once.
func TestSchedulerFailover(t *testing.T) {
	dbURL := pgtest.URL(t)
	schema := pgtest.Schema(t, dbURL)
	store := openPGStore(t, dbURL, schema)
	nodes := startNodes(t, dbURL, schema, 2, "--scheduler-interval", "200ms")
	hc := newHTTPClient()
	defer hc.CloseIdleConnections()
	ctx := context.Background()
	conn := pgConn(t, dbURL, schema)

	// Which node leads? Its log says so, and the lease row names its pid.
	var leader, survivor *node
	deadline := time.Now().Add(15 * time.Second)
	for leader == nil {
		for i, n := range nodes {
			if _, _, ok := n.waitLine(0, 0, isLeading); ok {
				leader, survivor = n, nodes[1-i]
				break
			}
		}
		if leader == nil {
			if time.Now().After(deadline) {
				t.Fatal("no node logged that it leads the production scheduler within 15s")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	var holder string
	if err := conn.QueryRow(ctx, `SELECT holder FROM leases WHERE name = 'scheduler'`).Scan(&holder); err != nil {
		t.Fatal(err)
	}
	if parts := strings.Split(holder, ":"); len(parts) != 3 || parts[1] != fmt.Sprint(leader.cmd.Process.Pid) {
		t.Fatalf("lease holder %q; want host:%d:random (%s, which logged leading)", holder, leader.cmd.Process.Pid, leader.name)
	}
	if _, _, ok := survivor.waitLine(0, 0, isLeading); ok {
		t.Fatalf("both nodes logged that they lead the production scheduler")
	}
	t.Logf("%s (pid %d) leads; %s (pid %d) stands by", leader.name, leader.cmd.Process.Pid, survivor.name, survivor.cmd.Process.Pid)

	// 20 workers accept and submit, half through each node; auto-approval
	// is due 4 s after each submission.
	const slots = 20
	const autoApproval = 4 * time.Second
	reward := hitd.Cents(7)
	hitID := createNodesHIT(t, sdkClient(leader.base, hc), slots, reward.String(), int64(autoApproval/time.Second))
	ws := makeWorkers(t, store, "fail", slots, "failover-password")
	asgOf := make([]string, slots)
	submitStart := time.Now()
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Go(func() {
			base := nodes[i%2].base
			r := workerAPI(hc, base, "POST", "/hits/"+hitID+"/accept", w.Token, nil)
			if r.status != 200 {
				t.Errorf("accept at %s: %v", base, r)
				return
			}
			asgOf[i] = r.str("assignmentId")
			if r := workerAPI(hc, base, "POST", "/assignments/"+asgOf[i]+"/submit", w.Token, map[string]any{"answers": map[string]string{"answer": "x"}}); r.status != 200 {
				t.Errorf("submit at %s: %v", base, r)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if took := time.Since(submitStart); took > autoApproval-time.Second {
		t.Fatalf("accepting and submitting took %v: too slow to kill the leader before auto-approval is due", took)
	}
	var approvedEarly int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM assignments WHERE hit_id = $1 AND status <> 'Submitted'`, hitID).Scan(&approvedEarly); err != nil {
		t.Fatal(err)
	}
	if approvedEarly != 0 {
		t.Fatalf("%d assignments left Submitted before auto-approval was due", approvedEarly)
	}

	// SIGKILL the leader (no lease resignation); the survivor takes the
	// lease when it expires and approves everything.
	mark := len(survivor.Lines())
	killedAt := time.Now()
	leader.kill()
	t.Logf("killed %s %v after the first accept; auto-approval due %v after it", leader.name, killedAt.Sub(submitStart).Round(time.Millisecond), autoApproval)
	l, _, ok := survivor.waitLine(mark, 20*time.Second, isLeading)
	if !ok {
		t.Fatalf("%s did not take the scheduler lease within 20s of %s's death", survivor.name, leader.name)
	}
	takeover := l.at.Sub(killedAt)
	t.Logf("takeover: %s logged leading %v after %s was killed", survivor.name, takeover.Round(time.Millisecond), leader.name)

	client := sdkClient(survivor.base, hc)
	var approved int
	for {
		list, err := listAssignments(ctx, client, hitID, types.AssignmentStatusApproved)
		if err != nil {
			t.Fatal(err)
		}
		if approved = len(list); approved == slots {
			break
		}
		if time.Since(killedAt) > 30*time.Second {
			t.Fatalf("30s after the leader's death %s has approved %d of %d assignments (auto-approval was due %v after submission)",
				survivor.name, approved, slots, autoApproval)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("all %d approved %v after the kill, %v after the first accept", slots, time.Since(killedAt).Round(time.Millisecond), time.Since(submitStart).Round(time.Millisecond))

	// Exactly once, from the database: every assignment Approved, one
	// reward (hit → worker) and one fee (hit → fees) per assignment, each
	// worker credited one reward, and the books balanced.
	fee := hitd.Fee(reward, hitd.FeePercent(slots, false))
	rows, err := conn.Query(ctx, `SELECT a.id, a.worker_id, a.status, w.earnings_cents, w.approved FROM assignments a JOIN workers w ON w.id = a.worker_id WHERE a.hit_id = $1`, hitID)
	if err != nil {
		t.Fatal(err)
	}
	type asgRow struct {
		id, worker, status string
		earnings, approved int64
	}
	var asgs []asgRow
	for rows.Next() {
		var r asgRow
		if err := rows.Scan(&r.id, &r.worker, &r.status, &r.earnings, &r.approved); err != nil {
			t.Fatal(err)
		}
		asgs = append(asgs, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(asgs) != slots {
		t.Errorf("%d assignments stored; want %d", len(asgs), slots)
	}
	type ledgerRow struct {
		kind, from, to string
		amount         int64
	}
	ledger := map[string][]ledgerRow{} // by ref
	rows, err = conn.Query(ctx, `SELECT kind, from_account, to_account, amount_cents, ref FROM ledger`)
	if err != nil {
		t.Fatal(err)
	}
	toWorkers := map[string]int{}
	for rows.Next() {
		var r ledgerRow
		var ref string
		if err := rows.Scan(&r.kind, &r.from, &r.to, &r.amount, &ref); err != nil {
			t.Fatal(err)
		}
		ledger[ref] = append(ledger[ref], r)
		if strings.HasPrefix(r.to, "worker:") {
			toWorkers[r.to]++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, a := range asgs {
		want := []ledgerRow{{"fee", "hit:" + hitID, "fees", int64(fee)}, {"reward", "hit:" + hitID, "worker:" + a.worker, int64(reward)}}
		got := ledger[a.id]
		sort.Slice(got, func(i, j int) bool { return got[i].kind < got[j].kind })
		if a.status != "Approved" || !slices.Equal(got, want) || toWorkers["worker:"+a.worker] != 1 || a.earnings != int64(reward) || a.approved != 1 {
			t.Errorf("assignment %s of %s: status %s, ledger %+v (want %+v), %d ledger entries to the worker, earnings %d (want %d), approved count %d",
				a.id, a.worker, a.status, got, want, toWorkers["worker:"+a.worker], a.earnings, reward, a.approved)
		}
	}
	audit, err := hitd.NewService(store, hitd.SystemClock{}, hitd.IDSource{}, hitd.Config{}).AuditMoney(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !audit.Balanced() {
		t.Errorf("money audit not balanced: %+v", audit)
	}
	if err := conn.QueryRow(ctx, `SELECT holder FROM leases WHERE name = 'scheduler'`).Scan(&holder); err != nil {
		t.Fatal(err)
	}
	if parts := strings.Split(holder, ":"); len(parts) != 3 || parts[1] != fmt.Sprint(survivor.cmd.Process.Pid) {
		t.Errorf("lease holder after failover %q; want %s's pid %d", holder, survivor.name, survivor.cmd.Process.Pid)
	}
	if errs := survivor.errorLines(); len(errs) > 0 {
		t.Errorf("%s logged %d errors, e.g.:\n%s", survivor.name, len(errs), strings.Join(errs[:min(5, len(errs))], "\n"))
	}
}

// BenchmarkNodes compares one node with two on one PostgreSQL schema:
// CreateHITWithHITType from 64 concurrent SDK clients, and worker accepts
// from 64 concurrent workers on many HITs with free slots, each operation
// sent to the nodes round-robin. b.N is the number of operations, e.g.
//
//	go test ./cmd/hitd -run '^$' -bench Nodes -benchtime 2000x
func BenchmarkNodes(b *testing.B) {
	dbURL := pgtest.URL(b)
	const conc = 64
	for _, count := range []int{1, 2} {
		b.Run(map[int]string{1: "one-node", 2: "two-node"}[count], func(b *testing.B) {
			schema := pgtest.Schema(b, dbURL)
			store := openPGStore(b, dbURL, schema)
			nodes := startNodes(b, dbURL, schema, count)
			hc := newHTTPClient()
			defer hc.CloseIdleConnections()
			ctx := context.Background()
			clients := make([]*mturk.Client, count)
			for i, n := range nodes {
				clients[i] = sdkClient(n.base, hc)
			}

			b.Run("CreateHITWithHITType", func(b *testing.B) {
				ht, err := clients[0].CreateHITType(ctx, &mturk.CreateHITTypeInput{Title: aws.String("bench"), Description: aws.String("d"),
					Reward: aws.String("0.01"), AssignmentDurationInSeconds: aws.Int64(600)})
				if err != nil {
					b.Fatal(err)
				}
				in := &mturk.CreateHITWithHITTypeInput{HITTypeId: ht.HITTypeId, LifetimeInSeconds: aws.Int64(3600), Question: aws.String(nodesQuestion)}
				runOps(b, conc, func(j int) error {
					_, err := clients[j%count].CreateHITWithHITType(ctx, in)
					return err
				})
			})

			ws := makeWorkers(b, store, "bench", conc, "bench-password")
			b.Run("accept", func(b *testing.B) {
				// Operation j: worker j%64 accepts HIT (j/64 + j%64) mod H.
				// A worker's HITs are distinct (rounds ≤ H), each HIT gets
				// at most one accept per worker (64 slots), and the 64
				// operations in flight spread over many HITs.
				rounds := (b.N + conc - 1) / conc
				nHITs := max(rounds, min(128, b.N))
				hits := make([]string, nHITs)
				for i := range hits {
					hits[i] = createNodesHIT(b, clients[i%count], conc, "0.01", 3600)
				}
				runOps(b, conc, func(j int) error {
					w, r := j%conc, j/conc
					hit := hits[(r+w)%nHITs]
					res := workerAPI(hc, nodes[j%count].base, "POST", "/hits/"+hit+"/accept", ws[w].Token, nil)
					if res.status != http.StatusOK {
						return fmt.Errorf("accept %s by %s: %v", hit, ws[w].ID, res)
					}
					return nil
				})
			})
		})
	}
}

// runOps runs b.N operations op(0), …, op(b.N-1) from conc goroutines,
// timed, and reports throughput and latency percentiles.
func runOps(b *testing.B, conc int, op func(j int) error) {
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var (
		mu       sync.Mutex
		errs     int
		firstErr error
	)
	var wg sync.WaitGroup
	b.ResetTimer()
	began := time.Now()
	for range min(conc, b.N) {
		wg.Go(func() {
			for {
				j := int(next.Add(1) - 1)
				if j >= b.N {
					return
				}
				t0 := time.Now()
				err := op(j)
				lat[j] = time.Since(t0)
				if err != nil {
					mu.Lock()
					if errs++; firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(began)
	b.StopTimer()
	if errs > 0 {
		b.Fatalf("%d of %d operations failed; the first: %v", errs, b.N, firstErr)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "ops/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
