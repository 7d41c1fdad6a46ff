package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is hitd's release, set at build time:
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/hitd
var version = "dev"

// buildCommit is the commit the binary was built from and whether the
// working tree had uncommitted changes, from the build's VCS stamp;
// "unknown" when the build has none (go run, go test, -buildvcs=false).
func buildCommit() (commit string, modified bool) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown", false
	}
	commit = "unknown"
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if s.Value != "" {
				commit = s.Value
			}
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	return commit, modified
}

// versionString is the one line "hitd version" prints, e.g.
// "hitd v1.2.3 (commit 661626a…, modified) go1.26.0 linux/amd64".
func versionString() string {
	commit, modified := buildCommit()
	if len(commit) > 12 {
		commit = commit[:12] + "…"
	}
	if modified {
		commit += ", modified"
	}
	return fmt.Sprintf("hitd %s (commit %s) %s %s/%s", version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// versionCommand is "hitd version" (and "hitd --version").
func versionCommand(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("version: unexpected argument %q", args[0])
	}
	fmt.Fprintln(stdout, versionString())
	return nil
}
