//go:build unix

package engine

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

const handOverTimeout = 5 * time.Second

// handOver gives the open file f to the local engine listening on socketPath (server/handover.py there):
// a ticket and the descriptor in one message, then the engine's "ok". The ticket names the file in the next
// FindFile or Upload call.
func handOver(socketPath string, f *os.File) (string, error) {
	raw := make([]byte, 16)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	ticket := hex.EncodeToString(raw)
	conn, err := net.DialTimeout("unix", socketPath, handOverTimeout)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(handOverTimeout))
	sc, err := f.SyscallConn()
	if err != nil {
		return "", err
	}
	var werr error
	if cerr := sc.Control(func(fd uintptr) {
		_, _, werr = conn.(*net.UnixConn).WriteMsgUnix([]byte(ticket), syscall.UnixRights(int(fd)), nil)
	}); cerr != nil {
		return "", cerr
	}
	if werr != nil {
		return "", werr
	}
	reply := make([]byte, 2)
	if _, err := conn.Read(reply); err != nil || string(reply) != "ok" {
		return "", fmt.Errorf("the engine did not take the file (%v)", err)
	}
	return ticket, nil
}
