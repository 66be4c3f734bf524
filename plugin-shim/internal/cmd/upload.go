package cmd

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"bgdeploy.local/plugin-shim/internal/engine"
	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/ui"
)

// uploadFiles makes the engine hold each file: skipped when the engine already has it (so a retried deploy
// does not upload again), uploaded otherwise. A local engine takes the open file itself (engine.ErrNoHandOver
// otherwise): no second read here for a digest, and no bytes through the socket. Other engines get the digest
// first, then the stream.
func (s *session) uploadFiles(ctx context.Context, kind pb.FileKind, paths []string) ([]*pb.FileRef, error) {
	refs := make([]*pb.FileRef, len(paths))
	type pending struct {
		i      int
		header *pb.UploadHeader
		abs    string
		local  *os.File // handed to the engine, or nil: streamed
	}
	var todo []pending
	defer func() {
		for _, t := range todo {
			if t.local != nil {
				t.local.Close()
			}
		}
	}()
	for i, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		name := filepath.Base(abs)
		header := &pb.UploadHeader{Target: s.target.Proto(), FileName: name, Kind: kind}
		ref, local, err := s.findLocal(ctx, header, abs)
		if err == engine.ErrNoHandOver {
			ref, err = s.findByDigest(ctx, header, abs)
		}
		if err == nil {
			s.ui.Say("Previously uploaded file %s with same digest detected, new upload will be skipped.", name)
			s.emitUpload(name, true)
			refs[i] = ref
			continue
		}
		if !engine.IsNotFound(err) {
			return nil, err
		}
		todo = append(todo, pending{i, header, abs, local})
	}
	if len(todo) == 0 {
		return refs, nil
	}
	s.ui.Say("Uploading %d files...", len(todo))
	for _, t := range todo {
		s.ui.Say("  %s", t.abs)
		bar := s.ui.NewProgress(t.header.GetSize())
		follow := func(n int64, restart bool) {
			if restart {
				bar.Reset()
			}
			bar.Add(n)
		}
		var ref *pb.FileRef
		var err error
		if t.local != nil {
			ref, err = s.eng.UploadLocalFile(ctx, t.header, t.local, follow)
		} else {
			ref, err = s.eng.Upload(ctx, t.header, func() (io.ReadCloser, error) { return os.Open(t.abs) }, follow)
		}
		bar.Finish()
		if err != nil {
			if isInterrupt(err) {
				return nil, err
			}
			return nil, fmt.Errorf("Could not upload file %s: %w", t.abs, err)
		}
		s.emitUpload(t.header.GetFileName(), false)
		refs[t.i] = ref
	}
	s.ui.OK()
	return refs, nil
}

// findLocal opens the file and asks a local engine whether it stored it before. It returns the open file
// for the upload when the engine has not (an error for which engine.IsNotFound is true), or
// engine.ErrNoHandOver when the engine takes streams only.
func (s *session) findLocal(ctx context.Context, header *pb.UploadHeader, abs string) (*pb.FileRef, *os.File, error) {
	f, err := os.Open(abs)
	if err != nil {
		return nil, nil, fmt.Errorf("Could not read file %s: %v", abs, err)
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = engine.ErrNoHandOver // a pipe or a device: only a stream reads it
	}
	if err == nil {
		header.Size = st.Size()
		var ref *pb.FileRef
		if ref, err = s.eng.FindLocalFile(ctx, &pb.FindFileRequest{Target: header.GetTarget(), Kind: header.GetKind()}, f); engine.IsNotFound(err) {
			return nil, f, err
		}
		if err == nil {
			f.Close()
			return ref, nil, nil
		}
	}
	f.Close()
	if err == engine.ErrNoHandOver {
		return nil, nil, err
	}
	return nil, nil, fmt.Errorf("Could not get mta files: %w", err)
}

// findByDigest reads the file for its size and digest, and asks the engine for a file with that digest.
func (s *session) findByDigest(ctx context.Context, header *pb.UploadHeader, abs string) (*pb.FileRef, error) {
	size, digest, err := digestFile(abs)
	if err != nil {
		return nil, fmt.Errorf("Could not read file %s: %v", abs, err)
	}
	header.Size, header.Sha256 = size, digest
	ref, err := s.eng.FindFile(ctx, &pb.FindFileRequest{Target: header.GetTarget(), Sha256: digest, Kind: header.GetKind()})
	if err != nil && !engine.IsNotFound(err) {
		return nil, fmt.Errorf("Could not get mta files: %w", err)
	}
	return ref, err
}

func (s *session) emitUpload(name string, reused bool) {
	if s.dryRun {
		return
	}
	s.ui.Emit(ui.EventRecord{Event: "upload", File: name, Reused: &reused, Timestamp: timestamp(s.ui.Now())})
}

const digestBuffer = 1 << 20

// digestFile reads the file once, streaming, for its size and SHA-256 (lower-case hex).
func digestFile(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	// Large reads: io.Copy would go through os.File's WriteTo with 32 KiB reads, a system call each.
	n, err := io.CopyBuffer(h, struct{ io.Reader }{f}, make([]byte, digestBuffer))
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}
