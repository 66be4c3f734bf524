package cmd

import (
	"fmt"
	"strings"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
)

// deployLine is the usage of deploy and bg-deploy; %s are the flags only one of them has.
const deployLine = "MTA [-e] [-t] [--version-rule] [-u] [-f] [--retries] [--no-start] [--namespace] [--delete-services] " +
	"[--delete-service-keys] [--keep-files] [--no-restart-subscribed-apps] [--abort-on-error] [--strategy] %s [--skip-idle-start] " +
	"[--dependency-aware-stop-order] [--smoke-test] [--smoke-test-timeout] [--backup-previous-version] [--backup-ttl] " +
	"[-m] [-r] [--all-modules] [--all-resources] [--apps-start-timeout] [--apps-stage-timeout] [--apps-upload-timeout] " +
	"[--apps-task-execution-timeout] [--json] [--yes]"

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
		// Legacy bg-deploy: colour-suffixed app names; --no-confirm skips the test phase. It takes
		// --strategy as the official plugin does: only incremental-blue-green changes anything.
		c.processType = pb.ProcessType_PROCESS_TYPE_BLUE_GREEN_DEPLOY
		if err := checkStrategy(c.options.Strategy); err != nil {
			return err
		}
		if c.options.Strategy != strategyIncremental {
			c.options.Strategy = strategyBlueGreen
		}
		return nil
	},
	prepare: prepareDeploy,
	run:     runDeploy,
}

var deployCommand = command{
	name:     cmdDeploy,
	helpText: "Deploy a new multi-target app or sync changes to an existing one",
	usage: []usageForm{
		{line: fmt.Sprintf(deployLine, "[--skip-testing-phase]")},
		{caption: "Perform action on an active deploy operation", line: "-i -a [-u] [--json]"},
	},
	checkTyped: checkDeployTyped,
	checkValues: func(c *cmdline) error {
		if err := checkDeployValues(c); err != nil {
			return err
		}
		o := c.options
		if err := checkStrategy(o.Strategy); err != nil {
			return err
		}
		if o.Strategy == strategyDefault {
			// The blue-green flags mean nothing without blue-green (as in the official plugin); smoke
			// tests would gate nothing, so asking for them is a mistake rather than a no-op.
			if len(c.smokeTests) > 0 {
				return usagef("--smoke-test needs --strategy blue-green or incremental-blue-green")
			}
			c.processType = pb.ProcessType_PROCESS_TYPE_DEPLOY
			o.NoConfirm, o.SkipIdleStart, o.DependencyAwareStopOrder = false, false, false
			o.SmokeTestTimeoutS, o.BackupPreviousVersion, o.BackupTtlS = 0, false, 0
			return nil
		}
		c.processType = pb.ProcessType_PROCESS_TYPE_BLUE_GREEN_DEPLOY
		o.KeepOriginalAppNames = true
		return nil
	},
	prepare: prepareDeploy,
	run:     runDeploy,
}

// Deployment strategies, in the official plugin's words.
const (
	strategyDefault     = "default"
	strategyBlueGreen   = "blue-green"
	strategyIncremental = "incremental-blue-green"
)

// checkStrategy: one of the official strategies (both deploy and bg-deploy validate it).
func checkStrategy(strategy string) error {
	switch strategy {
	case "":
		return usagef("strategy flag defined but no argument specified")
	case strategyDefault, strategyBlueGreen, strategyIncremental:
		return nil
	}
	return usagef("%s is not a valid deployment strategy, available strategies: [blue-green incremental-blue-green default]", strategy)
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
	for _, t := range c.smokeTests {
		if strings.TrimSpace(t) == "" {
			return usagef("--smoke-test needs a command")
		}
	}
	// The engine only learns how many commands to wait for; they stay here.
	c.options.SmokeTests = int32(len(c.smokeTests))
	if c.options.AllModules {
		c.options.Modules = nil
	}
	if c.options.AllResources {
		c.options.Resources = nil
	}
	return checkNamespace(c.options.Namespace)
}
