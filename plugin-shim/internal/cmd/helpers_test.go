package cmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	plugin_models "code.cloudfoundry.org/cli/v8/plugin/models"
	"code.cloudfoundry.org/cli/v8/plugin/pluginfakes"

	"bgdeploy.local/plugin-shim/internal/engine"
	"bgdeploy.local/plugin-shim/internal/testfakes"
)

type harness struct {
	env    *Env
	out    *bytes.Buffer
	errOut *bytes.Buffer
	conn   *pluginfakes.FakeCliConnection
	eng    *testfakes.Engine
	eps    []engine.Endpoint
}

func newHarness(t *testing.T, eng *testfakes.Engine) *harness {
	t.Helper()
	t.Setenv("CF_HOME", t.TempDir())
	t.Setenv(engine.EnvEngineURL, "")
	h := &harness{out: &bytes.Buffer{}, errOut: &bytes.Buffer{}, conn: testfakes.LoggedIn(), eng: eng}
	h.env = &Env{
		Conn:   h.conn,
		Stdout: h.out,
		Stderr: h.errOut,
		Stdin:  strings.NewReader(""),
		NewEngine: func(_ context.Context, ep engine.Endpoint, tokens engine.TokenSource) (engine.Client, error) {
			h.eps = append(h.eps, ep)
			return eng, nil
		},
		Now: func() time.Time { return testfakes.Epoch.Add(time.Hour) },
	}
	return h
}

func (h *harness) run(args ...string) int {
	return Main(context.Background(), h.env, args)
}

// mtar writes a small file to deploy and returns its path.
func mtar(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hello.mtar")
	if err := os.WriteFile(p, []byte("not really a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func expectOutput(t *testing.T, got string, want ...string) {
	t.Helper()
	if g, w := got, strings.Join(want, "\n")+"\n"; g != w {
		t.Fatalf("output\n--- got ---\n%s--- want ---\n%s", g, w)
	}
}

func pbOrg(guid string) plugin_models.Organization {
	return plugin_models.Organization{OrganizationFields: plugin_models.OrganizationFields{Guid: guid}}
}

func pbSpace(guid string) plugin_models.Space {
	return plugin_models.Space{SpaceFields: plugin_models.SpaceFields{Guid: guid}}
}
