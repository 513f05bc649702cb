package containers

import (
	"context"
	"errors"
	"time"
)

// Info describes a container as its runtime reports it.
type Info struct {
	ID   string
	Name string
	// Image is the image reference the user gave (e.g. "nginx:1.27").
	Image string
	// Runtime is the engine: "docker", "podman", "containerd", "cri-o"
	// (or "lxc" when only the cgroup path is known).
	Runtime string
	// OCIRuntime is the low-level runtime: "runc", "crun", …
	OCIRuntime string
	// PID is the container's init process in the host PID namespace
	// (0 when unknown or not running).
	PID     int
	Created time.Time
	State   string
	Labels  map[string]string
}

// Client is a container runtime API client.
type Client interface {
	// Name identifies the runtime, matching Info.Runtime ("docker", …).
	Name() string
	// List returns the running containers.
	List(ctx context.Context) ([]Info, error)
	// Inspect returns one container by id. Errors wrap ErrNotFound when
	// the runtime does not know the container.
	Inspect(ctx context.Context, id string) (Info, error)
}

// ErrNotFound is wrapped by Client errors for unknown containers.
var ErrNotFound = errors.New("container not found")

// infoRuntime maps a ContainerRef.Runtime to the Info.Runtime vocabulary.
func infoRuntime(refRuntime string) string {
	if refRuntime == RuntimeCRIO {
		return "cri-o"
	}
	return refRuntime
}
