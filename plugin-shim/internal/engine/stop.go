package engine

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
)

// stop asks the local engine to exit and waits until it no longer answers.
func (c *grpcClient) stop(ctx context.Context) error {
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := c.ctl.Shutdown(tctx, &pb.ShutdownRequest{}); err != nil {
		return c.translate(err, nil)
	}
	deadline := time.Now().Add(stopTimeout)
	for c.ep.answers() {
		if time.Now().After(deadline) {
			return fmt.Errorf("The deploy engine did not stop within %s", stopTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}

// How long a local engine may take to stop (it lets running calls finish for up to 5 s).
var stopTimeout = 15 * time.Second

// StopLocal stops the local engine if one runs (the plugin is being uninstalled); it never
// starts one. stopped=false means none was running.
func StopLocal(ctx context.Context, ep Endpoint) (stopped bool, err error) {
	if !ep.answers() {
		return false, nil
	}
	opts, err := ep.dialOptions()
	if err != nil {
		return false, err
	}
	conn, err := grpc.NewClient(ep.Target(), opts...)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	c := &grpcClient{ep: ep, conn: conn, ctl: pb.NewEngineControlClient(conn)}
	if err := c.stop(ctx); err != nil {
		return false, err
	}
	return true, nil
}
