package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/hitd/hitd"
)

// workerDisable and workerEnable switch a worker account off and on
// (hitd.Service.SetWorkerDisabled): a disabled worker cannot sign in,
// their sessions and worker-API tokens end, and they cannot accept or
// submit; what they already did stays.
func workerDisable() adminCommand { return workerSetDisabled(true) }
func workerEnable() adminCommand  { return workerSetDisabled(false) }

func workerSetDisabled(disabled bool) adminCommand {
	return switchCommand("worker", "worker-id", "the WorkerId", disabled,
		func(ctx context.Context, svc *hitd.Service, id string) (string, error) {
			w, err := svc.SetWorkerDisabled(ctx, id, disabled)
			if err != nil {
				return "", err
			}
			if w.Disabled {
				return fmt.Sprintf("%s (%s): disabled; their sessions ended, and they cannot sign in, accept or submit (assignments they hold are abandoned at their deadlines)", w.ID, w.Username), nil
			}
			return fmt.Sprintf("%s (%s): enabled", w.ID, w.Username), nil
		})
}

// switchCommand is `hitd NOUN disable|enable --FLAG ID`, the shape of the
// requester and worker commands: set switches the account the flag names
// and says what it did.
func switchCommand(noun, flagName, flagUsage string, disabled bool, set func(ctx context.Context, svc *hitd.Service, id string) (string, error)) adminCommand {
	var id string
	verb := "enable"
	if disabled {
		verb = "disable"
	}
	return adminCommand{
		name: noun + " " + verb,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&id, flagName, "", flagUsage+" (required)")
		},
		required: []string{flagName},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			said, err := set(ctx, svc, strings.TrimSpace(id))
			if err != nil {
				return err
			}
			fmt.Fprintln(stdout, said)
			return nil
		},
	}
}
