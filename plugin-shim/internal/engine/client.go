// Package engine is the shim's side of the gRPC contract with the deploy engine
// (proto/bgdeploy/v1/deployer.proto, docs/contracts.md): where the engine is, starting a local
// one on demand, the user's token on every call, deadlines, retries of dropped connections, and
// gRPC statuses turned into errors a user can read.
package engine

import (
	"context"
	"io"
	"os"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
)

// Client is what the commands need from the engine. The gRPC implementation is New; tests use a
// fake (internal/engine/enginefake).
type Client interface {
	// FindFile returns the stored file with this digest, or an error for which IsNotFound is true.
	FindFile(ctx context.Context, req *pb.FindFileRequest) (*pb.FileRef, error)
	// Upload streams the file that open returns; open is called again if the upload has to be
	// retried. progress, if not nil, is told about every chunk sent.
	Upload(ctx context.Context, header *pb.UploadHeader, open func() (io.ReadCloser, error), progress func(sent int64, restart bool)) (*pb.FileRef, error)
	// FindLocalFile and UploadLocalFile hand the open file to a local engine, which finds or reads it
	// itself (localfile.go); ErrNoHandOver when the engine takes files only as a stream.
	FindLocalFile(ctx context.Context, req *pb.FindFileRequest, f *os.File) (*pb.FileRef, error)
	UploadLocalFile(ctx context.Context, header *pb.UploadHeader, f *os.File, progress func(sent int64, restart bool)) (*pb.FileRef, error)
	StartOperation(ctx context.Context, req *pb.StartOperationRequest) (*pb.Operation, error)
	// PlanDeployment says what the deploy in req would do (--dry-run); it changes nothing.
	PlanDeployment(ctx context.Context, req *pb.StartOperationRequest) (*pb.DryRunPlan, error)
	Act(ctx context.Context, req *pb.ActRequest) (*pb.Operation, error)
	// Watch follows the operation until it stops and returns it as it stopped. onEvent gets every
	// progress and stopped event (token requests are answered inside). A dropped stream is
	// reopened after the last sequence number seen.
	Watch(ctx context.Context, start *pb.WatchStart, onEvent func(*pb.Event)) (*pb.Operation, error)
	GetOperation(ctx context.Context, req *pb.GetOperationRequest) (*pb.Operation, error)
	ListOperations(ctx context.Context, req *pb.ListOperationsRequest) ([]*pb.Operation, error)
	ListMtas(ctx context.Context, req *pb.ListMtasRequest) ([]*pb.Mta, error)
	GetMta(ctx context.Context, req *pb.GetMtaRequest) (*pb.Mta, error)
	// ReportSmokeTests answers a SmokeTestRequest with how the user's commands went.
	ReportSmokeTests(ctx context.Context, req *pb.SmokeTestReport) (*pb.Operation, error)
	// GetOperationLog calls onChunk for every chunk of the operation's logs, in order.
	GetOperationLog(ctx context.Context, req *pb.GetOperationLogRequest, onChunk func(*pb.LogChunk) error) error
	Close() error
}
