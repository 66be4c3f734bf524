package cmd

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	tf "bgdeploy.local/plugin-shim/internal/testfakes"
)

func TestDeployFromAURLOnStdin(t *testing.T) {
	served := []byte("the archive's bytes")
	var downloaded string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/releases/anatz.zip" {
			http.NotFound(w, r)
			return
		}
		w.Write(served)
	}))
	defer srv.Close()
	eng := &tf.Engine{StartOp: started(), Watches: []tf.WatchScript{{Events: []*pb.Event{tf.Stopped(1, tf.Op("42", pb.State_STATE_FINISHED))}}}}
	h := newHarness(t, eng)
	h.env.Stdin = strings.NewReader(srv.URL + "/releases/anatz.zip?raw=true\n")
	if code := h.run("deploy"); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
	out := h.out.String()
	if !strings.HasPrefix(out, "Deploying multi-target app archive from url in org org / space space as admin...\n\nUploading 1 files...\n") {
		t.Fatalf("output:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "  ") && strings.HasSuffix(line, "anatz.zip") {
			downloaded = strings.TrimSpace(line)
		}
	}
	if string(eng.UploadedData["anatz.zip"]) != string(served) || eng.Starts[0].GetArchiveId() != "file-anatz.zip" {
		t.Fatalf("uploaded %q, start %v", eng.UploadedData, eng.Starts)
	}
	if _, err := os.Stat(filepath.Dir(downloaded)); !os.IsNotExist(err) {
		t.Fatalf("the download's directory %s is still there (%v)", filepath.Dir(downloaded), err)
	}
}

func TestAURLThatFailsIsOneLineAndNothingStarts(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	for url, want := range map[string]string{
		srv.URL + "/missing.mtar":  "Could not upload from url: 404 Not Found",
		"ftp://example.com/a.mtar": `Could not upload from url: "ftp://example.com/a.mtar" is not an http or https URL`,
	} {
		eng := &tf.Engine{StartOp: started()}
		h := newHarness(t, eng)
		h.env.Stdin = strings.NewReader(url + "\n")
		code := h.run("bg-deploy", "-f")
		if code != 1 || !strings.HasSuffix(h.out.String(), "FAILED\n"+want+"\n") || len(eng.Starts) != 0 {
			t.Errorf("%s: exit %d\n%s", url, code, h.out)
		}
	}
}

func TestAnEmptyStdinDeploysTheCurrentDirectory(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	h := newHarness(t, &tf.Engine{StartOp: started()})
	h.env.Stdin = strings.NewReader("")
	code := h.run("bg-deploy")
	if code != 1 || !strings.Contains(h.out.String(), "No deployment descriptor with name mtad.yaml was found in location") {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
}
