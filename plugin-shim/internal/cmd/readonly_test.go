package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	tf "bgdeploy.local/plugin-shim/internal/testfakes"
)

func TestMtas(t *testing.T) {
	h := newHarness(t, &tf.Engine{Mtas: []*pb.Mta{{Id: "hello", Version: "1.0.0"}, {Id: "other", Version: "0.0.0-unknown", Namespace: "dev"}}})
	if code := h.run("mtas"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	expectOutput(t, h.out.String(),
		"Getting multi-target apps in org org / space space as admin...",
		"OK",
		"",
		"mta id   version   namespace",
		"hello    1.0.0",
		"other    ?         dev")
}

// During a blue-green pause both versions are deployed: each is shown with its colour, in the table and in
// --json (issue 14: not the old version only).
func TestMtasAndMtaDuringAPauseShowBothVersions(t *testing.T) {
	paused := &pb.Mta{Id: "hello", Version: "1.0.0", Versions: []*pb.MtaVersion{
		{Version: "1.0.0", Color: "blue", Apps: []string{"web-blue"}},
		{Version: "2.0.0", Color: "green", Apps: []string{"web-green"}}}}
	h := newHarness(t, &tf.Engine{Mtas: []*pb.Mta{paused}})
	if code := h.run("mtas"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	expectOutput(t, h.out.String(),
		"Getting multi-target apps in org org / space space as admin...",
		"OK",
		"",
		"mta id   version                       namespace",
		"hello    1.0.0 (blue), 2.0.0 (green)")
	h = newHarness(t, &tf.Engine{Mtas: []*pb.Mta{paused}})
	if code := h.run("mta", "hello"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(h.out.String(), "\nVersion: 1.0.0 (blue), 2.0.0 (green)\n") {
		t.Fatalf("output:\n%s", h.out.String())
	}
	h = newHarness(t, &tf.Engine{Mtas: []*pb.Mta{paused}})
	if code := h.run("mtas", "--json"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !strings.Contains(h.out.String(), `"versions":[{"version":"1.0.0","color":"blue","apps":["web-blue"]},`+
		`{"version":"2.0.0","color":"green","apps":["web-green"]}]`) {
		t.Fatalf("json:\n%s", h.out.String())
	}
}

func TestMtasEmpty(t *testing.T) {
	h := newHarness(t, &tf.Engine{})
	h.run("mtas")
	expectOutput(t, h.out.String(), "Getting multi-target apps in org org / space space as admin...", "OK", "No multi-target apps found")
}

func TestMta(t *testing.T) {
	h := newHarness(t, &tf.Engine{Mtas: []*pb.Mta{{Id: "hello", Version: "1.0.0",
		Apps:     []*pb.MtaApp{{Name: "hello-backend", State: "STARTED", RunningInstances: 2, Instances: 2, MemoryMb: 1024, DiskMb: 512, Urls: []string{"hello.apps.sim.test"}}},
		Services: []*pb.MtaService{{Name: "db", Offering: "postgres", Plan: "small", BoundApps: []string{"hello-backend"}, LastOperation: "create succeeded"}},
	}}})
	if code := h.run("mta", "hello"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	expectOutput(t, h.out.String(),
		"Showing health and status for multi-target app hello in org org / space space as admin...",
		"OK",
		"Version: 1.0.0",
		"Rollback target: none",
		"",
		"Apps:",
		"name            requested state   instances   memory   disk   urls",
		"hello-backend   started           2/2         1G       512M   hello.apps.sim.test",
		"",
		"Services:",
		"name   service    plan    bound apps      last operation",
		"db     postgres   small   hello-backend   create succeeded")
}

func TestMtaNotFound(t *testing.T) {
	h := newHarness(t, &tf.Engine{})
	if code := h.run("mta", "nope", "--namespace", "dev"); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasSuffix(h.out.String(), "FAILED\nMulti-target app nope with namespace dev not found\n") {
		t.Fatalf("output:\n%s", h.out)
	}
}

func TestMtaOps(t *testing.T) {
	eng := &tf.Engine{Operations: []*pb.Operation{{Id: "42", ProcessType: pb.ProcessType_PROCESS_TYPE_BLUE_GREEN_DEPLOY, MtaId: "hello", State: pb.State_STATE_ACTION_REQUIRED, StartedBy: "admin"}}}
	h := newHarness(t, eng)
	if code := h.run("mta-ops", "--mta", "hello", "--last", "3"); code != 0 {
		t.Fatalf("exit %d", code)
	}
	expectOutput(t, h.out.String(),
		"Getting multi-target app operations in org org / space space as admin...",
		"OK",
		"",
		"id   type                mta id   namespace   status            started at   started by",
		"42   BLUE_GREEN_DEPLOY   hello                ACTION_REQUIRED                admin")
	if r := eng.ListReqs[0]; r.GetMtaId() != "hello" || r.GetLast() != 3 || r.GetAll() {
		t.Fatalf("request %v", r)
	}
}

func TestDmol(t *testing.T) {
	eng := &tf.Engine{Logs: map[string][]*pb.LogChunk{"42": {{Name: "MAIN_LOG", Data: []byte("line 1\n")}, {Name: "MAIN_LOG", Data: []byte("line 2\n")}}}}
	h := newHarness(t, eng)
	dir := t.TempDir()
	if code := h.run("dmol", "-i", "42", "-d", dir); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
	logDir := filepath.Join(dir, "mta-op-42")
	expectOutput(t, h.out.String(),
		"Downloading logs of multi-target app operation with ID 42 in org org / space space as admin...",
		"OK",
		"Saving logs to "+logDir+"...",
		"  MAIN_LOG",
		"OK")
	data, _ := os.ReadFile(filepath.Join(logDir, "MAIN_LOG"))
	if string(data) != "line 1\nline 2\n" {
		t.Fatalf("log %q", data)
	}
	h.out.Reset()
	if code := h.run("dmol", "-i", "42", "-d", dir); code != 1 || !strings.Contains(h.out.String(), "File or directory already exists") {
		t.Fatalf("second download: %d %s", code, h.out)
	}
}

func TestUndeploy(t *testing.T) {
	eng := &tf.Engine{Mtas: []*pb.Mta{{Id: "hello"}}, StartOp: tf.Op("43", pb.State_STATE_RUNNING),
		Watches: []tf.WatchScript{{Events: []*pb.Event{tf.Progress("43", 1, `Deleting application "hello-backend"...`), tf.Stopped(2, tf.Op("43", pb.State_STATE_FINISHED))}}}}
	h := newHarness(t, eng)
	h.env.Stdin = strings.NewReader("y\n")
	if code := h.run("undeploy", "hello", "--delete-services"); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
	expectOutput(t, h.out.String(),
		"Really undeploy multi-target app hello in org org / space space? (y/n)> Undeploying multi-target app hello in org org / space space as admin...",
		`Deleting application "hello-backend"...`,
		"Process finished.",
		`Use "cf dmol -i 43" to download the logs of the process.`)
	if s := eng.Starts[0]; s.GetProcessType() != pb.ProcessType_PROCESS_TYPE_UNDEPLOY || s.GetMtaId() != "hello" || !s.GetOptions().GetDeleteServices() {
		t.Fatalf("start %v", s)
	}
}

func TestUndeployCancelled(t *testing.T) {
	h := newHarness(t, &tf.Engine{})
	if code := h.run("undeploy", "hello"); code != 1 {
		t.Fatalf("exit %d", code)
	}
	if !strings.HasSuffix(h.out.String(), "Undeploy cancelled\n") || len(h.eps) != 0 {
		t.Fatalf("output:\n%s", h.out)
	}
}

func TestUndeployMissingMta(t *testing.T) {
	h := newHarness(t, &tf.Engine{})
	if code := h.run("undeploy", "ghost", "-f"); code != 1 || !strings.HasSuffix(h.out.String(), "FAILED\nMulti-target app ghost not found\n") {
		t.Fatalf("%s", h.out)
	}
}

func TestMetadataRegistersCommands(t *testing.T) {
	m := (&Plugin{Version: ParseVersion("1.2.3")}).GetMetadata()
	var names []string
	for _, c := range m.Commands {
		names = append(names, c.Name+"/"+c.Alias)
		if c.HelpText == "" || c.UsageDetails.Usage == "" {
			t.Errorf("%s has no help", c.Name)
		}
	}
	if m.Name != "bg-deploy" || m.Version.Build != 3 ||
		strings.Join(names, " ") != "bg-deploy/ deploy/ undeploy/ rollback-mta/ mtas/ mta/ mta-ops/ download-mta-op-logs/dmol" {
		t.Fatalf("%v %v", m.Name, names)
	}
}
