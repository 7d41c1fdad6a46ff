package main

import (
	"context"
	"fmt"

	"github.com/hitd/hitd"
)

// requesterDisable and requesterEnable switch a requester's access off and
// on (hitd.Service.SetRequesterDisabled). A disabled requester's access key
// is refused by every API, the console and the sandbox realm, as if it did
// not exist; its HITs, money and history stay.
func requesterDisable() adminCommand { return requesterSetDisabled(true) }
func requesterEnable() adminCommand  { return requesterSetDisabled(false) }

func requesterSetDisabled(disabled bool) adminCommand {
	return switchCommand("requester", "access-key-id", "the requester's access key id", disabled, // worker_disable.go
		func(ctx context.Context, svc *hitd.Service, key string) (string, error) {
			r, err := svc.SetRequesterDisabled(ctx, key, disabled)
			if err != nil {
				return "", err
			}
			if r.Disabled {
				return fmt.Sprintf("%s (%s, %s): disabled; its access key and console sessions are refused (on other nodes and in the sandbox within %s)",
					r.ID, r.Name, r.AccessKeyID, hitd.KeyCacheTTL), nil
			}
			return fmt.Sprintf("%s (%s, %s): enabled", r.ID, r.Name, r.AccessKeyID), nil
		})
}
