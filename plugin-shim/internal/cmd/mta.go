package cmd

import (
	"context"
	"fmt"
	"strings"
	"time"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/ui"
)

var mtaCommand = command{
	name:     cmdMta,
	helpText: "Display health and status for a multi-target app",
	usage:    []usageForm{{line: "MTA_ID [--namespace] [-u] [--json] [--yes]"}},
	checkTyped: func(c *cmdline) error {
		switch len(c.positional) {
		case 0:
			return usagef(`Missing positional argument "MTA_ID"`)
		case 1:
			c.mtaID = c.positional[0]
			return nil
		}
		return usagef("Wrong arguments")
	},
	prepare: func(s *session, c *cmdline) (int, bool) {
		s.summary.MtaID = c.mtaID
		s.ui.Say("Showing health and status for multi-target app %s in org %s / space %s as %s...", c.mtaID, s.target.OrgName, s.target.SpaceName, s.target.User)
		return 0, false
	},
	run: runMta,
}

func runMta(ctx context.Context, s *session, c *cmdline) int {
	m, code, ok := s.deployedMta(ctx, c)
	if !ok {
		return code
	}
	s.ui.OK()
	s.ui.Say("Version: %s", displayVersions(m))
	if m.GetNamespace() != "" {
		s.ui.Say("Namespace: %s", m.GetNamespace())
	}
	s.ui.Say("Rollback target: %s", rollbackTarget(m.GetBackup()))
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

// rollbackTarget says what `cf rollback-mta` would go back to, and until when.
func rollbackTarget(b *pb.MtaBackup) string {
	if b == nil {
		return "none"
	}
	until := b.GetKeptUntil().AsTime().UTC().Format(time.RFC3339)
	if b.GetExpired() {
		return fmt.Sprintf("none (version %s expired at %s; the next deploy removes it)", displayVersion(b.GetVersion()), until)
	}
	return fmt.Sprintf("version %s, kept until %s by operation %s (%s)", displayVersion(b.GetVersion()), until,
		b.GetReplacedBy(), strings.Join(b.GetApps(), ", "))
}

// megabytes prints sizes the way `cf app` does: 512M, 1G.
func megabytes(mb int32) string {
	if mb > 0 && mb%1024 == 0 {
		return fmt.Sprintf("%dG", mb/1024)
	}
	return fmt.Sprintf("%dM", mb)
}
