package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	"bgdeploy.local/plugin-shim/internal/engine"
	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	tf "bgdeploy.local/plugin-shim/internal/testfakes"
)

func smokeRequest(attempt int32, timeoutS int32) *pb.Event {
	return &pb.Event{OperationId: "42", Kind: &pb.Event_SmokeTestRequest{SmokeTestRequest: &pb.SmokeTestRequest{
		Attempt: attempt, TimeoutS: timeoutS, Commands: 2, MtaId: "hello", MtaVersion: "2.0.0",
		IdleUrls: map[string]string{"web": "https://web-idle.example.com", "hello-backend": "https://backend-idle.example.com"},
		LiveUrls: map[string]string{"web": "https://web.example.com"},
	}}}
}

func skipOnWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the commands below are sh")
	}
}

func TestSmokeTestsRunHereWithTheURLsAndTheirReportAnswersTheEngine(t *testing.T) {
	skipOnWindows(t)
	eng := &tf.Engine{StartOp: started(), Watches: []tf.WatchScript{{Events: []*pb.Event{
		tf.Progress("42", 1, "Waiting for the cf CLI to run 2 smoke-test commands against the new version..."),
		smokeRequest(1, 60),
		tf.Stopped(2, tf.Op("42", pb.State_STATE_ACTION_REQUIRED)),
	}}}}
	h := newHarness(t, eng)
	dir := t.TempDir()
	t.Chdir(dir)
	code := h.run("bg-deploy", mtar(t), "--smoke-test", `echo "$BG_IDLE_URL_WEB, $BG_IDLE_URL_HELLO_BACKEND"; echo oops >&2`,
		"--smoke-test", `echo "$BG_OPERATION_ID $BG_MTA_ID $BG_MTA_VERSION $BG_LIVE_URL_WEB"; echo "$BG_IDLE_URLS"; pwd`)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
	out := h.out.String()
	for _, want := range []string{
		`Running smoke test "echo "$BG_IDLE_URL_WEB, $BG_IDLE_URL_HELLO_BACKEND"; echo oops >&2" (1 of 2)...` + "\n" +
			"    https://web-idle.example.com, https://backend-idle.example.com\n    oops\n",
		"    42 hello 2.0.0 https://web.example.com\n",
		`    {"hello-backend":"https://backend-idle.example.com","web":"https://web-idle.example.com"}` + "\n",
		"    " + dir + "\n",
		"Process needs additional user input\n",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("missing %q in\n%s", want, out)
		}
	}
	if eng.Starts[0].GetOptions().GetSmokeTests() != 2 {
		t.Fatalf("the engine waits for the number of commands: %v", eng.Starts[0].GetOptions())
	}
	if len(eng.SmokeReports) != 1 {
		t.Fatalf("reports %v", eng.SmokeReports)
	}
	r := eng.SmokeReports[0]
	if r.GetOperationId() != "42" || r.GetAttempt() != 1 || len(r.GetOutcomes()) != 2 || !r.GetOutcomes()[0].GetPassed() ||
		!r.GetOutcomes()[1].GetPassed() || r.GetTarget().GetSpaceGuid() != "space-guid" {
		t.Fatalf("report %v", r)
	}
}

func TestTheFirstFailingSmokeTestEndsTheRun(t *testing.T) {
	skipOnWindows(t)
	eng := &tf.Engine{StartOp: started(), Watches: []tf.WatchScript{{Events: []*pb.Event{
		smokeRequest(1, 60), tf.Stopped(2, tf.Op("42", pb.State_STATE_ERROR))}}}}
	h := newHarness(t, eng)
	h.run("bg-deploy", mtar(t), "--smoke-test", "exit 3", "--smoke-test", "echo never")
	if out := h.out.String(); !strings.Contains(out, `Smoke test "exit 3" failed with exit code 3 after`) || strings.Contains(out, "never") {
		t.Fatalf("output\n%s", out)
	}
	o := eng.SmokeReports[0].GetOutcomes()
	if len(o) != 1 || o[0].GetPassed() || o[0].GetExitCode() != 3 || o[0].GetCommand() != "exit 3" {
		t.Fatalf("outcomes %v", o)
	}
}

func TestASmokeTestOverItsTimeIsStoppedWithWhatItStarted(t *testing.T) {
	skipOnWindows(t)
	eng := &tf.Engine{StartOp: started(), Watches: []tf.WatchScript{{Events: []*pb.Event{
		smokeRequest(1, 1), tf.Stopped(2, tf.Op("42", pb.State_STATE_ERROR))}}}}
	h := newHarness(t, eng)
	start := time.Now()
	h.run("bg-deploy", mtar(t), "--smoke-test", "sleep 30 & sleep 30; echo never")
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("took %v: the command group was not killed", took)
	}
	o := eng.SmokeReports[0].GetOutcomes()[0]
	if !o.GetTimedOut() || o.GetPassed() || !strings.Contains(h.out.String(), `did not finish within 1 s and was stopped`) {
		t.Fatalf("outcome %v\n%s", o, h.out)
	}
}

func TestARetryInAnotherShellRunsTheSavedCommandsWhereTheDeployStarted(t *testing.T) {
	skipOnWindows(t)
	deployDir := t.TempDir()
	t.Chdir(deployDir)
	first := &tf.Engine{StartOp: started(), Watches: []tf.WatchScript{{Events: []*pb.Event{
		smokeRequest(1, 60), tf.Stopped(2, tf.Op("42", pb.State_STATE_ERROR))}}}}
	h := newHarness(t, first)
	h.run("bg-deploy", mtar(t), "--smoke-test", "test -f fixed && pwd", "--retries", "0")
	if o := first.SmokeReports[0].GetOutcomes()[0]; o.GetPassed() || o.GetExitCode() != 1 {
		t.Fatalf("outcome %v", o)
	}
	saved, err := os.ReadFile(filepath.Join(os.Getenv("CF_HOME"), ".cf", "bg-deploy", "smoke-tests", "42.json"))
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(filepath.Join(os.Getenv("CF_HOME"), ".cf", "bg-deploy", "smoke-tests", "42.json")); info.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", info.Mode())
	}
	var st smokeTests
	if json.Unmarshal(saved, &st) != nil || !slices.Equal(st.Commands, []string{"test -f fixed && pwd"}) || st.Dir != deployDir {
		t.Fatalf("saved %s", saved)
	}

	os.WriteFile(filepath.Join(deployDir, "fixed"), nil, 0o644)
	home := os.Getenv("CF_HOME")
	t.Chdir(t.TempDir()) // another shell, elsewhere
	retry := &tf.Engine{Ops: map[string]*pb.Operation{"42": tf.Op("42", pb.State_STATE_ERROR)},
		Watches: []tf.WatchScript{{Events: []*pb.Event{smokeRequest(2, 60), tf.Stopped(3, tf.Op("42", pb.State_STATE_FINISHED))}}}}
	h = newHarness(t, retry)
	t.Setenv("CF_HOME", home)
	if code := h.run("bg-deploy", "-i", "42", "-a", "retry"); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
	if o := retry.SmokeReports[0]; o.GetAttempt() != 2 || !o.GetOutcomes()[0].GetPassed() ||
		!strings.Contains(h.out.String(), "    "+deployDir+"\n") {
		t.Fatalf("report %v\n%s", o, h.out)
	}
	if _, err := os.Stat(filepath.Join(home, ".cf", "bg-deploy", "smoke-tests", "42.json")); !os.IsNotExist(err) {
		t.Fatalf("the commands of a finished operation are forgotten: %v", err)
	}
}

func TestSmokeTestsUnknownHereAreReportedAsSuch(t *testing.T) {
	eng := &tf.Engine{Ops: map[string]*pb.Operation{"42": tf.Op("42", pb.State_STATE_RUNNING)},
		Watches: []tf.WatchScript{{Events: []*pb.Event{smokeRequest(1, 60), tf.Stopped(2, tf.Op("42", pb.State_STATE_ERROR))}}}}
	h := newHarness(t, eng)
	h.run("bg-deploy", "-i", "42", "-a", "monitor")
	o := eng.SmokeReports[0].GetOutcomes()
	if len(o) != 1 || o[0].GetPassed() || !strings.Contains(o[0].GetError(), "are not known to this cf CLI") ||
		!strings.Contains(h.out.String(), `run "cf bg-deploy -i 42 -a retry" where the deploy was started`) {
		t.Fatalf("outcomes %v\n%s", o, h.out)
	}
}

func TestAFailedReportIsAWarningNotAnExit(t *testing.T) {
	skipOnWindows(t)
	eng := &tf.Engine{StartOp: started(), SmokeErr: &engine.Error{Code: codes.FailedPrecondition, Message: "not waiting"},
		Watches: []tf.WatchScript{{Events: []*pb.Event{smokeRequest(1, 60), tf.Stopped(2, tf.Op("42", pb.State_STATE_ACTION_REQUIRED))}}}}
	h := newHarness(t, eng)
	if code := h.run("bg-deploy", mtar(t), "--smoke-test", "true"); code != 0 ||
		!strings.Contains(h.out.String(), "Could not report the smoke tests to the deploy engine: not waiting") {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
}

func TestSmokeTestsInJSONMode(t *testing.T) {
	skipOnWindows(t)
	eng := &tf.Engine{StartOp: started(), Watches: []tf.WatchScript{{Events: []*pb.Event{
		smokeRequest(1, 60), tf.Stopped(2, tf.Op("42", pb.State_STATE_ACTION_REQUIRED))}}}}
	h := newHarness(t, eng)
	h.run("bg-deploy", mtar(t), "--json", "--smoke-test", "echo hi")
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(h.out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		if m["event"] == "smoke-test" {
			lines = append(lines, m)
		}
	}
	if len(lines) != 2 || lines[0]["message"] != "hi" || lines[0]["command"] != "echo hi" || lines[1]["state"] != "passed" {
		t.Fatalf("smoke-test records %v", lines)
	}
}

func TestSmokeTestFlags(t *testing.T) {
	c, err := bgDeployCommand.parse([]string{"a.mtar", "--smoke-test", "curl -f a,b", "--smoke-test", "./b.sh",
		"--smoke-test-timeout", "2m", "--backup-previous-version", "--backup-ttl", "7d"})
	if err != nil {
		t.Fatal(err)
	}
	o := c.options
	if !slices.Equal(c.smokeTests, []string{"curl -f a,b", "./b.sh"}) || o.GetSmokeTests() != 2 || o.GetSmokeTestTimeoutS() != 120 ||
		!o.GetBackupPreviousVersion() || o.GetBackupTtlS() != 7*24*3600 {
		t.Fatalf("%v %v", c.smokeTests, o)
	}
	for _, args := range [][]string{
		{"a.mtar", "--smoke-test-timeout", "1.5s"}, {"a.mtar", "--smoke-test-timeout", "0"},
		{"a.mtar", "--backup-ttl", "30s"}, {"a.mtar", "--backup-ttl", "soon"}, {"a.mtar", "--smoke-test", " "},
	} {
		if _, err := bgDeployCommand.parse(args); err == nil {
			t.Errorf("%v: no usage error", args)
		}
	}
	if _, err := deployCommand.parse([]string{"a.mtar", "--smoke-test", "true"}); err == nil ||
		err.Error() != "--smoke-test needs --strategy blue-green or incremental-blue-green" {
		t.Fatalf("plain deploy: %v", err)
	}
	c, _ = deployCommand.parse([]string{"a.mtar", "--backup-previous-version"})
	if c.options.GetBackupPreviousVersion() {
		t.Fatal("a plain deploy keeps nothing")
	}
}
