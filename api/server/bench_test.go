package server_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/mturk"
	"github.com/hitd/hitd/internal/hitdtest"
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
