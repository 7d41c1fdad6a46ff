package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hitd/hitd"
)

// readPassword returns HITD_REQUESTER_PASSWORD if set (and not empty), else the first line
// of stdin without its line ending. The password never comes from a flag,
// so it stays out of shell history and the process list.
func readPassword(stdin io.Reader) (string, error) {
	if p := os.Getenv("HITD_REQUESTER_PASSWORD"); p != "" {
		return p, nil
	}
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(os.Stderr, "Console password (shown as typed; pipe it or set HITD_REQUESTER_PASSWORD to hide it): ")
		}
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("no password: set HITD_REQUESTER_PASSWORD or give it as one line on standard input")
	}
	return line, nil
}

// requesterSetPassword sets a requester's console password.
func requesterSetPassword() adminCommand {
	var key, password string
	return adminCommand{
		name: "requester set-password",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&key, "access-key-id", "", "the requester's access key id (required); the password comes from HITD_REQUESTER_PASSWORD or one line of standard input")
		},
		required: []string{"access-key-id"},
		check: func(stdin io.Reader) (err error) {
			password, err = readPassword(stdin)
			return err
		},
		run: func(ctx context.Context, svc *hitd.Service, stdout io.Writer) error {
			if err := svc.SetConsolePassword(ctx, key, password); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "console password set for %s\n", key)
			return nil
		},
	}
}
