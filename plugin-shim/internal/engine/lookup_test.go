package engine

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFindCommandOrder(t *testing.T) {
	state, bin := t.TempDir(), t.TempDir()
	t.Setenv("PATH", bin)
	t.Setenv(EnvEngineCmd, "")
	if cmd := FindCommand(state); cmd != nil {
		t.Fatalf("nothing installed, found %v", cmd)
	}
	venvEngine := filepath.Join(state, "venv", "bin", EngineName)
	os.MkdirAll(filepath.Dir(venvEngine), 0o755)
	os.WriteFile(venvEngine, []byte("#!/bin/sh\n"), 0o755)
	if cmd := FindCommand(state); len(cmd) != 1 || cmd[0] != venvEngine {
		t.Fatalf("want the managed venv's engine, got %v", cmd)
	}
	onPath := filepath.Join(bin, EngineName)
	os.WriteFile(onPath, []byte("#!/bin/sh\n"), 0o755)
	if cmd := FindCommand(state); len(cmd) != 1 || cmd[0] != onPath {
		t.Fatalf("PATH comes before the venv, got %v", cmd)
	}
	t.Setenv(EnvEngineCmd, "python3 -m bgdeploy.server.main")
	if cmd := FindCommand(state); strings.Join(cmd, " ") != "python3 -m bgdeploy.server.main" {
		t.Fatalf("%s comes first, got %v", EnvEngineCmd, cmd)
	}
}

func TestNoEngineToStartFailsAtOnce(t *testing.T) {
	ep := Endpoint{StateDir: shortDir(t)}
	start := time.Now()
	_, err := New(context.Background(), ep, func() (string, error) { return "bearer t", nil })
	var none *NoEngineError
	if !errors.As(err, &none) || time.Since(start) > time.Second {
		t.Fatalf("got %v after %s", err, time.Since(start))
	}
	want := `No deploy engine found. Install it with "pipx install bgdeploy" or "pip install bgdeploy", or run this command again with --yes to set it up in ` +
		filepath.Join(ep.StateDir, "venv") + "."
	if err.Error() != want || strings.Contains(err.Error(), "\n") {
		t.Fatalf("message\n got: %q\nwant: %q", err, want)
	}
}

func TestSetupVenvWithoutPython(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := SetupVenv(context.Background(), t.TempDir(), "0.1.0")
	if err == nil || !strings.Contains(err.Error(), "No python3 found") {
		t.Fatalf("got %v", err)
	}
}
