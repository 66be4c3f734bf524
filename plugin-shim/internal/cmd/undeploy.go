package cmd

import (
	"context"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
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
	return s.askThenAnnounce(c, "undeploy", "Undeploy", "Undeploying", c.force)
}

func runUndeploy(ctx context.Context, s *session, c *cmdline) int {
	if c.actionGiven() {
		return runAction(ctx, s, c.id, c.action, c.retries)
	}
	if _, code, ok := s.deployedMta(ctx, c); !ok {
		return code
	}
	return s.startOnMta(ctx, c, pb.ProcessType_PROCESS_TYPE_UNDEPLOY)
}
