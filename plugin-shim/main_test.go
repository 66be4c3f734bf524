package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	tf "bgdeploy.local/plugin-shim/internal/testfakes"
	fd "bgdeploy.local/plugin-shim/internal/testfakes/fakedeployer"
)

// The built binary, run as the cf CLI runs it: `<binary> <port> <command> <args...>`, against
// a fake cf RPC server and a fake engine on the local engine's unix socket.

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bgd-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "bg-deploy-plugin")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type world struct {
	cfHome string
	port   string
	cli    *tf.CLIServer
	engine *fd.Deployer
	lis    net.Listener // the engine's socket
	env    []string     // more environment for the plugin
}

func newWorld(t *testing.T, d *fd.Deployer) *world {
	home, err := os.MkdirTemp("", "bgd") // short: unix socket paths are limited to ~100 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	state := filepath.Join(home, ".cf", "bg-deploy")
	os.MkdirAll(state, 0o700)
	lis, err := net.Listen("unix", filepath.Join(state, "engine.sock"))
	if err != nil {
		t.Fatal(err)
	}
	d.Serve(t, lis)
	cli := &tf.CLIServer{Token: "bearer jwt-1"}
	return &world{cfHome: home, port: cli.Start(t), cli: cli, engine: d, lis: lis}
}

func (w *world) run(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{w.port}, args...)...)
	cmd.Env = append(os.Environ(), "CF_HOME="+w.cfHome, "CF_BG_DEPLOY_ENGINE_URL=", "CF_BG_DEPLOY_ENGINE_CMD=/nonexistent",
		"CF_BG_DEPLOY_LOCAL_TRANSPORT=unix")
	cmd.Env = append(cmd.Env, w.env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), code
}

func TestBinarySendsMetadata(t *testing.T) {
	w := newWorld(t, &fd.Deployer{})
	if _, code := w.run(t, "SendMetadata"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	m := w.cli.Metadata
	if m == nil || m.Name != "bg-deploy" || len(m.Commands) != 8 || m.Commands[0].Name != "bg-deploy" {
		t.Fatalf("metadata %v %d commands", m.Name, len(m.Commands))
	}
}

func TestBinaryBgDeployPausesThenResumes(t *testing.T) {
	paused := fd.Op("42", pb.State_STATE_ACTION_REQUIRED)
	paused.LastSeq = 2 // resume prints only what comes after the operation's latest event
	first := []*pb.Event{fd.Progress("42", 1, `Creating application "hello-green"...`), fd.Stopped(2, paused)}
	d := &fd.Deployer{
		StartOp: fd.Op("42", pb.State_STATE_RUNNING),
		Ops:     map[string]*pb.Operation{"42": paused},
		Streams: []fd.DeployerStream{
			{AskToken: true, Events: first},
			{Events: append(first, fd.Progress("42", 3, `Deleting application "hello-blue"...`), fd.Stopped(4, fd.Op("42", pb.State_STATE_FINISHED)))},
		},
	}
	w := newWorld(t, d)
	archive := filepath.Join(w.cfHome, "hello.mtar")
	os.WriteFile(archive, []byte("archive bytes"), 0o644)

	out, code := w.run(t, "bg-deploy", archive)
	want := strings.Join([]string{
		"Deploying multi-target app archive " + archive + " in org org / space space as admin...",
		"",
		"Uploading 1 files...",
		"  " + archive,
		"OK",
		`Creating application "hello-green"...`,
		"Process needs additional user input",
		`Use "cf bg-deploy -i 42 -a resume" to resume the process`,
		`Use "cf bg-deploy -i 42 -a abort" to abort the process`,
	}, "\n") + "\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d\n--- got ---\n%s--- want ---\n%s", code, out, want)
	}
	if len(d.Granted) != 1 || d.Granted[0] != "bearer jwt-1" || d.Tokens[0] != "bearer jwt-1" {
		t.Fatalf("tokens %v granted %v", d.Tokens, d.Granted)
	}

	out, code = w.run(t, "bg-deploy", "-i", "42", "-a", "resume")
	want = strings.Join([]string{
		`Executing action "resume" on operation 42...`,
		"OK",
		`Deleting application "hello-blue"...`,
		"Process finished.",
		`Use "cf dmol -i 42" to download the logs of the process.`,
	}, "\n") + "\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d\n--- got ---\n%s--- want ---\n%s", code, out, want)
	}

	// The same archive again: the engine has it, nothing is uploaded.
	d.Streams = []fd.DeployerStream{{Events: []*pb.Event{fd.Stopped(1, fd.Op("42", pb.State_STATE_FINISHED))}}}
	out, _ = w.run(t, "bg-deploy", archive)
	if !strings.Contains(out, "Previously uploaded file hello.mtar with same digest detected, new upload will be skipped.\n") {
		t.Fatalf("output:\n%s", out)
	}
}

func TestBinaryUsageErrorExitsTwo(t *testing.T) {
	w := newWorld(t, &fd.Deployer{})
	out, code := w.run(t, "bg-deploy", "-i", "42")
	if code != 2 || !strings.HasPrefix(out, "FAILED\nIncorrect usage. All the a i options should be specified together\n") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestBinaryUninstallStopsTheLocalEngine(t *testing.T) {
	d := &fd.Deployer{}
	w := newWorld(t, d)
	d.OnShutdown = func() { w.lis.Close() } // the engine exits: nothing answers on its socket
	out, code := w.run(t, "CLI-MESSAGE-UNINSTALL")
	state := filepath.Join(w.cfHome, ".cf", "bg-deploy")
	if code != 0 || out != "Stopped the local deploy engine; its state stays in "+state+"\n" {
		t.Fatalf("exit %d\n%s", code, out)
	}
	if _, err := os.Stat(state); err != nil {
		t.Fatalf("the state directory must stay: %v", err)
	}
	out, _ = w.run(t, "CLI-MESSAGE-UNINSTALL")
	if out != "The deploy engine's state stays in "+state+"\n" {
		t.Fatalf("nothing running:\n%s", out)
	}
}

func TestBinaryWithoutAnEngineSaysHowToGetOne(t *testing.T) {
	w := newWorld(t, &fd.Deployer{})
	w.lis.Close() // no engine answers
	w.env = []string{"CF_BG_DEPLOY_ENGINE_CMD=", "PATH=" + t.TempDir()}
	start := time.Now()
	out, code := w.run(t, "mtas")
	venv := filepath.Join(w.cfHome, ".cf", "bg-deploy", "venv")
	want := "Getting multi-target apps in org org / space space as admin...\nFAILED\n" +
		`No deploy engine found. Install it with "pipx install bgdeploy" or "pip install bgdeploy", or run this command again with --yes to set it up in ` + venv + ".\n"
	if code != 1 || out != want || time.Since(start) > time.Second {
		t.Fatalf("exit %d after %s\n--- got ---\n%s--- want ---\n%s", code, time.Since(start), out, want)
	}
}
