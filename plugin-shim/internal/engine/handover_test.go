//go:build unix

package engine

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// The engine's side of the hand-over (server/handover.py), played by a Go listener: one message with the
// ticket and the descriptor, answered "ok".
func TestHandOverSendsTheTicketAndAWorkingDescriptor(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "engine.files.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 2)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		msg, oob := make([]byte, 64), make([]byte, syscall.CmsgSpace(4))
		n, oobn, _, _, err := conn.(*net.UnixConn).ReadMsgUnix(msg, oob)
		if err != nil {
			got <- err.Error()
			return
		}
		cmsgs, _ := syscall.ParseSocketControlMessage(oob[:oobn])
		fds, _ := syscall.ParseUnixRights(&cmsgs[0])
		f := os.NewFile(uintptr(fds[0]), "handed")
		data, _ := io.ReadAll(f)
		f.Close()
		got <- string(msg[:n])
		got <- string(data)
		conn.Write([]byte("ok"))
	}()
	path := filepath.Join(dir, "a.mtar")
	os.WriteFile(path, []byte("archive bytes"), 0o600)
	f, _ := os.Open(path)
	defer f.Close()
	ticket, err := handOver(sock, f)
	if err != nil {
		t.Fatal(err)
	}
	if sent := <-got; sent != ticket || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(ticket) {
		t.Fatalf("ticket %q, sent %q", ticket, sent)
	}
	if data := <-got; data != "archive bytes" {
		t.Fatalf("the engine read %q", data)
	}
}

func TestHandOverFailsWithoutAFilesSocket(t *testing.T) {
	f, _ := os.Open(os.Args[0])
	defer f.Close()
	if _, err := handOver(filepath.Join(t.TempDir(), "none.sock"), f); err == nil {
		t.Fatal("handed over to nobody")
	}
}

func TestTheFilesSocketSitsBesideTheEngineSocket(t *testing.T) {
	ep := Endpoint{StateDir: "/home/u/.cf/bg-deploy"}
	if ep.FilesSocketPath() != "/home/u/.cf/bg-deploy/engine.files.sock" {
		t.Fatal(ep.FilesSocketPath())
	}
	// engine.sock would fit in the state directory, engine.files.sock would not: both go to the short place
	dir := "/home/" + strings.Repeat("d", maxSocketPath-len("/home//engine.sock")-2)
	deep := Endpoint{StateDir: dir}
	if len(filepath.Join(dir, "engine.sock")) > maxSocketPath || strings.HasPrefix(deep.SocketPath(), dir) ||
		filepath.Dir(deep.SocketPath()) != filepath.Dir(deep.FilesSocketPath()) || len(deep.FilesSocketPath()) > maxSocketPath {
		t.Fatalf("%s / %s", deep.SocketPath(), deep.FilesSocketPath())
	}
}
