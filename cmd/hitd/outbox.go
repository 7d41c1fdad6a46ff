package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hitd/hitd"
)

// outboxList shows notification outbox items in one state (dead letters by
// default).
func outboxList() adminCommand {
	var status string
	return adminCommand{
		name:  "outbox list",
		flags: func(fs *flag.FlagSet) { fs.StringVar(&status, "status", hitd.OutboxDead, "Pending, Delivered or Dead") },
		check: func() error {
			switch status {
			case hitd.OutboxPending, hitd.OutboxDelivered, hitd.OutboxDead:
				return nil
			}
			return fmt.Errorf("--status %q: want Pending, Delivered or Dead", status)
		},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			items, err := svc.ListOutbox(ctx, status, 200)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tEVENT\tHIT\tTRANSPORT\tDESTINATION\tATTEMPTS\tCREATED\tLAST ERROR")
			for _, o := range items {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", o.ID, o.Event.EventType, o.Event.HITId, o.Spec.Transport, o.Spec.Destination,
					o.Attempts, o.CreatedAt.Format(time.RFC3339), strings.ReplaceAll(o.LastError, "\n", " "))
			}
			return tw.Flush()
		},
	}
}

// outboxRetry puts a dead letter back in the queue.
func outboxRetry() adminCommand {
	var id string
	return adminCommand{
		name:        "outbox retry",
		operand:     &id,
		operandName: "ID",
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			if err := svc.RetryDead(ctx, strings.TrimSpace(id)); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "notification %s queued again\n", id)
			return nil
		},
	}
}
