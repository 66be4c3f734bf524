package cmd

import (
	"fmt"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
)

// deployLine is the usage of deploy and bg-deploy; %s are the flags only one of them has.
const deployLine = "MTA [-e] [-t] [--version-rule] [-u] [-f] [--retries] [--no-start] [--namespace] [--delete-services] " +
	"[--delete-service-keys] [--keep-files] [--no-restart-subscribed-apps] [--abort-on-error] %s [--skip-idle-start] " +
	"[-m] [-r] [--all-modules] [--all-resources] [--apps-start-timeout] [--apps-stage-timeout] [--apps-upload-timeout] " +
	"[--apps-task-execution-timeout] [--route-check] [--drain-seconds] [--route-check-probes] [--route-check-spread-ms] " +
	"[--route-check-timeout] [--json]"

var bgDeployCommand = command{
	name:     cmdBgDeploy,
	helpText: "Deploy a multi-target app using blue-green deployment",
	usage: []usageForm{
		{line: fmt.Sprintf(deployLine, "[--no-confirm]")},
		{caption: "Perform action on an active deploy operation", line: "-i -a [-u] [--json]"},
	},
	checkTyped: checkDeployTyped,
	checkValues: func(c *cmdline) error {
		if err := checkDeployValues(c); err != nil {
			return err
		}
		// Legacy bg-deploy: colour-suffixed app names; --no-confirm skips the test phase.
		c.processType = pb.ProcessType_PROCESS_TYPE_BLUE_GREEN_DEPLOY
		c.options.Strategy = "blue-green"
		return nil
	},
	prepare: prepareDeploy,
	run:     runDeploy,
}

var deployCommand = command{
	name:     cmdDeploy,
	helpText: "Deploy a new multi-target app or sync changes to an existing one",
	usage: []usageForm{
		{line: fmt.Sprintf(deployLine, "[--strategy] [--skip-testing-phase]")},
		{caption: "Perform action on an active deploy operation", line: "-i -a [-u] [--json]"},
	},
	checkTyped: checkDeployTyped,
	checkValues: func(c *cmdline) error {
		if err := checkDeployValues(c); err != nil {
			return err
		}
		o := c.options
		switch o.Strategy {
		case "":
			return usagef("strategy flag defined but no argument specified")
		case "default":
			// The blue-green flags mean nothing without blue-green (as in the official plugin).
			c.processType = pb.ProcessType_PROCESS_TYPE_DEPLOY
			o.NoConfirm, o.SkipIdleStart = false, false
		case "blue-green":
			c.processType = pb.ProcessType_PROCESS_TYPE_BLUE_GREEN_DEPLOY
			o.KeepOriginalAppNames = true
		default:
			return usagef("%s is not a valid deployment strategy, available strategies: [blue-green default]", o.Strategy)
		}
		return nil
	},
	prepare: prepareDeploy,
	run:     runDeploy,
}

// checkDeployTyped: an action, or at most one MTA (none means the current directory).
func checkDeployTyped(c *cmdline) error {
	if err := checkAction(c, "abort", "retry", "resume", "monitor"); err != nil {
		return err
	}
	switch {
	case len(c.positional) > 1, len(c.positional) == 1 && c.actionGiven():
		return usagef("Wrong arguments")
	case len(c.positional) == 1:
		c.source = c.positional[0]
	}
	return nil
}

// checkDeployValues: the rules deploy and bg-deploy share.
func checkDeployValues(c *cmdline) error {
	if c.options.AllModules {
		c.options.Modules = nil
	}
	if c.options.AllResources {
		c.options.Resources = nil
	}
	return checkNamespace(c.options.Namespace)
}
