package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/hitd/hitd"
)

// requesterBalance and requesterAdjustBalance are `hitd requester balance`
// and `hitd requester adjust-balance` (hitd.Service.RequesterBalance,
// AdjustBalance; docs/admin.md).

func requesterBalance() adminCommand {
	var key string
	return adminCommand{
		name: "requester balance",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&key, "access-key-id", "", "the requester's access key id (required)")
		},
		required: []string{"access-key-id"},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			b, err := svc.RequesterBalance(ctx, strings.TrimSpace(key))
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "RequesterId: %s\nName:        %s\nAvailable:   %s\nReserved:    %s\n",
				b.Requester.ID, b.Requester.Name, b.Available, b.Reserved)
			return nil
		},
	}
}

func requesterAdjustBalance() adminCommand {
	var key, amount, reason string
	return adminCommand{
		name: "requester adjust-balance",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&key, "access-key-id", "", "the requester's access key id (required)")
			fs.StringVar(&amount, "amount", "", "USD to add (+12.50) or take away (-12.50) from the available balance (required)")
			fs.StringVar(&reason, "reason", "", "why, recorded in the requester's ledger (required)")
		},
		required: []string{"access-key-id", "amount", "reason"},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			r, err := svc.AdjustBalance(ctx, hitd.AdjustBalanceInput{AccessKeyID: strings.TrimSpace(key), Amount: strings.TrimSpace(amount), Reason: reason})
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, r.Balance)
			return nil
		},
	}
}
