package cmd

import (
	"context"
	"fmt"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/ui"
)

// rollback-mta goes back to the version a blue-green deploy with --backup-previous-version kept:
// the engine starts it, switches the productive routes back with resume's own switch and deletes
// the newer version. Services stay as they are (the engine says so in one line).
var rollbackCommand = command{
	name:     cmdRollback,
	helpText: "Roll back a multi-target app to the version kept by a blue-green deployment with --backup-previous-version",
	usage: []usageForm{
		{line: "MTA_ID [--namespace] [-f] [--no-confirm] [--retries] [--abort-on-error] [-t] [--apps-start-timeout] " +
			"[--apps-stage-timeout] [--apps-upload-timeout] [--apps-task-execution-timeout] [--delete-services] " +
			"[--do-not-fail-on-missing-permissions] [--process-user-provided-services] [-u] [--json] [--yes]"},
		{caption: "Perform action on an active rollback operation", line: "-i -a [-u] [--json]"},
	},
	checkTyped:  mtaIDOrAction,
	checkValues: func(c *cmdline) error { return checkNamespace(c.options.Namespace) },
	prepare:     prepareRollback,
	run:         runRollback,
}

// prepareRollback asks first, as the official plugin does (unless -f or --no-confirm).
func prepareRollback(s *session, c *cmdline) (int, bool) {
	if c.actionGiven() {
		return 0, false
	}
	s.summary.MtaID = c.mtaID
	if !c.force && !c.options.GetNoConfirm() {
		if !s.confirm(fmt.Sprintf("Really rollback multi-target app %s in org %s / space %s? (y/n)", c.mtaID, s.target.OrgName, s.target.SpaceName)) {
			s.ui.Warn("Rollback cancelled")
			s.summary.Message = "Rollback cancelled"
			return s.end(ui.OutcomeError, ui.ExitFailed), true
		}
	}
	s.ui.Say("Rolling back multi-target app %s in org %s / space %s as %s...", c.mtaID, s.target.OrgName, s.target.SpaceName, s.target.User)
	for _, w := range c.warnings {
		s.ui.Warn(w)
	}
	return 0, false
}

func runRollback(ctx context.Context, s *session, c *cmdline) int {
	if c.actionGiven() {
		return runAction(ctx, s, c.id, c.action, c.retries)
	}
	op, code, ok := s.start(ctx, &pb.StartOperationRequest{
		Target:           s.target.Proto(),
		ProcessType:      pb.ProcessType_PROCESS_TYPE_ROLLBACK_MTA,
		MtaId:            c.mtaID,
		Options:          c.options,
		AbortConflicting: c.force,
	})
	if !ok {
		return code
	}
	return s.newFollower(c.retries).follow(ctx, op, 0)
}
