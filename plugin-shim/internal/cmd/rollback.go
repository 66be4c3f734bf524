package cmd

import (
	"context"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
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
	return s.askThenAnnounce(c, "rollback", "Rollback", "Rolling back", c.force || c.options.GetNoConfirm())
}

func runRollback(ctx context.Context, s *session, c *cmdline) int {
	if c.actionGiven() {
		return runAction(ctx, s, c.id, c.action, c.retries)
	}
	return s.startOnMta(ctx, c, pb.ProcessType_PROCESS_TYPE_ROLLBACK_MTA)
}
