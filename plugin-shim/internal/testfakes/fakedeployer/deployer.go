// Package fakedeployer is an in-process gRPC Deployer server for tests (kept apart from
// testfakes so that the engine package can use it without an import cycle).
package fakedeployer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
)

// Deployer is an in-process gRPC Deployer server. Each Watch call plays the next script of
// Streams: its events (after after_seq), then ends the stream, or - with DropAfter - drops it
// after that many events to test reconnects. A script may ask for a token first.
type Deployer struct {
	pb.UnimplementedDeployerServer

	mu          sync.Mutex
	Streams     []DeployerStream
	StartOp     *pb.Operation
	StartErr    error
	Tokens      []string // authorization metadata of every call
	Granted     []string // tokens received in TokenGrant
	WatchStarts []*pb.WatchStart
	Uploaded    map[string][]byte
	ChunkSizes  []int // of every data message received, in order
	Starts      []*pb.StartOperationRequest
	Acts        []*pb.ActRequest
	Plan        *pb.DryRunPlan
	PlanErrs    []error // consumed one per PlanDeployment call before Plan is answered
	Planned     []*pb.StartOperationRequest
	Ops         map[string]*pb.Operation

	// EngineControl: GetInfo answers Revision (default: the newest) and Version; NoInfo plays an
	// engine from before EngineControl. Secret, if set, must come with every call (a local
	// engine on loopback TCP). OnShutdown runs when Shutdown is called.
	Revision   pb.Revision
	Version    string
	NoInfo     bool
	Secret     string
	OnShutdown func()
	InfoReqs   []*pb.GetInfoRequest
}

// DeployerStream is one Watch call's script.
type DeployerStream struct {
	AskToken  bool
	Events    []*pb.Event
	DropAfter int // >0: fail with UNAVAILABLE after this many events
}

// Serve starts d on lis with a SERVING health service and stops it when the test ends.
func (d *Deployer) Serve(t testing.TB, lis net.Listener) {
	var opts []grpc.ServerOption
	if d.Secret != "" {
		opts = append(opts, grpc.ChainUnaryInterceptor(d.checkSecretUnary), grpc.ChainStreamInterceptor(d.checkSecretStream))
	}
	srv := grpc.NewServer(opts...)
	pb.RegisterDeployerServer(srv, d)
	if !d.NoInfo {
		pb.RegisterEngineControlServer(srv, control{d: d})
	}
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(srv, hs)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)
}

func (d *Deployer) noteToken(ctx context.Context) {
	md, _ := metadata.FromIncomingContext(ctx)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.Tokens = append(d.Tokens, md.Get("authorization")...)
}

func (d *Deployer) FindFile(ctx context.Context, req *pb.FindFileRequest) (*pb.FileRef, error) {
	d.noteToken(ctx)
	d.mu.Lock()
	defer d.mu.Unlock()
	for name, data := range d.Uploaded {
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) == req.GetSha256() {
			return &pb.FileRef{Id: "file-" + name, FileName: name, Reused: true}, nil
		}
	}
	return nil, status.Error(codes.NotFound, "no file with this digest")
}

func (d *Deployer) Upload(stream grpc.ClientStreamingServer[pb.UploadRequest, pb.FileRef]) error {
	d.noteToken(stream.Context())
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	h := first.GetHeader()
	if h == nil {
		return status.Error(codes.InvalidArgument, "first message must be the header")
	}
	var data []byte
	for {
		m, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		data = append(data, m.GetData()...)
		d.mu.Lock()
		d.ChunkSizes = append(d.ChunkSizes, len(m.GetData()))
		d.mu.Unlock()
	}
	sum := sha256.Sum256(data)
	if int64(len(data)) != h.GetSize() || hex.EncodeToString(sum[:]) != h.GetSha256() {
		return status.Error(codes.InvalidArgument, "size or digest mismatch")
	}
	d.mu.Lock()
	if d.Uploaded == nil {
		d.Uploaded = map[string][]byte{}
	}
	d.Uploaded[h.GetFileName()] = data
	d.mu.Unlock()
	return stream.SendAndClose(&pb.FileRef{Id: "file-" + h.GetFileName(), FileName: h.GetFileName(), Size: h.GetSize(), Sha256: h.GetSha256()})
}

func (d *Deployer) StartOperation(ctx context.Context, req *pb.StartOperationRequest) (*pb.Operation, error) {
	d.noteToken(ctx)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.Starts = append(d.Starts, req)
	if d.StartErr != nil {
		return nil, d.StartErr
	}
	return d.StartOp, nil
}

func (d *Deployer) PlanDeployment(ctx context.Context, req *pb.StartOperationRequest) (*pb.DryRunPlan, error) {
	d.noteToken(ctx)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.Planned = append(d.Planned, req)
	if len(d.PlanErrs) > 0 {
		err := d.PlanErrs[0]
		d.PlanErrs = d.PlanErrs[1:]
		return nil, err
	}
	return d.Plan, nil
}

func (d *Deployer) Act(ctx context.Context, req *pb.ActRequest) (*pb.Operation, error) {
	d.noteToken(ctx)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.Acts = append(d.Acts, req)
	return &pb.Operation{Id: req.GetOperationId(), State: pb.State_STATE_RUNNING}, nil
}

func (d *Deployer) GetOperation(ctx context.Context, req *pb.GetOperationRequest) (*pb.Operation, error) {
	d.noteToken(ctx)
	d.mu.Lock()
	defer d.mu.Unlock()
	if op, ok := d.Ops[req.GetOperationId()]; ok {
		return op, nil
	}
	return nil, status.Errorf(codes.NotFound, "Multi-target app operation with ID %s not found", req.GetOperationId())
}

func (d *Deployer) Watch(stream grpc.BidiStreamingServer[pb.WatchRequest, pb.Event]) error {
	d.noteToken(stream.Context())
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	start := first.GetStart()
	d.mu.Lock()
	d.WatchStarts = append(d.WatchStarts, start)
	if len(d.Streams) == 0 {
		d.mu.Unlock()
		return status.Error(codes.FailedPrecondition, "no script")
	}
	script := d.Streams[0]
	d.Streams = d.Streams[1:]
	d.mu.Unlock()
	if script.AskToken {
		if err := stream.Send(&pb.Event{OperationId: start.GetOperationId(), Kind: &pb.Event_TokenRequest{TokenRequest: &pb.TokenRequest{Reason: "expiring"}}}); err != nil {
			return err
		}
		grant, err := stream.Recv()
		if err != nil {
			return err
		}
		d.mu.Lock()
		d.Granted = append(d.Granted, grant.GetToken().GetAccessToken())
		d.mu.Unlock()
	}
	sent := 0
	for _, ev := range script.Events {
		if ev.GetSeq() > 0 && ev.GetSeq() <= start.GetAfterSeq() {
			continue
		}
		if script.DropAfter > 0 && sent == script.DropAfter {
			return status.Error(codes.Unavailable, "connection dropped")
		}
		if err := stream.Send(ev); err != nil {
			return err
		}
		sent++
	}
	return nil
}

func (d *Deployer) GetOperationLog(req *pb.GetOperationLogRequest, stream grpc.ServerStreamingServer[pb.LogChunk]) error {
	d.noteToken(stream.Context())
	return stream.Send(&pb.LogChunk{Name: "MAIN_LOG", Data: []byte("log of " + req.GetOperationId() + "\n")})
}

// control is the fake's EngineControl service.
type control struct {
	pb.UnimplementedEngineControlServer
	d *Deployer
}

func (c control) GetInfo(_ context.Context, req *pb.GetInfoRequest) (*pb.EngineInfo, error) {
	c.d.mu.Lock()
	defer c.d.mu.Unlock()
	c.d.InfoReqs = append(c.d.InfoReqs, req)
	rev := c.d.Revision
	if rev == pb.Revision_REVISION_UNSPECIFIED {
		rev = newestRevision()
	}
	return &pb.EngineInfo{Version: c.d.Version, Revision: rev, Local: true}, nil
}

func (c control) Shutdown(context.Context, *pb.ShutdownRequest) (*pb.ShutdownResponse, error) {
	if c.d.OnShutdown != nil {
		c.d.OnShutdown()
	}
	return &pb.ShutdownResponse{}, nil
}

func (d *Deployer) secretOK(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("bgdeploy-local-secret"); len(v) == 1 && v[0] == d.Secret {
		return nil
	}
	return status.Error(codes.Unauthenticated, "This local deploy engine belongs to another user")
}

func (d *Deployer) checkSecretUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := d.secretOK(ctx); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

func (d *Deployer) checkSecretStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := d.secretOK(ss.Context()); err != nil {
		return err
	}
	return h(srv, ss)
}

// newestRevision is the newest revision of bgdeploy.v1 the stubs know.
func newestRevision() pb.Revision {
	newest := pb.Revision_REVISION_UNSPECIFIED
	for n := range pb.Revision_name {
		if r := pb.Revision(n); r > newest {
			newest = r
		}
	}
	return newest
}
