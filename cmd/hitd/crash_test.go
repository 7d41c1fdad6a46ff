package main

// The crash test (docs/reliability.md, "Crash safety"): SIGKILL a
// `hitd serve` on SQLite in the middle of concurrent requester and worker
// traffic, again and again, and after every kill check that the database
// shows nothing a crash must not do: an acknowledged write lost, a HIT
// created twice for one UniqueRequestToken, a HIT's slots over-granted or
// its counters out of step with its assignments, money created or lost,
// a corrupt file.
//
// It runs 3 cycles in `go test ./...` (skipped with -short) and as many as
// HITD_CRASH_CYCLES says on demand, e.g.
//
//	HITD_CRASH_CYCLES=1000 go test ./cmd/hitd -run TestCrashCycles -timeout 90m -v

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/aws/aws-sdk-go-v2/service/mturk/types"
	"github.com/aws/smithy-go"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/sqlite"
)

// The crash test's workload.
const (
	crashCyclesEnv    = "HITD_CRASH_CYCLES"
	crashCyclesShort  = 3  // cycles when HITD_CRASH_CYCLES is unset
	crashWorkers      = 48 // worker accounts, shared out among the worker loops
	crashWorkerLoops  = 4  // goroutines accepting, submitting and returning
	crashCreateLoops  = 2  // goroutines calling CreateHIT
	crashOpenTarget   = 6  // the creators keep about this many HITs open
	crashMaxSlots     = 4  // MaxAssignments is 1..crashMaxSlots
	crashMinTraffic   = 100 * time.Millisecond
	crashMaxTraffic   = 600 * time.Millisecond
	crashPassword     = "crash-password"
	crashReturnPct    = 10                   // of accepted assignments, the share returned rather than submitted
	crashRejectPct    = 15                   // of submitted assignments, the share rejected rather than approved
	crashDupTokenPct  = 15                   // of CreateHIT calls, the share re-sending an acknowledged token
	crashMaxViolation = 30                   // violations listed in a failure message
	crashThinkTime    = 6 * time.Millisecond // a worker loop pauses up to this long between requests
	// PRAGMA integrity_check reads every table and index, which takes
	// seconds once a long run has grown the database; every cycle runs
	// PRAGMA quick_check (the same but for the index-to-table cross
	// checks), and every crashIntegrityEvery-th cycle and the last run the
	// full check.
	crashIntegrityEvery = 10
)

var crashReward = hitd.Cents(5)

// crashExpect is what an acknowledged write obliges an assignment's row to show.
type crashExpect int

const (
	expExists    crashExpect = iota // accept acknowledged: the row exists, in any state
	expSubmitted                    // submit acknowledged: Submitted, Approved or Rejected
	expReturned                     // return acknowledged: Returned
	expApproved                     // approval acknowledged: Approved
	expRejected                     // rejection acknowledged: Rejected
)

func (e crashExpect) String() string {
	return [...]string{"exists", "Submitted or later", "Returned", "Approved", "Rejected"}[e]
}

func (e crashExpect) holds(status string) bool {
	switch e {
	case expSubmitted:
		return status == "Submitted" || status == "Approved" || status == "Rejected"
	case expReturned:
		return status == "Returned"
	case expApproved:
		return status == "Approved"
	case expRejected:
		return status == "Rejected"
	}
	return true
}

// crashWork is an accepted assignment its worker has still to submit or
// return; op is set when that request was sent but never answered (the
// server died), and the same request is sent again.
type crashWork struct {
	id     string
	worker int
	op     string // "", "submit" or "return"
}

// crashBook is everything the server acknowledged, across all cycles, and
// the requests it never answered.
type crashBook struct {
	mu         sync.Mutex
	hitToken   map[string]string      // acknowledged HIT → its UniqueRequestToken
	tokenHIT   map[string]string      // acknowledged token → its HIT
	tokens     []string               // acknowledged tokens, for duplicate requests
	unanswered []string               // CreateHIT tokens sent without an answer: sent again
	open       []string               // acknowledged HITs that may have a free slot
	asg        map[string]crashExpect // acknowledged assignment → what its row must show
	work       [][]crashWork          // per worker loop: assignments to submit or return
	review     []string               // submitted assignments to approve or reject
	decisions  map[string]crashExpect // approvals and rejections sent without an answer: sent again
	acks       map[string]int         // acknowledged writes by kind, all cycles
	lost       map[string]int         // requests the kill left unanswered, by kind, all cycles
	refused    int                    // re-sent acknowledged tokens refused with HitAlreadyExists naming their HIT
	violations []string               // this cycle's
	nextToken  int
}

func newCrashBook() *crashBook {
	return &crashBook{hitToken: map[string]string{}, tokenHIT: map[string]string{}, asg: map[string]crashExpect{},
		work: make([][]crashWork, crashWorkerLoops), decisions: map[string]crashExpect{}, acks: map[string]int{}, lost: map[string]int{}}
}

func (b *crashBook) violate(format string, args ...any) {
	b.mu.Lock()
	b.violations = append(b.violations, fmt.Sprintf(format, args...))
	b.mu.Unlock()
}

func (b *crashBook) ack(kind string) {
	b.mu.Lock()
	b.acks[kind]++
	b.mu.Unlock()
}

// setExpect records an acknowledged assignment state, never weakening an
// earlier one.
func (b *crashBook) setExpect(id string, e crashExpect) {
	b.mu.Lock()
	if e > b.asg[id] {
		b.asg[id] = e
	}
	b.mu.Unlock()
}

func (b *crashBook) ackHIT(id, token string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if prev, ok := b.tokenHIT[token]; ok && prev != id {
		b.violations = append(b.violations, fmt.Sprintf("UniqueRequestToken %s acknowledged for two HITs: %s and %s", token, prev, id))
		return
	}
	if prev, ok := b.hitToken[id]; ok && prev != token {
		b.violations = append(b.violations, fmt.Sprintf("HIT %s acknowledged for two tokens: %s and %s", id, prev, token))
		return
	}
	if _, ok := b.tokenHIT[token]; !ok {
		b.tokens = append(b.tokens, token)
	}
	b.hitToken[id], b.tokenHIT[token] = token, id
	b.open = append(b.open, id)
}

// crashTraffic is one cycle's traffic against one server.
type crashTraffic struct {
	b       *crashBook
	base    string
	hc      *http.Client
	sdk     *mturk.Client
	workers []testWorker
	killed  atomic.Bool // set just before the SIGKILL: loops stop, and requests may fail
}

// unanswered notes a request that got no answer: expected once the kill
// is under way, a violation before.
func (c *crashTraffic) unanswered(kind string, err error) {
	if !c.killed.Load() {
		c.b.violate("%s: no answer before the kill: %v", kind, err)
		return
	}
	c.b.mu.Lock()
	c.b.lost[kind]++
	c.b.mu.Unlock()
}

// crashTurkCode is the TurkErrorCode of an API error answer, with ok false
// when err is not an answer from the server at all (a transport error).
func crashTurkCode(err error) (code string, ok bool) {
	var re *types.RequestError
	if errors.As(err, &re) {
		return aws.ToString(re.TurkErrorCode), true
	}
	var sf *types.ServiceFault
	if errors.As(err, &sf) {
		return "ServiceFault " + aws.ToString(sf.TurkErrorCode), true
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), true
	}
	return "", false
}

var crashHITExists = regexp.MustCompile(`The HIT with ID "([^"]+)" already exists`)

// createLoop creates HITs with a UniqueRequestToken while fewer than
// crashOpenTarget are open; it re-sends tokens whose CreateHIT the last
// kill left unanswered (the answer must be the HIT, new or old, never two)
// and, now and then, a token already acknowledged (the answer must be
// HitAlreadyExists naming the acknowledged HIT).
func (c *crashTraffic) createLoop(ctx context.Context) {
	for !c.killed.Load() {
		b := c.b
		b.mu.Lock()
		var token, kind string
		switch {
		case len(b.unanswered) > 0:
			token, kind = b.unanswered[0], "retry"
			b.unanswered = b.unanswered[1:]
		case len(b.tokens) > 0 && rand.IntN(100) < crashDupTokenPct:
			token, kind = b.tokens[rand.IntN(len(b.tokens))], "duplicate"
		case len(b.open) < crashOpenTarget:
			b.nextToken++
			token, kind = fmt.Sprintf("crash-%06d", b.nextToken), "new"
		}
		b.mu.Unlock()
		if token == "" {
			time.Sleep(2 * time.Millisecond)
			continue
		}
		out, err := c.sdk.CreateHIT(ctx, &mturk.CreateHITInput{Title: aws.String("crash"), Description: aws.String("crash test"),
			Reward: aws.String(crashReward.String()), AssignmentDurationInSeconds: aws.Int64(6 * 3600), AutoApprovalDelayInSeconds: aws.Int64(30 * 86400),
			LifetimeInSeconds: aws.Int64(7 * 86400), MaxAssignments: aws.Int32(int32(1 + rand.IntN(crashMaxSlots))),
			Question: aws.String(nodesQuestion), UniqueRequestToken: aws.String(token)})
		code, answered := crashTurkCode(err)
		switch {
		case err == nil && kind == "duplicate":
			b.mu.Lock()
			first := b.tokenHIT[token]
			b.mu.Unlock()
			c.b.violate("CreateHIT re-sent acknowledged token %s (HIT %s) and created another HIT, %s", token, first, aws.ToString(out.HIT.HITId))
		case err == nil:
			c.b.ackHIT(aws.ToString(out.HIT.HITId), token)
			c.b.ack("CreateHIT")
		case !answered:
			c.unanswered("CreateHIT", err)
			if kind != "duplicate" {
				b.mu.Lock()
				b.unanswered = append(b.unanswered, token)
				b.mu.Unlock()
			}
		case code == "AWS.MechanicalTurk.HitAlreadyExists" && kind != "new":
			m := crashHITExists.FindStringSubmatch(err.Error())
			if m == nil {
				c.b.violate("CreateHIT re-sent token %s: HitAlreadyExists names no HIT: %v", token, err)
				break
			}
			if kind == "duplicate" {
				b.mu.Lock()
				first := b.tokenHIT[token]
				b.mu.Unlock()
				if m[1] != first {
					c.b.violate("CreateHIT re-sent acknowledged token %s: HitAlreadyExists names HIT %s; the token's HIT is %s", token, m[1], first)
				}
				b.mu.Lock()
				b.refused++
				b.mu.Unlock()
				break
			}
			// The unanswered CreateHIT was committed: its HIT is the token's.
			c.b.ackHIT(m[1], token)
			c.b.ack("CreateHIT (re-sent, found)")
		default:
			c.b.violate("CreateHIT (%s token %s): %v", kind, token, err)
		}
	}
}

// workerLoop is one of crashWorkerLoops goroutines acting for the
// workers w with w%crashWorkerLoops == g: it submits (or returns) the
// assignments they accepted, else accepts an open HIT for one of them.
func (c *crashTraffic) workerLoop(g int) {
	b := c.b
	for !c.killed.Load() {
		b.mu.Lock()
		var item crashWork
		var hit string
		if n := len(b.work[g]); n > 0 {
			item = b.work[g][0]
			b.work[g] = b.work[g][1:]
		} else if len(b.open) > 0 {
			hit = b.open[rand.IntN(len(b.open))]
		}
		b.mu.Unlock()
		switch {
		case item.id != "":
			c.finish(g, item)
		case hit != "":
			c.accept(g, hit)
		default:
			time.Sleep(2 * time.Millisecond)
			continue
		}
		time.Sleep(rand.N(crashThinkTime))
	}
}

func (c *crashTraffic) accept(g int, hit string) {
	w := g + crashWorkerLoops*rand.IntN(crashWorkers/crashWorkerLoops)
	r := workerAPI(c.hc, c.base, "POST", "/hits/"+hit+"/accept", c.workers[w].Token, nil)
	b := c.b
	switch {
	case r.err != nil:
		c.unanswered("accept", r.err)
	case r.status == http.StatusOK:
		id := r.str("assignmentId")
		if id == "" || r.str("hitId") != hit {
			b.violate("accept %s by %s: answer %v", hit, c.workers[w].ID, r)
			return
		}
		b.setExpect(id, expExists)
		b.mu.Lock()
		b.work[g] = append(b.work[g], crashWork{id: id, worker: w})
		b.mu.Unlock()
		b.ack("accept")
	case r.status == http.StatusConflict && r.code == string(hitd.ErrHITNotAvailable):
		b.mu.Lock()
		for i, h := range b.open {
			if h == hit {
				b.open = append(b.open[:i], b.open[i+1:]...)
				break
			}
		}
		b.mu.Unlock()
	case r.status == http.StatusConflict && r.code == string(hitd.ErrAlreadyAccepted):
	default:
		b.violate("accept %s by %s: %v", hit, c.workers[w].ID, r)
	}
}

// finish submits or returns an accepted assignment. A request sent again
// after the kill left it unanswered may find it done already.
func (c *crashTraffic) finish(g int, item crashWork) {
	b := c.b
	op, retry := item.op, item.op != ""
	if op == "" {
		op = "submit"
		if rand.IntN(100) < crashReturnPct {
			op = "return"
		}
	}
	var body any
	want := expReturned
	if op == "submit" {
		body, want = map[string]any{"answers": map[string]string{"answer": "x"}}, expSubmitted
	}
	r := workerAPI(c.hc, c.base, "POST", "/assignments/"+item.id+"/"+op, c.workers[item.worker].Token, body)
	switch {
	case r.err != nil:
		c.unanswered(op, r.err)
		item.op = op
		b.mu.Lock()
		b.work[g] = append(b.work[g], item)
		b.mu.Unlock()
		return
	case r.status == http.StatusOK:
		b.ack(op)
	case retry && r.status == http.StatusConflict && r.code == string(hitd.ErrInvalidAssignmentState):
		b.ack(op + " (re-sent, found done)")
	default:
		b.violate("%s %s by %s (re-sent: %v): %v", op, item.id, c.workers[item.worker].ID, retry, r)
		return
	}
	b.setExpect(item.id, want)
	if op == "submit" {
		b.mu.Lock()
		b.review = append(b.review, item.id)
		b.mu.Unlock()
	}
}

// reviewLoop approves (or rejects) submitted assignments, first sending
// again the decisions the last kill left unanswered.
func (c *crashTraffic) reviewLoop(ctx context.Context) {
	b := c.b
	for !c.killed.Load() {
		b.mu.Lock()
		var id string
		var want crashExpect
		retry := false
		for a, e := range b.decisions {
			id, want, retry = a, e, true
			delete(b.decisions, a)
			break
		}
		if id == "" && len(b.review) > 0 {
			id, b.review = b.review[0], b.review[1:]
			want = expApproved
			if rand.IntN(100) < crashRejectPct {
				want = expRejected
			}
		}
		b.mu.Unlock()
		if id == "" {
			time.Sleep(2 * time.Millisecond)
			continue
		}
		var err error
		kind := "approve"
		if want == expApproved {
			_, err = c.sdk.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: aws.String(id), RequesterFeedback: aws.String("thanks")})
		} else {
			kind = "reject"
			_, err = c.sdk.RejectAssignment(ctx, &mturk.RejectAssignmentInput{AssignmentId: aws.String(id), RequesterFeedback: aws.String("no")})
		}
		code, answered := crashTurkCode(err)
		switch {
		case err == nil:
			b.ack(kind)
		case !answered:
			c.unanswered(kind, err)
			b.mu.Lock()
			b.decisions[id] = want
			b.mu.Unlock()
			continue
		case retry && code == "AWS.MechanicalTurk.InvalidAssignmentState":
			b.ack(kind + " (re-sent, found done)")
		default:
			b.violate("%s %s (re-sent: %v): %v", kind, id, retry, err)
			continue
		}
		b.setExpect(id, want)
	}
}

// crashCheck is what one check of the store found.
type crashCheck struct {
	violations                      []string
	hits, assignments, expectations int
}

func (k *crashCheck) violate(format string, args ...any) {
	k.violations = append(k.violations, fmt.Sprintf(format, args...))
}

// checkCrashStore checks the database at path (a copy of the killed
// server's files) against the book and the invariants of the docs.
func checkCrashStore(ctx context.Context, path string, full bool, b *crashBook, deposits *hitd.Cents) (*crashCheck, error) {
	store, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer store.Close()
	db := store.DB()
	k := &crashCheck{}

	pragma := "PRAGMA quick_check"
	if full {
		pragma = "PRAGMA integrity_check"
	}
	var integrity []string
	if err := crashScan(ctx, db, pragma, func(rows *sql.Rows) error {
		var s string
		err := rows.Scan(&s)
		integrity = append(integrity, s)
		return err
	}); err != nil {
		return nil, err
	}
	if len(integrity) != 1 || integrity[0] != "ok" {
		k.violate("%s: %q", pragma, integrity)
	}
	var fkeys int
	if err := crashScan(ctx, db, `PRAGMA foreign_key_check`, func(*sql.Rows) error { fkeys++; return nil }); err != nil {
		return nil, err
	}
	if fkeys > 0 {
		k.violate("PRAGMA foreign_key_check: %d rows break a foreign key", fkeys)
	}

	type hitRow struct {
		token                                                string
		max, pending, submitted, completed, funded, disposed int
		reserved, reward                                     hitd.Cents
		// from the assignment rows
		accepted, sub, done int
	}
	hits := map[string]*hitRow{}
	byToken := map[string][]string{}
	if err := crashScan(ctx, db, `SELECT h.id, h.unique_request_token, h.max_assignments, h.pending, h.submitted, h.completed, h.funded, h.disposed, h.reserved_cents, t.reward_cents
		FROM hits h JOIN hit_types t ON t.id = h.hit_type_id`, func(rows *sql.Rows) error {
		var id string
		h := &hitRow{}
		if err := rows.Scan(&id, &h.token, &h.max, &h.pending, &h.submitted, &h.completed, &h.funded, &h.disposed, &h.reserved, &h.reward); err != nil {
			return err
		}
		hits[id] = h
		if h.token != "" {
			byToken[h.token] = append(byToken[h.token], id)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	k.hits = len(hits)
	for token, ids := range byToken {
		if len(ids) > 1 {
			sort.Strings(ids)
			k.violate("UniqueRequestToken %s is on %d HITs: %v", token, len(ids), ids)
		}
	}

	type asgRow struct{ hit, worker, status string }
	asgs := map[string]asgRow{}
	type workerSums struct{ approved, rejected, earnings int64 }
	fromRows := map[string]*workerSums{}
	if err := crashScan(ctx, db, `SELECT id, hit_id, worker_id, status FROM assignments`, func(rows *sql.Rows) error {
		var id string
		var a asgRow
		if err := rows.Scan(&id, &a.hit, &a.worker, &a.status); err != nil {
			return err
		}
		asgs[id] = a
		h := hits[a.hit]
		if h == nil {
			k.violate("assignment %s of missing HIT %s", id, a.hit)
			return nil
		}
		ws := fromRows[a.worker]
		if ws == nil {
			ws = &workerSums{}
			fromRows[a.worker] = ws
		}
		switch a.status {
		case "Accepted":
			h.accepted++
		case "Submitted":
			h.sub++
		case "Approved":
			h.done++
			ws.approved++
			ws.earnings += int64(h.reward)
		case "Rejected":
			h.done++
			ws.rejected++
		case "Returned", "Abandoned":
		default:
			k.violate("assignment %s has status %q", id, a.status)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	k.assignments = len(asgs)

	// Slots and counters, and each HIT's reserve: every slot not yet
	// approved or rejected is funded (no HIT expires during the test) at
	// reward + fee.
	for id, h := range hits {
		if h.accepted != h.pending || h.sub != h.submitted || h.done != h.completed {
			k.violate("HIT %s: counters pending/submitted/completed %d/%d/%d, assignment rows %d/%d/%d",
				id, h.pending, h.submitted, h.completed, h.accepted, h.sub, h.done)
		}
		if taken := h.accepted + h.sub + h.done; taken > h.max {
			k.violate("HIT %s: %d slots taken (%d live, %d completed) of MaxAssignments %d", id, taken, h.accepted+h.sub, h.done, h.max)
		}
		slot := h.reward + hitd.Fee(h.reward, hitd.FeePercent(h.max, false))
		if h.disposed != 0 || h.funded != h.max-h.completed || h.reserved != hitd.Cents(h.funded)*slot {
			k.violate("HIT %s: disposed %d, funded %d of %d slots (%d completed), reserve %s; want %d funded, reserve %s",
				id, h.disposed, h.funded, h.max, h.completed, h.reserved, h.max-h.completed, hitd.Cents(h.max-h.completed)*slot)
		}
	}

	// Each worker's counts and earnings agree with their assignments.
	if err := crashScan(ctx, db, `SELECT id, approved, rejected, earnings_cents FROM workers`, func(rows *sql.Rows) error {
		var id string
		var got workerSums
		if err := rows.Scan(&id, &got.approved, &got.rejected, &got.earnings); err != nil {
			return err
		}
		want := fromRows[id]
		if want == nil {
			want = &workerSums{}
		}
		if got != *want {
			k.violate("worker %s: approved %d, rejected %d, earnings %d¢; assignment rows say %d, %d, %d¢",
				id, got.approved, got.rejected, got.earnings, want.approved, want.rejected, want.earnings)
		}
		return nil
	}); err != nil {
		return nil, err
	}

	// Exactly one reward and one fee for each approved assignment, none
	// for any other.
	paid := map[string]map[string]int{}
	if err := crashScan(ctx, db, `SELECT ref, kind FROM ledger WHERE kind IN ('reward', 'fee')`, func(rows *sql.Rows) error {
		var ref, kind string
		if err := rows.Scan(&ref, &kind); err != nil {
			return err
		}
		if paid[ref] == nil {
			paid[ref] = map[string]int{}
		}
		paid[ref][kind]++
		return nil
	}); err != nil {
		return nil, err
	}
	for id, a := range asgs {
		want := 0
		if a.status == "Approved" {
			want = 1
		}
		if p := paid[id]; p["reward"] != want || p["fee"] != want {
			k.violate("assignment %s (%s): %d reward and %d fee ledger entries; want %d each", id, a.status, p["reward"], p["fee"], want)
		}
		delete(paid, id)
	}
	for ref, p := range paid {
		k.violate("ledger pays %v for %s, which is no assignment", p, ref)
	}

	// Balances never negative; the books balance, on the deposits of the
	// first cycle.
	if err := crashScan(ctx, db, `SELECT id, balance_cents FROM requesters`, func(rows *sql.Rows) error {
		var id string
		var bal hitd.Cents
		if err := rows.Scan(&id, &bal); err != nil {
			return err
		}
		if bal < 0 {
			k.violate("requester %s: balance %s is negative", id, bal)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	audit, err := hitd.NewService(store, hitd.SystemClock{}, hitd.IDSource{}, hitd.Config{}).AuditMoney(ctx)
	if err != nil {
		return nil, err
	}
	if !audit.Balanced() {
		k.violate("money audit not balanced: %+v", *audit)
	}
	if *deposits == 0 {
		*deposits = audit.Deposits
	}
	if audit.Deposits != *deposits || audit.Deposits == 0 {
		k.violate("deposits %s; the first cycle saw %s", audit.Deposits, *deposits)
	}

	// Every acknowledged write.
	b.mu.Lock()
	defer b.mu.Unlock()
	for id, token := range b.hitToken {
		k.expectations++
		switch h := hits[id]; {
		case h == nil:
			k.violate("acknowledged HIT %s (token %s) is missing", id, token)
		case h.token != token:
			k.violate("acknowledged HIT %s has token %q; want %q", id, h.token, token)
		}
	}
	for id, e := range b.asg {
		k.expectations++
		switch a, ok := asgs[id]; {
		case !ok:
			k.violate("acknowledged assignment %s (%s) is missing", id, e)
		case !e.holds(a.status):
			k.violate("assignment %s is %s; an acknowledged write made it %s", id, a.status, e)
		}
	}
	return k, nil
}

func crashScan(ctx context.Context, db *sql.DB, query string, each func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("%s: %w", query, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return fmt.Errorf("%s: %w", query, err)
		}
	}
	return rows.Err()
}

// copyCrashImage copies the database file and its WAL (not the shared
// memory index, which a crashed process leaves stale) from src to dst:
// what opening the database after the crash sees, recovered by SQLite in
// the copy while the server's files stay for its own recovery on restart.
func copyCrashImage(src, dst string) error {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(dst + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	for _, suffix := range []string{"", "-wal"} {
		data, err := os.ReadFile(src + suffix)
		if errors.Is(err, os.ErrNotExist) && suffix != "" {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(dst+suffix, data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// startCrashNode starts `hitd serve` on the SQLite database at dbPath and
// waits until /healthz answers.
func startCrashNode(t *testing.T, bin, dataDir, dbPath, name string, hc *http.Client) *node {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--data-dir", dataDir, "--db", "sqlite:"+dbPath, "--listen", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "HITD_ROOT_ACCESS_KEY_ID="+nodeRootKey, "HITD_ROOT_SECRET_ACCESS_KEY="+nodeRootSecret)
	cmd.Stdout = io.Discard
	setParentDeathSignal(cmd)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &node{name: name, cmd: cmd, exited: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
		for sc.Scan() {
			l := logLine{at: time.Now(), text: sc.Text()}
			n.mu.Lock()
			n.lines = append(n.lines, l)
			n.mu.Unlock()
		}
		io.Copy(io.Discard, stderr)
		cmd.Wait()
		close(n.exited)
	}()
	l, _, ok := n.waitLine(0, 30*time.Second, listeningAddr.MatchString)
	if !ok {
		n.kill()
		t.Fatalf("%s did not start listening\n%s", name, n.logSummary(40))
	}
	n.addr = listeningAddr.FindStringSubmatch(l.text)[1]
	n.base = "http://" + n.addr
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := hc.Get(n.base + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return n
			}
		}
		if time.Now().After(deadline) {
			n.kill()
			t.Fatalf("%s: /healthz did not answer 200 within 30s (last: %v)\n%s", name, err, n.logSummary(40))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCrashCycles SIGKILLs a serving hitd again and again and checks the
// database after each kill; see the file comment.
func TestCrashCycles(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test starts and kills hitd processes; skipped with -short")
	}
	cycles := crashCyclesShort
	if s := os.Getenv(crashCyclesEnv); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive number of cycles", crashCyclesEnv, s)
		}
		cycles = n
	}
	bin := hitdBinary(t)
	ctx := context.Background()
	dir := t.TempDir()
	dataDir, dbPath := filepath.Join(dir, "data"), filepath.Join(dir, "data", "hitd.db")
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	// The checked copy is written and fsynced every cycle: in memory
	// (/dev/shm) where there is such a file system.
	checkDir := dir
	if d, err := os.MkdirTemp("/dev/shm", "hitd-crash-"); err == nil {
		checkDir = d
		t.Cleanup(func() { os.RemoveAll(d) })
	}
	checkPath := filepath.Join(checkDir, "check.db")

	// The workers, with sessions, before the first start.
	store, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	workers := makeWorkers(t, store, "crash", crashWorkers, crashPassword)
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}

	hc := newHTTPClient()
	defer hc.CloseIdleConnections()
	var current *node
	t.Cleanup(func() {
		if current != nil {
			current.kill()
		}
	})
	b := newCrashBook()
	var deposits hitd.Cents
	var expectations, checks, fullChecks int
	var last *crashCheck
	var trafficTotal, checkTotal time.Duration
	began := time.Now()
	logEvery := max(1, cycles/20)
	for cycle := 1; cycle <= cycles; cycle++ {
		cycleStart := time.Now()
		current = startCrashNode(t, bin, dataDir, dbPath, fmt.Sprintf("cycle %d", cycle), hc)
		n := current
		c := &crashTraffic{b: b, base: n.base, hc: hc, sdk: sdkClient(n.base, hc), workers: workers}
		acksBefore := crashSum(b.acks)
		var wg sync.WaitGroup
		for range crashCreateLoops {
			wg.Go(func() { c.createLoop(ctx) })
		}
		for g := range crashWorkerLoops {
			wg.Go(func() { c.workerLoop(g) })
		}
		wg.Go(func() { c.reviewLoop(ctx) })
		traffic := crashMinTraffic + rand.N(crashMaxTraffic-crashMinTraffic+1)
		time.Sleep(traffic)
		c.killed.Store(true)
		n.kill()
		wg.Wait()
		hc.CloseIdleConnections()
		trafficTotal += traffic

		checkStart := time.Now()
		if err := copyCrashImage(dbPath, checkPath); err != nil {
			t.Fatal(err)
		}
		full := cycle%crashIntegrityEvery == 0 || cycle == cycles
		k, err := checkCrashStore(ctx, checkPath, full, b, &deposits)
		if err != nil {
			t.Fatalf("cycle %d: checking the store: %v", cycle, err)
		}
		checkTime := time.Since(checkStart)
		checkTotal += checkTime
		checks++
		if full {
			fullChecks++
		}
		expectations += k.expectations
		last = k
		violations := append(b.violations, k.violations...)
		for _, l := range n.errorLines() {
			violations = append(violations, "server logged an error: "+l)
		}
		b.violations = nil
		if len(violations) > 0 {
			t.Fatalf("cycle %d (killed after %v): %d violations:\n%s\n%s", cycle, traffic, len(violations),
				strings.Join(violations[:min(crashMaxViolation, len(violations))], "\n"), n.logSummary(20))
		}
		if cycle%logEvery == 0 || cycle == cycles {
			t.Logf("cycle %d: killed after %v, %d writes acknowledged (%d in all), store has %d HITs and %d assignments, checked %d acknowledged writes; cycle took %v, its check %v",
				cycle, traffic.Round(time.Millisecond), crashSum(b.acks)-acksBefore, crashSum(b.acks), k.hits, k.assignments, k.expectations,
				time.Since(cycleStart).Round(time.Millisecond), checkTime.Round(time.Millisecond))
		}
	}

	// The server recovers the last kill's files itself and serves.
	current = startCrashNode(t, bin, dataDir, dbPath, "after the last cycle", hc)
	if _, err := sdkClient(current.base, hc).GetAccountBalance(ctx, &mturk.GetAccountBalanceInput{}); err != nil {
		t.Errorf("after the last cycle: GetAccountBalance: %v", err)
	}
	current.kill()

	t.Logf("%d cycles in %v (traffic %v, checks %v): 0 violations", cycles, time.Since(began).Round(time.Second),
		trafficTotal.Round(time.Millisecond), checkTotal.Round(time.Millisecond))
	t.Logf("acknowledged writes: %d %v", crashSum(b.acks), crashCounts(b.acks))
	t.Logf("re-sent acknowledged UniqueRequestTokens refused with their HIT: %d", b.refused)
	t.Logf("requests left unanswered by a kill: %d %v", crashSum(b.lost), crashCounts(b.lost))
	t.Logf("store at the end: %d HITs, %d assignments; %d acknowledged-write checks over %d store checks (every acknowledged write re-checked after each later kill); %d PRAGMA integrity_check, %d quick_check",
		last.hits, last.assignments, expectations, checks, fullChecks, checks-fullChecks)
}

func crashSum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func crashCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
