package cmd

import (
	"context"
	"fmt"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/ui"
)

// follower prints an operation's progress until it stops and turns the final state into the
// follow-up hints and the exit code. It retries ERROR states that are not content errors.
type follower struct {
	s          *session
	retries    int // automatic retries left (--retries)
	maxRetries int // for "(N of M attempts left)"
	shown      map[string]bool
	tests      *smokeTests // --smoke-test commands of this command line (nil: look them up)
}

func (s *session) newFollower(retries int) *follower {
	return &follower{s: s, retries: retries, maxRetries: retries, shown: map[string]bool{}}
}

// follow watches op from after the sequence number after and returns the exit code.
func (f *follower) follow(ctx context.Context, op *pb.Operation, after int64) int {
	s := f.s
	id := op.GetId()
	s.summary.OperationID = id
	for {
		stopped, err := s.eng.Watch(ctx, &pb.WatchStart{Target: s.target.Proto(), OperationId: id, AfterSeq: after},
			func(ev *pb.Event) {
				if ev.GetSeq() > after {
					after = ev.GetSeq()
				}
				if p := ev.GetProgress(); p != nil {
					f.progress(ev, p)
				}
				if r := ev.GetSmokeTestRequest(); r != nil {
					f.runSmokeTests(ctx, id, r)
				}
			})
		if err != nil {
			if isInterrupt(err) {
				return f.detached(id)
			}
			return s.fail(fmt.Errorf("Could not get ongoing operation: %w", err))
		}
		if code, done := f.stopped(ctx, stopped); done {
			return code
		}
	}
}

func (f *follower) progress(ev *pb.Event, p *pb.Progress) {
	f.shown[p.GetText()] = true
	f.s.ui.Say("%s", p.GetText())
	f.s.ui.Emit(ui.EventRecord{
		Event: "progress", OperationID: ev.GetOperationId(), Seq: ev.GetSeq(), Timestamp: protoTime(ev.GetTime()),
		Level: levelName(p.GetLevel()), Phase: p.GetPhase(), App: p.GetApp(), Route: p.GetRoute(),
		Module: p.GetModule(), Message: p.GetText(),
	})
}

// stopped handles a Stopped event; done=false means an automatic retry was started.
func (f *follower) stopped(ctx context.Context, op *pb.Operation) (int, bool) {
	s, id, cmd := f.s, op.GetId(), f.s.name
	s.summary.State = stateName(op.GetState())
	s.summary.MtaID = op.GetMtaId()
	s.summary.ErrorType = errorTypeName(op.GetErrorType())
	s.ui.Emit(ui.EventRecord{Event: "state", OperationID: id, State: stateName(op.GetState()), Timestamp: timestamp(s.ui.Now()),
		Phase: op.GetPhase(), Message: op.GetErrorMessage()})
	if st := op.GetState(); st == pb.State_STATE_FINISHED || st == pb.State_STATE_ABORTED {
		forgetSmokeTests(id)
	}
	switch op.GetState() {
	case pb.State_STATE_FINISHED:
		s.ui.Say("Process finished.")
		s.ui.Say(dmolHint(id))
		s.summary.Next = map[string]string{"logs": "cf dmol -i " + id}
		return s.end(ui.OutcomeFinished, ui.ExitOK), true

	case pb.State_STATE_ACTION_REQUIRED:
		// The product's fixed text; exit 0 like the official plugin (CI scripts rely on it).
		s.ui.Say("Process needs additional user input")
		s.ui.Say(hint(cmd, id, "resume"))
		s.ui.Say(hint(cmd, id, "abort"))
		s.summary.Next = map[string]string{"resume": actionCmd(cmd, id, "resume"), "abort": actionCmd(cmd, id, "abort")}
		return s.end(ui.OutcomeActionRequired, ui.ExitOK), true

	case pb.State_STATE_ERROR:
		if op.GetErrorMessage() != "" && !f.shown[op.GetErrorMessage()] {
			s.ui.Say("%s", op.GetErrorMessage())
		}
		if op.GetErrorType() != pb.ErrorType_ERROR_TYPE_CONTENT && f.retries > 0 {
			s.ui.Say("Proceeding with automatic retry... (%d of %d attempts left)", f.retries, f.maxRetries)
			s.ui.Emit(ui.EventRecord{Event: "retry", OperationID: id, Timestamp: timestamp(s.ui.Now()),
				Message: fmt.Sprintf("%d of %d attempts left", f.retries, f.maxRetries)})
			f.retries--
			if _, err := s.eng.Act(ctx, &pb.ActRequest{Target: s.target.Proto(), OperationId: id, Action: pb.Action_ACTION_RETRY}); err != nil {
				if isInterrupt(err) {
					return f.detached(id), true
				}
				return s.fail(fmt.Errorf("Could not retry operation %s: %w", id, err)), true
			}
			return 0, false
		}
		s.ui.Say("Process failed.")
		s.ui.Say(hint(cmd, id, "abort"))
		s.ui.Say(hint(cmd, id, "retry"))
		s.ui.Say(dmolHint(id))
		s.summary.Message = op.GetErrorMessage()
		s.summary.Next = map[string]string{"abort": actionCmd(cmd, id, "abort"), "retry": actionCmd(cmd, id, "retry"), "logs": "cf dmol -i " + id}
		return s.end(ui.OutcomeFailed, ui.ExitFailed), true

	case pb.State_STATE_ABORTED:
		s.ui.Say("Process was aborted.")
		s.ui.Say(dmolHint(id))
		s.summary.Next = map[string]string{"logs": "cf dmol -i " + id}
		return s.end(ui.OutcomeAborted, ui.ExitFailed), true
	}
	return s.fail(fmt.Errorf("Process is in illegal state %s.", stateName(op.GetState()))), true
}

// detached: Ctrl-C stops following; the operation goes on in the engine.
func (f *follower) detached(id string) int {
	s := f.s
	s.ui.Say("")
	s.ui.Say(hint(s.name, id, "monitor"))
	s.ui.Say(hint(s.name, id, "abort"))
	s.summary.Message = "detached; the operation goes on"
	s.summary.Next = map[string]string{"monitor": actionCmd(s.name, id, "monitor"), "abort": actionCmd(s.name, id, "abort")}
	return s.end(ui.OutcomeInterrupted, ui.ExitInterrupted)
}

func actionCmd(cmd, id, action string) string {
	return "cf " + cmd + " -i " + id + " -a " + action
}
