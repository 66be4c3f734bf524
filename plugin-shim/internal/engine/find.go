package engine

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// EngineName is the engine's console script (the bgdeploy package's entry point).
const EngineName = "bgdeploy-engine"

// NoEngineError means no engine could be found to start (FindCommand); the message says how to
// get one, in one line.
type NoEngineError struct {
	VenvDir string
}

func (e *NoEngineError) Error() string {
	return fmt.Sprintf(`No deploy engine found. Install it with "pipx install bgdeploy" or "pip install bgdeploy", `+
		"or run this command again with --yes to set it up in %s.", e.VenvDir)
}

// FindCommand looks the local engine up, never guessing: CF_BG_DEPLOY_ENGINE_CMD (split on
// spaces), else a bgdeploy-engine on PATH, else the one in the venv the shim manages
// (VenvDir). nil when there is none.
func FindCommand(stateDir string) []string {
	if env := strings.Fields(os.Getenv(EnvEngineCmd)); len(env) > 0 {
		return env
	}
	if path, err := exec.LookPath(EngineName); err == nil {
		return []string{path}
	}
	if path := venvEngine(VenvDir(stateDir)); isFile(path) {
		return []string{path}
	}
	return nil
}

// VenvDir is the per-user venv the shim may create for the engine (SetupVenv).
func VenvDir(stateDir string) string { return filepath.Join(stateDir, "venv") }

func venvBin(venv, name string) string {
	if runtime.GOOS == "windows" {
		return filepath.Join(venv, "Scripts", name+".exe")
	}
	return filepath.Join(venv, "bin", name)
}

func venvEngine(venv string) string { return venvBin(venv, EngineName) }

// managed reports whether the command is the engine in the shim's venv.
func (e Endpoint) managed() bool {
	return len(e.Command) == 1 && e.Command[0] == venvEngine(VenvDir(e.StateDir))
}

func isFile(path string) bool {
	info, err := os.Stat(path)
	return err == nil && !info.IsDir()
}
