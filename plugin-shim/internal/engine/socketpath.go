package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

// maxSocketPath keeps a Unix socket's path within sun_path (104 bytes on macOS, 108 on Linux).
const maxSocketPath = 100

// SocketPath is the local engine's socket: engine.sock in the state directory, or, when that path is too
// long for a Unix socket (a deep CF_HOME), a short one in a per-user directory named after the state
// directory, so each state directory still has its own engine. The length checked is that of the longer
// files socket beside it (FilesSocketPath), so both live in the same place.
func (e Endpoint) SocketPath() string {
	p := filepath.Join(e.StateDir, "engine.sock")
	if len(p)+len(".files") <= maxSocketPath {
		return p
	}
	sum := sha256.Sum256([]byte(e.StateDir))
	return filepath.Join(shortSocketDir(), hex.EncodeToString(sum[:8])+".sock")
}

func shortSocketDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("bgdeploy-%d", os.Getuid()))
}

// ensureSocketDir makes the socket's directory, private to the user; a shared directory of that name owned
// by someone else is refused (they could take the socket's place).
func (e Endpoint) ensureSocketDir() error {
	dir := filepath.Dir(e.SocketPath())
	if dir == filepath.Clean(e.StateDir) {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("Could not create the engine socket directory %s: %v", dir, err)
	}
	info, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	if !info.IsDir() || info.Mode().Perm() != 0o700 || !ownedByMe(info) {
		return fmt.Errorf("The engine socket directory %s is not private to this user; remove it", dir)
	}
	return nil
}
