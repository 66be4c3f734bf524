package cmd

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestCancelWhenOrphaned(t *testing.T) {
	var ppid atomic.Int64
	ppid.Store(42)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		cancelWhenOrphaned(ctx, cancel, 42, func() int { return int(ppid.Load()) }, time.Millisecond)
		close(done)
	}()
	time.Sleep(20 * time.Millisecond)
	if ctx.Err() != nil {
		t.Fatal("cancelled while the parent lives")
	}
	ppid.Store(1) // reparented: cf exited
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("not cancelled after the parent exited")
	}
	if ctx.Err() == nil {
		t.Fatal("context not cancelled")
	}
}
