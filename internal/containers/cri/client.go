// Package cri is a Container Runtime Interface client (k8s.io/cri-api
// runtime.v1 over gRPC on a unix socket) for containerd's CRI plugin and
// CRI-O: containers with their Kubernetes pod (name, namespace, uid,
// IPs), labels, mounts and init PID, and container events
// (GetContainerEvents where the runtime offers it, else polling).
package cri

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrace-dev/ctrace/internal/containers"
)

const (
	// ContainerdSocket is containerd's default socket (its CRI plugin
	// serves there).
	ContainerdSocket = "/run/containerd/containerd.sock"
	// CRIOSocket is CRI-O's default socket.
	CRIOSocket = "/run/crio/crio.sock"
	// DefaultTimeout bounds each request.
	DefaultTimeout = 2 * time.Second
	// DefaultPollInterval is how often a runtime without
	// GetContainerEvents is listed to follow its containers.
	DefaultPollInterval = time.Second

	statusWorkers = 8
	maxMsgSize    = 16 << 20
)

// Client is a CRI runtime client. It implements containers.Client and
// containers.Watcher and is safe for concurrent use.
type Client struct {
	name      string
	socket    string
	timeout   time.Duration
	pollEvery time.Duration
	conn      *grpc.ClientConn
	rt        runtimeapi.RuntimeServiceClient
}

var (
	_ containers.Client  = (*Client)(nil)
	_ containers.Watcher = (*Client)(nil)
)

// Option configures a Client.
type Option func(*Client)

// WithTimeout sets the per-request timeout (default DefaultTimeout).
func WithTimeout(d time.Duration) Option { return func(c *Client) { c.timeout = d } }

// WithPollInterval sets the listing interval used when the runtime has
// no GetContainerEvents (default DefaultPollInterval).
func WithPollInterval(d time.Duration) Option { return func(c *Client) { c.pollEvery = d } }

// New returns a client for the CRI runtime serving on socketPath, named
// name in Info.Runtime ("containerd" or "cri-o"). It does not connect
// until the first request.
func New(name, socketPath string, opts ...Option) (*Client, error) {
	c := &Client{name: name, socket: socketPath, timeout: DefaultTimeout, pollEvery: DefaultPollInterval}
	for _, o := range opts {
		o(c)
	}
	conn, err := grpc.NewClient("unix://"+socketPath,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsgSize)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	c.conn = conn
	c.rt = runtimeapi.NewRuntimeServiceClient(conn)
	return c, nil
}

// NewContainerd returns a client for containerd's CRI plugin.
func NewContainerd(socketPath string, opts ...Option) (*Client, error) {
	return New(containers.RuntimeContainerd, socketPath, opts...)
}

// NewCRIO returns a client for CRI-O.
func NewCRIO(socketPath string, opts ...Option) (*Client, error) {
	return New("cri-o", socketPath, opts...)
}

// Name returns the runtime name.
func (c *Client) Name() string { return c.name }

// Socket returns the socket path.
func (c *Client) Socket() string { return c.socket }

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Version asks the runtime who it is (the CRI Version call): runtime
// name, its version and the CRI API version. A socket that does not serve
// CRI (containerd with its cri plugin disabled) wraps
// containers.ErrUnsupported.
func (c *Client) Version(ctx context.Context) (*runtimeapi.VersionResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	v, err := c.rt.Version(ctx, &runtimeapi.VersionRequest{})
	if err != nil {
		return nil, c.wrap("version", err)
	}
	return v, nil
}

// Ping checks that the runtime answers CRI.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.Version(ctx)
	return err
}

// wrap turns a gRPC error into a one-line error naming the runtime.
func (c *Client) wrap(op string, err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("%s %s: %w", c.name, op, err)
	}
	msg := strings.Join(strings.Fields(st.Message()), " ")
	switch st.Code() {
	case codes.NotFound:
		return fmt.Errorf("%s %s: %w (%s)", c.name, op, containers.ErrNotFound, msg)
	case codes.Unimplemented:
		return fmt.Errorf("%s %s: %w: the socket does not serve the CRI runtime service (%s)", c.name, op, containers.ErrUnsupported, msg)
	case codes.DeadlineExceeded:
		return fmt.Errorf("%s %s: %w", c.name, op, context.DeadlineExceeded)
	case codes.Canceled:
		return fmt.Errorf("%s %s: %w", c.name, op, context.Canceled)
	case codes.Unavailable:
		return fmt.Errorf("%s %s: unavailable: %s", c.name, op, msg)
	}
	return fmt.Errorf("%s %s: %s: %s", c.name, op, st.Code(), msg)
}

// List returns the running containers (all: every container the runtime
// knows), each with its pod, PID and mounts. Containers removed while
// listing are left out.
func (c *Client) List(ctx context.Context, all bool) ([]containers.Info, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout*4)
	defer cancel()
	filter := &runtimeapi.ContainerFilter{}
	if !all {
		filter.State = &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING}
	}
	resp, err := c.rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: filter})
	if err != nil {
		return nil, c.wrap("list", err)
	}
	list := resp.GetContainers()
	pods := newPodCache(c)
	infos := make([]containers.Info, len(list))
	errs := make([]error, len(list))
	sem := make(chan struct{}, statusWorkers)
	var wg sync.WaitGroup
	for i, ct := range list {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			infos[i], errs[i] = c.inspect(ctx, ct.GetId(), ct.GetPodSandboxId(), pods)
		}()
	}
	wg.Wait()
	out := infos[:0]
	for i := range list {
		switch {
		case errs[i] == nil:
			out = append(out, infos[i])
		case errors.Is(errs[i], containers.ErrNotFound):
		default:
			return nil, fmt.Errorf("%s list: %w", c.name, errs[i])
		}
	}
	return out, nil
}

// Inspect returns one container with its pod.
func (c *Client) Inspect(ctx context.Context, id string) (containers.Info, error) {
	if id == "" {
		return containers.Info{}, fmt.Errorf("%s inspect: empty container id", c.name)
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	return c.inspect(ctx, id, "", newPodCache(c))
}

// inspect asks ContainerStatus (verbose: PID, sandbox id) and the pod's
// status (name, namespace, uid, IPs).
func (c *Client) inspect(ctx context.Context, id, podID string, pods *podCache) (containers.Info, error) {
	resp, err := c.rt.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id, Verbose: true})
	if status.Code(err) == codes.NotFound {
		// A pod's sandbox ("pause") container has a cgroup too, but CRI
		// knows it as the pod sandbox.
		if info, ok := c.sandbox(ctx, id); ok {
			return info, nil
		}
	}
	if err != nil {
		return containers.Info{}, c.wrap("inspect "+shortID(id), err)
	}
	v := parseVerbose(resp.GetInfo())
	if podID == "" {
		podID = v.SandboxID
	}
	if podID == "" {
		// Runtimes whose verbose info lacks the sandbox id: ask the list.
		l, err := c.rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{Id: id}})
		if err == nil && len(l.GetContainers()) == 1 {
			podID = l.GetContainers()[0].GetPodSandboxId()
		}
	}
	info := c.fromStatus(resp.GetStatus(), v)
	info.ID = id
	if podID != "" {
		if ps, err := pods.get(ctx, podID); err == nil {
			addPod(&info, ps)
		}
	}
	if info.Pod == nil {
		info.Pod = podFromLabels(info.Labels)
	}
	return info, nil
}

// SandboxName is the container name given to a pod's sandbox (the
// infrastructure or "pause" container), as the kubelet named it.
const SandboxName = "POD"

// sandbox describes a pod sandbox's own container.
func (c *Client) sandbox(ctx context.Context, id string) (containers.Info, bool) {
	resp, err := c.rt.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: id, Verbose: true})
	if err != nil || resp.GetStatus().GetId() == "" {
		return containers.Info{}, false
	}
	ps := resp.GetStatus()
	var v struct {
		PID   int    `json:"pid"`
		Image string `json:"image"`
	}
	if s, ok := resp.GetInfo()["info"]; ok {
		_ = json.Unmarshal([]byte(s), &v)
	}
	info := containers.Info{ID: id, Name: SandboxName, Image: v.Image, Runtime: c.name, PID: v.PID, Labels: ps.GetLabels(), State: "exited"}
	if ps.GetState() == runtimeapi.PodSandboxState_SANDBOX_READY {
		info.State = "running"
	} else {
		info.PID = 0
	}
	if t := ps.GetCreatedAt(); t > 0 {
		info.Created = time.Unix(0, t)
	}
	addPod(&info, ps)
	return info, true
}

// verboseInfo is what ctrace reads from ContainerStatus's verbose "info"
// (containerd and CRI-O both put a JSON object there).
type verboseInfo struct {
	SandboxID   string `json:"sandboxID"`
	PID         int    `json:"pid"`
	RuntimeType string `json:"runtimeType"` // containerd: io.containerd.runc.v2
}

func parseVerbose(m map[string]string) verboseInfo {
	var v verboseInfo
	if s, ok := m["info"]; ok {
		_ = json.Unmarshal([]byte(s), &v)
	}
	return v
}

// fromStatus converts a ContainerStatus.
func (c *Client) fromStatus(st *runtimeapi.ContainerStatus, v verboseInfo) containers.Info {
	info := containers.Info{
		ID:         st.GetId(),
		Name:       st.GetMetadata().GetName(),
		Image:      imageName(st.GetImage(), st.GetImageRef()),
		Runtime:    c.name,
		OCIRuntime: ociRuntime(v.RuntimeType),
		PID:        v.PID,
		State:      stateName(st.GetState()),
		Labels:     st.GetLabels(),
	}
	if t := st.GetCreatedAt(); t > 0 {
		info.Created = time.Unix(0, t)
	}
	for _, m := range st.GetMounts() {
		info.Mounts = append(info.Mounts, containers.Mount{Type: "bind", Source: m.GetHostPath(), Destination: m.GetContainerPath(), ReadOnly: m.GetReadonly()})
	}
	if info.State != "running" {
		info.PID = 0
	}
	return info
}

// imageName prefers the image as the user gave it.
func imageName(spec *runtimeapi.ImageSpec, ref string) string {
	if s := spec.GetUserSpecifiedImage(); s != "" {
		return s
	}
	if s := spec.GetImage(); s != "" {
		return s
	}
	return ref
}

// ociRuntime shortens containerd's runtime type ("io.containerd.runc.v2"
// → "runc").
func ociRuntime(t string) string {
	if s, ok := strings.CutPrefix(t, "io.containerd."); ok {
		if i := strings.IndexByte(s, '.'); i > 0 {
			return s[:i]
		}
		return s
	}
	return t
}

func stateName(s runtimeapi.ContainerState) string {
	switch s {
	case runtimeapi.ContainerState_CONTAINER_CREATED:
		return "created"
	case runtimeapi.ContainerState_CONTAINER_RUNNING:
		return "running"
	case runtimeapi.ContainerState_CONTAINER_EXITED:
		return "exited"
	}
	return "unknown"
}

// addPod fills the pod and its IPs from a sandbox status.
func addPod(info *containers.Info, ps *runtimeapi.PodSandboxStatus) {
	md := ps.GetMetadata()
	if md.GetName() != "" {
		info.Pod = &containers.PodInfo{Name: md.GetName(), Namespace: md.GetNamespace(), UID: md.GetUid()}
	}
	net := ps.GetNetwork()
	ips := []string{net.GetIp()}
	for _, a := range net.GetAdditionalIps() {
		ips = append(ips, a.GetIp())
	}
	for _, s := range ips {
		if a, err := netip.ParseAddr(s); err == nil && !slices.Contains(info.IPs, a) {
			info.IPs = append(info.IPs, a)
		}
	}
	slices.SortFunc(info.IPs, netip.Addr.Compare)
}

// podFromLabels reads the pod from the labels the kubelet sets, for
// runtimes whose sandbox could not be asked.
func podFromLabels(l map[string]string) *containers.PodInfo {
	name := l["io.kubernetes.pod.name"]
	if name == "" {
		return nil
	}
	return &containers.PodInfo{Name: name, Namespace: l["io.kubernetes.pod.namespace"], UID: l["io.kubernetes.pod.uid"]}
}

// podCache asks each pod's status once per List.
type podCache struct {
	c  *Client
	mu sync.Mutex
	m  map[string]*podResult
}

type podResult struct {
	once sync.Once
	st   *runtimeapi.PodSandboxStatus
	err  error
}

func newPodCache(c *Client) *podCache { return &podCache{c: c, m: map[string]*podResult{}} }

func (p *podCache) get(ctx context.Context, id string) (*runtimeapi.PodSandboxStatus, error) {
	p.mu.Lock()
	r, ok := p.m[id]
	if !ok {
		r = &podResult{}
		p.m[id] = r
	}
	p.mu.Unlock()
	r.once.Do(func() {
		resp, err := p.c.rt.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: id})
		if err != nil {
			r.err = p.c.wrap("pod "+shortID(id), err)
			return
		}
		r.st = resp.GetStatus()
	})
	return r.st, r.err
}

// Watch follows GetContainerEvents; a runtime that does not implement it
// (containerd before 1.7, CRI-O without evented PLEG) is listed every poll
// interval instead, new containers becoming created events and vanished
// ones removed events.
func (c *Client) Watch(ctx context.Context, since time.Time, connected func(), fn func(containers.RuntimeEvent)) error {
	if _, err := c.Version(ctx); err != nil {
		return err
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.rt.GetContainerEvents(sctx, &runtimeapi.GetEventsRequest{})
	if err != nil {
		if status.Code(err) == codes.Unimplemented {
			return c.poll(ctx, connected, fn)
		}
		return c.wrap("events", err)
	}
	if connected != nil {
		connected()
	}
	for {
		ev, err := stream.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if status.Code(err) == codes.Unimplemented {
				return c.poll(ctx, nil, fn)
			}
			return c.wrap("events", err)
		}
		if re, ok := c.toEvent(ev); ok {
			fn(re)
		}
	}
}

// toEvent converts one CRI container event.
func (c *Client) toEvent(ev *runtimeapi.ContainerEventResponse) (containers.RuntimeEvent, bool) {
	var kind containers.EventKind
	switch ev.GetContainerEventType() {
	case runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT:
		kind = containers.EventCreated
	case runtimeapi.ContainerEventType_CONTAINER_STARTED_EVENT:
		kind = containers.EventStarted
	case runtimeapi.ContainerEventType_CONTAINER_DELETED_EVENT:
		kind = containers.EventRemoved
	default:
		return containers.RuntimeEvent{}, false // stopped: nothing to learn
	}
	id := ev.GetContainerId()
	if id == "" {
		return containers.RuntimeEvent{}, false
	}
	re := containers.RuntimeEvent{Kind: kind, Info: containers.Info{ID: id, Runtime: c.name}}
	if t := ev.GetCreatedAt(); t > 0 {
		re.Time = time.Unix(0, t)
	}
	for _, st := range ev.GetContainersStatuses() {
		if st.GetId() == id {
			re.Info = c.fromStatus(st, verboseInfo{})
			re.Info.ID = id
		}
	}
	if ps := ev.GetPodSandboxStatus(); ps != nil {
		addPod(&re.Info, ps)
	}
	if re.Info.Pod == nil {
		re.Info.Pod = podFromLabels(re.Info.Labels)
	}
	return re, true
}

// poll lists the containers every poll interval and reports the changes.
func (c *Client) poll(ctx context.Context, connected func(), fn func(containers.RuntimeEvent)) error {
	seen := map[string]bool{}
	first := true
	t := time.NewTicker(c.pollEvery)
	defer t.Stop()
	for {
		infos, err := c.listBrief(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		if first && connected != nil {
			connected()
		}
		now := map[string]bool{}
		for _, in := range infos {
			now[in.ID] = true
			if !seen[in.ID] {
				fn(containers.RuntimeEvent{Kind: containers.EventCreated, Time: in.Created, Info: in})
			}
		}
		if !first {
			for id := range seen {
				if !now[id] {
					fn(containers.RuntimeEvent{Kind: containers.EventRemoved, Time: time.Now(), Info: containers.Info{ID: id, Runtime: c.name}})
				}
			}
		}
		seen, first = now, false
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// listBrief lists every container with what ListContainers and
// ListPodSandbox tell (two requests, no per-container status).
func (c *Client) listBrief(ctx context.Context) ([]containers.Info, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	cs, err := c.rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	if err != nil {
		return nil, c.wrap("list", err)
	}
	ps, err := c.rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		return nil, c.wrap("list pods", err)
	}
	pods := map[string]*runtimeapi.PodSandbox{}
	for _, p := range ps.GetItems() {
		pods[p.GetId()] = p
	}
	out := make([]containers.Info, 0, len(cs.GetContainers()))
	for _, ct := range cs.GetContainers() {
		in := containers.Info{
			ID:      ct.GetId(),
			Name:    ct.GetMetadata().GetName(),
			Image:   imageName(ct.GetImage(), ct.GetImageRef()),
			Runtime: c.name,
			State:   stateName(ct.GetState()),
			Labels:  ct.GetLabels(),
		}
		if t := ct.GetCreatedAt(); t > 0 {
			in.Created = time.Unix(0, t)
		}
		if p, ok := pods[ct.GetPodSandboxId()]; ok && p.GetMetadata().GetName() != "" {
			md := p.GetMetadata()
			in.Pod = &containers.PodInfo{Name: md.GetName(), Namespace: md.GetNamespace(), UID: md.GetUid()}
		} else {
			in.Pod = podFromLabels(in.Labels)
		}
		out = append(out, in)
	}
	return out, nil
}

func shortID(id string) string {
	if len(id) == 64 {
		return id[:12]
	}
	return id
}
