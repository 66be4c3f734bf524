package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"bgdeploy.local/plugin-shim/internal/engine"
)

// smokeTests are the --smoke-test commands of one operation and where they run. A deploy saves
// them in the state directory (mode 0600), so a `-a retry` or `-a monitor` from another shell on
// this machine runs the same ones; they never go to the engine. Forgotten when the operation ends.
type smokeTests struct {
	OperationID string   `json:"operation_id"`
	Commands    []string `json:"commands"`
	Dir         string   `json:"dir"`
}

const smokeKeep = 30 * 24 * time.Hour // files of operations nobody watched to the end

var operationID = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

func smokeFile(opID string) (string, bool) {
	dir, err := engine.StateDir()
	if err != nil || !operationID.MatchString(opID) {
		return "", false
	}
	return filepath.Join(dir, "smoke-tests", opID+".json"), true
}

func saveSmokeTests(t smokeTests) error {
	path, ok := smokeFile(t.OperationID)
	if !ok {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	pruneSmokeTests(filepath.Dir(path))
	data, err := json.Marshal(t)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func loadSmokeTests(opID string) (smokeTests, bool) {
	var t smokeTests
	path, ok := smokeFile(opID)
	if !ok {
		return t, false
	}
	data, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(data, &t) != nil || t.OperationID != opID {
		return smokeTests{}, false
	}
	if info, err := os.Stat(t.Dir); err != nil || !info.IsDir() {
		t.Dir = "" // gone: the current directory
	}
	return t, true
}

func forgetSmokeTests(opID string) {
	if path, ok := smokeFile(opID); ok {
		os.Remove(path)
	}
}

func pruneSmokeTests(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > smokeKeep {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
