package cmd

import (
	"fmt"
	"strings"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
)

// deployFlags are the flags of deploy and bg-deploy in their usage lines; %s are the ones only
// one of them has.
const deployFlags = "[-e] [-t] [--version-rule] [-u] [-f] [--retries] [--no-start] [--namespace] " +
	"[--apply-namespace-app-names] [--apply-namespace-service-names] [--apply-namespace-app-routes] " +
	"[--apply-namespace-as-suffix] [--delete-services] [--delete-service-keys] [--delete-service-brokers] " +
	"[--keep-files] [--no-restart-subscribed-apps] [--do-not-fail-on-missing-permissions] [--abort-on-error] " +
	"[--strategy] [--skip-testing-phase] %s [--skip-idle-start] [--dependency-aware-stop-order] " +
	"[--smoke-test] [--smoke-test-timeout] [--backup-previous-version] [--backup-ttl] " +
	"[--require-secure-parameters] [--disposable-user-provided-service] [--skip-ownership-validation] " +
	"[-m] [-r] [--all-modules] [--all-resources] [--apps-start-timeout] [--apps-stage-timeout] [--apps-upload-timeout] " +
	"[--apps-task-execution-timeout] [--route-check] [--drain-seconds] [--route-check-probes] [--route-check-spread-ms] " +
	"[--route-check-timeout] [--dry-run] [--json] [--yes]"

// deployForms: an archive or directory, an action, or (as the official plugin) a URL on stdin.
func deployForms(only string) []usageForm {
	flags := fmt.Sprintf(deployFlags, only)
	return []usageForm{
		{line: "MTA " + flags},
		{caption: "Perform action on an active deploy operation", line: "-i -a [-u] [--json]"},
		{caption: "Deploy a multi-target app archive referenced by a remote URL", prefix: "<write MTA archive URL to STDOUT> |", line: flags},
	}
}

var bgDeployCommand = command{
	name:       cmdBgDeploy,
	helpText:   "Deploy a multi-target app using blue-green deployment",
	usage:      deployForms("[--no-confirm]"),
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
	name:       cmdDeploy,
	helpText:   "Deploy a new multi-target app or sync changes to an existing one",
	usage:      deployForms(""),
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
		if c.skipTestingPhase {
			o.NoConfirm = true
		}
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
	case c.actionGiven() && c.flag("dry-run").given():
		return usagef("--dry-run plans a deploy; it cannot be used with -i and -a")
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
