package cmd

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
)

// Command names, as the flag table lists the commands that accept a flag.
const (
	cmdBgDeploy = "bg-deploy"
	cmdDeploy   = "deploy"
	cmdUndeploy = "undeploy"
	cmdMtas     = "mtas"
	cmdMta      = "mta"
	cmdMtaOps   = "mta-ops"
	cmdDmol     = "download-mta-op-logs"
	cmdRollback = "rollback-mta"
)

var (
	deployCmds    = []string{cmdBgDeploy, cmdDeploy}
	operationCmds = []string{cmdBgDeploy, cmdDeploy, cmdUndeploy}
	allCmds       = []string{cmdBgDeploy, cmdDeploy, cmdUndeploy, cmdMtas, cmdMta, cmdMtaOps, cmdDmol, cmdRollback}
	// Commands that start an operation (and act on one with -i/-a).
	startCmds = []string{cmdBgDeploy, cmdDeploy, cmdUndeploy, cmdRollback}
	// rollbackToo: the deploy commands and rollback-mta (which starts the kept apps again)
	rollbackToo = []string{cmdBgDeploy, cmdDeploy, cmdRollback}
)

// Limits from the official plugin's validator.
const (
	maxTimeoutSeconds = 259200
	maxNamespaceLen   = 36
	defaultRetries    = 3
	// Ours: a kept version counts as a rollback target for at most a year.
	maxBackupTTLSeconds = 366 * 24 * 3600
)

// flagSpec declares one flag, once: how it is parsed, how `cf help` and the usage lines show it,
// which commands accept it and where its value lands.
type flagSpec struct {
	name        string // without dashes: one letter is -x, more are --xx
	kind        flagKind
	placeholder string            // the value in usage lines (TIMEOUT); none for bool flags
	def         string            // a string flag's value when not given
	help        string            // `cf help` text, in the official plugin's words
	helpIn      map[string]string // other words for some commands
	commands    []string
	sameAs      string // shares the value (and destination) of that flag: -t is --apps-start-timeout
	// Where the value lands: the DeployOptions sent to the engine, or the shim's own settings.
	engine func(o *pb.DeployOptions, v *flagValue) error
	shim   func(c *cmdline, v *flagValue) error
}

// flagTable holds every flag of every command. Values are converted in this order, so when
// several are wrong the first one here is reported (retries, timeouts, then the version rule,
// as the official plugin checks them).
var flagTable = []flagSpec{
	{name: "i", kind: stringFlag, placeholder: "OPERATION_ID", commands: []string{cmdBgDeploy, cmdDeploy, cmdUndeploy, cmdDmol, cmdRollback},
		help:   "Active deploy operation ID",
		helpIn: map[string]string{cmdUndeploy: "Active undeploy operation ID", cmdDmol: "Operation ID", cmdRollback: "Active rollback operation ID"},
		shim:   func(c *cmdline, v *flagValue) error { c.id = v.raw; return nil }},
	{name: "a", kind: stringFlag, placeholder: "ACTION", commands: startCmds,
		help: "Action to perform on active deploy operation (abort, retry, resume, monitor)",
		helpIn: map[string]string{cmdUndeploy: "Action to perform on the active undeploy operation (abort, retry, monitor)",
			cmdRollback: "Action to perform on the active rollback operation (abort, retry, monitor)"},
		shim: func(c *cmdline, v *flagValue) error { c.action = v.raw; return nil }},
	{name: "u", kind: stringFlag, placeholder: "URL", commands: allCmds,
		help: "Deploy engine URL (HOST:PORT), by default the local engine started on demand",
		shim: func(c *cmdline, v *flagValue) error { c.url = v.raw; return nil }},
	{name: "json", kind: boolFlag, commands: allCmds,
		help: "Print newline-delimited JSON events and a final summary instead of text",
		shim: func(c *cmdline, v *flagValue) error { c.json = v.on; return nil }},
	{name: "dry-run", kind: boolFlag, commands: deployCmds,
		help: "Print what the deploy would do against the live space (apps, services, routes, colors) and change nothing; with --json one JSON document (docs/dry-run.md)",
		shim: func(c *cmdline, v *flagValue) error { c.dryRun = v.on; return nil }},
	{name: "yes", kind: boolFlag, commands: allCmds,
		help: "If no deploy engine is found, set one up (a Python venv in the state directory) without asking",
		shim: func(c *cmdline, v *flagValue) error { c.yes = v.on; return nil }},
	{name: "f", kind: boolFlag, commands: startCmds,
		help: "Force deploy without confirmation for aborting conflicting processes",
		helpIn: map[string]string{cmdUndeploy: "Force undeploy without confirmation",
			cmdRollback: "Force rollback without confirmation, aborting a conflicting operation of the MTA first"},
		shim: func(c *cmdline, v *flagValue) error { c.force = v.on; return nil }},
	{name: "retries", kind: stringFlag, placeholder: "RETRIES", def: strconv.Itoa(defaultRetries), commands: startCmds,
		help: "Retry the operation N times in case a non-content error occurs (default 3)",
		shim: func(c *cmdline, v *flagValue) (err error) { c.retries, err = nonNegative("retries", v.raw); return err }},
	{name: "e", kind: listFlag, placeholder: "EXT_DESCRIPTOR[,...]", commands: deployCmds,
		help: "Extension descriptors",
		shim: func(c *cmdline, v *flagValue) error { c.extDescriptors = v.items; return nil }},
	{name: "t", kind: stringFlag, placeholder: "TIMEOUT", commands: rollbackToo, sameAs: "apps-start-timeout",
		help: "Start app timeout in seconds"},
	{name: "apps-start-timeout", kind: stringFlag, placeholder: "TIMEOUT", commands: rollbackToo,
		help:   "Start app timeout in seconds",
		engine: timeout(func(o *pb.DeployOptions) *int32 { return &o.AppsStartTimeoutS })},
	{name: "apps-stage-timeout", kind: stringFlag, placeholder: "TIMEOUT", commands: rollbackToo,
		help:   "Stage app timeout in seconds",
		engine: timeout(func(o *pb.DeployOptions) *int32 { return &o.AppsStageTimeoutS })},
	{name: "apps-upload-timeout", kind: stringFlag, placeholder: "TIMEOUT", commands: rollbackToo,
		help:   "Upload app timeout in seconds",
		engine: timeout(func(o *pb.DeployOptions) *int32 { return &o.AppsUploadTimeoutS })},
	{name: "apps-task-execution-timeout", kind: stringFlag, placeholder: "TIMEOUT", commands: rollbackToo,
		help:   "Task execution timeout in seconds",
		engine: timeout(func(o *pb.DeployOptions) *int32 { return &o.AppsTaskExecutionTimeoutS })},
	{name: "version-rule", kind: stringFlag, placeholder: "VERSION_RULE", commands: deployCmds,
		help: "Version rule (HIGHER, SAME_HIGHER, ALL)",
		engine: func(o *pb.DeployOptions, v *flagValue) error {
			switch o.VersionRule = strings.ToUpper(v.raw); o.VersionRule {
			case "", "HIGHER", "SAME_HIGHER", "ALL":
				return nil
			}
			return usagef("Invalid value for version-rule: %s. Expected one of HIGHER, SAME_HIGHER, ALL.", v.raw)
		}},
	{name: "namespace", kind: stringFlag, placeholder: "NAMESPACE", commands: []string{cmdBgDeploy, cmdDeploy, cmdUndeploy, cmdMta, cmdRollback},
		help: "Namespace for the MTA, applied on app names, app routes and service names",
		helpIn: map[string]string{cmdUndeploy: "Specify the (optional) namespace the target mta is in",
			cmdMta: "Namespace of the multi-target app", cmdRollback: "Namespace of the multi-target app to roll back"},
		engine: func(o *pb.DeployOptions, v *flagValue) error { o.Namespace = v.raw; return nil }},
	{name: "apply-namespace-app-names", kind: stringFlag, placeholder: "true/false", commands: deployCmds,
		help:   "Apply namespace to application names: (true, false)",
		engine: applyNamespace(func(o *pb.DeployOptions) *string { return &o.ApplyNamespaceAppNames })},
	{name: "apply-namespace-service-names", kind: stringFlag, placeholder: "true/false", commands: deployCmds,
		help:   "Apply namespace to service names: (true, false)",
		engine: applyNamespace(func(o *pb.DeployOptions) *string { return &o.ApplyNamespaceServiceNames })},
	{name: "apply-namespace-app-routes", kind: stringFlag, placeholder: "true/false", commands: deployCmds,
		help:   "Apply namespace to application routes: (true, false)",
		engine: applyNamespace(func(o *pb.DeployOptions) *string { return &o.ApplyNamespaceAppRoutes })},
	{name: "apply-namespace-as-suffix", kind: stringFlag, placeholder: "true/false", commands: deployCmds,
		help:   "Apply namespace as a suffix rather than a prefix: (true, false)",
		engine: applyNamespace(func(o *pb.DeployOptions) *string { return &o.ApplyNamespaceAsSuffix })},
	{name: "strategy", kind: stringFlag, placeholder: "STRATEGY", def: "default", commands: deployCmds,
		help:   "Specify the deployment strategy when updating an mta (default, blue-green, incremental-blue-green)",
		engine: func(o *pb.DeployOptions, v *flagValue) error { o.Strategy = v.raw; return nil }},
	{name: "dependency-aware-stop-order", kind: boolFlag, commands: deployCmds,
		help:   "(EXPERIMENTAL) (STRATEGY: BLUE-GREEN, INCREMENTAL-BLUE-GREEN) Stop apps in a dependency-aware order during the resume phase of a blue-green deployment",
		engine: func(o *pb.DeployOptions, v *flagValue) error { o.DependencyAwareStopOrder = v.on; return nil }},
	{name: "no-start", kind: boolFlag, commands: deployCmds,
		help:   "Do not start apps",
		engine: func(o *pb.DeployOptions, v *flagValue) error { o.NoStart = v.on; return nil }},
	{name: "delete-services", kind: boolFlag, commands: startCmds,
		help:   "Recreate changed services / delete discontinued services",
		helpIn: map[string]string{cmdUndeploy: "Delete services"},
		engine: func(o *pb.DeployOptions, v *flagValue) error { o.DeleteServices = v.on; return nil }},
	{name: "delete-service-keys", kind: boolFlag, commands: operationCmds,
		help:   "Delete existing service keys and apply the new ones",
		helpIn: map[string]string{cmdUndeploy: "Delete existing service keys"},
		engine: func(o *pb.DeployOptions, v *flagValue) error { o.DeleteServiceKeys = v.on; return nil }},
	{name: "keep-files", kind: boolFlag, commands: deployCmds,
		help:   "Keep files used for deployment",
		engine: func(o *pb.DeployOptions, v *flagValue) error { o.KeepFiles = v.on; return nil }},
	{name: "no-restart-subscribed-apps", kind: boolFlag, commands: operationCmds,
		help:   "Do not restart subscribed apps, updated during the deployment",
		helpIn: map[string]string{cmdUndeploy: "Do not restart subscribed apps, updated during the undeployment"},
		engine: func(o *pb.DeployOptions, v *flagValue) error { o.NoRestartSubscribedApps = v.on; return nil }},
	{name: "delete-service-brokers", kind: boolFlag, commands: operationCmds,
		help:   "Delete discontinued service brokers",
		helpIn: map[string]string{cmdUndeploy: "Delete service brokers"}},
	{name: "do-not-fail-on-missing-permissions", kind: boolFlag, commands: startCmds,
		help: "Do not fail on missing permissions for admin operations"},
	{name: "process-user-provided-services", kind: boolFlag, commands: []string{cmdRollback},
		help: "Process user-provided services of the previous version (they are not rolled back here)"},
	{name: "skip-ownership-validation", kind: boolFlag, commands: deployCmds,
		help: "Skip the check that existing apps and services belong to this MTA"},
	{name: "require-secure-parameters", kind: boolFlag, commands: deployCmds,
		help: "(EXPERIMENTAL) Pass secrets to the deploy service in a secure way",
		shim: func(c *cmdline, v *flagValue) error { c.secureParameters = v.on; return nil }},
	{name: "disposable-user-provided-service", kind: boolFlag, commands: deployCmds,
		help: "Deploy when --require-secure-parameters flag is active for disposable UPS to be created and then deleted at the of the operation"},
	{name: "abort-on-error", kind: boolFlag, commands: startCmds,
		help:   "Auto-abort the process on any errors",
		engine: func(o *pb.DeployOptions, v *flagValue) error { o.AbortOnError = v.on; return nil }},
	{name: "no-confirm", kind: boolFlag, commands: []string{cmdBgDeploy, cmdRollback},
		help:   "Do not require confirmation for deleting the previously deployed MTA apps",
		helpIn: map[string]string{cmdRollback: "Do not ask for confirmation before rolling back"},
		engine: noConfirm},
	{name: "skip-testing-phase", kind: boolFlag, commands: deployCmds,
		help: "(STRATEGY: BLUE-GREEN, INCREMENTAL-BLUE-GREEN) Do not require confirmation for deleting the previously deployed MTA app",
		// deploy's rules turn it into no-confirm; bg-deploy reads --no-confirm only, as the official plugin does.
		shim: func(c *cmdline, v *flagValue) error { c.skipTestingPhase = v.on; return nil }},
	{name: "skip-idle-start", kind: boolFlag, commands: deployCmds,
		help: "(STRATEGY: BLUE-GREEN) Directly start the new MTA version as 'live', skipping the 'idle' phase of the resources. Do not require further confirmation or testing before deleting the old version",
		engine: func(o *pb.DeployOptions, v *flagValue) error {
			if v.on {
				o.SkipIdleStart, o.NoConfirm = true, true
			}
			return nil
		}},
	{name: "smoke-test", kind: repeatFlag, placeholder: "COMMAND", commands: deployCmds,
		help: "Run COMMAND here (this machine, this directory) against the new version on its temporary routes before the pause; " +
			"repeatable, in order, the first failure stops the operation. Its environment: BG_IDLE_URL_<MODULE>, BG_LIVE_URL_<MODULE>, " +
			"BG_IDLE_URLS (JSON), BG_OPERATION_ID, BG_MTA_ID, BG_MTA_VERSION. Without a testing phase the switch follows only if all pass",
		shim: func(c *cmdline, v *flagValue) error { c.smokeTests = v.items; return nil }},
	{name: "smoke-test-timeout", kind: stringFlag, placeholder: "TIMEOUT", commands: deployCmds,
		help:   "Time each smoke-test command may take, in seconds or as a duration such as 5m (default 300)",
		engine: duration("smoke-test-timeout", 1, maxTimeoutSeconds, func(o *pb.DeployOptions) *int32 { return &o.SmokeTestTimeoutS })},
	{name: "backup-previous-version", kind: boolFlag, commands: deployCmds,
		help:   "(STRATEGY: BLUE-GREEN, INCREMENTAL-BLUE-GREEN) Backup previous version of applications, use new cli command \"rollback-mta\" to rollback to the previous version",
		engine: func(o *pb.DeployOptions, v *flagValue) error { o.BackupPreviousVersion = v.on; return nil }},
	{name: "backup-ttl", kind: stringFlag, placeholder: "DURATION", commands: deployCmds,
		help:   "How long the backed-up version stays a rollback target, e.g. 90m, 24h (default), 7d",
		engine: duration("backup-ttl", 60, maxBackupTTLSeconds, func(o *pb.DeployOptions) *int32 { return &o.BackupTtlS })},
	{name: "m", kind: listFlag, placeholder: "MODULE ...", commands: deployCmds,
		help:   "Deploy list of modules which are contained in the deployment descriptor, in the current location",
		engine: func(o *pb.DeployOptions, v *flagValue) error { o.Modules = v.items; return nil }},
	{name: "r", kind: listFlag, placeholder: "RESOURCE ...", commands: deployCmds,
		help:   "Deploy list of resources which are contained in the deployment descriptor, in the current location",
		engine: func(o *pb.DeployOptions, v *flagValue) error { o.Resources = v.items; return nil }},
	{name: "all-modules", kind: boolFlag, commands: deployCmds,
		help:   "Deploy all modules which are contained in the deployment descriptor, in the current location",
		engine: func(o *pb.DeployOptions, v *flagValue) error { o.AllModules = v.on; return nil }},
	{name: "all-resources", kind: boolFlag, commands: deployCmds,
		help:   "Deploy all resources which are contained in the deployment descriptor, in the current location",
		engine: func(o *pb.DeployOptions, v *flagValue) error { o.AllResources = v.on; return nil }},
	{name: "route-check", kind: stringFlag, placeholder: "MODE", commands: deployCmds,
		help: "How to wait for the routers around the switch: probe (default: ask them until they route to the new instances), timer (--route-settle-seconds of the engine), none",
		engine: func(o *pb.DeployOptions, v *flagValue) error {
			switch o.RouteCheck = strings.ToLower(v.raw); o.RouteCheck {
			case "", "probe", "timer", "none":
				return nil
			}
			return usagef("Invalid value for route-check: %s. Expected one of probe, timer, none.", v.raw)
		}},
	{name: "drain-seconds", kind: stringFlag, placeholder: "SECONDS", commands: deployCmds,
		help: "Seconds the old apps keep running after the routers stopped sending them requests (default 2)",
		engine: func(o *pb.DeployOptions, v *flagValue) error {
			if v.raw == "" {
				return nil
			}
			n, err := bounded("drain-seconds", v.raw, 0, maxTimeoutSeconds)
			o.DrainSeconds = proto.Int32(int32(n))
			return err
		}},
	{name: "route-check-probes", kind: stringFlag, placeholder: "N", commands: deployCmds,
		help:   "Consecutive confirming rounds of probes per route and instance before the routers count as updated (default 3)",
		engine: boundedInt("route-check-probes", 1, 100, func(o *pb.DeployOptions) *int32 { return &o.RouteCheckProbes })},
	{name: "route-check-spread-ms", kind: stringFlag, placeholder: "MS", commands: deployCmds,
		help:   "The shortest time those probes span, in milliseconds (default 50)",
		engine: boundedInt("route-check-spread-ms", 1, 600000, func(o *pb.DeployOptions) *int32 { return &o.RouteCheckSpreadMs })},
	{name: "route-check-timeout", kind: stringFlag, placeholder: "TIMEOUT", commands: deployCmds,
		help:   "Seconds one wait for the routers may take (default 300); before the switch the operation then fails, after it a warning says what was not confirmed",
		engine: boundedInt("route-check-timeout", 1, maxTimeoutSeconds, func(o *pb.DeployOptions) *int32 { return &o.RouteCheckTimeoutS })},
	{name: "mta", kind: stringFlag, placeholder: "MTA", commands: []string{cmdMtaOps, cmdDmol},
		help:   "Multi-target app ID for which to list operations",
		helpIn: map[string]string{cmdDmol: "Multi-target app ID for which to download logs"},
		shim:   func(c *cmdline, v *flagValue) error { c.mtaID = v.raw; return nil }},
	{name: "last", kind: stringFlag, placeholder: "NUM", commands: []string{cmdMtaOps, cmdDmol},
		help:   "List last NUM operations",
		helpIn: map[string]string{cmdDmol: "Download last NUM operation logs. Used with --mta"},
		shim: func(c *cmdline, v *flagValue) (err error) {
			if v.raw != "" {
				c.last, err = nonNegative("last", v.raw)
			}
			return err
		}},
	{name: "all", kind: boolFlag, commands: []string{cmdMtaOps},
		help: "List all operations, not just the active ones",
		shim: func(c *cmdline, v *flagValue) error { c.all = v.on; return nil }},
	{name: "d", kind: stringFlag, placeholder: "DIRECTORY", commands: []string{cmdDmol},
		help: "Root directory to download logs, by default the current working directory",
		shim: func(c *cmdline, v *flagValue) error { c.dir = v.raw; return nil }},
}

// timeout lands a timeout flag (seconds, 0 to 259200) in its DeployOptions field; the error
// names the flag as the user typed it.
func timeout(field func(*pb.DeployOptions) *int32) func(*pb.DeployOptions, *flagValue) error {
	return func(o *pb.DeployOptions, v *flagValue) error {
		if v.raw == "" {
			return nil
		}
		n, err := strconv.Atoi(v.raw)
		if err != nil || n < 0 || n > maxTimeoutSeconds {
			return usagef("Invalid value for %s: %s. Value must be in the range 0 to %d.", v.typed, v.raw, maxTimeoutSeconds)
		}
		*field(o) = int32(n)
		return nil
	}
}

// applyNamespace lands an --apply-namespace-* flag ("true" or "false", as the official plugin
// checks it) in its DeployOptions field; not given, the descriptor decides.
func applyNamespace(field func(*pb.DeployOptions) *string) func(*pb.DeployOptions, *flagValue) error {
	return func(o *pb.DeployOptions, v *flagValue) error {
		switch {
		case !v.given():
			return nil
		case v.raw == "":
			return usagef("%s flag defined but no argument specified", v.typed)
		case v.raw != "true" && v.raw != "false":
			return usagef("Invalid value for %s: %s. Expected true or false.", v.typed, v.raw)
		}
		*field(o) = v.raw
		return nil
	}
}

// duration lands a time flag in seconds: a whole number of seconds, or a duration with units (90s,
// 5m, 24h, 7d), from min to max seconds.
func duration(name string, min, max int, field func(*pb.DeployOptions) *int32) func(*pb.DeployOptions, *flagValue) error {
	return func(o *pb.DeployOptions, v *flagValue) error {
		if v.raw == "" {
			return nil
		}
		n, ok := parseSeconds(v.raw)
		if !ok || n < min || n > max {
			return usagef("Invalid value for %s: %s. Use seconds or a duration such as 90s, 5m, 24h, 7d (from %ds to %ds).", name, v.raw, min, max)
		}
		*field(o) = int32(n)
		return nil
	}
}

// parseSeconds reads "300", "90s", "5m", "1h30m" or "7d" as whole seconds.
func parseSeconds(text string) (int, bool) {
	if n, err := strconv.Atoi(text); err == nil {
		return n, true
	}
	if days, ok := strings.CutSuffix(text, "d"); ok {
		n, err := strconv.Atoi(days)
		return n * 24 * 3600, err == nil && n <= 3660
	}
	d, err := time.ParseDuration(text)
	if err != nil || d%time.Second != 0 || d > 100*365*24*time.Hour {
		return 0, false
	}
	return int(d / time.Second), true
}

// bounded reads an integer flag within [lo, hi].
func bounded(name, raw string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, usagef("Invalid value for %s: %s. Value must be in the range %d to %d.", name, raw, lo, hi)
	}
	return n, nil
}

// boundedInt lands an integer flag within [lo, hi] in its DeployOptions field.
func boundedInt(name string, lo, hi int, field func(*pb.DeployOptions) *int32) func(*pb.DeployOptions, *flagValue) error {
	return func(o *pb.DeployOptions, v *flagValue) error {
		if v.raw == "" {
			return nil
		}
		n, err := bounded(name, v.raw, lo, hi)
		*field(o) = int32(n)
		return err
	}
}

// noConfirm: the test phase (the pause before the switch) is skipped.
func noConfirm(o *pb.DeployOptions, v *flagValue) error {
	if v.on {
		o.NoConfirm = true
	}
	return nil
}

// specNamed returns the flag named name, or nil.
func specNamed(name string) *flagSpec {
	for i := range flagTable {
		if flagTable[i].name == name {
			return &flagTable[i]
		}
	}
	return nil
}

// accepts reports whether the command takes this flag.
func (s *flagSpec) accepts(command string) bool { return slices.Contains(s.commands, command) }

// helpFor is the flag's `cf help` text for the command.
func (s *flagSpec) helpFor(command string) string {
	if h, ok := s.helpIn[command]; ok {
		return h
	}
	return s.help
}
