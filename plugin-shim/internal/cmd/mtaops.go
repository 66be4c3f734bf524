package cmd

import (
	"context"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/ui"
)

type mtaOpsOptions struct {
	shared
	mtaID string
	last  int
	all   bool
}

func parseMtaOps(args []string) (*mtaOpsOptions, error) {
	f := newFlags("mta-ops")
	o := &mtaOpsOptions{}
	o.shared.register(f)
	last := ""
	f.fs.StringVar(&o.mtaID, "mta", "", "")
	f.fs.StringVar(&last, "last", "", "")
	f.fs.BoolVar(&o.all, "all", false, "")
	if err := f.parse(args); err != nil {
		return nil, err
	}
	if len(f.positional) > 0 {
		return nil, usagef("Wrong arguments")
	}
	if last != "" {
		var err error
		if o.last, err = nonNegative("last", last); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func runMtaOpsCommand(ctx context.Context, env *Env, name string, args []string) int {
	o, err := parseMtaOps(args)
	if err != nil {
		return usageFailure(env, mtaOpsMeta, wantsJSON(args), err)
	}
	return runMtaOps(ctx, newSession(env, name, o.json), o)
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

func runMtaOps(ctx context.Context, s *session, o *mtaOpsOptions) int {
	defer s.close()
	if err := s.loadTarget(); err != nil {
		return s.fail(err)
	}
	s.ui.Say("Getting multi-target app operations in org %s / space %s as %s...", s.target.OrgName, s.target.SpaceName, s.target.User)
	if err := s.connect(ctx, o.url); err != nil {
		return s.fail(err)
	}
	ops, err := s.eng.ListOperations(ctx, &pb.ListOperationsRequest{Target: s.target.Proto(), MtaId: o.mtaID, Last: int32(o.last), All: o.all})
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
