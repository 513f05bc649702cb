package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/spf13/pflag"

	"github.com/ctrace-dev/ctrace/internal/config"
	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/containers/cri"
	"github.com/ctrace-dev/ctrace/internal/containers/docker"
)

// runtimeFlags are the runtime API socket flags of trace and ls.
type runtimeFlags struct {
	docker, podman, containerd, crio string
	fs                               *pflag.FlagSet
}

func addRuntimeFlags(fs *pflag.FlagSet, f *runtimeFlags) {
	f.fs = fs
	fs.StringVar(&f.docker, "docker-socket", "", "Docker Engine API socket, or none (default: config docker-socket, else "+docker.DefaultSocket+" if present)")
	fs.StringVar(&f.podman, "podman-socket", "", "Podman's Docker-compatible API socket, or none (default: config podman-socket, else "+docker.PodmanSocket+" if present)")
	fs.StringVar(&f.containerd, "containerd-socket", "", "containerd socket for its CRI API, or none (default: config containerd-socket, else "+cri.ContainerdSocket+" if it serves CRI)")
	fs.StringVar(&f.crio, "crio-socket", "", "CRI-O socket, or none (default: config crio-socket, else "+cri.CRIOSocket+" if present)")
}

// runtimeSpec is one runtime's socket and where its value came from.
type runtimeSpec struct {
	name     string // docker, podman, containerd, cri-o
	socket   string
	origin   string // "--docker-socket", "config docker-socket", "" (auto-detected)
	explicit bool
}

// specs resolves each runtime's socket: flag, else config, else the
// default path (auto-detected: used only if it exists). "none" turns a
// runtime off.
func (f *runtimeFlags) specs(cfg config.Config) []runtimeSpec {
	type src struct {
		name, flag, key, flagVal, cfgVal, def string
	}
	var out []runtimeSpec
	for _, s := range []src{
		{"docker", "docker-socket", "docker-socket", f.docker, cfg.DockerSocket, docker.DefaultSocket},
		{"podman", "podman-socket", "podman-socket", f.podman, cfg.PodmanSocket, docker.PodmanSocket},
		{"containerd", "containerd-socket", "containerd-socket", f.containerd, cfg.ContainerdSocket, cri.ContainerdSocket},
		{"cri-o", "crio-socket", "crio-socket", f.crio, cfg.CRIOSocket, cri.CRIOSocket},
	} {
		spec := runtimeSpec{name: s.name}
		switch {
		case f.fs != nil && f.fs.Changed(s.flag):
			spec.socket, spec.origin, spec.explicit = s.flagVal, "--"+s.flag, true
		case s.cfgVal != "":
			spec.socket, spec.origin, spec.explicit = s.cfgVal, "config "+s.key, true
		default:
			spec.socket = s.def
		}
		if spec.socket == config.SocketNone || spec.socket == "" {
			continue
		}
		if !spec.explicit {
			if fi, err := os.Stat(spec.socket); err != nil || fi.Mode()&os.ModeSocket == 0 {
				continue // not on this host
			}
		}
		out = append(out, spec)
	}
	return out
}

// runtimeClient is a client with what the CLI needs to know about it.
type runtimeClient struct {
	spec   runtimeSpec
	client containers.Client
	close  func()
}

// pinger is implemented by the docker and CRI clients.
type pinger interface {
	Ping(ctx context.Context) error
}

// runtimeSet is the clients of one command run.
type runtimeSet struct {
	clients []runtimeClient
	// failed are explicitly configured runtimes that did not answer the
	// probe (only when probed).
	failed []error
}

func (r *runtimeSet) list() []containers.Client {
	out := make([]containers.Client, len(r.clients))
	for i, c := range r.clients {
		out[i] = c.client
	}
	return out
}

func (r *runtimeSet) Close() {
	for _, c := range r.clients {
		c.close()
	}
}

// probeTimeout bounds the start-up probe of each runtime socket.
const probeTimeout = 2 * time.Second

// openRuntimes creates a client per runtime socket. Auto-detected CRI
// sockets are probed (in parallel, bounded) and dropped when they do not
// serve CRI (Docker's containerd has its cri plugin disabled). With probe
// set, every socket is probed and explicitly configured ones that fail
// are returned in failed (auto-detected ones that fail are dropped with
// a warning through warn).
func openRuntimes(ctx context.Context, specs []runtimeSpec, probe bool, warn func(string, ...any)) *runtimeSet {
	set := &runtimeSet{}
	type result struct {
		rc  runtimeClient
		err error
	}
	results := make([]result, len(specs))
	var wg sync.WaitGroup
	for i, s := range specs {
		var rc runtimeClient
		rc.spec = s
		switch s.name {
		case "docker", "podman":
			d := docker.New(s.socket, docker.WithName(s.name))
			rc.client, rc.close = d, func() { d.Close() }
		default:
			c, err := cri.New(s.name, s.socket)
			if err != nil {
				results[i].err = err
				continue
			}
			rc.client, rc.close = c, func() { c.Close() }
		}
		results[i].rc = rc
		isCRI := s.name == "containerd" || s.name == "cri-o"
		if !probe && !(isCRI && !s.explicit) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, probeTimeout)
			defer cancel()
			results[i].err = rc.client.(pinger).Ping(pctx)
		}()
	}
	wg.Wait()
	for _, r := range results {
		s := r.rc.spec
		switch {
		case r.err == nil:
			set.clients = append(set.clients, r.rc)
			continue
		case s.explicit && probe:
			set.failed = append(set.failed, fmt.Errorf("runtime %s at %s (%s) does not answer: %v", s.name, s.socket, s.origin, r.err))
		case s.explicit:
			set.clients = append(set.clients, r.rc) // the collection reports it once
			continue
		case errors.Is(r.err, containers.ErrUnsupported):
			// A containerd without CRI (Docker's own): not a runtime to ask.
		default:
			warn("runtime: %s at %s (auto-detected) does not answer: %v; skipping it", s.name, s.socket, r.err)
		}
		if r.rc.close != nil {
			r.rc.close()
		}
	}
	return set
}
