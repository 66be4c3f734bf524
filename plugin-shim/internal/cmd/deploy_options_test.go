package cmd

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
)

// parseDeploy parses bg-deploy (bg) or deploy arguments.
func parseDeploy(args []string, bg bool) (*cmdline, error) {
	if bg {
		return bgDeployCommand.parse(args)
	}
	return deployCommand.parse(args)
}

func parser(cmd *command) func([]string) error {
	return func(args []string) error { _, err := cmd.parse(args); return err }
}

func TestParseDeployErrors(t *testing.T) {
	tests := []struct {
		name string
		bg   bool
		args []string
		want string
	}{
		{"unknown flag", true, []string{"a.mtar", "-l"}, "Unknown or wrong flags: -l"},
		{"flag without value", true, []string{"a.mtar", "-e"}, "Missing value for option -e"},
		{"two archives", true, []string{"a.mtar", "b.mtar"}, "Wrong arguments"},
		{"i without a", true, []string{"-i", "42"}, "All the a i options should be specified together"},
		{"a without i", false, []string{"-a", "abort"}, "All the a i options should be specified together"},
		{"i twice", true, []string{"-i", "1", "-i", "2", "-a", "abort"}, "Options i and a should be specified only once"},
		{"bad action", true, []string{"-i", "1", "-a", "explode"}, "Invalid action explode"},
		{"action and archive", true, []string{"a.mtar", "-i", "1", "-a", "abort"}, "Wrong arguments"},
		{"start timeout", true, []string{"a.mtar", "-t", "abc"}, "Invalid value for t: abc. Value must be in the range 0 to 259200."},
		{"long start timeout", true, []string{"a.mtar", "--apps-start-timeout", "259201"}, "Invalid value for apps-start-timeout: 259201. Value must be in the range 0 to 259200."},
		{"stage timeout", false, []string{"a.mtar", "--apps-stage-timeout", "-1"}, "Invalid value for apps-stage-timeout: -1. Value must be in the range 0 to 259200."},
		{"namespace", true, []string{"a.mtar", "--namespace", "0123456789012345678901234567890123456"}, "Invalid value for namespace. The namespace cannot be more than 36 symbols."},
		{"strategy", false, []string{"a.mtar", "--strategy", "rolling"}, "rolling is not a valid deployment strategy, available strategies: [blue-green incremental-blue-green default]"},
		{"strategy on bg-deploy", true, []string{"a.mtar", "--strategy", "rolling"}, "rolling is not a valid deployment strategy, available strategies: [blue-green incremental-blue-green default]"},
		{"empty strategy", false, []string{"a.mtar", "--strategy", ""}, "strategy flag defined but no argument specified"},
		{"retries", true, []string{"a.mtar", "--retries", "x"}, "Invalid value for retries: x. Value must be a non-negative integer."},
		{"version rule", true, []string{"a.mtar", "--version-rule", "LOWER"}, "Invalid value for version-rule: LOWER. Expected one of HIGHER, SAME_HIGHER, ALL."},
		{"first wrong value in table order", true, []string{"a.mtar", "--version-rule", "x", "-t", "y", "--retries", "z"}, "Invalid value for retries: z. Value must be a non-negative integer."},
		{"a wrong action before a wrong value", true, []string{"-i", "1", "--retries", "z"}, "All the a i options should be specified together"},
		{"namespace before strategy", false, []string{"a.mtar", "--strategy", "x", "--namespace", "0123456789012345678901234567890123456"}, "Invalid value for namespace. The namespace cannot be more than 36 symbols."},
		{"no-confirm on deploy", false, []string{"a.mtar", "--no-confirm"}, "Unknown or wrong flags: --no-confirm"},
		{"apply-namespace value", false, []string{"a.mtar", "--apply-namespace-app-names", "yes"}, "Invalid value for apply-namespace-app-names: yes. Expected true or false."},
		{"apply-namespace empty", true, []string{"a.mtar", "--apply-namespace-as-suffix="}, "apply-namespace-as-suffix flag defined but no argument specified"},
		{"route check mode", true, []string{"a.mtar", "--route-check", "sleep"}, "Invalid value for route-check: sleep. Expected one of probe, timer, none."},
		{"drain", false, []string{"a.mtar", "--drain-seconds", "-1"}, "Invalid value for drain-seconds: -1. Value must be in the range 0 to 259200."},
		{"probes", true, []string{"a.mtar", "--route-check-probes", "0"}, "Invalid value for route-check-probes: 0. Value must be in the range 1 to 100."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseDeploy(tt.args, tt.bg)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Fatalf("want usage error %q, got %v", tt.want, err)
			}
			if ue.msg != tt.want {
				t.Fatalf("message\n got: %q\nwant: %q", ue.msg, tt.want)
			}
		})
	}
}

func TestRouteCheckFlagsReachTheEngine(t *testing.T) {
	o, err := parseDeploy([]string{"app.mtar", "--route-check", "TIMER", "--drain-seconds", "0", "--route-check-probes", "4",
		"--route-check-spread-ms", "300", "--route-check-timeout", "90"}, true)
	if err != nil {
		t.Fatal(err)
	}
	want := &pb.DeployOptions{Strategy: "blue-green", RouteCheck: "timer", DrainSeconds: proto.Int32(0), RouteCheckProbes: 4,
		RouteCheckSpreadMs: 300, RouteCheckTimeoutS: 90}
	if !proto.Equal(o.options, want) {
		t.Fatalf("options\n got: %v\nwant: %v", o.options, want)
	}
	if o, _ := parseDeploy([]string{"app.mtar"}, true); o.options.DrainSeconds != nil {
		t.Fatalf("drain-seconds not given must stay unset (the engine's default), got %v", *o.options.DrainSeconds)
	}
}

func TestParseBgDeployOptions(t *testing.T) {
	o, err := parseDeploy([]string{"-e", "a.mtaext,b.mtaext", "app.mtar", "--apps-start-timeout", "10", "-t", "20",
		"--apps-stage-timeout", "30", "--apps-upload-timeout", "40", "--apps-task-execution-timeout", "50",
		"--version-rule", "all", "-f", "--retries", "0", "--no-start", "--namespace", "ns", "--delete-services",
		"--delete-service-keys", "--keep-files", "--no-restart-subscribed-apps", "--abort-on-error", "--no-confirm",
		"-m", "a", "-m", "b", "-r", "db", "-u", "engine:9000", "--json"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if o.source != "app.mtar" || !o.force || o.retries != 0 || o.url != "engine:9000" || !o.json {
		t.Fatalf("unexpected options %+v", o)
	}
	if len(o.extDescriptors) != 2 || o.extDescriptors[1] != "b.mtaext" {
		t.Fatalf("ext descriptors %v", o.extDescriptors)
	}
	want := &pb.DeployOptions{AppsStartTimeoutS: 20, AppsStageTimeoutS: 30, AppsUploadTimeoutS: 40, AppsTaskExecutionTimeoutS: 50,
		VersionRule: "ALL", NoStart: true, Namespace: "ns", DeleteServices: true, DeleteServiceKeys: true, KeepFiles: true,
		NoRestartSubscribedApps: true, AbortOnError: true, NoConfirm: true, Strategy: "blue-green",
		Modules: []string{"a", "b"}, Resources: []string{"db"}}
	if got := o.options.String(); got != want.String() {
		t.Fatalf("options\n got: %s\nwant: %s", got, want)
	}
	if o.processType != pb.ProcessType_PROCESS_TYPE_BLUE_GREEN_DEPLOY || o.options.KeepOriginalAppNames {
		t.Fatalf("bg-deploy keeps color names: %v %v", o.processType, o.options.KeepOriginalAppNames)
	}
}

func TestParseDeployStrategies(t *testing.T) {
	tests := []struct {
		args      []string
		wantType  pb.ProcessType
		keepNames bool
		noConfirm bool
		skipIdle  bool
		retries   int
	}{
		{[]string{"a.mtar"}, pb.ProcessType_PROCESS_TYPE_DEPLOY, false, false, false, 3},
		{[]string{"a.mtar", "--skip-idle-start"}, pb.ProcessType_PROCESS_TYPE_DEPLOY, false, false, false, 3},
		{[]string{"a.mtar", "--strategy", "blue-green"}, pb.ProcessType_PROCESS_TYPE_BLUE_GREEN_DEPLOY, true, false, false, 3},
		{[]string{"a.mtar", "--strategy", "blue-green", "--skip-testing-phase"}, pb.ProcessType_PROCESS_TYPE_BLUE_GREEN_DEPLOY, true, true, false, 3},
		{[]string{"a.mtar", "--strategy=blue-green", "--skip-idle-start", "--retries", "5"}, pb.ProcessType_PROCESS_TYPE_BLUE_GREEN_DEPLOY, true, true, true, 5},
	}
	for _, tt := range tests {
		o, err := parseDeploy(tt.args, false)
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if o.processType != tt.wantType || o.options.KeepOriginalAppNames != tt.keepNames ||
			o.options.NoConfirm != tt.noConfirm || o.options.SkipIdleStart != tt.skipIdle || o.retries != tt.retries {
			t.Errorf("%v: got %v keep=%v noConfirm=%v skipIdle=%v retries=%d", tt.args, o.processType,
				o.options.KeepOriginalAppNames, o.options.NoConfirm, o.options.SkipIdleStart, o.retries)
		}
	}
}

func TestParseIncrementalAndStopOrder(t *testing.T) {
	tests := []struct {
		bg        bool
		args      []string
		strategy  string
		keepNames bool
		stopOrder bool
	}{
		// deploy --strategy incremental-blue-green keeps the original names (idle/live), as blue-green does.
		{false, []string{"a.mtar", "--strategy", "incremental-blue-green", "--dependency-aware-stop-order"}, "incremental-blue-green", true, true},
		// bg-deploy takes --strategy too (undocumented in the official plugin): colours, incremental.
		{true, []string{"a.mtar", "--strategy", "incremental-blue-green"}, "incremental-blue-green", false, false},
		{true, []string{"a.mtar", "--strategy", "default", "--dependency-aware-stop-order"}, "blue-green", false, true},
		{true, []string{"a.mtar", "--strategy", "blue-green"}, "blue-green", false, false},
		// Without blue-green the stop order has no resume to apply to.
		{false, []string{"a.mtar", "--dependency-aware-stop-order"}, "default", false, false},
	}
	for _, tt := range tests {
		o, err := parseDeploy(tt.args, tt.bg)
		if err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if o.options.Strategy != tt.strategy || o.options.KeepOriginalAppNames != tt.keepNames ||
			o.options.DependencyAwareStopOrder != tt.stopOrder {
			t.Errorf("bg=%v %v: got strategy=%q keep=%v stopOrder=%v", tt.bg, tt.args, o.options.Strategy,
				o.options.KeepOriginalAppNames, o.options.DependencyAwareStopOrder)
		}
		if tt.strategy != "default" && o.processType != pb.ProcessType_PROCESS_TYPE_BLUE_GREEN_DEPLOY {
			t.Errorf("%v: process type %v", tt.args, o.processType)
		}
	}
}

func TestParseAllModulesDropsSelection(t *testing.T) {
	o, err := parseDeploy([]string{"dir", "-m", "a", "--all-modules", "-r", "x", "--all-resources"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.options.Modules) != 0 || len(o.options.Resources) != 0 || !o.options.AllModules || !o.options.AllResources {
		t.Fatalf("%v", o.options)
	}
}

func TestParseOtherCommands(t *testing.T) {
	tests := []struct {
		name  string
		parse func([]string) error
		args  []string
		want  string // "" = no error
	}{
		{"undeploy needs id", parser(&undeployCommand), nil, `Missing positional argument "MTA_ID"`},
		{"undeploy ok", parser(&undeployCommand), []string{"hello", "--delete-services", "-f"}, ""},
		{"undeploy resume not allowed", parser(&undeployCommand), []string{"-i", "1", "-a", "resume"}, "Invalid action resume"},
		{"mta needs id", parser(&mtaCommand), nil, `Missing positional argument "MTA_ID"`},
		{"mtas no args", parser(&mtasCommand), []string{"x"}, "Wrong arguments"},
		{"mta-ops last", parser(&mtaOpsCommand), []string{"--last", "two"}, "Invalid value for last: two. Value must be a non-negative integer."},
		{"mta-ops ok", parser(&mtaOpsCommand), []string{"--mta", "hello", "--last", "2", "--all"}, ""},
		{"dmol needs i", parser(&dmolCommand), []string{"-d", "x"}, `Missing required option "i"`},
		{"dmol i and mta", parser(&dmolCommand), []string{"-i", "1", "--mta", "m"}, "Option -i and option --mta are incompatible"},
		{"dmol ok", parser(&dmolCommand), []string{"-i", "1", "-d", "out"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse(tt.args)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ue *usageError
			if !errors.As(err, &ue) || ue.msg != tt.want {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}
