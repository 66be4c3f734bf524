package cmd

import (
	"context"
	"fmt"
	"strings"

	"bgdeploy.local/plugin-shim/internal/engine"
	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/ui"
)

type mtaOptions struct {
	shared
	mtaID     string
	namespace string
}

func parseMta(args []string) (*mtaOptions, error) {
	f := newFlags("mta")
	o := &mtaOptions{}
	o.shared.register(f)
	f.fs.StringVar(&o.namespace, "namespace", "", "")
	if err := f.parse(args); err != nil {
		return nil, err
	}
	switch len(f.positional) {
	case 0:
		return nil, usagef(`Missing positional argument "MTA_ID"`)
	case 1:
		o.mtaID = f.positional[0]
	default:
		return nil, usagef("Wrong arguments")
	}
	return o, nil
}

func runMtaCommand(ctx context.Context, env *Env, name string, args []string) int {
	o, err := parseMta(args)
	if err != nil {
		return usageFailure(env, mtaMeta, wantsJSON(args), err)
	}
	return runMta(ctx, newSession(env, name, o.json), o)
}

func runMta(ctx context.Context, s *session, o *mtaOptions) int {
	defer s.close()
	if err := s.loadTarget(); err != nil {
		return s.fail(err)
	}
	s.summary.MtaID = o.mtaID
	s.ui.Say("Showing health and status for multi-target app %s in org %s / space %s as %s...", o.mtaID, s.target.OrgName, s.target.SpaceName, s.target.User)
	if err := s.connect(ctx, o.url); err != nil {
		return s.fail(err)
	}
	m, err := s.eng.GetMta(ctx, &pb.GetMtaRequest{Target: s.target.Proto(), MtaId: o.mtaID, Namespace: o.namespace})
	if engine.IsNotFound(err) {
		if o.namespace != "" {
			return s.fail(fmt.Errorf("Multi-target app %s with namespace %s not found", o.mtaID, o.namespace))
		}
		return s.fail(fmt.Errorf("Multi-target app %s not found", o.mtaID))
	}
	if err != nil {
		return s.fail(err)
	}
	s.ui.OK()
	s.ui.Say("Version: %s", displayVersion(m.GetVersion()))
	if m.GetNamespace() != "" {
		s.ui.Say("Namespace: %s", m.GetNamespace())
	}
	s.ui.Say("")
	s.ui.Say("Apps:")
	apps := [][]string{}
	for _, a := range m.GetApps() {
		apps = append(apps, []string{a.GetName(), strings.ToLower(a.GetState()),
			fmt.Sprintf("%d/%d", a.GetRunningInstances(), a.GetInstances()),
			megabytes(a.GetMemoryMb()), megabytes(a.GetDiskMb()), strings.Join(a.GetUrls(), ", ")})
	}
	s.ui.Table([]string{"name", "requested state", "instances", "memory", "disk", "urls"}, apps)
	if len(m.GetServices()) > 0 {
		s.ui.Say("")
		s.ui.Say("Services:")
		svcs := [][]string{}
		for _, sv := range m.GetServices() {
			svcs = append(svcs, []string{sv.GetName(), sv.GetOffering(), sv.GetPlan(), strings.Join(sv.GetBoundApps(), ", "), sv.GetLastOperation()})
		}
		s.ui.Table([]string{"name", "service", "plan", "bound apps", "last operation"}, svcs)
	}
	s.summary.Data = m
	return s.end(ui.OutcomeOK, ui.ExitOK)
}

// megabytes prints sizes the way `cf app` does: 512M, 1G.
func megabytes(mb int32) string {
	if mb > 0 && mb%1024 == 0 {
		return fmt.Sprintf("%dG", mb/1024)
	}
	return fmt.Sprintf("%dM", mb)
}
