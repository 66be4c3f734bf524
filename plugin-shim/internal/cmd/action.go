package cmd

import (
	"context"
	"fmt"
	"time"

	"bgdeploy.local/plugin-shim/internal/engine"
	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/ui"
)

var actions = map[string]pb.Action{
	"abort":  pb.Action_ACTION_ABORT,
	"retry":  pb.Action_ACTION_RETRY,
	"resume": pb.Action_ACTION_RESUME,
}

// runAction runs `-i ID -a ACTION`: abort, retry, resume or monitor an operation. Only progress
// that happens after the command started is printed.
func runAction(ctx context.Context, s *session, url, id, action string, retries int) int {
	if err := s.connect(ctx, url); err != nil {
		return s.fail(err)
	}
	s.summary.OperationID = id
	op, err := s.eng.GetOperation(ctx, &pb.GetOperationRequest{Target: s.target.Proto(), OperationId: id})
	if engine.IsNotFound(err) {
		return s.fail(fmt.Errorf("Multi-target app operation with ID %s not found", id))
	}
	if err != nil {
		return s.fail(err)
	}
	s.summary.MtaID = op.GetMtaId()
	f := s.newFollower(retries)
	after := int64(0)
	if action == "monitor" {
		// The engine replays from the start; what happened before now was shown before.
		f.cutoff = s.env.Now()
	} else if action != "abort" && op.GetState() != pb.State_STATE_RUNNING {
		// A stopped operation's stream replays its events and ends: its last sequence number is
		// where the new progress starts.
		if after, err = lastSeq(ctx, s, id); err != nil {
			f.cutoff = s.env.Now()
		}
	}
	s.ui.Say(`Executing action "%s" on operation %s...`, action, id)
	if action != "monitor" {
		acted, err := s.eng.Act(ctx, &pb.ActRequest{Target: s.target.Proto(), OperationId: id, Action: actions[action]})
		if err != nil {
			return s.fail(err)
		}
		op = acted
	}
	s.ui.OK()
	s.ui.Emit(ui.EventRecord{Event: "action", OperationID: id, Action: action, State: stateName(op.GetState()), Timestamp: timestamp(s.ui.Now())})
	if action == "abort" {
		s.summary.State = stateName(op.GetState())
		return s.end(ui.OutcomeOK, ui.ExitOK)
	}
	return f.follow(ctx, op, after)
}

// lastSeq reads a stopped operation's events without printing them.
func lastSeq(ctx context.Context, s *session, id string) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var last int64
	_, err := s.eng.Watch(ctx, &pb.WatchStart{Target: s.target.Proto(), OperationId: id}, func(ev *pb.Event) {
		if ev.GetSeq() > last {
			last = ev.GetSeq()
		}
	})
	return last, err
}
