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

// uploadFiles makes the engine hold each file: skipped when the engine already has the same
// digest (so a retried deploy does not upload again), streamed otherwise.
func (s *session) uploadFiles(ctx context.Context, kind pb.FileKind, paths []string) ([]*pb.FileRef, error) {
	refs := make([]*pb.FileRef, len(paths))
	type pending struct {
		i      int
		header *pb.UploadHeader
		abs    string
	}
	var todo []pending
	for i, p := range paths {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		size, digest, err := digestFile(abs)
		if err != nil {
			return nil, fmt.Errorf("Could not read file %s: %v", p, err)
		}
		name := filepath.Base(abs)
		ref, err := s.eng.FindFile(ctx, &pb.FindFileRequest{Target: s.target.Proto(), Sha256: digest, Kind: kind})
		if err == nil {
			s.ui.Say("Previously uploaded file %s with same digest detected, new upload will be skipped.", name)
			s.emitUpload(name, true)
			refs[i] = ref
			continue
		}
		if !engine.IsNotFound(err) {
			return nil, fmt.Errorf("Could not get mta files: %w", err)
		}
		todo = append(todo, pending{i, &pb.UploadHeader{Target: s.target.Proto(), FileName: name, Kind: kind, Size: size, Sha256: digest}, abs})
	}
	if len(todo) == 0 {
		return refs, nil
	}
	s.ui.Say("Uploading %d files...", len(todo))
	for _, t := range todo {
		s.ui.Say("  %s", t.abs)
		bar := s.ui.NewProgress(t.header.GetSize())
		ref, err := s.eng.Upload(ctx, t.header,
			func() (io.ReadCloser, error) { return os.Open(t.abs) },
			func(n int64, restart bool) {
				if restart {
					bar.Reset()
				}
				bar.Add(n)
			})
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
