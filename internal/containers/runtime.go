package containers

import (
	"context"
	"errors"
	"net/netip"
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
	// IPs are the container's addresses on its networks (none with host or
	// no networking); they name the far end of connections between containers.
	IPs []netip.Addr
	// Mounts are the container's bind mounts and volumes; a path in a mount
	// shared by several containers names all of them.
	Mounts []Mount
	// Pod is set for a container of a Kubernetes pod (known through CRI).
	Pod *PodInfo
}

// Mount is one bind mount or volume of a container.
type Mount struct {
	Type        string // "bind", "volume", "tmpfs", …
	Name        string // volume name (volumes only)
	Source      string // host path
	Destination string // path inside the container
	ReadOnly    bool
}

// PodInfo names the Kubernetes pod a container belongs to.
type PodInfo struct {
	Name      string
	Namespace string
	UID       string
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
