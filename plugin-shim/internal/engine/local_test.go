package engine

import (
	"os/exec"
	"testing"
)

func TestAnEngineThatFoundAnotherServingIsNotAFailure(t *testing.T) {
	served := exec.Command("sh", "-c", "exit 3").Run()
	if !alreadyServed(served) {
		t.Fatalf("exit 3 (another engine serves the state directory) must be waited out, got %v", served)
	}
	failed := exec.Command("sh", "-c", "exit 1").Run()
	if alreadyServed(failed) || alreadyServed(nil) {
		t.Fatal("only exit 3 means another engine serves")
	}
}
