//go:build windows

package cmd

import "os/exec"

// shell runs a smoke-test command.
var shell = []string{"cmd", "/C"}

// killGroup: on Windows the command itself is killed (exec's default); WaitDelay bounds the wait
// for what it started.
func killGroup(*exec.Cmd) {}
