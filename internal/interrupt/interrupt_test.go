package interrupt

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"
)

// TestEarlySignalKept: the handler is in place from init, and a SIGINT
// that arrives before anyone asks for a context still cancels it.
func TestEarlySignalKept(t *testing.T) {
	if !Installed() {
		t.Fatal("handlers not installed by init")
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	// Wait (bounded) for the runtime to queue the signal before asking.
	deadline := time.Now().Add(10 * time.Second)
	for len(caught) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	ctx, stop := Context(context.Background())
	defer stop()
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the early SIGINT did not cancel the context")
	}
	if !errors.Is(context.Cause(ctx), ErrSignal) {
		t.Errorf("cause %v, want ErrSignal", context.Cause(ctx))
	}
	// A later SIGTERM cancels a new context too.
	ctx2, stop2 := Context(context.Background())
	defer stop2()
	syscall.Kill(syscall.Getpid(), syscall.SIGTERM)
	select {
	case <-ctx2.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not cancel the context")
	}
}
