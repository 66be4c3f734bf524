package cmd

import (
	"os"
	"strings"
	"testing"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	tf "bgdeploy.local/plugin-shim/internal/testfakes"
)

func finishedWatch() []tf.WatchScript {
	return []tf.WatchScript{{Events: []*pb.Event{tf.Stopped(1, tf.Op("42", pb.State_STATE_FINISHED))}}}
}

// A local engine that takes files by descriptor reads the archive itself: the shim computes no digest
// (a second full read of the file) and streams nothing.
func TestALocalEngineTakesTheOpenArchiveWithoutADigest(t *testing.T) {
	eng := &tf.Engine{StartOp: started(), HandsOver: true, Watches: finishedWatch()}
	h := newHarness(t, eng)
	path := mtar(t)
	if code := h.run("bg-deploy", path); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
	data, _ := os.ReadFile(path)
	if eng.LocalUploads != 1 || len(eng.Uploads) != 1 || eng.Uploads[0].GetSha256() != "" ||
		eng.Uploads[0].GetSize() != int64(len(data)) || string(eng.UploadedData["hello.mtar"]) != string(data) {
		t.Fatalf("local uploads %d, uploads %v", eng.LocalUploads, eng.Uploads)
	}
	if !strings.Contains(h.out.String(), "Uploading 1 files...\n  "+path+"\n") {
		t.Fatalf("output:\n%s", h.out)
	}
}

func TestALocalEngineFindsTheUnchangedArchiveItStoredBefore(t *testing.T) {
	eng := &tf.Engine{StartOp: started(), HandsOver: true, LocalFiles: map[string]*pb.FileRef{"hello.mtar": {Id: "known"}},
		Watches: finishedWatch()}
	h := newHarness(t, eng)
	if code := h.run("bg-deploy", mtar(t)); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
	if !strings.Contains(h.out.String(), "\nPreviously uploaded file hello.mtar with same digest detected, new upload will be skipped.\n") ||
		eng.LocalUploads != 0 || eng.Starts[0].GetArchiveId() != "known" {
		t.Fatalf("local uploads %d, output:\n%s", eng.LocalUploads, h.out)
	}
}
