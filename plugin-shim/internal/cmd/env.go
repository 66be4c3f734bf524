// Package cmd holds the plugin's commands. Every flag is declared once, in flagtable.go: its
// parsing, `cf help` text, usage placeholder, the commands that accept it and where its value
// lands. Each command (one file each) declares its usage lines and checks, and a run function
// that returns an exit code (ui/exitcode.go); command.go holds the prologue they share.
// Commands talk only to an engine.Client, the cf CLI connection (through cfctx) and the UI.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"code.cloudfoundry.org/cli/v8/plugin"

	"bgdeploy.local/plugin-shim/internal/cfctx"
	"bgdeploy.local/plugin-shim/internal/engine"
	"bgdeploy.local/plugin-shim/internal/ui"
)

// Env is what a command run depends on; tests fill it with fakes.
type Env struct {
	Conn   plugin.CliConnection
	Stdout io.Writer
	Stderr io.Writer
	Stdin  io.Reader
	// OutTTY: stdout is a terminal (progress bar, colours). InTTY: stdin is one (prompts).
	OutTTY, InTTY bool
	// Version is the plugin's ("0.1.0"), sent to the engine when connecting.
	Version string
	// NewEngine connects to the engine; engine.New unless a test replaces it.
	NewEngine func(ctx context.Context, ep engine.Endpoint, tokens engine.TokenSource) (engine.Client, error)
	// SetupEngine creates the shim's engine venv; engine.SetupVenv unless a test replaces it.
	SetupEngine func(ctx context.Context, stateDir, version string) error
	// Environ lists the environment (secure parameters); os.Environ unless a test replaces it.
	Environ func() []string
	Now     func() time.Time
}

// session is one command run: its output, target and engine connection, and the --json summary
// it builds up.
type session struct {
	env     *Env
	ui      *ui.UI
	name    string // the command name the user ran (aliases resolved), used in hints
	target  cfctx.Target
	eng     engine.Client
	summary ui.Summary
	// dryRun: stdout carries one JSON document (the plan, or the summary of a failure), no event records.
	dryRun bool
	// cleanups run when the command ends (a downloaded archive's temporary directory).
	cleanups []func()
}

func newSession(env *Env, name string, jsonMode bool) *session {
	return &session{
		env:     env,
		ui:      ui.New(env.Stdout, env.Stderr, env.OutTTY, jsonMode),
		name:    name,
		summary: ui.Summary{Event: "summary", Command: name},
	}
}

// loadTarget reads the cf target (logged in, org and space targeted).
func (s *session) loadTarget() error {
	t, err := cfctx.Load(s.env.Conn)
	if err != nil {
		return err
	}
	s.target = t
	return nil
}

// connect opens the engine named by -u / the environment / the local default. When there is no
// local engine to start, it sets one up if the user agrees (--yes, or "y" at the prompt on a
// terminal); otherwise the error says, in one line, how to get one.
func (s *session) connect(ctx context.Context, urlFlag string, setupAgreed bool) error {
	ep, err := engine.Resolve(urlFlag)
	if err != nil {
		return err
	}
	ep.PluginVersion = s.env.Version
	eng, err := s.env.NewEngine(ctx, ep, cfctx.TokenSource(s.env.Conn))
	var none *engine.NoEngineError
	if errors.As(err, &none) && (setupAgreed || s.env.InTTY && !s.ui.JSON &&
		s.confirm(fmt.Sprintf("No deploy engine found. Set one up in %s (python3 -m venv, pip install bgdeploy)? (y/n)", none.VenvDir))) {
		s.ui.Say("Setting up the deploy engine in %s...", none.VenvDir)
		if err := s.env.SetupEngine(ctx, ep.StateDir, s.env.Version); err != nil {
			return err
		}
		s.ui.OK()
		if ep, err = engine.Resolve(urlFlag); err != nil {
			return err
		}
		ep.PluginVersion = s.env.Version
		eng, err = s.env.NewEngine(ctx, ep, cfctx.TokenSource(s.env.Conn))
	}
	if err != nil {
		return err
	}
	s.eng = eng
	return nil
}

func (s *session) close() {
	if s.eng != nil {
		s.eng.Close()
	}
	for _, f := range s.cleanups {
		f()
	}
}

// end emits the --json summary and returns the exit code.
func (s *session) end(outcome string, code int) int {
	s.summary.Outcome = outcome
	s.summary.ExitCode = code
	s.ui.Emit(s.summary)
	return code
}

// fail prints FAILED and the error and ends the run with exit 1 (130 when interrupted).
func (s *session) fail(err error) int {
	if isInterrupt(err) {
		s.ui.Failed("Interrupted.")
		s.summary.Message = "interrupted"
		return s.end(ui.OutcomeInterrupted, ui.ExitInterrupted)
	}
	s.ui.Failed(err.Error())
	s.summary.Message = err.Error()
	return s.end(ui.OutcomeError, ui.ExitFailed)
}

func isInterrupt(err error) bool {
	return err == context.Canceled
}
