package server_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/hitd/hitd"
	"github.com/hitd/hitd/internal/hitdtest"
	"github.com/hitd/hitd/qform"
)

// BenchmarkCreateHITWithHITType measures the durable write path end to end:
// SDK signing, HTTP, SigV4 verification, validation, one SQLite
// transaction with fsync.
func BenchmarkCreateHITWithHITType(b *testing.B) {
	env := hitdtest.New(b)
	ctx := context.Background()
	ht, err := env.Client.CreateHITType(ctx, &mturk.CreateHITTypeInput{Title: aws.String("t"), Description: aws.String("d"),
		Reward: aws.String("0.05"), AssignmentDurationInSeconds: aws.Int64(600)})
	if err != nil {
		b.Fatal(err)
	}
	in := &mturk.CreateHITWithHITTypeInput{HITTypeId: ht.HITTypeId, LifetimeInSeconds: aws.Int64(3600), Question: aws.String(externalQ)}
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, err := env.Client.CreateHITWithHITType(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := env.Client.CreateHITWithHITType(ctx, in); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkGetHIT measures the read path end to end.
func BenchmarkGetHIT(b *testing.B) {
	env := hitdtest.New(b)
	ctx := context.Background()
	h, err := env.Client.CreateHIT(ctx, createHITInput())
	if err != nil {
		b.Fatal(err)
	}
	in := &mturk.GetHITInput{HITId: h.HIT.HITId}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := env.Client.GetHIT(ctx, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkListHITsDeepPage shows that a page deep in a long listing costs
// the same as the first (keyset pagination).
func BenchmarkListHITsDeepPage(b *testing.B) {
	env := hitdtest.New(b)
	ctx := context.Background()
	for range 1000 {
		if _, err := env.Client.CreateHIT(ctx, createHITInput()); err != nil {
			b.Fatal(err)
		}
	}
	var tokens []*string
	p := mturk.NewListHITsPaginator(env.Client, &mturk.ListHITsInput{MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if page.NextToken != nil {
			tokens = append(tokens, page.NextToken)
		}
	}
	for name, tok := range map[string]*string{"first": nil, "last": tokens[len(tokens)-1]} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := env.Client.ListHITs(ctx, &mturk.ListHITsInput{MaxResults: aws.Int32(100), NextToken: tok}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkAcceptSubmitApprove measures one assignment's whole life through
// the Service: accept (one write transaction), submit with answers (one),
// approve through the SDK with the money movements and ledger entries
// (one signed request, one transaction).
func BenchmarkAcceptSubmitApprove(b *testing.B) {
	env := hitdtest.New(b, hitdtest.Options{Config: hitd.Config{StartingBalance: 1_000_000_00}})
	ctx := context.Background()
	in := createHITInput()
	in.MaxAssignments = aws.Int32(1000000)
	in.Question = aws.String(htmlQ)
	out, err := env.Client.CreateHIT(ctx, in)
	if err != nil {
		b.Fatal(err)
	}
	hitID := *out.HIT.HITId
	fields := []qform.Field{{Name: "answer", Values: []string{"a cat"}}, {Name: "comment", Values: []string{"none"}}}
	i := 0
	for b.Loop() {
		i++
		w, err := env.Service.CreateWorker(ctx, fmt.Sprintf("bench%07d", i), "benchmark-password")
		if err != nil {
			b.Fatal(err)
		}
		a, err := env.Service.AcceptHIT(ctx, w.ID, hitID)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := env.Service.SubmitAssignment(ctx, w.ID, a.ID, fields); err != nil {
			b.Fatal(err)
		}
		if _, err := env.Client.ApproveAssignment(ctx, &mturk.ApproveAssignmentInput{AssignmentId: &a.ID}); err != nil {
			b.Fatal(err)
		}
	}
}
