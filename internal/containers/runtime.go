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
	// List returns the running containers, or with all every container
	// the runtime knows (stopped ones too).
	List(ctx context.Context, all bool) ([]Info, error)
	// Inspect returns one container by id. Errors wrap ErrNotFound when
	// the runtime does not know the container.
	Inspect(ctx context.Context, id string) (Info, error)
}

// Watcher is implemented by clients that follow the runtime's event
// stream, so that containers are named when they are born (even ones
// gone milliseconds later, too soon to be inspected).
type Watcher interface {
	// Watch connects to the runtime's container event stream, calls
	// connected once it is established, then fn for every container
	// event, until ctx ends (returning ctx's error) or the stream breaks
	// (returning why). since, when not zero, asks the runtime to replay
	// events from that time where it can (after a reconnection). fn is
	// called from one goroutine and must not block for long.
	Watch(ctx context.Context, since time.Time, connected func(), fn func(RuntimeEvent)) error
}

// EventKind is what happened to a container.
type EventKind uint8

// Container lifecycle events.
const (
	EventCreated EventKind = iota + 1
	EventStarted
	EventRemoved
)

func (k EventKind) String() string {
	switch k {
	case EventCreated:
		return "created"
	case EventStarted:
		return "started"
	case EventRemoved:
		return "removed"
	}
	return "unknown"
}

// RuntimeEvent is one container event from a runtime's event stream. Info
// has ID set and whatever else the event tells (Docker: name, image,
// labels; CRI: the full status with the pod).
type RuntimeEvent struct {
	Kind EventKind
	Time time.Time
	Info Info
}

// Source describes a client for messages: its name and socket.
type Source interface {
	Socket() string
}

// ErrNotFound is wrapped by Client errors for unknown containers.
var ErrNotFound = errors.New("container not found")

// ErrUnsupported is wrapped by errors of runtimes that do not offer an
// API (a containerd socket without the CRI plugin, a runtime without an
// event stream).
var ErrUnsupported = errors.New("not supported by this runtime")

// infoRuntime maps a ContainerRef.Runtime to the Info.Runtime vocabulary.
func infoRuntime(refRuntime string) string {
	if refRuntime == RuntimeCRIO {
		return "cri-o"
	}
	return refRuntime
}
