package cmd

import (
	"context"
	"strings"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/ui"
)

var mtasCommand = command{
	name:       cmdMtas,
	helpText:   "List all multi-target apps",
	usage:      []usageForm{{line: "[-u] [--json] [--yes]"}},
	checkTyped: noOperands,
	prepare: func(s *session, _ *cmdline) (int, bool) {
		s.ui.Say("Getting multi-target apps in org %s / space %s as %s...", s.target.OrgName, s.target.SpaceName, s.target.User)
		return 0, false
	},
	run: runMtas,
}

type mtaRecord struct {
	ID        string          `json:"id"`
	Version   string          `json:"version"`
	Namespace string          `json:"namespace,omitempty"`
	Versions  []versionRecord `json:"versions,omitempty"`
}

type versionRecord struct {
	Version string   `json:"version"`
	Color   string   `json:"color,omitempty"`
	Apps    []string `json:"apps,omitempty"`
}

func runMtas(ctx context.Context, s *session, _ *cmdline) int {
	mtas, err := s.eng.ListMtas(ctx, &pb.ListMtasRequest{Target: s.target.Proto()})
	if err != nil {
		return s.fail(err)
	}
	s.ui.OK()
	records := make([]mtaRecord, 0, len(mtas))
	rows := make([][]string, 0, len(mtas))
	for _, m := range mtas {
		records = append(records, mtaRecord{m.GetId(), m.GetVersion(), m.GetNamespace(), versionRecords(m)})
		rows = append(rows, []string{m.GetId(), displayVersions(m), m.GetNamespace()})
	}
	if len(mtas) == 0 {
		s.ui.Say("No multi-target apps found")
	} else {
		s.ui.Say("")
		s.ui.Table([]string{"mta id", "version", "namespace"}, rows)
	}
	s.summary.Data = records
	return s.end(ui.OutcomeOK, ui.ExitOK)
}

// noOperands: the command takes flags only.
func noOperands(c *cmdline) error {
	if len(c.positional) > 0 {
		return usagef("Wrong arguments")
	}
	return nil
}

// displayVersion shows an unknown version as "?" (official plugin).
func displayVersion(v string) string {
	if v == "" || v == "0.0.0-unknown" {
		return "?"
	}
	return v
}

// displayVersions shows every version deployed (two during a blue-green pause or after an abort) with its
// colour, oldest first: "1.0.0 (blue), 2.0.0 (green)".
func displayVersions(m *pb.Mta) string {
	versions := m.GetVersions()
	if len(versions) <= 1 {
		return displayVersion(m.GetVersion())
	}
	parts := make([]string, 0, len(versions))
	for _, v := range versions {
		text := displayVersion(v.GetVersion())
		if v.GetColor() != "" {
			text += " (" + v.GetColor() + ")"
		}
		parts = append(parts, text)
	}
	return strings.Join(parts, ", ")
}

func versionRecords(m *pb.Mta) []versionRecord {
	if len(m.GetVersions()) <= 1 {
		return nil
	}
	out := make([]versionRecord, 0, len(m.GetVersions()))
	for _, v := range m.GetVersions() {
		out = append(out, versionRecord{v.GetVersion(), v.GetColor(), v.GetApps()})
	}
	return out
}
