package main

import (
	"context"
	"errors"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/peers"
	"github.com/ctrace-dev/ctrace/internal/session"
)

// netFileConfig wires the file and network options of a trace.
func netFileConfig(f traceFlags, clients []containers.Client) session.NetFileConfig {
	return session.NetFileConfig{
		Aggregate:   f.aggregate,
		UDPInterval: f.udpInterval,
		Reinspect:   peers.Options{Inspect: reinspect(clients)},
	}
}

// reinspect asks the container's runtime about it again.
func reinspect(clients []containers.Client) func(ctx context.Context, c *containers.Container) (containers.Info, error) {
	return func(ctx context.Context, c *containers.Container) (containers.Info, error) {
		err := errors.New("no runtime client")
		for _, cl := range clients {
			if c.Info.Runtime != "" && cl.Name() != c.Info.Runtime {
				continue
			}
			var info containers.Info
			if info, err = cl.Inspect(ctx, c.Info.ID); err == nil {
				return info, nil
			}
		}
		return containers.Info{}, err
	}
}
