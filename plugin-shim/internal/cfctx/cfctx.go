// Package cfctx reads the user's Cloud Foundry target and token from the cf CLI.
//
// Only the config-backed RPC calls are used (AccessToken, ApiEndpoint, IsSSLDisabled,
// GetCurrentOrg, GetCurrentSpace, Username, IsLoggedIn, HasAPIEndpoint). The other
// plugin.CliConnection helpers (GetApp, GetSpaces, CliCommand...) run the cf CLI's legacy code,
// which calls the v2 API; the engine talks v3 itself.
package cfctx

import (
	"errors"
	"strings"

	"code.cloudfoundry.org/cli/v8/plugin"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
)

// Messages in the cf CLI's and the official plugin's words.
const (
	MsgNoAPI           = `No API endpoint set. Use "cf login" or "cf api" to target an endpoint.`
	MsgNotLoggedIn     = `Not logged in. Use "cf login" to log in.`
	MsgNoOrgAndSpace   = `No org and space targeted, use "cf target -o ORG -s SPACE" to target an org and a space`
	MsgNoSpace         = `No space targeted, use "cf target -s SPACE" to target a space`
	msgTokenUnreadable = `Could not read the access token from the cf CLI: `
)

// Target is the user's current target, as the engine needs it.
type Target struct {
	APIEndpoint       string
	SkipSSLValidation bool
	OrgGUID, OrgName  string
	SpaceGUID         string
	SpaceName         string
	User              string
}

// Proto converts the target for requests.
func (t Target) Proto() *pb.Target {
	return &pb.Target{
		ApiEndpoint:       t.APIEndpoint,
		SkipSslValidation: t.SkipSSLValidation,
		OrgGuid:           t.OrgGUID,
		OrgName:           t.OrgName,
		SpaceGuid:         t.SpaceGUID,
		SpaceName:         t.SpaceName,
		UserName:          t.User,
	}
}

// Load checks that the user is logged in with an org and space targeted and returns the target.
// Its errors are the one-line messages to print after FAILED.
func Load(conn plugin.CliConnection) (Target, error) {
	var t Target
	hasAPI, err := conn.HasAPIEndpoint()
	if err != nil {
		return t, cliError(err)
	}
	if !hasAPI {
		return t, errors.New(MsgNoAPI)
	}
	loggedIn, err := conn.IsLoggedIn()
	if err != nil {
		return t, cliError(err)
	}
	if !loggedIn {
		return t, errors.New(MsgNotLoggedIn)
	}
	if t.APIEndpoint, err = conn.ApiEndpoint(); err != nil {
		return t, cliError(err)
	}
	t.APIEndpoint = strings.TrimRight(t.APIEndpoint, "/")
	if t.SkipSSLValidation, err = conn.IsSSLDisabled(); err != nil {
		return t, cliError(err)
	}
	if t.User, err = conn.Username(); err != nil {
		return t, cliError(err)
	}
	org, err := conn.GetCurrentOrg()
	if err != nil {
		return t, cliError(err)
	}
	space, err := conn.GetCurrentSpace()
	if err != nil {
		return t, cliError(err)
	}
	if org.Guid == "" {
		return t, errors.New(MsgNoOrgAndSpace)
	}
	if space.Guid == "" {
		return t, errors.New(MsgNoSpace)
	}
	t.OrgGUID, t.OrgName = org.Guid, org.Name
	t.SpaceGUID, t.SpaceName = space.Guid, space.Name
	return t, nil
}

// TokenSource returns a function that asks the cf CLI for the access token on every call.
// AccessToken refreshes the token when it is about to expire, so long operations keep working.
// The token is never stored by the shim.
func TokenSource(conn plugin.CliConnection) func() (string, error) {
	return func() (string, error) {
		tok, err := conn.AccessToken()
		if err != nil {
			// The cf CLI's own message, e.g. "Authentication has expired.  Please log back in...".
			return "", errors.New(msgTokenUnreadable + err.Error())
		}
		if strings.TrimSpace(tok) == "" {
			return "", errors.New(MsgNotLoggedIn)
		}
		return tok, nil
	}
}

func cliError(err error) error {
	return errors.New("Could not read the target from the cf CLI: " + err.Error())
}
