package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	fd "bgdeploy.local/plugin-shim/internal/testfakes/fakedeployer"
)

// The test binary doubles as a local engine: started with BGDEPLOY_FAKE_ENGINE=1 it serves a
// fake Deployer on the --listen socket, as `bgdeploy-engine serve` would.
func TestMain(m *testing.M) {
	if os.Getenv("BGDEPLOY_FAKE_ENGINE") == "1" {
		fakeEngineMain()
		return
	}
	os.Exit(m.Run())
}

func fakeEngineMain() {
	arg := func(name string) string {
		for i, a := range os.Args {
			if a == name && i+1 < len(os.Args) {
				return os.Args[i+1]
			}
		}
		return ""
	}
	listen, dir := arg("--listen"), arg("--state-dir")
	os.WriteFile(filepath.Join(dir, "fake.pid"), []byte(strconv.Itoa(os.Getpid())), 0o600)
	d := &fd.Deployer{Ops: map[string]*pb.Operation{"1": {Id: "1"}}}
	// fake.revision sets the revision it serves; on Shutdown, fake.upgrade (if any) replaces it,
	// as if the user had upgraded the engine while it ran.
	if n, err := strconv.Atoi(readFile(filepath.Join(dir, "fake.revision"))); err == nil {
		d.Revision = pb.Revision(n)
	}
	d.OnShutdown = func() {
		if up := readFile(filepath.Join(dir, "fake.upgrade")); up != "" {
			os.WriteFile(filepath.Join(dir, "fake.revision"), []byte(up), 0o600)
		}
		go func() { time.Sleep(50 * time.Millisecond); os.Exit(0) }()
	}
	var lis net.Listener
	var err error
	if path, ok := strings.CutPrefix(listen, "unix://"); ok {
		lis, err = net.Listen("unix", path)
	} else {
		d.Secret = readFile(arg("--local-secret-file"))
		if lis, err = net.Listen("tcp", listen); err == nil {
			os.WriteFile(arg("--port-file"), []byte(strconv.Itoa(lis.Addr().(*net.TCPAddr).Port)), 0o600)
		}
	}
	if err != nil {
		fmt.Println("listen:", err)
		os.Exit(3)
	}
	d.Serve(fakeTB{}, lis)
	time.Sleep(20 * time.Second) // the test kills it sooner
}

// fakeTB lets the fake engine process use Deployer.Serve outside a test.
type fakeTB struct{ testing.TB }

func (fakeTB) Cleanup(func()) {}

func shortDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "bgd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// serveLocal serves d on the socket of a local endpoint and returns a connected client.
func serveLocal(t *testing.T, d *fd.Deployer, tokens TokenSource) (Client, Endpoint) {
	t.Helper()
	ep := Endpoint{StateDir: shortDir(t), Command: []string{"/nonexistent-engine"}}
	lis, err := net.Listen("unix", ep.SocketPath())
	if err != nil {
		t.Fatal(err)
	}
	d.Serve(t, lis)
	c, err := New(context.Background(), ep, tokens)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, ep
}

func countingTokens(n *atomic.Int32) TokenSource {
	return func() (string, error) { return fmt.Sprintf("bearer tok-%d", n.Add(1)), nil }
}

func TestUploadFindAndTokenMetadata(t *testing.T) {
	d := &fd.Deployer{}
	var n atomic.Int32
	c, _ := serveLocal(t, d, countingTokens(&n))
	ctx := context.Background()
	data := strings.Repeat("x", 3<<20) // several chunks
	h := &pb.UploadHeader{FileName: "a.mtar", Size: int64(len(data)), Sha256: sha(data)}
	var sent int64
	ref, err := c.Upload(ctx, h, func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(data)), nil },
		func(k int64, _ bool) { sent += k })
	if err != nil || ref.GetId() != "file-a.mtar" || sent != int64(len(data)) {
		t.Fatalf("upload: %v %v sent=%d", ref, err, sent)
	}
	if _, err := c.FindFile(ctx, &pb.FindFileRequest{Sha256: sha(data)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.FindFile(ctx, &pb.FindFileRequest{Sha256: sha("other")})
	if !IsNotFound(err) {
		t.Fatalf("want NotFound, got %v", err)
	}
	if len(d.Tokens) != 3 || d.Tokens[0] != "bearer tok-1" || d.Tokens[2] != "bearer tok-3" {
		t.Fatalf("tokens %v", d.Tokens)
	}
}

func TestWatchAnswersTokenRequestAndReconnects(t *testing.T) {
	events := []*pb.Event{fd.Progress("42", 1, "one"), fd.Progress("42", 2, "two"), fd.Progress("42", 3, "three"),
		fd.Stopped(4, fd.Op("42", pb.State_STATE_FINISHED))}
	d := &fd.Deployer{Streams: []fd.DeployerStream{
		{AskToken: true, Events: events, DropAfter: 2},
		{Events: events},
	}}
	var n atomic.Int32
	c, _ := serveLocal(t, d, countingTokens(&n))
	var texts []string
	op, err := c.Watch(context.Background(), &pb.WatchStart{OperationId: "42"}, func(ev *pb.Event) {
		if p := ev.GetProgress(); p != nil {
			texts = append(texts, p.GetText())
		}
	})
	if err != nil || op.GetState() != pb.State_STATE_FINISHED {
		t.Fatalf("watch: %v %v", op, err)
	}
	if strings.Join(texts, ",") != "one,two,three" {
		t.Fatalf("progress %v", texts)
	}
	if len(d.Granted) != 1 || d.Granted[0] != "bearer tok-2" {
		t.Fatalf("granted %v", d.Granted)
	}
	if len(d.WatchStarts) != 2 || d.WatchStarts[1].GetAfterSeq() != 2 {
		t.Fatalf("watch starts %v", d.WatchStarts)
	}
}

func TestStatusTranslation(t *testing.T) {
	st, _ := status.New(codes.FailedPrecondition, "There is an ongoing operation").
		WithDetails(&errdetails.ErrorInfo{Reason: "CONFLICTING_OPERATION", Metadata: map[string]string{"operation_id": "7"}})
	d := &fd.Deployer{StartErr: st.Err()}
	c, ep := serveLocal(t, d, func() (string, error) { return "bearer t", nil })
	_, err := c.StartOperation(context.Background(), &pb.StartOperationRequest{})
	if id, ok := ConflictingOperation(err); !ok || id != "7" || err.Error() != "There is an ongoing operation" {
		t.Fatalf("conflict: %v %q", err, id)
	}
	_, err = c.GetOperation(context.Background(), &pb.GetOperationRequest{OperationId: "9"})
	if !IsNotFound(err) || err.Error() != "Multi-target app operation with ID 9 not found" {
		t.Fatalf("not found: %v", err)
	}
	d.StartErr = status.Error(codes.Unauthenticated, "Invalid token.")
	_, err = c.StartOperation(context.Background(), &pb.StartOperationRequest{})
	if err == nil || err.Error() != `Invalid token. Use "cf login" to log in again.` {
		t.Fatalf("unauthenticated: %v", err)
	}
	// A token the cf CLI cannot give stops the call before it is sent.
	bad := c.(*grpcClient)
	bad.tokens = func() (string, error) { return "", errors.New(`Not logged in. Use "cf login" to log in.`) }
	if _, err := c.GetOperation(context.Background(), &pb.GetOperationRequest{}); err == nil || !strings.Contains(err.Error(), "Not logged in") {
		t.Fatalf("token error: %v", err)
	}
	_ = ep
}

func TestPlanDeploymentCarriesTheTokenAndIsRepeatedAfterADrop(t *testing.T) {
	d := &fd.Deployer{Plan: &pb.DryRunPlan{Changes: true, PlanJson: `{"dry_run":true}`, Lines: []string{"Changes: yes"}},
		PlanErrs: []error{status.Error(codes.Unavailable, "connection reset")}}
	c, _ := serveLocal(t, d, func() (string, error) { return "bearer t", nil })
	plan, err := c.PlanDeployment(context.Background(), &pb.StartOperationRequest{ArchiveId: "a"})
	if err != nil || !plan.GetChanges() || plan.GetPlanJson() != `{"dry_run":true}` || len(d.Planned) != 2 {
		t.Fatalf("plan %v, err %v, calls %d", plan, err, len(d.Planned))
	}
	if d.Tokens[len(d.Tokens)-1] != "bearer t" || d.Planned[1].GetArchiveId() != "a" {
		t.Fatalf("tokens %v", d.Tokens)
	}
}

func TestLocalEngineStartedOnDemand(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("BGDEPLOY_FAKE_ENGINE", "1")
	ep := Endpoint{StateDir: filepath.Join(shortDir(t), "state"), Command: []string{exe}}
	c, err := New(context.Background(), ep, func() (string, error) { return "bearer t", nil })
	if err != nil {
		t.Fatalf("%v (log: %s)", err, readFile(ep.LogPath()))
	}
	defer c.Close()
	t.Cleanup(func() {
		if pid, err := strconv.Atoi(readFile(filepath.Join(ep.StateDir, "fake.pid"))); err == nil {
			killProcess(pid)
		}
	})
	if _, err := c.GetOperation(context.Background(), &pb.GetOperationRequest{OperationId: "1"}); err != nil {
		t.Fatal(err)
	}
	info, _ := os.Stat(ep.StateDir)
	if info.Mode().Perm() != 0o700 {
		t.Fatalf("state dir mode %v", info.Mode())
	}
}

func TestLocalEngineCannotStart(t *testing.T) {
	old := localStartTimeout
	localStartTimeout = 5 * time.Second
	defer func() { localStartTimeout = old }()
	for _, tt := range []struct {
		cmd  []string
		want string
	}{
		{[]string{"/nonexistent/bgdeploy-engine"}, "Could not start the deploy engine (/nonexistent/bgdeploy-engine)"},
		{[]string{"false"}, "The deploy engine exited while starting (exit status 1)"},
	} {
		ep := Endpoint{StateDir: shortDir(t), Command: tt.cmd}
		_, err := New(context.Background(), ep, func() (string, error) { return "bearer t", nil })
		var u *UnreachableError
		if !errors.As(err, &u) || !strings.Contains(err.Error(), tt.want) ||
			!strings.HasPrefix(err.Error(), "Could not reach the deploy engine at unix://"+ep.SocketPath()) {
			t.Fatalf("got %v, want %q", err, tt.want)
		}
	}
}

func TestResolve(t *testing.T) {
	t.Setenv("CF_HOME", "/home/u")
	t.Setenv(EnvEngineURL, "")
	t.Setenv(EnvEngineCmd, "python -m bgdeploy")
	t.Setenv(EnvLocalTransport, "")
	ep, _ := Resolve("")
	if !ep.Local() || ep.LoopbackTCP || ep.SocketPath() != "/home/u/.cf/bg-deploy/engine.sock" ||
		strings.Join(ep.Command, " ") != "python -m bgdeploy" || ep.LogPath() != "/home/u/.cf/bg-deploy/engine.log" {
		t.Fatalf("%+v", ep)
	}
	t.Setenv(EnvEngineURL, "https://engine.example.com/")
	if ep, _ := Resolve(""); ep.Remote != "engine.example.com:443" {
		t.Fatalf("%+v", ep)
	}
	if ep, _ := Resolve("10.0.0.1:9000"); ep.Remote != "10.0.0.1:9000" || ep.Display() != "10.0.0.1:9000" {
		t.Fatalf("%+v", ep)
	}
	if ep, _ := LocalEndpoint(); !ep.Local() {
		t.Fatalf("the local engine whatever %s says: %+v", EnvEngineURL, ep)
	}
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return strings.TrimSpace(string(b))
}

func sha(s string) string {
	f := filepath.Join(os.TempDir(), "x")
	_ = f
	return shaHex([]byte(s))
}
