package engine

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	fd "bgdeploy.local/plugin-shim/internal/testfakes/fakedeployer"
)

var noToken = func() (string, error) { return "bearer t", nil }

// connectTo serves d on a local socket and connects to it as plugin version 0.2.0.
func connectTo(t *testing.T, d *fd.Deployer) (Client, Endpoint, error) {
	t.Helper()
	ep := Endpoint{StateDir: shortDir(t), Command: []string{"/nonexistent-engine"}, PluginVersion: "0.2.0"}
	lis, err := net.Listen("unix", ep.SocketPath())
	if err != nil {
		t.Fatal(err)
	}
	d.Serve(t, lis)
	c, err := New(context.Background(), ep, noToken)
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, ep, err
}

func TestEngineBeforeEngineControlIsOutdated(t *testing.T) {
	_, ep, err := connectTo(t, &fd.Deployer{NoInfo: true})
	want := "The deploy engine at unix://" + ep.SocketPath() + ` is older than this plugin (version 0.2.0) needs. ` +
		`Upgrade it: pip install --upgrade "bgdeploy>=0.2.0" (or: pipx upgrade bgdeploy)`
	var old *OutdatedError
	if !errors.As(err, &old) || err.Error() != want {
		t.Fatalf("message\n got: %v\nwant: %s", err, want)
	}
}

func TestOlderRevisionIsOutdatedAndNamesItsVersion(t *testing.T) {
	defer func(r pb.Revision) { requiredRevision = r }(requiredRevision)
	requiredRevision = pb.Revision_REVISION_ENGINE_CONTROL + 1
	defer func(d time.Duration) { stopTimeout = d }(stopTimeout)
	stopTimeout = 200 * time.Millisecond // the in-process fake does not exit when asked to
	_, _, err := connectTo(t, &fd.Deployer{Version: "0.1.0", Revision: pb.Revision_REVISION_ENGINE_CONTROL})
	if err == nil || !strings.Contains(err.Error(), "(version 0.1.0) is older than this plugin (version 0.2.0) needs") {
		t.Fatalf("got %v", err)
	}
}

func TestNewerEngineServesOlderShim(t *testing.T) {
	d := &fd.Deployer{Revision: pb.Revision(clientRevision() + 7), Version: "9.0.0"}
	c, ep, err := connectTo(t, d)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetOperation(context.Background(), &pb.GetOperationRequest{OperationId: "1"}); !IsNotFound(err) {
		t.Fatalf("the engine serves the shim: %v", err)
	}
	if r := d.InfoReqs[0]; r.GetClientVersion() != ep.PluginVersion || r.GetClientRevision() != clientRevision() || clientRevision() < requiredRevision {
		t.Fatalf("the shim sends its versions: %v", r)
	}
}

func TestUpgradeCommandOfTheManagedVenv(t *testing.T) {
	ep := Endpoint{StateDir: "/home/u/.cf/bg-deploy", PluginVersion: "0.3.0",
		Command: []string{"/home/u/.cf/bg-deploy/venv/bin/bgdeploy-engine"}}
	if got := ep.upgradeCommand(); got != `/home/u/.cf/bg-deploy/venv/bin/python -m pip install --upgrade "bgdeploy>=0.3.0"` {
		t.Fatal(got)
	}
}

// startFakeEngine prepares a state dir whose engine command is this test binary (TestMain).
func fakeEngineEndpoint(t *testing.T, loopback bool) Endpoint {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("BGDEPLOY_FAKE_ENGINE", "1")
	ep := Endpoint{StateDir: filepath.Join(shortDir(t), "state"), Command: []string{exe}, LoopbackTCP: loopback, PluginVersion: "0.2.0"}
	t.Cleanup(func() { killFake(ep) })
	return ep
}

func fakePid(ep Endpoint) int {
	pid, _ := strconv.Atoi(readFile(filepath.Join(ep.StateDir, "fake.pid")))
	return pid
}

func killFake(ep Endpoint) {
	if pid := fakePid(ep); pid > 0 {
		killProcess(pid)
	}
}

func TestLocalEngineOnLoopbackTCPWithSecret(t *testing.T) {
	ep := fakeEngineEndpoint(t, true)
	c, err := New(context.Background(), ep, noToken)
	if err != nil {
		t.Fatalf("%v (log: %s)", err, readFile(ep.LogPath()))
	}
	defer c.Close()
	if _, err := c.GetOperation(context.Background(), &pb.GetOperationRequest{OperationId: "1"}); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(ep.SecretPath())
	if err != nil || info.Mode().Perm() != 0o600 || len(readFile(ep.SecretPath())) != 64 {
		t.Fatalf("secret file: %v %v", info, err)
	}
	// Without the secret, another user's process gets nothing, not even the health check.
	addr, _ := ep.loopbackAddr()
	conn, err := grpc.NewClient("passthrough:///"+addr, Endpoint{Insecure: true}.mustCreds(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if status.Code(err) != codes.Unauthenticated {
		t.Fatalf("want UNAUTHENTICATED without the secret, got %v", err)
	}

	stopped, err := StopLocal(context.Background(), ep)
	if err != nil || !stopped || ep.answers() {
		t.Fatalf("stop: %v %v, still answers: %v", stopped, err, ep.answers())
	}
	if stopped, err := StopLocal(context.Background(), ep); stopped || err != nil {
		t.Fatalf("nothing to stop: %v %v", stopped, err)
	}
}

func TestOutdatedLocalEngineIsRestartedOnce(t *testing.T) {
	defer func(r pb.Revision) { requiredRevision = r }(requiredRevision)
	requiredRevision = pb.Revision_REVISION_ENGINE_CONTROL + 1
	ep := fakeEngineEndpoint(t, false)
	os.MkdirAll(ep.StateDir, 0o700)
	os.WriteFile(filepath.Join(ep.StateDir, "fake.revision"), []byte("1"), 0o600)
	os.WriteFile(filepath.Join(ep.StateDir, "fake.upgrade"), []byte("2"), 0o600) // upgraded while it ran
	c, err := New(context.Background(), ep, noToken)
	if err != nil {
		t.Fatalf("%v (log: %s)", err, readFile(ep.LogPath()))
	}
	c.Close()
	first := fakePid(ep)
	killFake(ep)
	// Still old after the restart: the one-line error, and no loop.
	os.WriteFile(filepath.Join(ep.StateDir, "fake.revision"), []byte("1"), 0o600)
	os.Remove(filepath.Join(ep.StateDir, "fake.upgrade"))
	if _, err := New(context.Background(), ep, noToken); err == nil || !strings.Contains(err.Error(), "is older than this plugin") {
		t.Fatalf("got %v", err)
	}
	if fakePid(ep) == first {
		t.Fatal("the outdated engine was not restarted")
	}
}

func (e Endpoint) mustCreds(t *testing.T) grpc.DialOption {
	creds, err := e.transportCredentials()
	if err != nil {
		t.Fatal(err)
	}
	return grpc.WithTransportCredentials(creds)
}

func killProcess(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Kill()
	}
}
