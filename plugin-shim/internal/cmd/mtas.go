package cmd

import (
	"context"

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
	ID        string `json:"id"`
	Version   string `json:"version"`
	Namespace string `json:"namespace,omitempty"`
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
		records = append(records, mtaRecord{m.GetId(), m.GetVersion(), m.GetNamespace()})
		rows = append(rows, []string{m.GetId(), displayVersion(m.GetVersion()), m.GetNamespace()})
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
