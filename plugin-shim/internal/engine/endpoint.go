package engine

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// Environment variables of docs/contracts.md.
const (
	EnvEngineURL      = "CF_BG_DEPLOY_ENGINE_URL"
	EnvEngineCA       = "CF_BG_DEPLOY_ENGINE_CA"
	EnvEngineInsecure = "CF_BG_DEPLOY_ENGINE_INSECURE"
	EnvEngineCmd      = "CF_BG_DEPLOY_ENGINE_CMD"
	// A client certificate and key (PEM) for engines that require mTLS (--tls-client-ca).
	EnvEngineCert = "CF_BG_DEPLOY_ENGINE_CERT"
	EnvEngineKey  = "CF_BG_DEPLOY_ENGINE_KEY"
)

// Endpoint says where the engine is: a local engine in the state dir (started on demand), on a
// unix socket or a loopback TCP port (loopback.go), or a remote engine at host:port.
type Endpoint struct {
	// Remote is host:port of a remote engine; empty for the local engine.
	Remote   string
	Insecure bool   // remote without TLS (tests only)
	CAFile   string // remote: PEM roots instead of the system's
	CertFile string // remote: client certificate (mTLS)
	KeyFile  string
	// StateDir holds the local engine's socket (or port and secret), database and log.
	StateDir string
	// Command starts a local engine (argv without the serve arguments); nil when none was found
	// (FindCommand): starting one is then a NoEngineError.
	Command []string
	// LoopbackTCP: the local engine listens on 127.0.0.1 and checks a per-user secret.
	LoopbackTCP bool
	// PluginVersion is sent to the engine when connecting (GetInfo).
	PluginVersion string
}

// Resolve picks the endpoint: the -u flag, else CF_BG_DEPLOY_ENGINE_URL, else the local engine.
func Resolve(urlFlag string) (Endpoint, error) {
	remote := urlFlag
	if remote == "" {
		remote = os.Getenv(EnvEngineURL)
	}
	if remote != "" {
		hostport, err := hostPort(remote)
		if err != nil {
			return Endpoint{}, err
		}
		return Endpoint{
			Remote:   hostport,
			Insecure: strings.EqualFold(os.Getenv(EnvEngineInsecure), "true"),
			CAFile:   os.Getenv(EnvEngineCA),
			CertFile: os.Getenv(EnvEngineCert),
			KeyFile:  os.Getenv(EnvEngineKey),
		}, nil
	}
	return LocalEndpoint()
}

// LocalEndpoint is the local engine of this user, whatever CF_BG_DEPLOY_ENGINE_URL says.
func LocalEndpoint() (Endpoint, error) {
	dir, err := StateDir()
	if err != nil {
		return Endpoint{}, err
	}
	return Endpoint{StateDir: dir, Command: FindCommand(dir), LoopbackTCP: loopbackTCP()}, nil
}

// StateDir is $CF_HOME/.cf/bg-deploy, else $HOME/.cf/bg-deploy.
func StateDir() (string, error) {
	home := os.Getenv("CF_HOME")
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("Could not find the home directory: %v", err)
		}
	}
	return filepath.Join(home, ".cf", "bg-deploy"), nil
}

// hostPort accepts HOST, HOST:PORT or a URL with a scheme (which the official plugin's users
// are used to typing) and returns HOST:PORT (443 by default).
func hostPort(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	for _, scheme := range []string{"https://", "grpcs://", "http://", "grpc://", "dns:///"} {
		s = strings.TrimPrefix(s, scheme)
	}
	s = strings.TrimRight(s, "/")
	if s == "" || strings.ContainsAny(s, "/ ") {
		return "", fmt.Errorf("Invalid deploy engine URL %q, expected HOST:PORT", raw)
	}
	if _, _, err := net.SplitHostPort(s); err != nil {
		s = net.JoinHostPort(s, "443")
	}
	return s, nil
}

// Local reports whether this is the local engine.
func (e Endpoint) Local() bool { return e.Remote == "" }

// LogPath is the local engine's log (empty for remote engines).
func (e Endpoint) LogPath() string {
	if !e.Local() {
		return ""
	}
	return filepath.Join(e.StateDir, "engine.log")
}

// Target is the gRPC dial target.
func (e Endpoint) Target() string {
	switch {
	case e.Local() && e.LoopbackTCP:
		return "passthrough:///local-engine" // the dialer reads the port (loopback.go)
	case e.Local():
		return "unix://" + e.SocketPath()
	}
	return "dns:///" + e.Remote
}

// Display is the address as shown in messages.
func (e Endpoint) Display() string {
	switch {
	case e.Local() && e.LoopbackTCP:
		if addr, err := e.loopbackAddr(); err == nil {
			return addr
		}
		return "127.0.0.1 (port in " + e.PortPath() + ")"
	case e.Local():
		return "unix://" + e.SocketPath()
	}
	return e.Remote
}

// loopback reports whether host:port names this machine (localhost or a loopback IP).
func loopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (e Endpoint) transportCredentials() (credentials.TransportCredentials, error) {
	if e.Insecure {
		if e.Remote != "" && !loopback(e.Remote) {
			// The bearer token travels with every call: never in clear over a network.
			return nil, fmt.Errorf("Refusing to send your access token without TLS to %s: %s=true is only allowed for a loopback address", e.Remote, EnvEngineInsecure)
		}
		return insecure.NewCredentials(), nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if e.CertFile != "" || e.KeyFile != "" {
		pair, err := tls.LoadX509KeyPair(e.CertFile, e.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("Could not load the client certificate (%s, %s): %v", EnvEngineCert, EnvEngineKey, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if e.CAFile != "" {
		pem, err := os.ReadFile(e.CAFile)
		if err != nil {
			return nil, fmt.Errorf("Could not read %s: %v", EnvEngineCA, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("No certificate found in %s (%s)", e.CAFile, EnvEngineCA)
		}
		cfg.RootCAs = pool
	}
	return credentials.NewTLS(cfg), nil
}
