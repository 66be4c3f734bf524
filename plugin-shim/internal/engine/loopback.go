package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// A local engine where Unix sockets are not available (Windows) listens on a loopback TCP port
// it picks itself and writes to engine.port; every call carries the per-user secret from
// engine.secret (mode 0600, in the user's 0700 state directory), which the engine checks
// (pyservice/bgdeploy/server/local_secret.py). CF_BG_DEPLOY_LOCAL_TRANSPORT=tcp selects this on
// Unix too (tests); =unix selects the socket.
const (
	EnvLocalTransport = "CF_BG_DEPLOY_LOCAL_TRANSPORT"
	secretMetadataKey = "bgdeploy-local-secret"
)

func loopbackTCP() bool {
	switch strings.ToLower(os.Getenv(EnvLocalTransport)) {
	case "tcp":
		return true
	case "unix":
		return false
	}
	return runtime.GOOS == "windows"
}

// PortPath is where a loopback-TCP local engine writes its port.
func (e Endpoint) PortPath() string { return filepath.Join(e.StateDir, "engine.port") }

// SecretPath holds the per-user secret of a loopback-TCP local engine.
func (e Endpoint) SecretPath() string { return filepath.Join(e.StateDir, "engine.secret") }

// loopbackAddr is 127.0.0.1:<port> from the port file.
func (e Endpoint) loopbackAddr() (string, error) {
	b, err := os.ReadFile(e.PortPath())
	if err != nil {
		return "", err
	}
	port, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || port <= 0 || port > 65535 {
		return "", fmt.Errorf("no port in %s", e.PortPath())
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), nil
}

// localDialOptions connect to the local engine: its socket, or its loopback port (read again at
// every connect, so a restarted engine on a new port is found) with the secret on every call.
func (e Endpoint) localDialOptions() []grpc.DialOption {
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if e.LoopbackTCP {
		opts = append(opts,
			grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
				addr, err := e.loopbackAddr()
				if err != nil {
					return nil, err
				}
				return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
			}),
			grpc.WithPerRPCCredentials(secretCredentials{e.SecretPath()}))
	}
	return opts
}

// answers tells quickly whether anything listens where the local engine would, so that a
// missing engine is started at once instead of after a health-check timeout.
func (e Endpoint) answers() bool {
	network, addr := "unix", e.SocketPath()
	if e.LoopbackTCP {
		var err error
		if addr, err = e.loopbackAddr(); err != nil {
			return false
		}
		network = "tcp"
	}
	conn, err := net.DialTimeout(network, addr, 500*time.Millisecond)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// listenArgs are the serve arguments that tell the engine where to listen.
func (e Endpoint) listenArgs() []string {
	if e.LoopbackTCP {
		return []string{"--listen", "127.0.0.1:0", "--port-file", e.PortPath(), "--local-secret-file", e.SecretPath()}
	}
	return []string{"--listen", "unix://" + e.SocketPath()}
}

// forgetDeadEngine removes what an engine that died left behind, so a new one can start.
func (e Endpoint) forgetDeadEngine() {
	if e.LoopbackTCP {
		_ = os.Remove(e.PortPath())
		return
	}
	_ = os.Remove(e.SocketPath())
}

// ensureSecret creates the per-user secret once; later engines reuse it.
func (e Endpoint) ensureSecret() error {
	if !e.LoopbackTCP {
		return nil
	}
	if b, err := os.ReadFile(e.SecretPath()); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return nil
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return err
	}
	return os.WriteFile(e.SecretPath(), []byte(hex.EncodeToString(buf)+"\n"), 0o600)
}

// secretCredentials put the per-user secret on every call (plain loopback TCP: no TLS needed).
type secretCredentials struct{ path string }

func (s secretCredentials) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	b, err := os.ReadFile(s.path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return map[string]string{}, nil // no engine was started yet; the call will find none
		}
		return nil, err
	}
	return map[string]string{secretMetadataKey: strings.TrimSpace(string(b))}, nil
}

func (secretCredentials) RequireTransportSecurity() bool { return false }
