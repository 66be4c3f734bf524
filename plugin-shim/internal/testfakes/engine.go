// Package testfakes holds the test doubles of the shim in one place: a scripted engine.Client,
// an in-process gRPC Deployer server, and a fake cf CLI RPC server for running the built binary.
package testfakes

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync"

	"google.golang.org/grpc/codes"

	"bgdeploy.local/plugin-shim/internal/engine"
	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/testfakes/fakedeployer"
)

// WatchScript is what one Watch call sees: the events (filtered by after_seq like a real
// engine), then either the Stopped event among them, Err, or - with Block - nothing until the
// context is cancelled.
type WatchScript struct {
	Events []*pb.Event
	Err    error
	Block  bool
}

// Engine is a scripted engine.Client that records its calls.
type Engine struct {
	mu sync.Mutex

	Files        map[string]*pb.FileRef // FindFile answers by digest
	Uploads      []*pb.UploadHeader
	UploadedData map[string][]byte
	UploadErr    error
	// HandsOver: a local engine that takes files by descriptor; LocalFiles answers FindLocalFile by the
	// file's base name, and LocalUploads counts the files it read itself.
	HandsOver    bool
	LocalFiles   map[string]*pb.FileRef
	LocalUploads int

	StartOp   *pb.Operation
	StartErrs []error // consumed one per StartOperation call
	Starts    []*pb.StartOperationRequest

	Acts   []*pb.ActRequest
	ActErr error

	Plan    *pb.DryRunPlan // PlanDeployment's answer (PlanErr, if set, instead)
	PlanErr error
	Planned []*pb.StartOperationRequest

	Watches     []WatchScript // consumed one per Watch call
	WatchStarts []*pb.WatchStart

	Ops        map[string]*pb.Operation // GetOperation
	Operations []*pb.Operation          // ListOperations
	ListReqs   []*pb.ListOperationsRequest
	Mtas       []*pb.Mta
	Logs       map[string][]*pb.LogChunk
	Closed     bool

	SmokeReports []*pb.SmokeTestReport
	SmokeErr     error
}

var _ engine.Client = (*Engine)(nil)

func notFound(msg string) error { return &engine.Error{Code: codes.NotFound, Message: msg} }

func (e *Engine) FindFile(_ context.Context, req *pb.FindFileRequest) (*pb.FileRef, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if ref, ok := e.Files[req.GetSha256()]; ok {
		return ref, nil
	}
	return nil, notFound("no such file")
}

func (e *Engine) Upload(_ context.Context, h *pb.UploadHeader, open func() (io.ReadCloser, error), progress func(int64, bool)) (*pb.FileRef, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.UploadErr != nil {
		return nil, e.UploadErr
	}
	f, err := open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, err
	}
	if progress != nil {
		progress(int64(len(data)), false)
	}
	e.Uploads = append(e.Uploads, h)
	if e.UploadedData == nil {
		e.UploadedData = map[string][]byte{}
	}
	e.UploadedData[h.GetFileName()] = data
	return &pb.FileRef{Id: "file-" + h.GetFileName(), FileName: h.GetFileName(), Size: h.GetSize(), Sha256: h.GetSha256()}, nil
}

func (e *Engine) FindLocalFile(_ context.Context, _ *pb.FindFileRequest, f *os.File) (*pb.FileRef, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.HandsOver {
		return nil, engine.ErrNoHandOver
	}
	if ref, ok := e.LocalFiles[filepath.Base(f.Name())]; ok {
		return ref, nil
	}
	return nil, notFound("no such file")
}

func (e *Engine) UploadLocalFile(ctx context.Context, h *pb.UploadHeader, f *os.File, progress func(int64, bool)) (*pb.FileRef, error) {
	e.mu.Lock()
	handsOver := e.HandsOver
	if handsOver {
		e.LocalUploads++
	}
	e.mu.Unlock()
	if !handsOver {
		return nil, engine.ErrNoHandOver
	}
	// read from the start, without moving the descriptor's offset (as the engine reads a descriptor of its own)
	return e.Upload(ctx, h, func() (io.ReadCloser, error) {
		return io.NopCloser(io.NewSectionReader(f, 0, h.GetSize())), nil
	}, progress)
}

func (e *Engine) StartOperation(_ context.Context, req *pb.StartOperationRequest) (*pb.Operation, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.Starts = append(e.Starts, req)
	if len(e.StartErrs) > 0 {
		err := e.StartErrs[0]
		e.StartErrs = e.StartErrs[1:]
		if err != nil {
			return nil, err
		}
	}
	return e.StartOp, nil
}

func (e *Engine) PlanDeployment(_ context.Context, req *pb.StartOperationRequest) (*pb.DryRunPlan, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.Planned = append(e.Planned, req)
	if e.PlanErr != nil {
		return nil, e.PlanErr
	}
	return e.Plan, nil
}

func (e *Engine) Act(_ context.Context, req *pb.ActRequest) (*pb.Operation, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.Acts = append(e.Acts, req)
	if e.ActErr != nil {
		return nil, e.ActErr
	}
	return &pb.Operation{Id: req.GetOperationId(), State: pb.State_STATE_RUNNING}, nil
}

func (e *Engine) Watch(ctx context.Context, start *pb.WatchStart, onEvent func(*pb.Event)) (*pb.Operation, error) {
	e.mu.Lock()
	e.WatchStarts = append(e.WatchStarts, start)
	if len(e.Watches) == 0 {
		e.mu.Unlock()
		return nil, &engine.Error{Code: codes.Internal, Message: "fake: no watch script left"}
	}
	script := e.Watches[0]
	e.Watches = e.Watches[1:]
	e.mu.Unlock()
	for _, ev := range script.Events {
		if ev.GetSeq() > 0 && ev.GetSeq() <= start.GetAfterSeq() {
			continue
		}
		onEvent(ev)
		if s := ev.GetStopped(); s != nil {
			return s.GetOperation(), nil
		}
	}
	if script.Block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if script.Err != nil {
		return nil, script.Err
	}
	return nil, &engine.Error{Code: codes.Internal, Message: "fake: script ended without Stopped"}
}

func (e *Engine) GetOperation(_ context.Context, req *pb.GetOperationRequest) (*pb.Operation, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if op, ok := e.Ops[req.GetOperationId()]; ok {
		return op, nil
	}
	return nil, notFound("operation not found")
}

func (e *Engine) ListOperations(_ context.Context, req *pb.ListOperationsRequest) ([]*pb.Operation, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.ListReqs = append(e.ListReqs, req)
	return e.Operations, nil
}

func (e *Engine) ListMtas(context.Context, *pb.ListMtasRequest) ([]*pb.Mta, error) {
	return e.Mtas, nil
}

func (e *Engine) GetMta(_ context.Context, req *pb.GetMtaRequest) (*pb.Mta, error) {
	for _, m := range e.Mtas {
		if m.GetId() == req.GetMtaId() {
			return m, nil
		}
	}
	return nil, notFound("mta not found")
}

func (e *Engine) GetOperationLog(_ context.Context, req *pb.GetOperationLogRequest, onChunk func(*pb.LogChunk) error) error {
	chunks, ok := e.Logs[req.GetOperationId()]
	if !ok {
		return notFound("operation not found")
	}
	for _, c := range chunks {
		if err := onChunk(c); err != nil {
			return err
		}
	}
	return nil
}

func (e *Engine) ReportSmokeTests(_ context.Context, req *pb.SmokeTestReport) (*pb.Operation, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.SmokeReports = append(e.SmokeReports, req)
	if e.SmokeErr != nil {
		return nil, e.SmokeErr
	}
	return &pb.Operation{Id: req.GetOperationId(), State: pb.State_STATE_RUNNING}, nil
}

func (e *Engine) Close() error {
	e.Closed = true
	return nil
}

// Event helpers live in fakedeployer (which the engine package's tests can import).
var (
	Epoch    = fakedeployer.Epoch
	Progress = fakedeployer.Progress
	Stopped  = fakedeployer.Stopped
	Op       = fakedeployer.Op
)
