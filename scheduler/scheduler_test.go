package scheduler_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/hitd/hitd/internal/hitdtest"
	"github.com/hitd/hitd/qform"
	"github.com/hitd/hitd/scheduler"
)

const htmlQ = `<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd"><HTMLContent><![CDATA[<p>hi</p>]]></HTMLContent><FrameHeight>0</FrameHeight></HTMLQuestion>`

// setup makes a HIT with n slots, n workers holding one each, and the
// first half of them submitted.
func setup(t *testing.T, n int) (*hitdtest.Env, string) {
	e := hitdtest.New(t)
	ctx := context.Background()
	out, err := e.Client.CreateHIT(ctx, &mturk.CreateHITInput{Title: aws.String("t"), Description: aws.String("d"), Reward: aws.String("0.10"),
		AssignmentDurationInSeconds: aws.Int64(60), AutoApprovalDelayInSeconds: aws.Int64(120), LifetimeInSeconds: aws.Int64(30),
		MaxAssignments: aws.Int32(int32(n)), Question: aws.String(htmlQ)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		w, err := e.Service.CreateWorker(ctx, fmt.Sprintf("w%03d", i), "password-1234")
		if err != nil {
			t.Fatal(err)
		}
		a, err := e.Service.AcceptHIT(ctx, w.ID, *out.HIT.HITId)
		if err != nil {
			t.Fatal(err)
		}
		if i < n/2 {
			if _, err := e.Service.SubmitAssignment(ctx, w.ID, a.ID, []qform.Field{{Name: "x", Values: []string{"y"}}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return e, *out.HIT.HITId
}

func TestRunOnceDrainsEveryBatch(t *testing.T) {
	e, hitID := setup(t, 20)
	ctx := context.Background()
	s := scheduler.New(e.Service, e.Clock, scheduler.Options{Batch: 3})
	// At +61s the unsubmitted half is abandoned (and, the HIT having
	// expired at +30s, their slots' money released, and its expiry noted);
	// nothing is approved yet.
	st, err := s.RunOnce(ctx, e.Clock.Now().Add(61*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if st.Abandoned != 10 || st.AutoApproved != 0 || st.Expired != 1 {
		t.Fatalf("first pass %+v", st)
	}
	st, err = s.RunOnce(ctx, e.Clock.Now().Add(200*time.Second))
	if err != nil || st.AutoApproved != 10 || st.Abandoned != 0 {
		t.Fatalf("second pass %+v %v", st, err)
	}
	h, err := e.Client.GetHIT(ctx, &mturk.GetHITInput{HITId: &hitID})
	if err != nil || aws.ToInt32(h.HIT.NumberOfAssignmentsCompleted) != 10 || aws.ToInt32(h.HIT.NumberOfAssignmentsPending) != 0 {
		t.Fatalf("HIT after passes: %+v %v", h, err)
	}
	m, err := e.Service.AuditMoney(ctx)
	if err != nil || !m.Balanced() || m.Reserves != 0 || m.WorkerEarnings != 100 {
		t.Fatalf("books %+v %v", m, err)
	}
}

func TestRunLoopUsesTheClockAndStops(t *testing.T) {
	e, _ := setup(t, 4)
	e.Clock.Advance(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		scheduler.New(e.Service, e.Clock, scheduler.Options{Interval: 5 * time.Millisecond}).Run(ctx)
		close(done)
	}()
	deadline := time.After(10 * time.Second)
	for {
		m, err := e.Service.AuditMoney(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if m.WorkerEarnings == 20 && m.Reserves == 0 {
			break
		}
		select {
		case <-deadline:
			t.Fatalf("the loop did not apply the due work: %+v", m)
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop when its context ended")
	}
}

// elector is a scripted Elector: it leads while lead is true.
type elector struct {
	lead     atomic.Bool
	asked    atomic.Int32
	resigned atomic.Bool
}

func (e *elector) Lead(context.Context) (bool, error) { e.asked.Add(1); return e.lead.Load(), nil }
func (e *elector) Resign(context.Context) error       { e.resigned.Store(true); return nil }

func TestRunAppliesDueWorkOnlyWhileLeading(t *testing.T) {
	e, _ := setup(t, 4)
	e.Clock.Advance(time.Hour)
	el := &elector{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		scheduler.New(e.Service, e.Clock, scheduler.Options{Interval: 5 * time.Millisecond, Elector: el}).Run(ctx)
		close(done)
	}()
	earnings := func() int64 {
		m, err := e.Service.AuditMoney(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return int64(m.WorkerEarnings)
	}
	// Standing by: several passes' worth of asking, nothing applied.
	for el.asked.Load() < 5 {
		time.Sleep(5 * time.Millisecond)
	}
	if got := earnings(); got != 0 {
		t.Fatalf("a node without the lease applied due work: earnings %d", got)
	}
	el.lead.Store(true)
	deadline := time.After(10 * time.Second)
	for earnings() != 20 {
		select {
		case <-deadline:
			t.Fatalf("the leader did not apply the due work: earnings %d", earnings())
		case <-time.After(10 * time.Millisecond):
		}
	}
	cancel()
	<-done
	if !el.resigned.Load() {
		t.Error("Run did not resign the lease when it stopped")
	}
}

// passes records every pass a Scheduler reports to its Observer.
type passes struct{ got []scheduler.Stats }

func (p *passes) ObservePass(st scheduler.Stats, err error) {
	if err != nil {
		panic(err)
	}
	p.got = append(p.got, st)
}

// TestObserverAndLag: the Observer hears of every RunOnce with its totals,
// and the realm's Stats show the due work waiting (SchedulerLag) until a
// pass applies it.
func TestObserverAndLag(t *testing.T) {
	e, _ := setup(t, 4)
	ctx := context.Background()
	obs := &passes{}
	s := scheduler.New(e.Service, e.Clock, scheduler.Options{Observer: obs})
	e.Clock.Advance(61 * time.Second) // the HIT expired at +30s, the accepted half is due at +60s
	before, err := e.Service.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if lag := before.SchedulerLag(); lag != 31*time.Second {
		t.Errorf("lag before the pass %v, want 31s (the expiry at +30s)", lag)
	}
	if before.UnassignableHITs != 1 || before.AcceptedAssignments != 2 || before.SubmittedAssignments != 2 {
		t.Errorf("before the pass: %+v", before)
	}
	if _, err := s.RunOnce(ctx, e.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if len(obs.got) != 1 || obs.got[0].Abandoned != 2 || obs.got[0].Expired != 1 {
		t.Fatalf("observed %+v, want one pass abandoning 2 and expiring 1", obs.got)
	}
	after, err := e.Service.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.SchedulerLag() != 0 || after.UnassignableHITs != 0 || after.AcceptedAssignments != 0 || after.SubmittedAssignments != 2 {
		t.Errorf("after the pass: %+v (lag %v)", after, after.SchedulerLag())
	}
}
