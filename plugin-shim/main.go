// Command bg-deploy is the cf CLI plugin `cf bg-deploy` and its sibling commands. It forwards
// each command with the user's CF token to the deploy engine over gRPC.
package main

import (
	"code.cloudfoundry.org/cli/v8/plugin"

	"bgdeploy.local/plugin-shim/internal/cmd"
)

// version is set at build time from pyservice/bgdeploy/version.py (make: -ldflags "-X
// main.version=1.2.3"); 0.0.0 is a development build.
var version = "0.0.0"

func main() {
	plugin.Start(&cmd.Plugin{Version: cmd.ParseVersion(version)})
}
