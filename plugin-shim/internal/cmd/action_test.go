package cmd

import (
	"strings"
	"testing"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	tf "bgdeploy.local/plugin-shim/internal/testfakes"
)

func TestResumePrintsOnlyNewProgress(t *testing.T) {
	paused := tf.Op("42", pb.State_STATE_ACTION_REQUIRED)
	paused.LastSeq = 2 // the operation names its latest event; only later ones are new
	history := []*pb.Event{tf.Progress("42", 1, "old line"), tf.Stopped(2, paused)}
	eng := &tf.Engine{
		Ops: map[string]*pb.Operation{"42": paused},
		Watches: []tf.WatchScript{
			{Events: append(history, tf.Progress("42", 3, `Deleting application "hello-blue"...`), tf.Stopped(4, tf.Op("42", pb.State_STATE_FINISHED)))},
		},
	}
	h := newHarness(t, eng)
	if code := h.run("bg-deploy", "-i", "42", "-a", "resume"); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
	expectOutput(t, h.out.String(),
		`Executing action "resume" on operation 42...`,
		"OK",
		`Deleting application "hello-blue"...`,
		"Process finished.",
		`Use "cf dmol -i 42" to download the logs of the process.`)
	if eng.Acts[0].GetAction() != pb.Action_ACTION_RESUME || eng.WatchStarts[0].GetAfterSeq() != 2 {
		t.Fatalf("acts %v watches %v", eng.Acts, eng.WatchStarts)
	}
}

func TestAbortDoesNotWatch(t *testing.T) {
	eng := &tf.Engine{Ops: map[string]*pb.Operation{"42": tf.Op("42", pb.State_STATE_RUNNING)}}
	h := newHarness(t, eng)
	if code := h.run("undeploy", "-i", "42", "-a", "abort"); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
	expectOutput(t, h.out.String(), `Executing action "abort" on operation 42...`, "OK")
	if len(eng.WatchStarts) != 0 || eng.Acts[0].GetAction() != pb.Action_ACTION_ABORT {
		t.Fatal("abort must not watch")
	}
}

func TestMonitorSkipsOldProgress(t *testing.T) {
	old := tf.Progress("42", 1, "before monitor")
	fresh := tf.Progress("42", 2, "after monitor")
	running := tf.Op("42", pb.State_STATE_RUNNING)
	running.LastSeq = 1 // "before monitor" was shown to whoever started the operation
	eng := &tf.Engine{
		Ops:     map[string]*pb.Operation{"42": running},
		Watches: []tf.WatchScript{{Events: []*pb.Event{old, fresh, tf.Stopped(3, tf.Op("42", pb.State_STATE_ACTION_REQUIRED))}}},
	}
	h := newHarness(t, eng)
	if code := h.run("bg-deploy", "-i", "42", "-a", "monitor"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	out := h.out.String()
	if strings.Contains(out, "before monitor") || !strings.Contains(out, "after monitor\nProcess needs additional user input\n") || len(eng.Acts) != 0 {
		t.Fatalf("output:\n%s", out)
	}
}

func TestActionUnknownOperation(t *testing.T) {
	h := newHarness(t, &tf.Engine{})
	if code := h.run("bg-deploy", "-i", "9", "-a", "retry"); code != 1 {
		t.Fatalf("exit %d", code)
	}
	expectOutput(t, h.out.String(), "FAILED", "Multi-target app operation with ID 9 not found")
}
