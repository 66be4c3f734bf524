package testfakes

import (
	"net"
	"net/rpc"
	"strconv"
	"sync"
	"testing"

	"code.cloudfoundry.org/cli/v8/plugin"
	plugin_models "code.cloudfoundry.org/cli/v8/plugin/models"
)

// CLIServer plays the cf CLI's side of the plugin RPC protocol (service "CliRpcCmd") for
// running the built plugin binary: a logged-in user with org and space targeted.
type CLIServer struct {
	mu       sync.Mutex
	Metadata *plugin.PluginMetadata
	Token    string
	calls    map[string]int
}

// Calls returns how often a method was called.
func (s *CLIServer) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

func (s *CLIServer) note(method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.calls == nil {
		s.calls = map[string]int{}
	}
	s.calls[method]++
}

// Start listens on 127.0.0.1 and returns the port to pass to the plugin.
func (s *CLIServer) Start(t testing.TB) string {
	srv := rpc.NewServer()
	if err := srv.RegisterName("CliRpcCmd", &cliRPC{s}); err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lis.Close() })
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			go srv.ServeConn(conn)
		}
	}()
	return strconv.Itoa(lis.Addr().(*net.TCPAddr).Port)
}

// cliRPC has only the RPC methods (net/rpc would complain about the others).
type cliRPC struct{ s *CLIServer }

func (c *cliRPC) SetPluginMetadata(m plugin.PluginMetadata, ok *bool) error {
	c.s.mu.Lock()
	c.s.Metadata = &m
	c.s.mu.Unlock()
	*ok = true
	return nil
}

func (c *cliRPC) IsMinCliVersion(_ string, ok *bool) error { *ok = true; return nil }

func (c *cliRPC) AccessToken(_ string, tok *string) error {
	c.s.note("AccessToken")
	*tok = c.s.Token
	return nil
}

func (c *cliRPC) ApiEndpoint(_ string, v *string) error  { *v = "https://api.sim.test"; return nil }
func (c *cliRPC) HasAPIEndpoint(_ string, v *bool) error { *v = true; return nil }
func (c *cliRPC) IsLoggedIn(_ string, v *bool) error     { *v = true; return nil }
func (c *cliRPC) IsSSLDisabled(_ string, v *bool) error  { *v = false; return nil }
func (c *cliRPC) Username(_ string, v *string) error     { *v = "admin"; return nil }

func (c *cliRPC) GetCurrentOrg(_ string, v *plugin_models.Organization) error {
	v.Guid, v.Name = "org-guid", "org"
	return nil
}

func (c *cliRPC) GetCurrentSpace(_ string, v *plugin_models.Space) error {
	v.Guid, v.Name = "space-guid", "space"
	return nil
}
