package engine

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/metadata"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
)

// Deadlines per kind of call. Operations run in the engine; calls only start or read them.
var (
	unaryTimeout  = 30 * time.Second
	startTimeout  = 2 * time.Minute // StartOperation may check the archive first
	uploadTimeout = time.Hour       // the official plugin's per-upload limit (its issue #197)
	logTimeout    = 5 * time.Minute
	// Retries of a call whose connection dropped or could not be made, and the first pause.
	maxRetries   = 3
	retryBackoff = 500 * time.Millisecond
)

// TokenSource returns the user's token as the cf CLI gives it ("bearer <jwt>").
type TokenSource func() (string, error)

type grpcClient struct {
	ep     Endpoint
	conn   *grpc.ClientConn
	api    pb.DeployerClient
	ctl    pb.EngineControlClient
	tokens TokenSource
	// revision: what the engine serves (GetInfo), for features newer than requiredRevision.
	revision pb.Revision
}

// New connects to the engine at ep (starting a local one if none answers), checks that it
// serves the revision of the contract this shim needs (version.go), and returns a Client that
// sends the token from tokens on every call.
func New(ctx context.Context, ep Endpoint, tokens TokenSource) (Client, error) {
	opts, err := ep.dialOptions()
	if err != nil {
		return nil, err
	}
	conn, err := grpc.NewClient(ep.Target(), opts...)
	if err != nil {
		return nil, &UnreachableError{Address: ep.Display(), LogPath: ep.LogPath(), Cause: err}
	}
	c := &grpcClient{ep: ep, conn: conn, api: pb.NewDeployerClient(conn), ctl: pb.NewEngineControlClient(conn), tokens: tokens}
	if ep.Local() {
		if err := c.ensureLocal(ctx); err != nil {
			conn.Close()
			var none *NoEngineError
			if errors.Is(err, context.Canceled) || errors.As(err, &none) {
				return nil, err
			}
			return nil, &UnreachableError{Address: ep.Display(), LogPath: ep.LogPath(), Cause: err}
		}
	}
	if err := c.checkVersion(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// dialOptions say how to reach the engine at ep (grpc.NewClient connects lazily).
func (ep Endpoint) dialOptions() ([]grpc.DialOption, error) {
	opts := ep.localDialOptions()
	if !ep.Local() {
		creds, err := ep.transportCredentials()
		if err != nil {
			return nil, err
		}
		opts = []grpc.DialOption{grpc.WithTransportCredentials(creds)}
	}
	return append(opts,
		// Reconnect quickly to a local engine that was just (re)started.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 2 * time.Second},
			MinConnectTimeout: 5 * time.Second,
		}),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(64<<20)),
	), nil
}

func (c *grpcClient) Close() error { return c.conn.Close() }

// withToken adds the authorization metadata. The token is read from the cf CLI for every call,
// so a refreshed token is used as soon as there is one; it is never kept.
func (c *grpcClient) withToken(ctx context.Context) (context.Context, error) {
	tok, err := c.tokens()
	if err != nil {
		return nil, err
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", tok), nil
}

// call runs one unary call with a deadline, retrying when the connection could not be made or
// dropped (only for calls safe to repeat: idempotent=false runs once).
func call[Req, Resp any](ctx context.Context, c *grpcClient, timeout time.Duration, idempotent bool,
	fn func(context.Context, Req, ...grpc.CallOption) (Resp, error), req Req) (Resp, error) {
	var zero Resp
	pause := retryBackoff
	for attempt := 0; ; attempt++ {
		tctx, err := c.withToken(ctx)
		if err != nil {
			return zero, err
		}
		tctx, cancel := context.WithTimeout(tctx, timeout)
		var trailer metadata.MD
		resp, err := fn(tctx, req, grpc.Trailer(&trailer))
		cancel()
		if err == nil {
			return resp, nil
		}
		err = c.translate(err, trailer)
		if !idempotent || !retryable(err) || attempt >= maxRetries || ctx.Err() != nil {
			return zero, err
		}
		if werr := c.pauseAndRecover(ctx, pause); werr != nil {
			return zero, err
		}
		pause *= 2
	}
}

// pauseAndRecover waits before a retry and, for the local engine, starts it again if it died.
func (c *grpcClient) pauseAndRecover(ctx context.Context, pause time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(pause):
	}
	c.conn.ResetConnectBackoff()
	if c.ep.Local() {
		return c.ensureLocal(ctx)
	}
	return nil
}

func (c *grpcClient) FindFile(ctx context.Context, req *pb.FindFileRequest) (*pb.FileRef, error) {
	return call(ctx, c, unaryTimeout, true, c.api.FindFile, req)
}

// StartOperation is not repeated on a dropped connection: the engine may have started it.
func (c *grpcClient) StartOperation(ctx context.Context, req *pb.StartOperationRequest) (*pb.Operation, error) {
	return call(ctx, c, startTimeout, false, c.api.StartOperation, req)
}

// PlanDeployment only reads, so a dropped connection may repeat it.
func (c *grpcClient) PlanDeployment(ctx context.Context, req *pb.StartOperationRequest) (*pb.DryRunPlan, error) {
	return call(ctx, c, startTimeout, true, c.api.PlanDeployment, req)
}

func (c *grpcClient) Act(ctx context.Context, req *pb.ActRequest) (*pb.Operation, error) {
	return call(ctx, c, unaryTimeout, false, c.api.Act, req)
}

func (c *grpcClient) GetOperation(ctx context.Context, req *pb.GetOperationRequest) (*pb.Operation, error) {
	return call(ctx, c, unaryTimeout, true, c.api.GetOperation, req)
}

func (c *grpcClient) ListOperations(ctx context.Context, req *pb.ListOperationsRequest) ([]*pb.Operation, error) {
	resp, err := call(ctx, c, unaryTimeout, true, c.api.ListOperations, req)
	return resp.GetOperations(), err
}

func (c *grpcClient) ListMtas(ctx context.Context, req *pb.ListMtasRequest) ([]*pb.Mta, error) {
	resp, err := call(ctx, c, unaryTimeout, true, c.api.ListMtas, req)
	return resp.GetMtas(), err
}

func (c *grpcClient) GetMta(ctx context.Context, req *pb.GetMtaRequest) (*pb.Mta, error) {
	return call(ctx, c, unaryTimeout, true, c.api.GetMta, req)
}

// ReportSmokeTests may be repeated: the engine takes the first report of an attempt and refuses
// the others (FAILED_PRECONDITION).
func (c *grpcClient) ReportSmokeTests(ctx context.Context, req *pb.SmokeTestReport) (*pb.Operation, error) {
	return call(ctx, c, unaryTimeout, true, c.api.ReportSmokeTests, req)
}
