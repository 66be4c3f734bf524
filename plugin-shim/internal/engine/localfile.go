package engine

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
)

// ErrNoHandOver: the engine takes files only as a stream (a shared engine, one on loopback TCP, an older one,
// or a system without descriptor passing). The caller streams the file instead.
var ErrNoHandOver = errors.New("the engine takes files as a stream only")

// progressEvery: how often the bar follows the engine's reading of a file handed over.
const progressEvery = 100 * time.Millisecond

// FilesSocketPath is where a local engine takes files by descriptor: beside its socket.
func (e Endpoint) FilesSocketPath() string {
	return strings.TrimSuffix(e.SocketPath(), ".sock") + ".files.sock"
}

func (c *grpcClient) handsOver() bool {
	return c.ep.Local() && !c.ep.LoopbackTCP && c.revision >= pb.Revision_REVISION_LOCAL_FILES
}

// FindLocalFile asks a local engine for the file it stored from f, unchanged since; ErrNoHandOver when the
// engine cannot take f.
func (c *grpcClient) FindLocalFile(ctx context.Context, req *pb.FindFileRequest, f *os.File) (*pb.FileRef, error) {
	if !c.handsOver() {
		return nil, ErrNoHandOver
	}
	ticket, err := handOver(c.ep.FilesSocketPath(), f)
	if err != nil {
		return nil, ErrNoHandOver // the files socket is not there: stream, as to an engine without one
	}
	r := proto.Clone(req).(*pb.FindFileRequest)
	r.LocalFile = ticket
	return c.FindFile(ctx, r)
}

// UploadLocalFile has a local engine read f itself: no bytes cross the socket, and the engine computes the
// digest while it stores the file. The bar follows the file offset the engine's reads move (the descriptor
// handed over shares it). ErrNoHandOver when the engine cannot take f.
func (c *grpcClient) UploadLocalFile(ctx context.Context, header *pb.UploadHeader, f *os.File, progress func(int64, bool)) (*pb.FileRef, error) {
	if !c.handsOver() {
		return nil, ErrNoHandOver
	}
	if progress == nil {
		progress = func(int64, bool) {}
	}
	return c.retrying(ctx, func(restart bool) (*pb.FileRef, error) {
		ticket, err := handOver(c.ep.FilesSocketPath(), f)
		if err != nil {
			return nil, err
		}
		h := proto.Clone(header).(*pb.UploadHeader)
		h.LocalFile, h.Sha256 = ticket, ""
		stream, cancel, err := c.startUpload(ctx, h, progress, restart)
		if err != nil {
			return nil, err
		}
		defer cancel()
		done := make(chan struct{})
		followed := make(chan int64)
		go func() { followed <- followOffset(f, done, progress) }()
		ref, err := stream.CloseAndRecv()
		close(done)
		if shown := <-followed; err == nil && ref.GetSize() > shown {
			progress(ref.GetSize()-shown, false)
		}
		return ref, err
	})
}

// followOffset reports how far the engine has read f until done; it returns what it reported.
func followOffset(f *os.File, done <-chan struct{}, progress func(int64, bool)) int64 {
	var shown int64
	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return shown
		case <-tick.C:
			if at, err := f.Seek(0, io.SeekCurrent); err == nil && at > shown {
				progress(at-shown, false)
				shown = at
			}
		}
	}
}
