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

// requesterRotateKey, requesterRevokeKey and requesterKeys are `hitd
// requester rotate-key|revoke-key|keys` (hitd.Service.RotateAccessKey,
// RevokeAccessKey, RequesterKeys; docs/admin.md).

// parseGrace reads --grace: "0" (the old key is refused at once), a Go
// duration ("2s", "24h") or days ("7d").
func parseGrace(s string) (time.Duration, error) {
	if strings.TrimSpace(s) == "0" {
		return 0, nil
	}
	secs, err := parseSpan(s)
	if err != nil {
		return 0, fmt.Errorf("--grace %w, or 0", err)
	}
	return time.Duration(secs) * time.Second, nil
}

func requesterRotateKey() adminCommand {
	var key, graceFlag string
	var grace time.Duration
	return adminCommand{
		name: "requester rotate-key",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&key, "access-key-id", "", "the requester's current access key id (required)")
			fs.StringVar(&graceFlag, "grace", "24h", "how long the old key keeps working, e.g. 2s, 24h or 7d; 0 refuses it at once")
		},
		required: []string{"access-key-id"},
		check: func(io.Reader) error {
			var err error
			grace, err = parseGrace(graceFlag)
			return err
		},
		runWithStderr: func(ctx context.Context, svc *hitd.Service, stdout, stderr io.Writer) error {
			r, old, err := svc.RotateAccessKey(ctx, strings.TrimSpace(key), grace)
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "RequesterId:     %s\nName:            %s\nAccessKeyId:     %s\nSecretAccessKey: %s\nOldAccessKeyId:  %s\nOldKeyExpires:   %s\n",
				r.ID, r.Name, r.AccessKeyID, r.SecretAccessKey, old.AccessKeyID, old.Expires.Format(time.RFC3339))
			if grace == 0 {
				fmt.Fprintf(stderr, "The old key %s is refused now (on other nodes and in the sandbox within %s).\n", old.AccessKeyID, hitd.KeyCacheTTL)
			} else {
				fmt.Fprintf(stderr, "The old key %s keeps working for %s, until %s; `hitd requester revoke-key --access-key-id %s` ends that early.\n",
					old.AccessKeyID, grace, old.Expires.Format(time.RFC3339), old.AccessKeyID)
			}
			if r.Root {
				fmt.Fprintf(stderr, "This is the root requester: if the server is configured with HITD_ROOT_ACCESS_KEY_ID and HITD_ROOT_SECRET_ACCESS_KEY, set them to the new key before it next starts (it refuses to start with a key that was rotated out).\n")
			}
			return nil
		},
	}
}

func requesterRevokeKey() adminCommand {
	var key string
	return adminCommand{
		name: "requester revoke-key",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&key, "access-key-id", "", "an access key id that was rotated out and is still in its grace period (required)")
		},
		required: []string{"access-key-id"},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			old, err := svc.RevokeAccessKey(ctx, strings.TrimSpace(key))
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s (requester %s): refused from %s (on other nodes and in the sandbox within %s)\n",
				old.AccessKeyID, old.RequesterID, old.Expires.Format(time.RFC3339), hitd.KeyCacheTTL)
			return nil
		},
	}
}

func requesterKeys() adminCommand {
	var key string
	return adminCommand{
		name: "requester keys",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&key, "access-key-id", "", "any of the requester's access key ids, current or rotated out (required)")
		},
		required: []string{"access-key-id"},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			r, retired, err := svc.RequesterKeys(ctx, strings.TrimSpace(key))
			if err != nil {
				return err
			}
			now := svc.Clock().Now()
			fmt.Fprintf(stdout, "RequesterId: %s\nName:        %s\n\n", r.ID, r.Name)
			tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ACCESS KEY ID\tSTATUS\tRETIRED\tEXPIRES")
			fmt.Fprintf(tw, "%s\tcurrent\t\t\n", r.AccessKeyID)
			for i := len(retired) - 1; i >= 0; i-- { // newest first, under the current key
				k := retired[i]
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.AccessKeyID, keyStatus(k, now), k.RetiredAt.Format(time.RFC3339), k.Expires.Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
}

// keyStatus is a retired key's state at now, in words.
func keyStatus(k *hitd.RetiredKey, now time.Time) string {
	if k.ValidAt(now) {
		return "valid for " + k.Expires.Sub(now).Round(time.Second).String()
	}
	return "expired"
}

// validRetiredKeys returns the retired keys still working at now, by
// requester, each as "KEY until TIME", for `hitd requester list`.
func validRetiredKeys(ctx context.Context, svc *hitd.Service) (map[string][]string, error) {
	keys, err := svc.RetiredKeys(ctx)
	if err != nil {
		return nil, err
	}
	now := svc.Clock().Now()
	out := map[string][]string{}
	for _, k := range keys {
		if k.ValidAt(now) {
			out[k.RequesterID] = append(out[k.RequesterID], k.AccessKeyID+" until "+k.Expires.Format(time.RFC3339))
		}
	}
	return out, nil
}
