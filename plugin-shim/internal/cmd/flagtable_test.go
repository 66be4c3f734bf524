package cmd

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
)

func TestEveryFlagIsDeclaredCompletely(t *testing.T) {
	known := map[string]bool{}
	for _, c := range registry {
		known[c.name] = true
	}
	for _, s := range flagTable {
		if s.help == "" {
			t.Errorf("%s has no help text", dashed(s.name))
		}
		if (s.kind == boolFlag) != (s.placeholder == "") {
			t.Errorf("%s: a value placeholder belongs to flags with a value, and only to them", dashed(s.name))
		}
		destinations := 0
		for _, set := range []bool{s.engine != nil, s.shim != nil, s.sameAs != ""} {
			if set {
				destinations++
			}
		}
		if p, _ := parityFor(s.name, ""); destinations != 1 && (destinations != 0 || p.status != statusWarned) {
			t.Errorf("%s lands in %d places; want exactly one (engine, shim or sameAs), or none for a warned flag", dashed(s.name), destinations)
		}
		if s.sameAs != "" {
			if owner := specNamed(s.sameAs); owner == nil || owner.kind != s.kind || !slices.Equal(owner.commands, s.commands) {
				t.Errorf("%s shares the value of %s, which must exist with the same kind and commands", dashed(s.name), s.sameAs)
			}
		}
		if len(s.commands) == 0 {
			t.Errorf("%s is accepted by no command", dashed(s.name))
		}
		for _, c := range s.commands {
			if !known[c] {
				t.Errorf("%s names an unknown command %q", dashed(s.name), c)
			}
		}
		for c, h := range s.helpIn {
			if !s.accepts(c) || h == "" {
				t.Errorf("%s: help for %q, which does not accept it (or the text is empty)", dashed(s.name), c)
			}
		}
	}
	for _, c := range registry {
		for name, help := range c.metadata().UsageDetails.Options {
			if help == "" {
				t.Errorf("cf help %s: %s has no help text", c.name, dashed(name))
			}
		}
	}
}

func TestUsageLinesShowExactlyTheOptions(t *testing.T) {
	for _, c := range registry {
		var inUsage []string
		for _, form := range c.usage {
			for _, tok := range strings.Fields(form.line) {
				name := usageFlagName(tok)
				if name == "" {
					continue
				}
				if inner := strings.Trim(tok, "[]"); inner != dashed(name) {
					t.Errorf("%s usage: %q should be written %s", c.name, tok, dashed(name))
				}
				if !slices.Contains(inUsage, name) {
					inUsage = append(inUsage, name)
				}
			}
		}
		options := c.metadata().UsageDetails.Options
		var notShown, notAccepted []string
		for name := range options {
			if !slices.Contains(inUsage, name) {
				notShown = append(notShown, dashed(name))
			}
		}
		for _, name := range inUsage {
			if _, ok := options[name]; !ok {
				notAccepted = append(notAccepted, dashed(name))
			}
		}
		sort.Strings(notShown)
		if len(notShown)+len(notAccepted) > 0 {
			t.Errorf("%s: options missing from the usage lines %v; usage lines showing flags it does not accept %v", c.name, notShown, notAccepted)
		}
	}
}

func TestUsageShowsPlaceholders(t *testing.T) {
	got := mtaOpsCommand.metadata().UsageDetails.Usage
	if want := "cf mta-ops [--mta MTA] [-u URL] [--last NUM] [--all] [--json] [--yes]"; got != want {
		t.Fatalf("usage\n got: %q\nwant: %q", got, want)
	}
	got = dmolCommand.usageText()
	if want := "cf download-mta-op-logs -i OPERATION_ID [-d DIRECTORY] [-u URL] [--json] [--yes]\n\n   cf download-mta-op-logs --mta MTA [--last NUM] [-d DIRECTORY] [-u URL] [--json]"; got != want {
		t.Fatalf("usage\n got: %q\nwant: %q", got, want)
	}
}

// Sample values of the string flags that land in DeployOptions; a new one needs a sample here.
var deployFlagSamples = map[string]string{
	"t": "5", "apps-start-timeout": "5", "apps-stage-timeout": "5", "apps-upload-timeout": "5",
	"apps-task-execution-timeout": "5", "version-rule": "ALL", "namespace": "ns", "strategy": "incremental-blue-green",
	"m": "mod", "r": "res", "apply-namespace-app-names": "true", "apply-namespace-service-names": "false",
	"apply-namespace-app-routes": "true", "apply-namespace-as-suffix": "true",
	"smoke-test-timeout": "5m", "backup-ttl": "7d",
	"route-check": "timer", "drain-seconds": "0", "route-check-probes": "5",
	"route-check-spread-ms": "500", "route-check-timeout": "60",
}

func TestEveryDeployFlagReachesDeployOptions(t *testing.T) {
	// deploy runs blue-green here, where every blue-green flag counts.
	base := map[string][]string{
		cmdBgDeploy: {"a.mtar"}, cmdDeploy: {"a.mtar", "--strategy", "blue-green"}, cmdUndeploy: {"hello"},
	}
	checked := 0
	for _, c := range registry {
		for _, s := range c.flagSpecs() {
			owner := s
			if s.sameAs != "" {
				owner = specNamed(s.sameAs)
			}
			if owner.engine == nil {
				continue
			}
			args, ok := base[c.name]
			if !ok {
				continue // mta reads --namespace from the options too, but sends no DeployOptions
			}
			flagArgs := []string{dashed(s.name)}
			if s.kind != boolFlag {
				sample, ok := deployFlagSamples[s.name]
				if !ok {
					t.Errorf("no sample value for %s in deployFlagSamples", dashed(s.name))
					continue
				}
				flagArgs = append(flagArgs, sample)
			}
			without, err := c.parse(args)
			if err != nil {
				t.Fatalf("%s %v: %v", c.name, args, err)
			}
			with, err := c.parse(append(slices.Clone(args), flagArgs...))
			if err != nil {
				t.Errorf("%s %v: %v", c.name, flagArgs, err)
				continue
			}
			if proto.Equal(with.options, without.options) {
				t.Errorf("cf %s %s does not reach DeployOptions (%v)", c.name, strings.Join(flagArgs, " "), with.options)
			}
			checked++
		}
	}
	if checked < 40 {
		t.Fatalf("only %d command/flag pairs checked", checked)
	}
}
