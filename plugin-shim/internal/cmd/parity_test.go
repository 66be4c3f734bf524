package cmd

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// The document the flag rows are generated into, from this package's directory.
const parityDoc = "../../../docs/official-parity.md"

func TestEveryFlagHasAParityRow(t *testing.T) {
	for _, c := range registry {
		for _, spec := range c.flagSpecs() {
			p, ok := parityFor(spec.name, c.name)
			switch {
			case !ok:
				t.Errorf("cf %s %s has no row in parity.go", c.name, dashed(spec.name))
			case p.status == "" || p.effect == "":
				t.Errorf("cf %s %s: a row needs a status and what the flag does here", c.name, dashed(spec.name))
			case p.status == statusWarned && p.warning == "":
				t.Errorf("cf %s %s is warned about, but its row has no warning line", c.name, dashed(spec.name))
			case p.status == statusSupported && p.tests == "":
				t.Errorf("cf %s %s is supported, but its row names no test", c.name, dashed(spec.name))
			}
		}
	}
}

func TestEveryOfficialFlagIsAcceptedOrRefused(t *testing.T) {
	ours := map[string]*command{}
	for _, c := range registry {
		ours[c.name] = c
	}
	for _, oc := range officialCommands {
		c, provided := ours[oc.name]
		if _, missing := missingCommands[oc.name]; provided == missing {
			t.Errorf("%s: a command of the official plugin must be provided here or listed in missingCommands", oc.name)
		}
		if !provided {
			continue
		}
		for _, flag := range oc.flags {
			spec := specNamed(flag)
			_, refused := officialOnly[flag]
			if (spec != nil && spec.accepts(c.name)) == refused {
				t.Errorf("cf %s %s (official): accept it, or refuse it with a row in officialOnly (not both)", oc.name, dashed(flag))
			}
		}
	}
}

func TestParityDocIsCurrent(t *testing.T) {
	raw, err := os.ReadFile(parityDoc)
	if err != nil {
		t.Fatal(err)
	}
	want, err := WithParityTable(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != want {
		t.Fatalf("%s is not the generated one: run `make parity-doc`", parityDoc)
	}
	if strings.Contains(ParityTable(), "**no row**") {
		t.Fatal("the table has a flag without a row")
	}
}

func TestParityTableRowsNameTheirCommands(t *testing.T) {
	table := ParityTable()
	row := func(prefix string) string {
		for _, line := range strings.Split(table, "\n") {
			if strings.HasPrefix(line, prefix) {
				return line
			}
		}
		t.Fatalf("no row starting %q in\n%s", prefix, table)
		return ""
	}
	if r := row("| `--skip-testing-phase` | bg-deploy |"); !strings.Contains(r, "| warned |") {
		t.Errorf("bg-deploy --skip-testing-phase: %s", r)
	}
	if r := row("| `--skip-testing-phase` | deploy |"); !strings.Contains(r, "| supported |") {
		t.Errorf("deploy --skip-testing-phase: %s", r)
	}
	if r := row("| `--backup-previous-version` | bg-deploy, deploy |"); !strings.Contains(r, "| supported |") {
		t.Errorf("--backup-previous-version: %s", r)
	}
	if r := row("| `--delete-services` | rollback-mta |"); !strings.Contains(r, "| warned |") {
		t.Errorf("rollback-mta --delete-services: %s", r)
	}
	if r := row("| `-u` | purge-mta-config | refused |"); r == "" {
		t.Error("purge-mta-config has no row")
	}
	if r := row("| `-u` | bg-deploy, deploy, undeploy, mtas, mta, mta-ops, download-mta-op-logs, rollback-mta |"); !strings.Contains(r, "supported") {
		t.Errorf("-u: %s", r)
	}
}

func TestWarnedFlagsSayWhyOnce(t *testing.T) {
	c, err := bgDeployCommand.parse([]string{"a.mtar", "--no-restart-subscribed-apps", "--skip-testing-phase", "--delete-service-brokers=false", "--no-confirm"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Warning: " + flagParity["no-restart-subscribed-apps"].warning,
		"Warning: " + flagParity["skip-testing-phase@bg-deploy"].warning,
	}
	if !slices.Equal(c.warnings, want) {
		t.Fatalf("warnings\n got: %q\nwant: %q", c.warnings, want)
	}
	if c.options.NoConfirm != true {
		t.Fatal("--no-confirm still skips the testing phase")
	}
	d, err := deployCommand.parse([]string{"a.mtar", "--strategy", "blue-green", "--skip-testing-phase"})
	if err != nil || len(d.warnings) != 0 || !d.options.NoConfirm {
		t.Fatalf("deploy --skip-testing-phase: %v %q %v", err, d.warnings, d.options)
	}
	u, err := undeployCommand.parse([]string{"m", "--do-not-fail-on-missing-permissions", "--delete-service-brokers"})
	if err != nil || len(u.warnings) != 2 {
		t.Fatalf("undeploy: %v %q", err, u.warnings)
	}
}
