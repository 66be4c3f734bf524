package cmd

import (
	"encoding/json"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"

	"bgdeploy.local/plugin-shim/internal/engine"
	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	tf "bgdeploy.local/plugin-shim/internal/testfakes"
)

const planJSON = `{"dry_run":true,"changes":true,"modules":[{"module":"web","action":"create","app":"web-blue"}]}`

func planned() *tf.Engine {
	return &tf.Engine{Plan: &pb.DryRunPlan{Changes: true, PlanJson: planJSON,
		Lines: []string{`Dry run: nothing was changed in org "org" / space "space".`, "", "Changes: yes"}}}
}

func TestDryRunPrintsThePlanAndStartsNothing(t *testing.T) {
	eng := planned()
	h := newHarness(t, eng)
	path := mtar(t)
	if code := h.run("bg-deploy", path, "--dry-run", "--no-confirm", "-f"); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
	expectOutput(t, h.out.String(),
		"Planning the deployment of multi-target app archive "+path+" in org org / space space as admin (dry run)...",
		"",
		"Uploading 1 files...",
		"  "+path,
		"OK",
		`Dry run: nothing was changed in org "org" / space "space".`,
		"",
		"Changes: yes")
	if len(eng.Starts) != 0 || len(eng.Acts) != 0 || len(eng.WatchStarts) != 0 || len(eng.Planned) != 1 {
		t.Fatalf("a dry run only plans: starts %v, acts %v, watches %v, plans %v", eng.Starts, eng.Acts, eng.WatchStarts, eng.Planned)
	}
	req := eng.Planned[0]
	if req.GetProcessType() != pb.ProcessType_PROCESS_TYPE_BLUE_GREEN_DEPLOY || req.GetArchiveId() != "file-hello.mtar" ||
		!req.GetOptions().GetNoConfirm() || req.GetTarget().GetSpaceGuid() != "space-guid" {
		t.Fatalf("plan request %v", req)
	}
}

func TestDryRunOfAPlainDeploy(t *testing.T) {
	eng := planned()
	h := newHarness(t, eng)
	if code := h.run("deploy", mtar(t), "--dry-run", "--delete-services"); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
	if req := eng.Planned[0]; req.GetProcessType() != pb.ProcessType_PROCESS_TYPE_DEPLOY || !req.GetOptions().GetDeleteServices() {
		t.Fatalf("plan request %v", req)
	}
}

func TestDryRunJSONIsOneDocument(t *testing.T) {
	h := newHarness(t, planned())
	if code := h.run("bg-deploy", mtar(t), "--dry-run", "--json"); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, h.out, h.errOut)
	}
	if h.out.String() != planJSON+"\n" || h.errOut.Len() != 0 {
		t.Fatalf("stdout must be the plan alone (no upload or summary records):\n%s\nstderr:\n%s", h.out, h.errOut)
	}
}

func TestDryRunOfAnInvalidDeployFailsInOneLine(t *testing.T) {
	refusal := &engine.Error{Code: codes.InvalidArgument, Message: `mtad.yaml: modules[0]: Domain "nowhere.example" does not exist`}
	eng := planned()
	eng.PlanErr = refusal
	h := newHarness(t, eng)
	if code := h.run("bg-deploy", mtar(t), "--dry-run"); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasSuffix(h.out.String(), "FAILED\nCould not plan the deployment: "+refusal.Message+"\n") {
		t.Fatalf("output:\n%s", h.out)
	}

	h = newHarness(t, eng)
	if code := h.run("bg-deploy", mtar(t), "--dry-run", "--json"); code != 1 {
		t.Fatalf("exit %d", code)
	}
	var summary map[string]any
	if err := json.Unmarshal(h.out.Bytes(), &summary); err != nil || strings.Count(h.out.String(), "\n") != 1 {
		t.Fatalf("stdout must be one JSON document: %v\n%s", err, h.out)
	}
	if summary["event"] != "summary" || summary["outcome"] != "error" || summary["exit_code"] != 1.0 ||
		summary["message"] != "Could not plan the deployment: "+refusal.Message {
		t.Fatalf("summary %v", summary)
	}
	if !strings.Contains(h.errOut.String(), "FAILED\n") {
		t.Fatalf("stderr:\n%s", h.errOut)
	}
}

func TestDryRunOfAnActionIsAUsageError(t *testing.T) {
	eng := planned()
	h := newHarness(t, eng)
	if code := h.run("bg-deploy", "-i", "42", "-a", "resume", "--dry-run"); code != 2 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasPrefix(h.out.String(), "FAILED\nIncorrect usage. --dry-run plans a deploy; it cannot be used with -i and -a\n") {
		t.Fatalf("output:\n%s", h.out)
	}
	if len(eng.Planned)+len(eng.Acts) != 0 {
		t.Fatal("nothing may reach the engine")
	}
}
