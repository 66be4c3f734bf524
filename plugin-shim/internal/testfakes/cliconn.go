package testfakes

import (
	plugin_models "code.cloudfoundry.org/cli/v8/plugin/models"
	"code.cloudfoundry.org/cli/v8/plugin/pluginfakes"
)

// LoggedIn returns a fake cf CLI connection: logged in as admin, org "org", space "space".
func LoggedIn() *pluginfakes.FakeCliConnection {
	c := &pluginfakes.FakeCliConnection{}
	c.HasAPIEndpointReturns(true, nil)
	c.IsLoggedInReturns(true, nil)
	c.ApiEndpointReturns("https://api.sim.test", nil)
	c.IsSSLDisabledReturns(true, nil)
	c.UsernameReturns("admin", nil)
	c.AccessTokenReturns("bearer test-token", nil)
	c.GetCurrentOrgReturns(plugin_models.Organization{OrganizationFields: plugin_models.OrganizationFields{Guid: "org-guid", Name: "org"}}, nil)
	c.GetCurrentSpaceReturns(plugin_models.Space{SpaceFields: plugin_models.SpaceFields{Guid: "space-guid", Name: "space"}}, nil)
	return c
}
