package main

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("mtad.yaml", "ID: m\nmodules:\n  - name: web\n    path: web\n  - name: docker\n")
	write("web/index.html", "hi")
	out := filepath.Join(t.TempDir(), "out.mtar")

	var stderr bytes.Buffer
	if code := run([]string{dir, out}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if want := "warning: Modules docker do not have a path, specified for their binaries and will be ignored\n"; stderr.String() != want {
		t.Errorf("stderr %q", stderr.String())
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	zr.Close()

	write("mtad.yaml", "ID: m\nmodules:\n  - name: web\n    path: ../secrets\n")
	stderr.Reset()
	if code := run([]string{dir, out}, &stderr); code != 1 {
		t.Errorf("exit %d", code)
	}
	if want := "mtad.yaml: modules[0].path: \"../secrets\" is outside the deployed directory\n"; stderr.String() != want {
		t.Errorf("stderr %q", stderr.String())
	}

	stderr.Reset()
	if code := run([]string{dir}, &stderr); code != 2 || stderr.String() != "usage: mtar-build DIR OUT.mtar\n" {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}
