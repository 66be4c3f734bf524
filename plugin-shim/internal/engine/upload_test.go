package engine

import (
	"bytes"
	"context"
	"io"
	"math/rand"
	"sync/atomic"
	"testing"
	"testing/iotest"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	fd "bgdeploy.local/plugin-shim/internal/testfakes/fakedeployer"
)

// The client reuses one buffer and one message for every chunk: distinct bytes in every chunk show that each
// message carried its own content, and a reader that returns half of what is asked shows that chunks are
// still full (the engine's cost is per message).
func TestUploadSendsFullChunksOfDistinctContent(t *testing.T) {
	d := &fd.Deployer{}
	var n atomic.Int32
	c, _ := serveLocal(t, d, countingTokens(&n))
	data := make([]byte, 3*uploadChunk+12345)
	rand.New(rand.NewSource(1)).Read(data)
	h := &pb.UploadHeader{FileName: "big.mtar", Size: int64(len(data)), Sha256: sha(string(data))}
	open := func() (io.ReadCloser, error) { return io.NopCloser(iotest.HalfReader(bytes.NewReader(data))), nil }
	if _, err := c.Upload(context.Background(), h, open, nil); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d.Uploaded["big.mtar"], data) {
		t.Fatal("the engine received other bytes than the file's")
	}
	want := []int{uploadChunk, uploadChunk, uploadChunk, 12345}
	if len(d.ChunkSizes) != len(want) {
		t.Fatalf("chunk sizes %v, want %v", d.ChunkSizes, want)
	}
	for i := range want {
		if d.ChunkSizes[i] != want[i] {
			t.Fatalf("chunk sizes %v, want %v", d.ChunkSizes, want)
		}
	}
}
