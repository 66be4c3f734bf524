package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"code.cloudfoundry.org/cli/v8/plugin"
	"golang.org/x/term"

	"bgdeploy.local/plugin-shim/internal/engine"
	"bgdeploy.local/plugin-shim/internal/ui"
)

// PluginName is the name users install and uninstall (`cf install-plugin -r REPO bg-deploy`,
// `cf uninstall-plugin bg-deploy`), also in the plugin repository index.
const PluginName = "bg-deploy"

// registry lists the commands in the order `cf help` shows them.
var registry = []*command{&bgDeployCommand, &deployCommand, &undeployCommand, &rollbackCommand, &mtasCommand, &mtaCommand, &mtaOpsCommand, &dmolCommand}

// Plugin implements plugin.Plugin.
type Plugin struct {
	Version plugin.VersionType
}

// GetMetadata lists the commands for `cf install-plugin` and `cf help`.
func (p *Plugin) GetMetadata() plugin.PluginMetadata {
	cmds := make([]plugin.Command, len(registry))
	for i, c := range registry {
		cmds[i] = c.metadata()
	}
	return plugin.PluginMetadata{
		Name:          PluginName,
		Version:       p.Version,
		MinCliVersion: plugin.VersionType{Major: 8},
		Commands:      cmds,
	}
}

// Run is called by plugin.Start with the command name and the user's arguments.
func (p *Plugin) Run(conn plugin.CliConnection, args []string) {
	if len(args) == 0 {
		return
	}
	if args[0] == "CLI-MESSAGE-UNINSTALL" {
		Uninstall(context.Background(), os.Stdout)
		return
	}
	env := &Env{
		Conn:        conn,
		Stdout:      os.Stdout,
		Stderr:      os.Stderr,
		Stdin:       os.Stdin,
		OutTTY:      term.IsTerminal(int(os.Stdout.Fd())),
		InTTY:       term.IsTerminal(int(os.Stdin.Fd())),
		Version:     fmt.Sprintf("%d.%d.%d", p.Version.Major, p.Version.Minor, p.Version.Build),
		NewEngine:   engine.New,
		SetupEngine: engine.SetupVenv,
		Environ:     os.Environ,
		Now:         time.Now,
	}
	// Ctrl-C cancels the context: a watch detaches and leaves the operation running. The cf CLI
	// itself has no signal handling and dies at once; when only cf got the signal (or was killed),
	// the plugin notices that its parent is gone and detaches the same way.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(ctx)
	go cancelWhenOrphaned(ctx, cancel, os.Getppid(), os.Getppid, 300*time.Millisecond)
	code := Main(ctx, env, args)
	cancel()
	stop()
	if code != 0 {
		os.Exit(code)
	}
}

// Main runs one command and returns its exit code.
func Main(ctx context.Context, env *Env, args []string) int {
	for _, c := range registry {
		if args[0] == c.name || (c.alias != "" && args[0] == c.alias) {
			return c.execute(ctx, env, args[1:])
		}
	}
	fmt.Fprintf(env.Stdout, "FAILED\n'%s' is not a registered command of %s.\n", args[0], PluginName)
	return ui.ExitUsage
}

// usageFailure prints a parse or validation error the cf way and returns exit 2.
func usageFailure(env *Env, cmd *command, jsonMode bool, err error) int {
	s := newSession(env, cmd.name, jsonMode)
	var ue *usageError
	if !errors.As(err, &ue) {
		return s.fail(err)
	}
	s.ui.Failed("Incorrect usage. " + ue.msg)
	if !jsonMode {
		fmt.Fprintln(env.Stdout)
		fmt.Fprint(env.Stdout, helpText(cmd.metadata()))
	}
	s.summary.Message = "Incorrect usage. " + ue.msg
	return s.end(ui.OutcomeUsageError, ui.ExitUsage)
}

// ParseVersion reads "major.minor.build" (missing or bad parts are 0) for the plugin metadata.
func ParseVersion(v string) plugin.VersionType {
	var parts [3]int
	for i, p := range strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3) {
		n, _ := strconv.Atoi(p)
		parts[i] = n
	}
	return plugin.VersionType{Major: parts[0], Minor: parts[1], Build: parts[2]}
}

// cancelWhenOrphaned cancels when the parent process (the cf CLI) changes, i.e. it exited.
func cancelWhenOrphaned(ctx context.Context, cancel context.CancelFunc, parent int, getppid func() int, every time.Duration) {
	if parent <= 1 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if getppid() != parent {
				cancel()
				return
			}
		}
	}
}
