package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/hitd/hitd"
)

// requesterDisable and requesterEnable switch a requester's access off and
// on (hitd.Service.SetRequesterDisabled). A disabled requester's access key
// is refused by every API, the console and the sandbox realm, as if it did
// not exist; its HITs, money and history stay.
func requesterDisable() adminCommand { return requesterSetDisabled(true) }
func requesterEnable() adminCommand  { return requesterSetDisabled(false) }

func requesterSetDisabled(disabled bool) adminCommand {
	var key string
	verb := "enable"
	if disabled {
		verb = "disable"
	}
	return adminCommand{
		name: "requester " + verb,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&key, "access-key-id", "", "the requester's access key id (required)")
		},
		required: []string{"access-key-id"},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			r, err := svc.SetRequesterDisabled(ctx, strings.TrimSpace(key), disabled)
			if err != nil {
				return err
			}
			if r.Disabled {
				fmt.Fprintf(stdout, "%s (%s, %s): disabled; its access key and console sessions are refused (on other nodes and in the sandbox within %s)\n",
					r.ID, r.Name, r.AccessKeyID, hitd.KeyCacheTTL)
			} else {
				fmt.Fprintf(stdout, "%s (%s, %s): enabled\n", r.ID, r.Name, r.AccessKeyID)
			}
			return nil
		},
	}
}
