package cmd

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	tf "bgdeploy.local/plugin-shim/internal/testfakes"
)

func rolledBack() *tf.Engine {
	return &tf.Engine{StartOp: tf.Op("43", pb.State_STATE_RUNNING), Watches: []tf.WatchScript{{Events: []*pb.Event{
		tf.Progress("43", 1, `Rolling back multi-target app "hello" from version 2.0.0 to version 1.0.0...`),
		tf.Stopped(2, tf.Op("43", pb.State_STATE_FINISHED)),
	}}}}
}

func TestRollbackAsksFirstAsTheOfficialPluginDoes(t *testing.T) {
	eng := rolledBack()
	h := newHarness(t, eng)
	h.env.Stdin = strings.NewReader("n\n")
	if code := h.run("rollback-mta", "hello"); code != 1 || len(eng.Starts) != 0 {
		t.Fatalf("exit %d, starts %v", code, eng.Starts)
	}
	expectOutput(t, h.out.String(), "Really rollback multi-target app hello in org org / space space? (y/n)> Rollback cancelled")

	h = newHarness(t, eng)
	h.env.Stdin = strings.NewReader("y\n")
	if code := h.run("rollback-mta", "hello", "--namespace", "dev"); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
	expectOutput(t, h.out.String(),
		"Really rollback multi-target app hello in org org / space space? (y/n)> Rolling back multi-target app hello in org org / space space as admin...",
		`Rolling back multi-target app "hello" from version 2.0.0 to version 1.0.0...`,
		"Process finished.",
		`Use "cf dmol -i 43" to download the logs of the process.`)
	start := eng.Starts[0]
	if start.GetProcessType() != pb.ProcessType_PROCESS_TYPE_ROLLBACK_MTA || start.GetMtaId() != "hello" ||
		start.GetOptions().GetNamespace() != "dev" || start.GetAbortConflicting() || start.GetArchiveId() != "" {
		t.Fatalf("start %v", start)
	}
}

func TestRollbackWithoutAQuestion(t *testing.T) {
	for _, flag := range []string{"-f", "--no-confirm"} {
		eng := rolledBack()
		h := newHarness(t, eng)
		if code := h.run("rollback-mta", "hello", flag); code != 0 || strings.Contains(h.out.String(), "Really") {
			t.Fatalf("%s: exit %d\n%s", flag, code, h.out)
		}
		if got := eng.Starts[0].GetAbortConflicting(); got != (flag == "-f") {
			t.Fatalf("%s aborts a conflicting operation: %v", flag, got)
		}
	}
}

func TestRollbackFailedHintsNameRollbackMta(t *testing.T) {
	eng := &tf.Engine{StartOp: tf.Op("43", pb.State_STATE_RUNNING), Watches: []tf.WatchScript{{Events: []*pb.Event{
		tf.Stopped(1, &pb.Operation{Id: "43", State: pb.State_STATE_ERROR, ErrorType: pb.ErrorType_ERROR_TYPE_CONTENT,
			ErrorMessage: "Error starting the applications kept for rollback: gone"})}}}}
	h := newHarness(t, eng)
	if code := h.run("rollback-mta", "hello", "-f"); code != 1 || !strings.Contains(h.out.String(), `Use "cf rollback-mta -i 43 -a retry" to retry the process`) {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
	h = newHarness(t, &tf.Engine{Ops: map[string]*pb.Operation{"43": tf.Op("43", pb.State_STATE_ERROR)}})
	if code := h.run("rollback-mta", "-i", "43", "-a", "abort"); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
}

func TestRollbackUsageErrors(t *testing.T) {
	for args, want := range map[string]string{
		"":               `Missing positional argument "MTA_ID"`,
		"a b":            "Wrong arguments",
		"a -i 4 -a stop": "Invalid action stop",
		"-i 4 -a resume": "Invalid action resume",
		"a --strategy x": "Unknown or wrong flags: --strategy",
	} {
		_, err := rollbackCommand.parse(strings.Fields(args))
		if err == nil || err.Error() != want {
			t.Errorf("%q: %v, want %s", args, err, want)
		}
	}
}

func TestMtaShowsTheRollbackTarget(t *testing.T) {
	until := time.Date(2026, 1, 3, 3, 4, 5, 0, time.UTC)
	backup := &pb.MtaBackup{Version: "1.0.0", Apps: []string{"hello-backend-blue"}, ReplacedBy: "42", KeptUntil: timestamppb.New(until)}
	h := newHarness(t, &tf.Engine{Mtas: []*pb.Mta{{Id: "hello", Version: "2.0.0", Backup: backup}}})
	h.run("mta", "hello")
	if !strings.Contains(h.out.String(), "\nVersion: 2.0.0\nRollback target: version 1.0.0, kept until 2026-01-03T03:04:05Z by operation 42 (hello-backend-blue)\n") {
		t.Fatalf("output\n%s", h.out)
	}
	backup.Expired = true
	h = newHarness(t, &tf.Engine{Mtas: []*pb.Mta{{Id: "hello", Version: "2.0.0", Backup: backup}}})
	h.run("mta", "hello")
	if !strings.Contains(h.out.String(), "\nRollback target: none (version 1.0.0 expired at 2026-01-03T03:04:05Z; the next deploy removes it)\n") {
		t.Fatalf("output\n%s", h.out)
	}
}
