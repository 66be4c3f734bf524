package cmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"bgdeploy.local/plugin-shim/internal/engine"
	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	tf "bgdeploy.local/plugin-shim/internal/testfakes"
)

func started() *pb.Operation { return tf.Op("42", pb.State_STATE_RUNNING) }

func TestBgDeployFinished(t *testing.T) {
	eng := &tf.Engine{StartOp: started(), Watches: []tf.WatchScript{{Events: []*pb.Event{
		tf.Progress("42", 1, `Detected MTA schema version: "3"`),
		tf.Progress("42", 2, `Creating application "hello-backend-green" from MTA module "hello-backend"...`),
		tf.Stopped(3, tf.Op("42", pb.State_STATE_FINISHED)),
	}}}}
	h := newHarness(t, eng)
	path := mtar(t)
	ext := filepath.Join(filepath.Dir(path), "prod.mtaext")
	os.WriteFile(ext, []byte("_schema-version: 3"), 0o644)
	code := h.run("bg-deploy", path, "--no-confirm", "-e", ext)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
	expectOutput(t, h.out.String(),
		"Deploying multi-target app archive "+path+" in org org / space space as admin...",
		"",
		"Uploading 1 files...",
		"  "+path,
		"OK",
		"Uploading 1 files...",
		"  "+ext,
		"OK",
		`Detected MTA schema version: "3"`,
		`Creating application "hello-backend-green" from MTA module "hello-backend"...`,
		"Process finished.",
		`Use "cf dmol -i 42" to download the logs of the process.`,
	)
	start := eng.Starts[0]
	if start.GetProcessType() != pb.ProcessType_PROCESS_TYPE_BLUE_GREEN_DEPLOY || start.GetArchiveId() != "file-hello.mtar" ||
		!start.GetOptions().GetNoConfirm() || start.GetTarget().GetSpaceGuid() != "space-guid" || start.GetAbortConflicting() {
		t.Fatalf("start request %v", start)
	}
	if len(eng.Uploads) != 2 || eng.Uploads[0].GetKind() != pb.FileKind_FILE_KIND_ARCHIVE || len(eng.Uploads[0].GetSha256()) != 64 ||
		eng.Uploads[1].GetKind() != pb.FileKind_FILE_KIND_EXTENSION_DESCRIPTOR || start.GetExtensionDescriptorIds()[0] != "file-prod.mtaext" {
		t.Fatalf("uploads %v", eng.Uploads)
	}
	if !eng.Closed {
		t.Fatal("engine connection not closed")
	}
}

func TestBgDeploySkipsKnownArchive(t *testing.T) {
	path := mtar(t)
	_, digest, _ := digestFile(path)
	eng := &tf.Engine{StartOp: started(), Files: map[string]*pb.FileRef{digest: {Id: "known"}},
		Watches: []tf.WatchScript{{Events: []*pb.Event{tf.Stopped(1, tf.Op("42", pb.State_STATE_FINISHED))}}}}
	h := newHarness(t, eng)
	if code := h.run("bg-deploy", path); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(h.out.String(), "\nPreviously uploaded file hello.mtar with same digest detected, new upload will be skipped.\n") ||
		strings.Contains(h.out.String(), "Uploading") || eng.Starts[0].GetArchiveId() != "known" {
		t.Fatalf("output:\n%s", h.out)
	}
}

func TestBgDeployActionRequiredExitsZero(t *testing.T) {
	eng := &tf.Engine{StartOp: started(), Watches: []tf.WatchScript{{Events: []*pb.Event{
		tf.Progress("42", 1, `Application "hello-backend-green" started`),
		tf.Stopped(2, tf.Op("42", pb.State_STATE_ACTION_REQUIRED)),
	}}}}
	h := newHarness(t, eng)
	if code := h.run("bg-deploy", mtar(t)); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasSuffix(h.out.String(), "Process needs additional user input\n"+
		`Use "cf bg-deploy -i 42 -a resume" to resume the process`+"\n"+
		`Use "cf bg-deploy -i 42 -a abort" to abort the process`+"\n") {
		t.Fatalf("output:\n%s", h.out)
	}
}

func TestBgDeployAutomaticRetryThenFailure(t *testing.T) {
	infra := tf.Op("42", pb.State_STATE_ERROR)
	infra.ErrorType = pb.ErrorType_ERROR_TYPE_INFRASTRUCTURE
	infra.ErrorMessage = "Error staging application: 502 Bad Gateway"
	content := tf.Op("42", pb.State_STATE_ERROR)
	content.ErrorType = pb.ErrorType_ERROR_TYPE_CONTENT
	content.ErrorMessage = "Service plan small not found"
	eng := &tf.Engine{StartOp: started(), Watches: []tf.WatchScript{
		{Events: []*pb.Event{tf.Progress("42", 1, "Staging..."), tf.Progress("42", 2, infra.ErrorMessage), tf.Stopped(3, infra)}},
		{Events: []*pb.Event{tf.Progress("42", 2, "replayed: must not show"), tf.Progress("42", 4, "Staging again..."), tf.Stopped(5, content)}},
	}}
	h := newHarness(t, eng)
	if code := h.run("bg-deploy", mtar(t), "--retries", "2"); code != 1 {
		t.Fatalf("exit %d", code)
	}
	out := h.out.String()
	want := strings.Join([]string{
		"Staging...",
		infra.ErrorMessage,
		"Proceeding with automatic retry... (2 of 2 attempts left)",
		"Staging again...",
		"Service plan small not found",
		"Process failed.",
		`Use "cf bg-deploy -i 42 -a abort" to abort the process`,
		`Use "cf bg-deploy -i 42 -a retry" to retry the process`,
		`Use "cf dmol -i 42" to download the logs of the process.`,
	}, "\n") + "\n"
	if !strings.HasSuffix(out, want) {
		t.Fatalf("output:\n%s\nwant suffix:\n%s", out, want)
	}
	if len(eng.Acts) != 1 || eng.Acts[0].GetAction() != pb.Action_ACTION_RETRY || eng.WatchStarts[1].GetAfterSeq() != 3 {
		t.Fatalf("acts %v watches %v", eng.Acts, eng.WatchStarts)
	}
}

func TestBgDeployNoRetryWhenRetriesZero(t *testing.T) {
	failed := tf.Op("42", pb.State_STATE_ERROR)
	failed.ErrorType = pb.ErrorType_ERROR_TYPE_INFRASTRUCTURE
	eng := &tf.Engine{StartOp: started(), Watches: []tf.WatchScript{{Events: []*pb.Event{tf.Stopped(1, failed)}}}}
	h := newHarness(t, eng)
	if code := h.run("bg-deploy", mtar(t), "--retries", "0"); code != 1 || len(eng.Acts) != 0 {
		t.Fatalf("exit %d acts %v", code, eng.Acts)
	}
}

func TestBgDeployAborted(t *testing.T) {
	eng := &tf.Engine{StartOp: started(), Watches: []tf.WatchScript{{Events: []*pb.Event{tf.Stopped(1, tf.Op("42", pb.State_STATE_ABORTED))}}}}
	h := newHarness(t, eng)
	if code := h.run("bg-deploy", mtar(t)); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasSuffix(h.out.String(), "Process was aborted.\n"+`Use "cf dmol -i 42" to download the logs of the process.`+"\n") {
		t.Fatalf("output:\n%s", h.out)
	}
}

func TestBgDeployConflict(t *testing.T) {
	conflict := &engine.Error{Code: codes.FailedPrecondition, Message: `There is an ongoing operation for multi-target app "hello"`, ConflictingOperationID: "7"}
	eng := &tf.Engine{StartOp: started(), StartErrs: []error{conflict}}
	h := newHarness(t, eng)
	if code := h.run("bg-deploy", mtar(t)); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasSuffix(h.out.String(), "FAILED\n"+conflict.Message+"\n"+
		`Use "cf bg-deploy -i 7 -a abort" to abort the conflicting operation, or run the command again with -f to abort it first.`+"\n") {
		t.Fatalf("output:\n%s", h.out)
	}
}

func TestBgDeployForceAbortsConflicting(t *testing.T) {
	eng := &tf.Engine{StartOp: started(), Watches: []tf.WatchScript{{Events: []*pb.Event{tf.Stopped(1, tf.Op("42", pb.State_STATE_FINISHED))}}}}
	h := newHarness(t, eng)
	if code := h.run("bg-deploy", mtar(t), "-f"); code != 0 || !eng.Starts[0].GetAbortConflicting() {
		t.Fatalf("exit %d, start %v", code, eng.Starts)
	}
}

func TestTargetErrors(t *testing.T) {
	for _, tt := range []struct {
		name   string
		noOrg  bool
		noSpc  bool
		logged bool
		want   string
	}{
		{"not logged in", false, false, false, `Not logged in. Use "cf login" to log in.`},
		{"no org", true, true, true, `No org and space targeted, use "cf target -o ORG -s SPACE" to target an org and a space`},
		{"no space", false, true, true, `No space targeted, use "cf target -s SPACE" to target a space`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, &tf.Engine{})
			h.conn.IsLoggedInReturns(tt.logged, nil)
			if tt.noOrg {
				h.conn.GetCurrentOrgReturns(pbOrg(""), nil)
			}
			if tt.noSpc {
				h.conn.GetCurrentSpaceReturns(pbSpace(""), nil)
			}
			if code := h.run("bg-deploy", mtar(t)); code != 1 {
				t.Fatalf("exit %d", code)
			}
			expectOutput(t, h.out.String(), "FAILED", tt.want)
			if len(h.eps) != 0 {
				t.Fatal("engine contacted without a target")
			}
		})
	}
}

func TestUsageErrorExitTwo(t *testing.T) {
	h := newHarness(t, &tf.Engine{})
	if code := h.run("bg-deploy", "a.mtar", "--bogus"); code != 2 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(h.out.String(), "FAILED\nIncorrect usage. Unknown or wrong flags: --bogus\n\nNAME:\n   bg-deploy - ") ||
		!strings.Contains(h.out.String(), "USAGE:\n   cf bg-deploy MTA ") {
		t.Fatalf("output:\n%s", h.out)
	}
}

func TestBgDeployJSON(t *testing.T) {
	eng := &tf.Engine{StartOp: started(), Watches: []tf.WatchScript{{Events: []*pb.Event{
		tf.Progress("42", 1, "Creating application"),
		tf.Stopped(2, tf.Op("42", pb.State_STATE_ACTION_REQUIRED)),
	}}}}
	h := newHarness(t, eng)
	if code := h.run("bg-deploy", mtar(t), "--json"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(h.out.String()), "\n")
	var events []map[string]any
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		events = append(events, m)
	}
	kinds := []string{}
	for _, e := range events {
		kinds = append(kinds, e["event"].(string))
	}
	if strings.Join(kinds, ",") != "upload,operation,progress,state,summary" {
		t.Fatalf("events %v", kinds)
	}
	p := events[2]
	if p["operation_id"] != "42" || p["message"] != "Creating application" || p["level"] != "info" || p["timestamp"] != "2026-01-02T03:04:06Z" {
		t.Fatalf("progress %v", p)
	}
	s := events[4]
	if s["outcome"] != "action_required" || s["exit_code"] != 0.0 || s["state"] != "ACTION_REQUIRED" || s["operation_id"] != "42" {
		t.Fatalf("summary %v", s)
	}
}

func TestJSONUsageError(t *testing.T) {
	h := newHarness(t, &tf.Engine{})
	if code := h.run("bg-deploy", "--json", "-t", "x"); code != 2 {
		t.Fatalf("exit %d", code)
	}
	var s map[string]any
	if err := json.Unmarshal(h.out.Bytes(), &s); err != nil {
		t.Fatalf("stdout %q", h.out)
	}
	if s["outcome"] != "usage_error" || s["exit_code"] != 2.0 {
		t.Fatalf("summary %v", s)
	}
	if !strings.Contains(h.errOut.String(), "Incorrect usage. Invalid value for t: x.") {
		t.Fatalf("stderr %q", h.errOut)
	}
}

func TestInterruptDetaches(t *testing.T) {
	eng := &tf.Engine{StartOp: started(), Watches: []tf.WatchScript{{Events: []*pb.Event{tf.Progress("42", 1, "Uploading...")}, Block: true}}}
	h := newHarness(t, eng)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	code := Main(ctx, h.env, []string{"bg-deploy", mtar(t)})
	if code != 130 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasSuffix(h.out.String(), "Uploading...\n\n"+`Use "cf bg-deploy -i 42 -a monitor" to monitor the process`+"\n"+
		`Use "cf bg-deploy -i 42 -a abort" to abort the process`+"\n") {
		t.Fatalf("output:\n%s", h.out)
	}
	if len(eng.Acts) != 0 {
		t.Fatal("interrupt must not act on the operation")
	}
}

func TestDeployBlueGreenStrategyHints(t *testing.T) {
	eng := &tf.Engine{StartOp: started(), Watches: []tf.WatchScript{{Events: []*pb.Event{tf.Stopped(1, tf.Op("42", pb.State_STATE_ACTION_REQUIRED))}}}}
	h := newHarness(t, eng)
	if code := h.run("deploy", mtar(t), "--strategy", "blue-green"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(h.out.String(), `Use "cf deploy -i 42 -a resume" to resume the process`) || !eng.Starts[0].GetOptions().GetKeepOriginalAppNames() {
		t.Fatalf("output:\n%s", h.out)
	}
}

func TestEngineUnreachable(t *testing.T) {
	h := newHarness(t, &tf.Engine{})
	h.env.NewEngine = func(context.Context, engine.Endpoint, engine.TokenSource) (engine.Client, error) {
		return nil, &engine.UnreachableError{Address: "unix:///x/engine.sock", LogPath: "/x/engine.log"}
	}
	if code := h.run("mtas"); code != 1 {
		t.Fatalf("exit %d", code)
	}
	expectOutput(t, h.out.String(), "Getting multi-target apps in org org / space space as admin...", "FAILED",
		"Could not reach the deploy engine at unix:///x/engine.sock. See the engine log at /x/engine.log")
}

func TestRemoteEngineFromFlag(t *testing.T) {
	h := newHarness(t, &tf.Engine{})
	h.run("mtas", "-u", "deploy.example.com")
	if len(h.eps) != 1 || h.eps[0].Remote != "deploy.example.com:443" {
		t.Fatalf("endpoints %+v", h.eps)
	}
}
