package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestADeepStateDirectoryGetsAShortPrivateSocket(t *testing.T) {
	short := Endpoint{StateDir: "/home/u/.cf/bg-deploy"}
	if got := short.SocketPath(); got != "/home/u/.cf/bg-deploy/engine.sock" {
		t.Fatalf("short state dir: %s", got)
	}
	deep := Endpoint{StateDir: t.TempDir() + "/" + strings.Repeat("d", 90) + "/.cf/bg-deploy"}
	other := Endpoint{StateDir: deep.StateDir + "2"}
	sock := deep.SocketPath()
	if len(sock) > maxSocketPath || !strings.HasPrefix(sock, shortSocketDir()) || sock == other.SocketPath() {
		t.Fatalf("deep state dir: %s (other: %s)", sock, other.SocketPath())
	}
	if err := deep.ensureSocketDir(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Dir(sock))
	if err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("socket dir: %v %v", info, err)
	}
	if err := os.Chmod(filepath.Dir(sock), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := deep.ensureSocketDir(); err == nil || !strings.Contains(err.Error(), "not private") {
		t.Fatalf("a socket directory others can enter must be refused, got %v", err)
	}
	_ = os.Chmod(filepath.Dir(sock), 0o700)
}
