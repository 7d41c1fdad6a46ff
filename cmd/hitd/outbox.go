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
		check: func(io.Reader) error {
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

// requesterNotifyCredentials stores the AWS-compatible credentials a
// requester's SQS and SNS notifications are signed with.
func requesterNotifyCredentials() adminCommand {
	var key, awsKey, awsSecret, region string
	return adminCommand{
		name: "requester notify-credentials",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&key, "access-key-id", "", "the requester's hitd access key id")
			fs.StringVar(&awsKey, "aws-access-key-id", "", "access key id for the requester's SQS/SNS")
			fs.StringVar(&awsSecret, "aws-secret-access-key", envOr("HITD_NOTIFY_SECRET_ACCESS_KEY", ""), "its secret (env HITD_NOTIFY_SECRET_ACCESS_KEY keeps it out of the process list)")
			fs.StringVar(&region, "region", "", "signing region when the destination names none (default: the server's --notify-region)")
		},
		required: []string{"access-key-id", "aws-access-key-id", "aws-secret-access-key"},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			if err := svc.SetNotifyCredentials(ctx, key, hitd.NotifyCredentials{AccessKeyID: awsKey, SecretAccessKey: awsSecret, Region: region}); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "notification credentials set for %s (AWS key %s)\n", key, awsKey)
			return nil
		},
	}
}
