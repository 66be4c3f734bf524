package cmd

import (
	"context"
	"fmt"
	"io"

	"bgdeploy.local/plugin-shim/internal/engine"
)

// Uninstall runs when `cf uninstall-plugin bg-deploy` is about to remove the plugin: it stops
// the local engine, so that nothing keeps running, and leaves the state directory (operations,
// logs, the engine's venv) where it is, saying so in one line.
func Uninstall(ctx context.Context, w io.Writer) {
	ep, err := engine.LocalEndpoint()
	if err != nil {
		fmt.Fprintln(w, err)
		return
	}
	switch stopped, err := engine.StopLocal(ctx, ep); {
	case err != nil:
		fmt.Fprintf(w, "Could not stop the local deploy engine (%v); its state stays in %s\n", err, ep.StateDir)
	case stopped:
		fmt.Fprintf(w, "Stopped the local deploy engine; its state stays in %s\n", ep.StateDir)
	default:
		fmt.Fprintf(w, "The deploy engine's state stays in %s\n", ep.StateDir)
	}
}
