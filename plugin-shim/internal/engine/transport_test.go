package engine

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "bgdeploy.local/plugin-shim/internal/gen/bgdeployv1"
	fd "bgdeploy.local/plugin-shim/internal/testfakes/fakedeployer"
)

func TestPlaintextOnlyToLoopback(t *testing.T) {
	for _, remote := range []string{"127.0.0.1:9000", "localhost:9000", "[::1]:9000"} {
		if _, err := (Endpoint{Remote: remote, Insecure: true}).transportCredentials(); err != nil {
			t.Fatalf("%s: %v", remote, err)
		}
	}
	for _, remote := range []string{"deployer.example.com:8443", "10.1.2.3:8443", "[2001:db8::1]:8443"} {
		_, err := (Endpoint{Remote: remote, Insecure: true}).transportCredentials()
		if err == nil || !strings.Contains(err.Error(), "Refusing to send your access token without TLS to "+remote) {
			t.Fatalf("%s: want a refusal, got %v", remote, err)
		}
		// The refusal comes before any connection, so no call (and no token) leaves.
		if _, err := New(context.Background(), Endpoint{Remote: remote, Insecure: true},
			func() (string, error) { t.Fatal("token asked for"); return "", nil }); err == nil {
			t.Fatalf("%s: New connected in plaintext", remote)
		}
	}
}

func TestClientCertificateMustLoad(t *testing.T) {
	_, err := (Endpoint{Remote: "deployer.example.com:8443", CertFile: "/nonexistent.pem", KeyFile: "/nonexistent.key"}).transportCredentials()
	if err == nil || !strings.Contains(err.Error(), EnvEngineCert) {
		t.Fatalf("want a client certificate error, got %v", err)
	}
}

func TestPermissionDeniedIsRenderedWithTheEngineMessage(t *testing.T) {
	d := &fd.Deployer{StartErr: status.Error(codes.PermissionDenied, "You are not authorized to deploy to or act on operations in space s1: it needs the SpaceDeveloper role, you have space_auditor")}
	c, ep := serveLocal(t, d, func() (string, error) { return "bearer t", nil })
	_, err := c.StartOperation(context.Background(), &pb.StartOperationRequest{})
	want := "Permission denied by the deploy engine at " + ep.Display() + ": You are not authorized"
	if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "SpaceDeveloper") {
		t.Fatalf("permission denied: %v", err)
	}
	if retryable(err) {
		t.Fatal("a refusal must not be retried")
	}
}
