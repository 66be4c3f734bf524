//go:build !unix && !windows

package engine

import "os/exec"

// On other systems the local engine is started without its own session or lock.
func detach(*exec.Cmd) {}

func lockFile(string) (func(), error) { return func() {}, nil }
