package cmd

import (
	"context"
	"fmt"

	"bgdeploy.local/plugin-shim/internal/engine"
	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/ui"
)

// What the commands acting on a deployed MTA by its ID share: the official plugin's question before
// anything is removed, its "not found" error, and the start of the operation.

// askThenAnnounce asks "Really <verb> ...?" unless skip; a no ends the command as "<Cancelled> cancelled".
// On yes it says what starts, with the parser's warnings.
func (s *session) askThenAnnounce(c *cmdline, verb, cancelled, doing string, skip bool) (int, bool) {
	s.summary.MtaID = c.mtaID
	where := fmt.Sprintf("multi-target app %s in org %s / space %s", c.mtaID, s.target.OrgName, s.target.SpaceName)
	if !skip && !s.confirm(fmt.Sprintf("Really %s %s? (y/n)", verb, where)) {
		s.ui.Warn(cancelled + " cancelled")
		s.summary.Message = cancelled + " cancelled"
		return s.end(ui.OutcomeError, ui.ExitFailed), true
	}
	s.ui.Say("%s %s as %s...", doing, where, s.target.User)
	for _, w := range c.warnings {
		s.ui.Warn(w)
	}
	return 0, false
}

// deployedMta is the MTA of c.mtaID (and --namespace), or the command's end with the official plugin's error.
func (s *session) deployedMta(ctx context.Context, c *cmdline) (*pb.Mta, int, bool) {
	ns := c.options.GetNamespace()
	m, err := s.eng.GetMta(ctx, &pb.GetMtaRequest{Target: s.target.Proto(), MtaId: c.mtaID, Namespace: ns})
	switch {
	case engine.IsNotFound(err) && ns != "":
		return nil, s.fail(fmt.Errorf("Multi-target app %s with namespace %s not found", c.mtaID, ns)), false
	case engine.IsNotFound(err):
		return nil, s.fail(fmt.Errorf("Multi-target app %s not found", c.mtaID)), false
	case err != nil:
		return nil, s.fail(err), false
	}
	return m, 0, true
}

// startOnMta starts an operation of kind on c.mtaID and follows it to its end.
func (s *session) startOnMta(ctx context.Context, c *cmdline, kind pb.ProcessType) int {
	op, code, ok := s.start(ctx, &pb.StartOperationRequest{
		Target:           s.target.Proto(),
		ProcessType:      kind,
		MtaId:            c.mtaID,
		Options:          c.options,
		AbortConflicting: c.force,
	})
	if !ok {
		return code
	}
	return s.newFollower(c.retries).follow(ctx, op, 0)
}
