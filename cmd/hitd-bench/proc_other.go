//go:build !linux

package main

import "os/exec"

// setParentDeathSignal: only Linux can tie a child's life to its parent's;
// elsewhere the servers are stopped by the normal end of the run.
func setParentDeathSignal(cmd *exec.Cmd) {}

func detach(cmd *exec.Cmd) {}
