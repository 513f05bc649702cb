// Package interrupt catches SIGINT and SIGTERM from the first moments of the
// process, so that a signal at any time stops ctrace cleanly (with its
// summary) instead of being lost.
//
// Its init installs the handlers. Go initialises packages in dependency
// order and, among those ready, by import path, so this package (which
// needs only os/signal) runs right after os/signal is ready — before the
// large packages (cobra, cilium/ebpf, the event catalogue) and long before
// main. Installing the handler also ends an inherited "ignore SIGINT": the
// background job of a non-interactive shell starts with SIGINT ignored,
// and without a handler ctrace would never see that user's Ctrl-C or kill
// -INT. (No program can see a signal that arrives before its first
// instruction runs: the exec itself and the Go runtime's start, well under
// a millisecond, remain.)
package interrupt

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// caught holds a signal that arrived before anyone waited for it.
var caught = make(chan os.Signal, 1)

// installed records that init ran (for a test of the init order).
var installed bool

func init() {
	signal.Notify(caught, os.Interrupt, syscall.SIGTERM)
	installed = true
}

// Installed reports whether the handlers are in place.
func Installed() bool { return installed }

// Context returns a context that is cancelled, with the signal as its
// cause, by the first SIGINT or SIGTERM — including one that arrived
// before Context was called. Call stop when done waiting.
func Context(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	go func() {
		select {
		case s := <-caught:
			cancel(fmt.Errorf("%w: %v", ErrSignal, s))
		case <-ctx.Done():
		}
	}()
	return ctx, func() { cancel(nil) }
}

// ErrSignal is the cause of a context cancelled by a signal.
var ErrSignal = fmt.Errorf("stopped by signal")
