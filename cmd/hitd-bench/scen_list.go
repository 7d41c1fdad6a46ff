package main

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/load"
)

// bulkBatch is how many rows the direct inserts put in one transaction.
const bulkBatch = 10000

// scenarioList: ListHITs, first page and last page, with --list-hits HITs
// of one requester in the store (inserted directly, bulkBatch per
// transaction, while the server runs). Called as boto3 users call it: no
// MaxResults (the default, 10), and the last page reached with a
// NextToken (hitd.NextTokenAfter) instead of walking every page.
func (b *bench) scenarioList(ctx context.Context) *Scenario {
	cfg := b.cfg
	n := cfg.listHITs
	s := b.newScenario("list", "sqlite", 1, cfg.listClients)
	s.Params["hits"], s.Params["calls"] = n, cfg.listCalls
	d := b.open(ctx, s, "sqlite", 1, true)
	if d == nil {
		return s
	}
	defer d.close()
	st, req, ok := openAsRequester(ctx, s, d)
	if !ok {
		return s
	}
	defer st.Close()

	// The last page holds the last 10 HITs: it follows the HIT 11th from
	// the end. Against a --target with HITs of its own, the newest HITs
	// are ours, since they are inserted last.
	b.logf("list: inserting %d HITs directly in the store (%d per transaction)", n, bulkBatch)
	t := benchHITType(req.ID, benchAutoApprove)
	var lastPageAfter int64
	ld, closeLoader, err := openLoader(d.db, st)
	if err != nil {
		s.fail(1, "open the bulk loader: "+err.Error())
		return s
	}
	defer closeLoader()
	t0 := time.Now()
	if err := st.Write(ctx, func(tx hitd.Tx) error { _, err := tx.InsertHITType(ctx, t); return err }); err != nil {
		s.fail(1, "insert the HIT type: "+err.Error())
		return s
	}
	now := time.Now().UTC()
	for lo := 0; lo < n && ctx.Err() == nil; lo += bulkBatch {
		hi := min(n, lo+bulkBatch)
		err := ld.Write(ctx, func(tx hitd.Tx) error {
			for i := lo; i < hi; i++ {
				h := benchHIT(t, 1, now, now.Add(24*time.Hour))
				if err := tx.InsertHIT(ctx, h); err != nil {
					return err
				}
				if i == n-hitd.DefaultListMaxResults-1 {
					lastPageAfter = h.Seq
				}
			}
			return nil
		})
		if err != nil {
			s.fail(1, "insert HITs: "+err.Error())
			return s
		}
		if hi%(20*bulkBatch) == 0 {
			b.logf("list: %d HITs inserted", hi)
		}
	}
	ins := time.Since(t0)
	closeLoader()
	s.Params["insert_seconds"] = round(ins.Seconds())
	s.note("inserted %d HITs directly in %.1f s (%.0f rows/s, %d per transaction) while the server ran", n, ins.Seconds(), float64(n)/ins.Seconds(), bulkBatch)
	lastToken := hitd.NextTokenAfter(lastPageAfter)

	hc := newHTTPClient(cfg.listClients)
	defer hc.CloseIdleConnections()
	c := sdkClient(d.bases[0], d.key, d.secret, hc)
	// Check the pages before timing them.
	first, err := c.ListHITs(ctx, &mturk.ListHITsInput{})
	if err != nil {
		s.fail(1, "ListHITs: "+err.Error())
		return s
	}
	last, err := c.ListHITs(ctx, &mturk.ListHITsInput{NextToken: &lastToken})
	if err != nil {
		s.fail(1, "ListHITs (last page): "+err.Error())
		return s
	}
	s.check("first page HITs", int64(len(first.HITs)), hitd.DefaultListMaxResults)
	s.check("last page HITs", int64(len(last.HITs)), hitd.DefaultListMaxResults)
	if last.NextToken != nil {
		after, err := c.ListHITs(ctx, &mturk.ListHITsInput{NextToken: last.NextToken})
		if err != nil {
			s.fail(1, "ListHITs (after the last page): "+err.Error())
		} else {
			s.check("HITs after the last page", int64(len(after.HITs)), 0)
		}
	}

	opts := load.Options{Clients: cfg.listClients, Count: cfg.listCalls}
	listOp := func(c *mturk.Client, token *string) load.Op {
		return func(ctx context.Context, i int) error {
			out, err := c.ListHITs(ctx, &mturk.ListHITsInput{NextToken: token})
			if err == nil && token != nil && len(out.HITs) != hitd.DefaultListMaxResults {
				err = fmt.Errorf("last page: %d HITs", len(out.HITs))
			}
			return err
		}
	}
	warmRuns := load.Options{Clients: cfg.listClients, Count: min(20, cfg.listCalls)}
	load.Run(ctx, warmRuns, listOp(c, nil))
	load.Run(ctx, warmRuns, listOp(c, &lastToken))
	b.logf("list: %d calls each for the first and the last page", cfg.listCalls)
	smp := d.sample()
	hFirst := s.addRun("hitd first page", "hitd", "ListHITs", load.Run(ctx, opts, listOp(c, nil)))
	hLast := s.addRun("hitd last page", "hitd", "ListHITs NextToken", load.Run(ctx, opts, listOp(c, &lastToken)))
	maxRSS := smp.stop()

	// Storage baseline: the same pages read raw from the same store.
	rawOp := func(after int64) load.Op {
		return func(ctx context.Context, i int) error {
			return st.Read(ctx, func(tx hitd.Tx) error {
				hits, err := tx.ListHITs(ctx, hitd.HITQuery{RequesterID: req.ID, AfterSeq: after, Limit: hitd.DefaultListMaxResults + 1})
				if err == nil && len(hits) < hitd.DefaultListMaxResults {
					err = fmt.Errorf("raw page: %d HITs", len(hits))
				}
				return err
			})
		}
	}
	load.Run(ctx, warmRuns, rawOp(0))
	rFirst := s.addRun("store first page", "store", "Read(ListHITs 11)", load.Run(ctx, opts, rawOp(0)))
	rLast := s.addRun("store last page", "store", "Read(ListHITs 11)", load.Run(ctx, opts, rawOp(lastPageAfter)))
	s.recordServers(d, maxRSS)
	d.close()

	var noop load.Summary
	b.withNoops(ctx, s, d, 1, func(bases []string, _ []int) {
		c := sdkClient(bases[0], d.key, d.secret, hc)
		load.Run(ctx, warmRuns, listOp(c, nil))
		noop = s.addRun("noop", "noop", "ListHITs", load.Run(ctx, opts, listOp(c, nil)))
	})

	s.metric("first page p50", "ms", hFirst.P50Ms, baselines(noop.P50Ms, rFirst.P50Ms), nil)
	s.metric("first page p99", "ms", hFirst.P99Ms, baselines(noop.P99Ms, rFirst.P99Ms), &target{"<", 10})
	s.metric("last page p50", "ms", hLast.P50Ms, baselines(noop.P50Ms, rLast.P50Ms), nil)
	s.metric("last page p99", "ms", hLast.P99Ms, baselines(noop.P99Ms, rLast.P99Ms), &target{"<", 10})
	ratio, rawRatio := 0.0, 0.0
	if hFirst.P99Ms > 0 {
		ratio = hLast.P99Ms / hFirst.P99Ms
	}
	if rFirst.P99Ms > 0 {
		rawRatio = rLast.P99Ms / rFirst.P99Ms
	}
	s.metric("last/first p99", "ratio", ratio, map[string]float64{"store": rawRatio}, &target{"<=", 1.5})
	s.note("%d client(s), %d calls per page, no MaxResults (10 per page); the noop answers {} (no HITs to encode)", cfg.listClients, cfg.listCalls)
	return s
}
