package output

import (
	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
)

// Guard is a Printer that turns the first write error of P into a stop
// instead of a crash: it records the error (Err), calls OnError once, and
// from then on drops events without error, so that the caller can drain,
// count what was not written and still print its summary.
type Guard struct {
	P       Printer
	OnError func(error)
	Err     error
}

// Write writes ev unless an earlier write failed.
func (g *Guard) Write(ev *events.Event, c *containers.Container) error {
	if g.Err == nil {
		if err := g.P.Write(ev, c); err != nil {
			g.Fail(err)
		}
	}
	return nil
}

// Flush flushes unless an earlier write failed.
func (g *Guard) Flush() error {
	if g.Err == nil {
		if err := g.P.Flush(); err != nil {
			g.Fail(err)
		}
	}
	return nil
}

// Fail records err as the output's failure (the first one wins).
func (g *Guard) Fail(err error) {
	if g.Err != nil {
		return
	}
	g.Err = err
	if g.OnError != nil {
		g.OnError(err)
	}
}
