//go:build !windows

package cmd

import (
	"os/exec"
	"syscall"
)

// shell runs a smoke-test command.
var shell = []string{"sh", "-c"}

// killGroup makes a timeout or Ctrl-C stop the command with everything it started.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
