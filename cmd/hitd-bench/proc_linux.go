package main

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal has Linux SIGKILL the child if hitd-bench dies
// without stopping it (a panic, a SIGKILL), so no server outlives a run.
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// detach puts the child in its own process group, so a Ctrl-C meant for
// hitd-bench does not reach a server kept with --keep.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
