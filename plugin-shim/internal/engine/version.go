package engine

import (
	"context"
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
)

// requiredRevision is the oldest revision of bgdeploy.v1 that has every RPC this shim calls.
// Newer engines serve it too: revisions only add.
var requiredRevision = pb.Revision_REVISION_SMOKE_TESTS

// clientRevision is the newest revision this shim's stubs know, sent to the engine.
func clientRevision() pb.Revision {
	newest := pb.Revision_REVISION_UNSPECIFIED
	for n := range pb.Revision_name {
		if r := pb.Revision(n); r > newest {
			newest = r
		}
	}
	return newest
}

// OutdatedError: the engine is older than this shim needs. One line, with the command that
// upgrades it.
type OutdatedError struct {
	Address       string
	EngineVersion string // "" for an engine from before GetInfo
	PluginVersion string
	Upgrade       string
}

func (e *OutdatedError) Error() string {
	engine := "The deploy engine at " + e.Address
	if e.EngineVersion != "" {
		engine += " (version " + e.EngineVersion + ")"
	}
	return fmt.Sprintf("%s is older than this plugin (version %s) needs. Upgrade it: %s", engine, e.PluginVersion, e.Upgrade)
}

// info exchanges versions (no token needed); an engine without GetInfo is revision 0.
func (c *grpcClient) info(ctx context.Context) (*pb.EngineInfo, error) {
	tctx, cancel := context.WithTimeout(ctx, unaryTimeout)
	defer cancel()
	info, err := c.ctl.GetInfo(tctx, &pb.GetInfoRequest{ClientVersion: c.ep.PluginVersion, ClientRevision: clientRevision()})
	if status.Code(err) == codes.Unimplemented {
		return &pb.EngineInfo{}, nil
	}
	return info, c.translate(err, nil)
}

// checkVersion refuses an engine older than requiredRevision. A local one is stopped and started
// again first, once: the user may have upgraded it while the old process kept running.
func (c *grpcClient) checkVersion(ctx context.Context) error {
	info, err := c.info(ctx)
	if err != nil {
		return err
	}
	c.revision = info.GetRevision()
	if info.GetRevision() >= requiredRevision {
		return nil
	}
	if c.ep.Local() && info.GetRevision() >= pb.Revision_REVISION_ENGINE_CONTROL && c.ep.Command != nil {
		if c.stop(ctx) == nil && c.ensureLocal(ctx) == nil {
			if info, err = c.info(ctx); err != nil {
				return err
			}
			if c.revision = info.GetRevision(); c.revision >= requiredRevision {
				return nil
			}
		}
	}
	return &OutdatedError{Address: c.ep.Display(), EngineVersion: info.GetVersion(), PluginVersion: c.ep.PluginVersion,
		Upgrade: c.ep.upgradeCommand()}
}

// upgradeCommand is what upgrades the engine this endpoint uses.
func (e Endpoint) upgradeCommand() string {
	req := "bgdeploy"
	if known(e.PluginVersion) {
		req = `"bgdeploy>=` + e.PluginVersion + `"`
	}
	if e.Local() && e.managed() {
		return fmt.Sprintf("%s -m pip install --upgrade %s", venvBin(VenvDir(e.StateDir), "python"), req)
	}
	return "pip install --upgrade " + req + " (or: pipx upgrade bgdeploy)"
}
