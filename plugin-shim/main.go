// Command bg-deploy-plugin is the cf CLI plugin `cf bg-deploy` and its sibling commands. It
// forwards each command with the user's CF token to the deploy engine over gRPC.
package main

import (
	"code.cloudfoundry.org/cli/v8/plugin"

	"bgdeploy.local/plugin-shim/internal/cmd"
)

// Set at build time: -ldflags "-X main.engineCommand=/path/to/bgdeploy-engine -X main.version=1.2.3".
var (
	engineCommand string
	version       = "0.1.0"
)

func main() {
	plugin.Start(&cmd.Plugin{Version: cmd.ParseVersion(version), EngineCommand: engineCommand})
}
