package cmd

import (
	"context"
	"fmt"

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
func runAction(ctx context.Context, s *session, id, action string, retries int) int {
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
	// Only what happens from now on is shown: the engine replays events after a sequence number,
	// and the operation carries the number of its latest event.
	after := op.GetLastSeq()
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
		forgetSmokeTests(id)
		s.summary.State = stateName(op.GetState())
		return s.end(ui.OutcomeOK, ui.ExitOK)
	}
	return f.follow(ctx, op, after)
}
