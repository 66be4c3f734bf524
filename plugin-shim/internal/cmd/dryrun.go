package cmd

import (
	"context"
	"encoding/json"
	"fmt"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	"bgdeploy.local/plugin-shim/internal/ui"
)

// runDryRun prints what the deploy in req would do (--dry-run): the engine's lines, or with --json the
// plan as the one JSON document on stdout (docs/dry-run.md). Nothing is changed and no operation is
// made. Exit 0 when the plan is valid; else the usual one-line error and exit 1 (with --json the
// summary is then the one document).
func runDryRun(ctx context.Context, s *session, req *pb.StartOperationRequest) int {
	plan, err := s.eng.PlanDeployment(ctx, req)
	if err != nil {
		if isInterrupt(err) {
			return s.fail(err)
		}
		return s.fail(fmt.Errorf("Could not plan the deployment: %w", err))
	}
	if s.ui.JSON {
		doc := json.RawMessage(plan.GetPlanJson())
		if !json.Valid(doc) {
			return s.fail(fmt.Errorf("The deploy engine sent a plan that is not JSON"))
		}
		s.ui.Emit(doc)
		return ui.ExitOK
	}
	for _, line := range plan.GetLines() {
		s.ui.Say("%s", line)
	}
	return ui.ExitOK
}
