package cmd

import (
	"context"

	"code.cloudfoundry.org/cli/v8/plugin"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
)

// command is one plugin command. Its flags come from the flag table (flagtable.go); its `cf
// help` text and usage lines are rendered from there (usage.go).
type command struct {
	name, alias, helpText string
	usage                 []usageForm
	// checkTyped runs on the flags as typed, before their values are converted: positional
	// arguments and which flags go together.
	checkTyped func(c *cmdline) error
	// checkValues runs after the conversion: rules across values.
	checkValues func(c *cmdline) error
	// prepare runs before the engine is connected (checks and lines that need no engine);
	// done=true ends the run with code.
	prepare func(s *session, c *cmdline) (code int, done bool)
	run     func(ctx context.Context, s *session, c *cmdline) int
}

// cmdline is one parsed command line: the flags as typed, the positional arguments, and what
// the flag table made of them.
type cmdline struct {
	flags      map[string]*flagValue // by flag name; -t shares --apps-start-timeout's
	positional []string

	// The shim's own settings, set by the flag table.
	url            string
	json           bool
	dryRun         bool   // --dry-run: plan the deploy, change nothing
	yes            bool   // set up a local engine without asking if none is found
	id, action     string // -i OPERATION_ID -a ACTION
	force          bool
	retries        int
	extDescriptors []string
	smokeTests     []string // --smoke-test: run here, never sent to the engine
	mtaID          string   // --mta, or the MTA_ID argument
	last           int
	all            bool
	dir            string
	// options go to the engine (deploy and undeploy); set by the flag table.
	options *pb.DeployOptions

	// Set by the command's checks and preparation.
	source      string // MTA: an .mtar file or a directory with mtad.yaml ("" = current directory)
	processType pb.ProcessType
	archive     string // the absolute path of the archive to deploy

	// deploy: --skip-testing-phase (no-confirm with a blue-green strategy); --require-secure-parameters.
	skipTestingPhase, secureParameters bool
	secureExtension                    []byte // built from the environment by prepareSecure
	// One line per flag given that is accepted without the official effect (parity.go), shown first.
	warnings []string
}

// flag returns what was typed for a flag the command accepts.
func (c *cmdline) flag(name string) *flagValue { return c.flags[name] }

// parse reads the command line: the flag syntax, the command's checks on what was typed, each
// flag's conversion in table order, then the command's rules across values.
func (cmd *command) parse(args []string) (*cmdline, error) {
	c := &cmdline{flags: map[string]*flagValue{}, options: &pb.DeployOptions{}}
	f := newFlags(cmd.name)
	for _, spec := range cmd.flagSpecs() {
		owner := spec
		if spec.sameAs != "" {
			owner = specNamed(spec.sameAs)
		}
		v := c.flags[owner.name]
		if v == nil {
			v = &flagValue{kind: owner.kind, raw: owner.def}
			c.flags[owner.name] = v
		}
		f.fs.Var(binding{v, spec.name}, spec.name, "")
	}
	if err := f.parse(args); err != nil {
		return nil, err
	}
	c.positional = f.positional
	if cmd.checkTyped != nil {
		if err := cmd.checkTyped(c); err != nil {
			return nil, err
		}
	}
	for _, spec := range cmd.flagSpecs() {
		v := c.flags[spec.name]
		var err error
		switch {
		case spec.engine != nil:
			err = spec.engine(c.options, v)
		case spec.shim != nil:
			err = spec.shim(c, v)
		}
		if err != nil {
			return nil, err
		}
	}
	if cmd.checkValues != nil {
		if err := cmd.checkValues(c); err != nil {
			return nil, err
		}
	}
	c.warnings = warningsFor(cmd, c)
	return c, nil
}

// flagSpecs are the flags the command accepts, in table order.
func (cmd *command) flagSpecs() []*flagSpec {
	var specs []*flagSpec
	for i := range flagTable {
		if flagTable[i].accepts(cmd.name) {
			specs = append(specs, &flagTable[i])
		}
	}
	return specs
}

// metadata is the command as `cf install-plugin` registers it and `cf help` shows it.
func (cmd *command) metadata() plugin.Command {
	options := map[string]string{}
	for _, spec := range cmd.flagSpecs() {
		options[spec.name] = spec.helpFor(cmd.name)
	}
	return plugin.Command{
		Name:         cmd.name,
		Alias:        cmd.alias,
		HelpText:     cmd.helpText,
		UsageDetails: plugin.Usage{Usage: cmd.usageText(), Options: options},
	}
}

// execute is every command's prologue: parse (a usage error ends here), the session, the cf
// target, the command's preparation, the engine connection; then the command itself.
func (cmd *command) execute(ctx context.Context, env *Env, args []string) int {
	c, err := cmd.parse(args)
	if err != nil {
		return usageFailure(env, cmd, wantsJSON(args), err)
	}
	s := newSession(env, cmd.name, c.json)
	defer s.close()
	if err := s.loadTarget(); err != nil {
		return s.fail(err)
	}
	if cmd.prepare != nil {
		if code, done := cmd.prepare(s, c); done {
			return code
		}
	}
	if err := s.connect(ctx, c.url, c.yes); err != nil {
		return s.fail(err)
	}
	return cmd.run(ctx, s, c)
}

// checkAction checks -i and -a: both or neither, each once, and an action the command knows.
func checkAction(c *cmdline, allowed ...string) error {
	id, action := c.flag("i"), c.flag("a")
	if !id.given() && !action.given() {
		return nil
	}
	if !id.given() || !action.given() || id.raw == "" || action.raw == "" {
		return usagef("All the a i options should be specified together")
	}
	if id.times > 1 || action.times > 1 {
		return usagef("Options i and a should be specified only once")
	}
	for _, ok := range allowed {
		if action.raw == ok {
			return nil
		}
	}
	return usagef("Invalid action %s", action.raw)
}

// mtaIDOrAction checks the arguments of a command on a deployed MTA (undeploy, rollback-mta): an MTA_ID,
// or -i ID -a abort|retry|monitor on an operation it started.
func mtaIDOrAction(c *cmdline) error {
	if err := checkAction(c, "abort", "retry", "monitor"); err != nil {
		return err
	}
	switch {
	case len(c.positional) > 1 || (len(c.positional) == 1 && c.actionGiven()):
		return usagef("Wrong arguments")
	case len(c.positional) == 0 && !c.actionGiven():
		return usagef(`Missing positional argument "MTA_ID"`)
	case len(c.positional) == 1:
		c.mtaID = c.positional[0]
	}
	return nil
}

// actionGiven: the command acts on an existing operation (-i ID -a ACTION).
func (c *cmdline) actionGiven() bool { return c.flag("i").given() }

// checkNamespace is the official plugin's limit on --namespace.
func checkNamespace(ns string) error {
	if len(ns) > maxNamespaceLen {
		return usagef("Invalid value for namespace. The namespace cannot be more than 36 symbols.")
	}
	return nil
}
