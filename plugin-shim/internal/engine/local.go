package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// How long a freshly started local engine may take to answer its health check.
var localStartTimeout = 30 * time.Second

// ensureLocal makes sure the local engine answers, starting it when nothing does
// (docs/contracts.md "Local engine"). A lock file keeps two shims from starting two engines.
func (c *grpcClient) ensureLocal(ctx context.Context) error {
	if !c.ep.Local() {
		return nil
	}
	if c.ep.answers() && c.healthy(ctx, 2*time.Second) {
		return nil
	}
	if c.ep.Command == nil {
		return &NoEngineError{VenvDir: VenvDir(c.ep.StateDir)}
	}
	dir := c.ep.StateDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("Could not create the engine state directory %s: %v", dir, err)
	}
	_ = os.Chmod(dir, 0o700) // MkdirAll leaves an existing directory's mode alone
	unlock, err := lockFile(dir + "/engine.lock")
	if err != nil {
		return fmt.Errorf("Could not lock %s/engine.lock: %v", dir, err)
	}
	defer unlock()
	// Another shim may have started it while we waited for the lock.
	if c.ep.answers() {
		if c.healthy(ctx, 2*time.Second) {
			return nil
		}
	} else {
		c.ep.forgetDeadEngine()
	}
	if err := c.ep.ensureSecret(); err != nil {
		return fmt.Errorf("Could not write the local engine secret %s: %v", c.ep.SecretPath(), err)
	}
	exited, err := c.startLocal()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(localStartTimeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			if alreadyServed(err) {
				// Another engine holds the state directory (it was only slow to answer): wait for it.
				exited = nil
				continue
			}
			return fmt.Errorf("The deploy engine exited while starting (%v). See the engine log at %s", err, c.ep.LogPath())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(150 * time.Millisecond):
		}
		c.conn.ResetConnectBackoff()
		if c.healthy(ctx, 500*time.Millisecond) {
			return nil
		}
	}
	return fmt.Errorf("The deploy engine did not become ready within %s. See the engine log at %s", localStartTimeout, c.ep.LogPath())
}

// startLocal runs `<engine command> serve --listen unix://<sock> --state-dir <dir>` (or its
// loopback-TCP variant) detached from the plugin (own session, output to engine.log), so it
// outlives this command.
func (c *grpcClient) startLocal() (<-chan error, error) {
	argv := append(append(append([]string{}, c.ep.Command...), "serve"), c.ep.listenArgs()...)
	argv = append(argv, "--state-dir", c.ep.StateDir)
	logFile, err := os.OpenFile(c.ep.LogPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("Could not open the engine log %s: %v", c.ep.LogPath(), err)
	}
	defer logFile.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = c.ep.StateDir
	detach(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("Could not start the deploy engine (%s): %v. Set %s or use -u to name a remote engine",
			strings.Join(c.ep.Command, " "), err, EnvEngineCmd)
	}
	exited := make(chan error, 1)
	go func() {
		err := cmd.Wait()
		if err == nil {
			err = errors.New("exit status 0")
		}
		exited <- err
	}()
	return exited, nil
}

// exitAlreadyServed is the engine's exit status when another engine serves its state directory
// (pyservice/bgdeploy/server/single.py).
const exitAlreadyServed = 3

func alreadyServed(err error) bool {
	var exit *exec.ExitError
	return errors.As(err, &exit) && exit.ExitCode() == exitAlreadyServed
}

// healthy asks the gRPC health service (service "") whether the engine is SERVING.
func (c *grpcClient) healthy(ctx context.Context, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := healthpb.NewHealthClient(c.conn).Check(ctx, &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true))
	return err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING
}
