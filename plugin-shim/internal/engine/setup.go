package engine

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// EnvEngineWheel names a wheel file to install instead of bgdeploy from the package index.
const EnvEngineWheel = "CF_BG_DEPLOY_ENGINE_WHEEL"

// SetupVenv creates the shim's venv (VenvDir) with the user's python3 and installs the engine
// into it: the wheel named by CF_BG_DEPLOY_ENGINE_WHEEL, else bgdeploy of the plugin's version
// from the package index pip is configured with. pip's output goes to engine-setup.log.
func SetupVenv(ctx context.Context, stateDir, version string) error {
	python, err := findPython()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return fmt.Errorf("Could not create the engine state directory %s: %v", stateDir, err)
	}
	logPath := filepath.Join(stateDir, "engine-setup.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("Could not open %s: %v", logPath, err)
	}
	defer logFile.Close()
	venv := VenvDir(stateDir)
	spec := os.Getenv(EnvEngineWheel)
	if spec == "" {
		spec = "bgdeploy"
		if known(version) {
			spec += "==" + version
		}
	}
	steps := [][]string{
		{python, "-m", "venv", venv},
		{venvBin(venv, "python"), "-m", "pip", "install", "--disable-pip-version-check", spec},
	}
	for _, argv := range steps {
		fmt.Fprintf(logFile, "$ %q\n", argv)
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Run(); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("Could not set up the deploy engine in %s (%s failed: %v). See %s", venv, filepath.Base(argv[0]), err, logPath)
		}
	}
	if !isFile(venvEngine(venv)) {
		return fmt.Errorf("Could not set up the deploy engine in %s: pip installed no %s. See %s", venv, EngineName, logPath)
	}
	return nil
}

func findPython() (string, error) {
	for _, name := range []string{"python3", "python"} {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf(`No python3 found to set up the deploy engine. Install Python 3.11 or later, or install the engine with "pipx install bgdeploy"`)
}

// known reports whether a version names a release (not a development build).
func known(version string) bool { return version != "" && version != "0.0.0" }
