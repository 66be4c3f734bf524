package cmd

import (
	"strconv"
	"strings"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
)

// Limits from the official plugin's validator.
const (
	maxTimeoutSeconds = 259200
	maxNamespaceLen   = 36
	defaultRetries    = 3
)

// deployOptions are the parsed flags of deploy and bg-deploy.
type deployOptions struct {
	shared
	source         string // MTA: an .mtar file or a directory with mtad.yaml ("" = current directory)
	extDescriptors list
	action         actionFlags
	force          bool
	retries        int
	processType    pb.ProcessType
	options        *pb.DeployOptions
}

// deployFlags holds the raw values while parsing; toOptions validates them.
type deployFlags struct {
	shared
	ext                                   list
	startTimeout                          string
	startTimeoutName                      string
	stageTimeout, uploadTimeout, taskTime string
	versionRule, namespace, strategy      string
	retries                               string
	action                                actionFlags
	force, noStart, deleteServices        bool
	deleteServiceKeys, keepFiles          bool
	noRestartSubscribedApps, abortOnError bool
	noConfirm, skipTestingPhase           bool
	skipIdleStart                         bool
	modules, resources                    list
	allModules, allResources              bool
}

// startTimeoutFlag lets -t and --apps-start-timeout share one value: the last one given wins,
// as in the official plugin, and errors name the flag the user typed.
type startTimeoutFlag struct {
	f    *deployFlags
	name string
}

func (s startTimeoutFlag) String() string { return "" }
func (s startTimeoutFlag) Set(v string) error {
	s.f.startTimeout, s.f.startTimeoutName = v, s.name
	return nil
}

func (d *deployFlags) register(f *flags, blueGreenCommand bool) {
	d.shared.register(f)
	d.action.register(f)
	fs := f.fs
	fs.Var(&d.ext, "e", "")
	fs.Var(startTimeoutFlag{d, "t"}, "t", "")
	fs.Var(startTimeoutFlag{d, "apps-start-timeout"}, "apps-start-timeout", "")
	fs.StringVar(&d.stageTimeout, "apps-stage-timeout", "", "")
	fs.StringVar(&d.uploadTimeout, "apps-upload-timeout", "", "")
	fs.StringVar(&d.taskTime, "apps-task-execution-timeout", "", "")
	fs.StringVar(&d.versionRule, "version-rule", "", "")
	fs.StringVar(&d.namespace, "namespace", "", "")
	fs.StringVar(&d.retries, "retries", strconv.Itoa(defaultRetries), "")
	fs.BoolVar(&d.force, "f", false, "")
	fs.BoolVar(&d.noStart, "no-start", false, "")
	fs.BoolVar(&d.deleteServices, "delete-services", false, "")
	fs.BoolVar(&d.deleteServiceKeys, "delete-service-keys", false, "")
	fs.BoolVar(&d.keepFiles, "keep-files", false, "")
	fs.BoolVar(&d.noRestartSubscribedApps, "no-restart-subscribed-apps", false, "")
	fs.BoolVar(&d.abortOnError, "abort-on-error", false, "")
	fs.BoolVar(&d.skipIdleStart, "skip-idle-start", false, "")
	fs.Var(&d.modules, "m", "")
	fs.Var(&d.resources, "r", "")
	fs.BoolVar(&d.allModules, "all-modules", false, "")
	fs.BoolVar(&d.allResources, "all-resources", false, "")
	if blueGreenCommand {
		fs.BoolVar(&d.noConfirm, "no-confirm", false, "")
	} else {
		fs.StringVar(&d.strategy, "strategy", "default", "")
		fs.BoolVar(&d.skipTestingPhase, "skip-testing-phase", false, "")
	}
}

// parseDeploy parses deploy (blueGreenCommand=false) or bg-deploy arguments.
func parseDeploy(args []string, blueGreenCommand bool) (*deployOptions, error) {
	f := newFlags("deploy")
	var d deployFlags
	d.register(f, blueGreenCommand)
	if err := f.parse(args); err != nil {
		return nil, err
	}
	o := &deployOptions{shared: d.shared, extDescriptors: d.ext, action: d.action, force: d.force}
	if err := d.action.validate("abort", "retry", "resume", "monitor"); err != nil {
		return nil, err
	}
	switch {
	case len(f.positional) > 1:
		return nil, usagef("Wrong arguments")
	case len(f.positional) == 1 && d.action.given():
		return nil, usagef("Wrong arguments")
	case len(f.positional) == 1:
		o.source = f.positional[0]
	}
	var err error
	if o.retries, err = nonNegative("retries", d.retries); err != nil {
		return nil, err
	}
	opts := &pb.DeployOptions{
		VersionRule:             strings.ToUpper(d.versionRule),
		NoStart:                 d.noStart,
		Namespace:               d.namespace,
		DeleteServices:          d.deleteServices,
		DeleteServiceKeys:       d.deleteServiceKeys,
		KeepFiles:               d.keepFiles,
		NoRestartSubscribedApps: d.noRestartSubscribedApps,
		AbortOnError:            d.abortOnError,
		AllModules:              d.allModules,
		AllResources:            d.allResources,
	}
	if !d.allModules {
		opts.Modules = d.modules
	}
	if !d.allResources {
		opts.Resources = d.resources
	}
	timeouts := []struct {
		name, value string
		dst         *int32
	}{
		{d.startTimeoutName, d.startTimeout, &opts.AppsStartTimeoutS},
		{"apps-stage-timeout", d.stageTimeout, &opts.AppsStageTimeoutS},
		{"apps-upload-timeout", d.uploadTimeout, &opts.AppsUploadTimeoutS},
		{"apps-task-execution-timeout", d.taskTime, &opts.AppsTaskExecutionTimeoutS},
	}
	for _, t := range timeouts {
		if t.value == "" {
			continue
		}
		n, err := strconv.Atoi(t.value)
		if err != nil || n < 0 || n > maxTimeoutSeconds {
			return nil, usagef("Invalid value for %s: %s. Value must be in the range 0 to %d.", t.name, t.value, maxTimeoutSeconds)
		}
		*t.dst = int32(n)
	}
	switch opts.VersionRule {
	case "", "HIGHER", "SAME_HIGHER", "ALL":
	default:
		return nil, usagef("Invalid value for version-rule: %s. Expected one of HIGHER, SAME_HIGHER, ALL.", d.versionRule)
	}
	if len(d.namespace) > maxNamespaceLen {
		return nil, usagef("Invalid value for namespace. The namespace cannot be more than 36 symbols.")
	}
	if blueGreenCommand {
		// Legacy bg-deploy: color-suffixed app names; the test phase is skipped by --no-confirm.
		o.processType = pb.ProcessType_PROCESS_TYPE_BLUE_GREEN_DEPLOY
		opts.Strategy = "blue-green"
		opts.NoConfirm = d.noConfirm || d.skipIdleStart
		opts.SkipIdleStart = d.skipIdleStart
	} else {
		switch d.strategy {
		case "":
			return nil, usagef("strategy flag defined but no argument specified")
		case "default":
			// --skip-idle-start means nothing without blue-green (as in the official plugin).
			o.processType = pb.ProcessType_PROCESS_TYPE_DEPLOY
			opts.Strategy = "default"
		case "blue-green":
			o.processType = pb.ProcessType_PROCESS_TYPE_BLUE_GREEN_DEPLOY
			opts.Strategy = "blue-green"
			opts.KeepOriginalAppNames = true
			opts.NoConfirm = d.skipTestingPhase || d.skipIdleStart
			opts.SkipIdleStart = d.skipIdleStart
		default:
			return nil, usagef("%s is not a valid deployment strategy, available strategies: [blue-green default]", d.strategy)
		}
	}
	o.options = opts
	return o, nil
}
