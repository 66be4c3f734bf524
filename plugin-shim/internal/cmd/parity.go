package cmd

import (
	"fmt"
	"slices"
	"strings"
)

// parity is one row of the flag table in docs/official-parity.md: what a flag does next to the
// official plugin's. The table is generated from the flag table and this file (`make parity-doc`);
// parity_test.go fails when a flag has no row, when an official flag is neither accepted nor
// refused here, and when the document is not the generated one.
type parity struct {
	status  string // supported, warned, refused, or own (a flag of this plugin only)
	effect  string // how it behaves here, in one line
	tests   string // the tests that prove it
	warning string // warned: the line printed when the flag is given (before anything runs)
}

const (
	statusSupported = "supported"
	statusWarned    = "warned"
	statusRefused   = "refused"
	statusOwn       = "this plugin only"
)

// officialCommands lists every command of the official plugin (multiapps-cli-plugin v3.11.1) and its
// flags, in the order the table shows them; -u is every command's (the deploy service's URL there).
var officialCommands = []struct {
	name  string
	flags []string
}{
	{cmdBgDeploy, append(slices.Clone(officialDeployFlags), "no-confirm")},
	{cmdDeploy, officialDeployFlags},
	{cmdUndeploy, []string{"u", "i", "a", "f", "retries", "namespace", "delete-services", "delete-service-keys",
		"delete-service-brokers", "no-restart-subscribed-apps", "do-not-fail-on-missing-permissions", "abort-on-error"}},
	{cmdMtas, []string{"u"}},
	{cmdMta, []string{"u", "namespace"}},
	{cmdMtaOps, []string{"u", "mta", "last", "all"}},
	{cmdDmol, []string{"u", "i", "d", "mta", "last"}},
	{"rollback-mta", []string{"u", "i", "a", "f", "retries", "namespace", "delete-services",
		"do-not-fail-on-missing-permissions", "abort-on-error", "process-user-provided-services",
		"apps-start-timeout", "apps-stage-timeout", "apps-upload-timeout", "apps-task-execution-timeout"}},
	{"purge-mta-config", []string{"u"}},
}

var officialDeployFlags = []string{"u", "i", "a", "e", "t", "apps-start-timeout", "apps-stage-timeout",
	"apps-upload-timeout", "apps-task-execution-timeout", "version-rule", "f", "retries", "no-start", "namespace",
	"apply-namespace-app-names", "apply-namespace-service-names", "apply-namespace-app-routes",
	"apply-namespace-as-suffix", "delete-services", "delete-service-keys", "delete-service-brokers", "keep-files",
	"no-restart-subscribed-apps", "do-not-fail-on-missing-permissions", "abort-on-error", "skip-ownership-validation",
	"strategy", "skip-testing-phase", "skip-idle-start", "backup-previous-version", "dependency-aware-stop-order",
	"m", "r", "all-modules", "all-resources", "require-secure-parameters", "disposable-user-provided-service"}

// Test files named in the rows.
const (
	e2eCommands  = "`tests/e2e/test_commands.py`"
	e2eBlueGreen = "`tests/e2e/test_blue_green.py`"
	e2eUsage     = "`tests/e2e/test_usage.py`"
	e2eFlags     = "`tests/e2e/test_official_flags.py`"
	goOptions    = "`plugin-shim/internal/cmd/deploy_options_test.go`"
	e2eSmoke     = "`tests/e2e/test_smoke_tests.py`"
	e2eRollback  = "`tests/e2e/test_rollback.py`"
	e2eRoutes    = "`tests/e2e/test_route_check.py`"
	e2eServices  = "`tests/e2e/test_service_parity.py`"
	unitRoutes   = "`tests/unit/engine/test_route_check.py`"
)

// flagParity holds a row for every flag of the flag table, by name; "name@command" when the row
// differs for that command.
var flagParity = map[string]parity{
	"i":                             {statusSupported, "the operation to act on, from any shell, also after engine restarts", e2eBlueGreen + ", " + e2eCommands, ""},
	"a":                             {statusSupported, "abort, retry, resume, monitor (undeploy: abort, retry, monitor), with the official texts", e2eBlueGreen + ", " + e2eCommands + ", `tests/e2e/test_resilience.py`", ""},
	"u":                             {statusSupported, "names the deploy engine (HOST:PORT; a shared engine over TLS), the counterpart of the deploy service's URL; by default the local engine, started on demand", "`tests/e2e/test_shared_engine.py`", ""},
	"json":                          {statusOwn, "newline-delimited JSON events and a final summary line with the outcome and exit code", "`tests/e2e/test_json.py`", ""},
	"dry-run":                       {statusOwn, "prints the plan (colours, per module and service what changes, routes) without a single Cloud Controller write; with --json one document with `changes`", "`tests/e2e/test_dry_run.py`", ""},
	"yes":                           {statusOwn, "sets up a local engine without asking when none is found", "`tests/e2e/test_install.py`", ""},
	"f":                             {statusSupported, "aborts a conflicting operation without asking (deploy); undeploys without asking", e2eCommands + ", `tests/e2e/test_resilience.py`", ""},
	"retries":                       {statusSupported, "automatic retries of an operation that failed for a non-content reason (default 3)", e2eCommands, ""},
	"e":                             {statusSupported, "extension descriptors (one chain, any order), uploaded next to the archive", e2eCommands, ""},
	"t":                             {statusSupported, "same as --apps-start-timeout (the last one given wins)", e2eCommands + ", " + goOptions, ""},
	"apps-start-timeout":            {statusSupported, "seconds an app may take to start (0..259200)", e2eUsage + ", " + goOptions, ""},
	"apps-stage-timeout":            {statusSupported, "seconds staging may take", e2eCommands, ""},
	"apps-upload-timeout":           {statusSupported, "seconds an upload may take", e2eCommands, ""},
	"apps-task-execution-timeout":   {statusSupported, "seconds a hook or task may run; longer ones are cancelled", e2eCommands + ", `tests/unit/engine/test_hooks.py`", ""},
	"version-rule":                  {statusSupported, "HIGHER, SAME_HIGHER (default), ALL, with the deploy service's errors", e2eCommands, ""},
	"namespace":                     {statusSupported, "the MTA's namespace: names, routes and services get it (see --apply-namespace-*), MTAs are told apart by it", e2eCommands + ", " + e2eFlags, ""},
	"apply-namespace-app-names":     {statusSupported, "true/false for app names; given, it wins over the descriptor's `apply-namespace`", e2eFlags + ", `tests/unit/engine/test_namespace_flags.py`", ""},
	"apply-namespace-service-names": {statusSupported, "true/false for service names; given, it wins over the descriptor", e2eFlags + ", `tests/unit/engine/test_namespace_flags.py`", ""},
	"apply-namespace-app-routes":    {statusSupported, "true/false for route hosts; given, it wins over the descriptor", e2eFlags + ", `tests/unit/engine/test_namespace_flags.py`", ""},
	"apply-namespace-as-suffix":     {statusSupported, "true: the namespace comes after the name (`hello-backend-foo`)", e2eFlags + ", `tests/unit/engine/test_namespace_flags.py`", ""},
	"strategy":                      {statusSupported, "deploy: default, blue-green (original names, X-idle/X-live meanwhile), incremental-blue-green; bg-deploy: incremental-blue-green changes the switch, the others change nothing", e2eCommands + ", `tests/e2e/test_incremental.py`", ""},
	"dependency-aware-stop-order":   {statusSupported, "old apps stop consumers first on resume", "`tests/e2e/test_hooks.py`", ""},
	"no-start":                      {statusSupported, "apps are staged, not started (a module's `no-start` wins)", e2eCommands, ""},
	"delete-services":               {statusSupported, "discontinued services are deleted; undeploy deletes the MTA's services", e2eCommands, ""},
	"delete-service-keys":           {statusSupported, "deploy: a service key whose parameters changed (or whose creation failed) is deleted and created again; undeploy: the keys the MTA made are deleted", e2eServices, ""},
	"delete-service-brokers": {statusWarned, "accepted; this engine registers no service brokers (`create-service-broker` is warned about), so there are none to delete", e2eFlags,
		"--delete-service-brokers changes nothing: this engine registers no service brokers, so there are none to delete"},
	"keep-files": {statusSupported, "the uploaded archive and extension descriptors stay in the engine after the operation ends (else they are deleted then)", e2eFlags, ""},
	"no-restart-subscribed-apps": {statusWarned, "accepted; there are no subscribed apps here (cross-MTA configuration is refused), so none is restarted either way", e2eFlags,
		"--no-restart-subscribed-apps changes nothing: this engine has no cross-MTA subscriptions, so it restarts no subscribed apps"},
	"do-not-fail-on-missing-permissions": {statusWarned, "accepted; the engine runs no admin operations (service brokers), the only ones the flag is about", e2eFlags,
		"--do-not-fail-on-missing-permissions changes nothing: this engine runs no admin operations (service brokers)"},
	"skip-ownership-validation": {statusWarned, "accepted (hidden in the official plugin, and read by no deploy service step); the engine validates no ownership to skip", e2eFlags,
		"--skip-ownership-validation changes nothing: this engine does not validate the ownership of existing apps and services"},
	"require-secure-parameters": {statusSupported, "`__MTA___<name>`, `__MTA_JSON___<name>` (JSON) and `__MTA_CERT___<name>` (base64) variables become global parameters of an extension `__mta.secure` (merged last), sent to the engine only, never written by the plugin; none set: the official error", e2eFlags + ", `plugin-shim/internal/cmd/secure_test.go`, `tests/unit/mta/test_secure_extension.py`", ""},
	"disposable-user-provided-service": {statusWarned, "accepted; secure parameters travel in the engine's own store, no user-provided service holds a key, so there is none to dispose of", e2eFlags,
		"--disposable-user-provided-service changes nothing: secure parameters are kept by the deploy engine, no user-provided service is created for them"},
	"abort-on-error":     {statusSupported, "a failed operation is aborted at once", e2eCommands, ""},
	"no-confirm":         {statusSupported, "no testing phase: the switch follows at once", e2eBlueGreen + ", " + e2eCommands, ""},
	"skip-testing-phase": {statusSupported, "with --strategy blue-green or incremental-blue-green: no testing phase; with the default strategy nothing", e2eCommands + ", " + goOptions, ""},
	"skip-testing-phase@bg-deploy": {statusWarned, "accepted, as in the official plugin, where bg-deploy reads --no-confirm only", e2eFlags,
		"--skip-testing-phase changes nothing on bg-deploy (as in the official plugin): use --no-confirm to skip the testing phase"},
	"skip-idle-start":                  {statusSupported, "the new version starts directly as live, without a testing phase", e2eCommands, ""},
	"m":                                {statusSupported, "only these modules (the others' apps are left alone)", e2eCommands, ""},
	"r":                                {statusSupported, "only these resources", e2eCommands, ""},
	"all-modules":                      {statusSupported, "every module (overrides -m)", goOptions, ""},
	"all-resources":                    {statusSupported, "every resource (overrides -r)", goOptions, ""},
	"mta":                              {statusSupported, "the MTA whose operations (mta-ops) or logs (dmol) to show", e2eCommands, ""},
	"last":                             {statusSupported, "the last N operations, or their logs", e2eCommands, ""},
	"all":                              {statusSupported, "operations in every state", e2eCommands, ""},
	"d":                                {statusSupported, "where dmol writes `mta-op-<id>/MAIN_LOG`", e2eCommands, ""},
	"smoke-test":                       {statusOwn, "a command run on the user's machine against green's temporary routes before the pause (BG_IDLE_URL_<MODULE>, BG_IDLE_URLS, ...); a failure stops before the pause, in ERROR", e2eSmoke, ""},
	"smoke-test-timeout":               {statusOwn, "each smoke-test command's time limit (seconds or 5m; default 300 s)", e2eSmoke, ""},
	"route-check":                      {statusOwn, "how a route change is confirmed: probe (default: every router answers from the new set), timer (--route-settle-seconds), none", e2eRoutes, ""},
	"drain-seconds":                    {statusOwn, "seconds an old instance keeps serving its in-flight requests after the routers stopped sending it new ones (default 2)", e2eRoutes, ""},
	"route-check-probes":               {statusOwn, "consecutive confirming rounds of probes per route and app instance before a change counts as learnt", unitRoutes, ""},
	"route-check-spread-ms":            {statusOwn, "the shortest time those probes span (milliseconds)", unitRoutes, ""},
	"route-check-timeout":              {statusOwn, "seconds one wait for the routers may take: before the switch the step fails (the old apps still serve), after it a warning names what was not confirmed", e2eRoutes, ""},
	"backup-previous-version":          {statusSupported, "on resume the old version is kept (stopped, unmapped, annotated) for `cf rollback-mta`", e2eRollback, ""},
	"backup-ttl":                       {statusOwn, "how long a kept version counts as a rollback target (default 24 h; 90m, 7d or seconds)", e2eRollback, ""},
	"no-confirm@rollback-mta":          {statusSupported, "rolls back without asking", e2eRollback, ""},
	"apps-start-timeout@rollback-mta":  {statusSupported, "seconds the kept apps may take to start again", e2eRollback, ""},
	"apps-stage-timeout@rollback-mta":  {statusWarned, "a rollback stages nothing", e2eFlags, "--apps-stage-timeout changes nothing: a rollback starts the kept droplets and stages nothing"},
	"apps-upload-timeout@rollback-mta": {statusWarned, "a rollback uploads nothing", e2eFlags, "--apps-upload-timeout changes nothing: a rollback uploads nothing"},
	"apps-task-execution-timeout@rollback-mta": {statusWarned, "a rollback runs no tasks", e2eFlags, "--apps-task-execution-timeout changes nothing: a rollback runs no tasks"},
	"delete-services@rollback-mta":             {statusWarned, "services are not rolled back", e2eFlags, "--delete-services changes nothing: services are not rolled back, the current ones stay"},
	"process-user-provided-services":           {statusWarned, "services are not rolled back", e2eFlags, "--process-user-provided-services changes nothing: services are not rolled back, the current ones stay"},
}

// officialOnly are the official flags no command here accepts: refused as unknown flags.
var officialOnly = map[string]parity{}

// missingCommands are the official commands this plugin does not register.
var missingCommands = map[string]string{
	"purge-mta-config": "the command: `cf purge-mta-config` is not a command of this plugin (no configuration entries are kept: cross-MTA configuration is refused)",
}

// parityFor is the row of a flag on one command.
func parityFor(name, command string) (parity, bool) {
	if p, ok := flagParity[name+"@"+command]; ok {
		return p, true
	}
	if p, ok := flagParity[name]; ok {
		return p, true
	}
	p, ok := officialOnly[name]
	return p, ok
}

// warningsFor are the warned flags' lines for the flags given on this command line.
func warningsFor(cmd *command, c *cmdline) []string {
	var lines []string
	for _, spec := range cmd.flagSpecs() {
		v := c.flags[spec.name]
		if v == nil || !v.given() || (spec.kind == boolFlag && !v.on) {
			continue
		}
		if p, ok := parityFor(spec.name, cmd.name); ok && p.status == statusWarned {
			lines = append(lines, "Warning: "+p.warning)
		}
	}
	return lines
}

// ParityTable renders the flag part of docs/official-parity.md: one row per flag and behaviour,
// naming the commands (official or this plugin's) it applies to.
func ParityTable() string {
	order := []string{}
	commandsOf := map[string][]string{} // flag -> commands having it, in table order
	add := func(flag, command string) {
		if !slices.Contains(order, flag) {
			order = append(order, flag)
		}
		if !slices.Contains(commandsOf[flag], command) {
			commandsOf[flag] = append(commandsOf[flag], command)
		}
	}
	for _, spec := range flagTable {
		for _, oc := range officialCommands {
			if _, missing := missingCommands[oc.name]; missing {
				continue
			}
			if spec.accepts(oc.name) || slices.Contains(oc.flags, spec.name) {
				add(spec.name, oc.name)
			}
		}
	}
	for _, oc := range officialCommands {
		if _, missing := missingCommands[oc.name]; missing {
			continue // one row for the whole command, below
		}
		for _, f := range oc.flags {
			add(f, oc.name)
		}
	}
	var b strings.Builder
	b.WriteString("| flag | commands | status | how it behaves here | tests |\n| --- | --- | --- | --- | --- |\n")
	for _, flag := range order {
		type row struct {
			p        parity
			commands []string
		}
		var rows []row
		for _, command := range commandsOf[flag] {
			p, ok := parityFor(flag, command)
			if !ok {
				p = parity{status: "**no row**"}
			}
			i := slices.IndexFunc(rows, func(r row) bool { return r.p == p })
			if i < 0 {
				rows = append(rows, row{p: p})
				i = len(rows) - 1
			}
			rows[i].commands = append(rows[i].commands, command)
		}
		for _, r := range rows {
			tests := r.p.tests
			if tests == "" {
				tests = "—"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", dashed(flag), strings.Join(r.commands, ", "), r.p.status,
				strings.ReplaceAll(r.p.effect, "|", `\|`), tests)
		}
	}
	for _, oc := range officialCommands {
		if reason, missing := missingCommands[oc.name]; missing {
			flags := make([]string, len(oc.flags))
			for i, f := range oc.flags {
				flags[i] = "`" + dashed(f) + "`"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", strings.Join(flags, " "), oc.name, statusRefused, reason, e2eUsage)
		}
	}
	return b.String()
}

// Markers around the generated part of docs/official-parity.md.
const (
	parityBegin = "<!-- flags: generated from plugin-shim/internal/cmd (flagtable.go, parity.go) by `make parity-doc`; do not edit -->\n"
	parityEnd   = "<!-- end of generated flags -->\n"
)

// WithParityTable returns the document with its generated part replaced by the current table.
func WithParityTable(doc string) (string, error) {
	start, end := strings.Index(doc, parityBegin), strings.Index(doc, parityEnd)
	if start < 0 || end < start {
		return "", fmt.Errorf("the document has no generated flag section (%q ... %q)", strings.TrimSpace(parityBegin), strings.TrimSpace(parityEnd))
	}
	return doc[:start+len(parityBegin)] + ParityTable() + doc[end:], nil
}
