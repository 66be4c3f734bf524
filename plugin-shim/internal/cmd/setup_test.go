package cmd

import (
	"context"
	"strings"
	"testing"

	"bgdeploy.local/plugin-shim/internal/engine"
	tf "bgdeploy.local/plugin-shim/internal/testfakes"
)

// withoutEngine makes the first connection find no engine; setups are recorded.
func withoutEngine(h *harness) *[]string {
	var setups []string
	connects := 0
	h.env.Version = "0.2.0"
	h.env.NewEngine = func(_ context.Context, ep engine.Endpoint, _ engine.TokenSource) (engine.Client, error) {
		h.eps = append(h.eps, ep)
		if connects++; len(setups) == 0 {
			return nil, &engine.NoEngineError{VenvDir: "/home/u/.cf/bg-deploy/venv"}
		}
		return h.eng, nil
	}
	h.env.SetupEngine = func(_ context.Context, stateDir, version string) error {
		setups = append(setups, stateDir+" "+version)
		return nil
	}
	return &setups
}

func TestNoEngineWithoutConsentPrintsTheHint(t *testing.T) {
	h := newHarness(t, &tf.Engine{})
	setups := withoutEngine(h)
	if code := h.run("mtas"); code != 1 {
		t.Fatalf("exit %d", code)
	}
	expectOutput(t, h.out.String(), "Getting multi-target apps in org org / space space as admin...", "FAILED",
		`No deploy engine found. Install it with "pipx install bgdeploy" or "pip install bgdeploy", or run this command again with --yes to set it up in /home/u/.cf/bg-deploy/venv.`)
	if len(*setups) != 0 {
		t.Fatal("nothing may be installed without consent")
	}
}

func TestNoEngineWithYesSetsOneUp(t *testing.T) {
	h := newHarness(t, &tf.Engine{})
	setups := withoutEngine(h)
	if code := h.run("mtas", "--yes"); code != 0 {
		t.Fatalf("exit %d\n%s", code, h.out)
	}
	expectOutput(t, h.out.String(), "Getting multi-target apps in org org / space space as admin...",
		"Setting up the deploy engine in /home/u/.cf/bg-deploy/venv...", "OK", "OK", "No multi-target apps found")
	if len(*setups) != 1 || !strings.HasSuffix((*setups)[0], "/.cf/bg-deploy 0.2.0") || h.eps[1].PluginVersion != "0.2.0" {
		t.Fatalf("setups %v endpoints %+v", *setups, h.eps)
	}
}

func TestNoEngineAsksOnATerminal(t *testing.T) {
	for _, answer := range []string{"y\n", "n\n"} {
		h := newHarness(t, &tf.Engine{})
		setups := withoutEngine(h)
		h.env.InTTY = true
		h.env.Stdin = strings.NewReader(answer)
		code := h.run("mtas")
		out := h.out.String()
		if !strings.Contains(out, "No deploy engine found. Set one up in /home/u/.cf/bg-deploy/venv (python3 -m venv, pip install bgdeploy)? (y/n)> ") {
			t.Fatalf("no question:\n%s", out)
		}
		if agreed := answer == "y\n"; agreed != (len(*setups) == 1) || agreed != (code == 0) {
			t.Fatalf("answer %q: exit %d, setups %v\n%s", answer, code, *setups, out)
		}
	}
}
