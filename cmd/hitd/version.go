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

// commit and commitModified, when set at build time, name the commit the
// binary was built from and whether the working tree had uncommitted
// changes ("true"). scripts/build sets them from git, so builds without
// a VCS stamp (-buildvcs=false, a container build without .git) still
// say where they came from:
//
//	go build -ldflags "-X main.commit=661626a… -X main.commitModified=true" ./cmd/hitd
var commit, commitModified string

// buildCommit is the commit the binary was built from and whether the
// working tree had uncommitted changes: the commit variable when set,
// else the build's VCS stamp; "unknown" when the build has neither (go
// run, go test, -buildvcs=false).
func buildCommit() (string, bool) {
	if commit != "" {
		return commit, commitModified == "true"
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown", false
	}
	rev, modified := "unknown", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if s.Value != "" {
				rev = s.Value
			}
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	return rev, modified
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
