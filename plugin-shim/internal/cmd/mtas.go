package cmd

import (
	"context"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/ui"
)

type mtasOptions struct{ shared }

func parseMtas(args []string) (*mtasOptions, error) {
	f := newFlags("mtas")
	o := &mtasOptions{}
	o.shared.register(f)
	if err := f.parse(args); err != nil {
		return nil, err
	}
	if len(f.positional) > 0 {
		return nil, usagef("Wrong arguments")
	}
	return o, nil
}

func runMtasCommand(ctx context.Context, env *Env, name string, args []string) int {
	o, err := parseMtas(args)
	if err != nil {
		return usageFailure(env, mtasMeta, wantsJSON(args), err)
	}
	return runMtas(ctx, newSession(env, name, o.json), o)
}

type mtaRecord struct {
	ID        string `json:"id"`
	Version   string `json:"version"`
	Namespace string `json:"namespace,omitempty"`
}

func runMtas(ctx context.Context, s *session, o *mtasOptions) int {
	defer s.close()
	if err := s.loadTarget(); err != nil {
		return s.fail(err)
	}
	s.ui.Say("Getting multi-target apps in org %s / space %s as %s...", s.target.OrgName, s.target.SpaceName, s.target.User)
	if err := s.connect(ctx, o.url); err != nil {
		return s.fail(err)
	}
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

// displayVersion shows an unknown version as "?" (official plugin).
func displayVersion(v string) string {
	if v == "" || v == "0.0.0-unknown" {
		return "?"
	}
	return v
}
