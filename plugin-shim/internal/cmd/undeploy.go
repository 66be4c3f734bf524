package cmd

import (
	"context"
	"fmt"

	"bgdeploy.local/plugin-shim/internal/engine"
	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/ui"
)

var undeployCommand = command{
	name:     cmdUndeploy,
	helpText: "Undeploy a multi-target app",
	usage: []usageForm{
		{line: "MTA_ID [-u] [-f] [--retries] [--namespace] [--delete-services] [--delete-service-keys] [--delete-service-brokers] [--no-restart-subscribed-apps] [--do-not-fail-on-missing-permissions] [--abort-on-error] [--json] [--yes]"},
		{caption: "Perform action on an active undeploy operation", line: "-i -a [-u] [--json]"},
	},
	checkTyped:  mtaIDOrAction,
	checkValues: func(c *cmdline) error { return checkNamespace(c.options.Namespace) },
	prepare:     prepareUndeploy,
	run:         runUndeploy,
}

// prepareUndeploy asks before anything is removed (unless -f).
func prepareUndeploy(s *session, c *cmdline) (int, bool) {
	if c.actionGiven() {
		return 0, false
	}
	s.summary.MtaID = c.mtaID
	if !c.force {
		if !s.confirm(fmt.Sprintf("Really undeploy multi-target app %s in org %s / space %s? (y/n)", c.mtaID, s.target.OrgName, s.target.SpaceName)) {
			s.ui.Warn("Undeploy cancelled")
			s.summary.Message = "Undeploy cancelled"
			return s.end(ui.OutcomeError, ui.ExitFailed), true
		}
	}
	s.ui.Say("Undeploying multi-target app %s in org %s / space %s as %s...", c.mtaID, s.target.OrgName, s.target.SpaceName, s.target.User)
	for _, w := range c.warnings {
		s.ui.Warn(w)
	}
	return 0, false
}

func runUndeploy(ctx context.Context, s *session, c *cmdline) int {
	if c.actionGiven() {
		return runAction(ctx, s, c.id, c.action, c.retries)
	}
	ns := c.options.GetNamespace()
	_, err := s.eng.GetMta(ctx, &pb.GetMtaRequest{Target: s.target.Proto(), MtaId: c.mtaID, Namespace: ns})
	if engine.IsNotFound(err) {
		if ns != "" {
			return s.fail(fmt.Errorf("Multi-target app %s with namespace %s not found", c.mtaID, ns))
		}
		return s.fail(fmt.Errorf("Multi-target app %s not found", c.mtaID))
	}
	if err != nil {
		return s.fail(err)
	}
	op, code, ok := s.start(ctx, &pb.StartOperationRequest{
		Target:           s.target.Proto(),
		ProcessType:      pb.ProcessType_PROCESS_TYPE_UNDEPLOY,
		MtaId:            c.mtaID,
		Options:          c.options,
		AbortConflicting: c.force,
	})
	if !ok {
		return code
	}
	return s.newFollower(c.retries).follow(ctx, op, 0)
}
