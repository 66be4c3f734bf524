package cmd

import (
	"context"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/ui"
)

var mtaOpsCommand = command{
	name:       cmdMtaOps,
	helpText:   "List multi-target app operations",
	usage:      []usageForm{{line: "[--mta] [-u] [--last] [--all] [--json] [--yes]"}},
	checkTyped: noOperands,
	prepare: func(s *session, _ *cmdline) (int, bool) {
		s.ui.Say("Getting multi-target app operations in org %s / space %s as %s...", s.target.OrgName, s.target.SpaceName, s.target.User)
		return 0, false
	},
	run: runMtaOps,
}

type operationRecord struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	MtaID     string `json:"mta_id"`
	Namespace string `json:"namespace,omitempty"`
	State     string `json:"state"`
	StartedAt string `json:"started_at,omitempty"`
	StartedBy string `json:"started_by,omitempty"`
}

func runMtaOps(ctx context.Context, s *session, c *cmdline) int {
	ops, err := s.eng.ListOperations(ctx, &pb.ListOperationsRequest{Target: s.target.Proto(), MtaId: c.mtaID, Last: int32(c.last), All: c.all})
	if err != nil {
		return s.fail(err)
	}
	s.ui.OK()
	records := make([]operationRecord, 0, len(ops))
	rows := make([][]string, 0, len(ops))
	for _, op := range ops {
		r := operationRecord{op.GetId(), processName(op.GetProcessType()), op.GetMtaId(), op.GetNamespace(),
			stateName(op.GetState()), protoTime(op.GetStartedAt()), op.GetStartedBy()}
		records = append(records, r)
		rows = append(rows, []string{r.ID, r.Type, r.MtaID, r.Namespace, r.State, r.StartedAt, r.StartedBy})
	}
	if len(ops) == 0 {
		s.ui.Say("No multi-target app operations found")
	} else {
		s.ui.Say("")
		s.ui.Table([]string{"id", "type", "mta id", "namespace", "status", "started at", "started by"}, rows)
	}
	s.summary.Data = records
	return s.end(ui.OutcomeOK, ui.ExitOK)
}
