package cri

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"github.com/ctrace-dev/ctrace/internal/containers"
)

const (
	webID = "3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d3f4b1c2d"
	dbID  = "9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b9e8d7c6b"
	podA  = "aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111"
	uidA  = "0b5e5d5c-1111-4a4a-9c9c-123456789abc"
)

// fakeCRI is a CRI test server: the RuntimeService subset ctrace uses
// (Version, ListContainers, ListPodSandbox, ContainerStatus,
// PodSandboxStatus, GetContainerEvents), answering like containerd does.
type fakeCRI struct {
	runtimeapi.UnimplementedRuntimeServiceServer

	mu         sync.Mutex
	containers map[string]*runtimeapi.Container
	pods       map[string]*runtimeapi.PodSandbox
	pid        map[string]int
	noEvents   bool // GetContainerEvents unimplemented (containerd 1.6)
	events     chan *runtimeapi.ContainerEventResponse
	calls      []string
}

func newFakeCRI() *fakeCRI {
	created := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC).UnixNano()
	f := &fakeCRI{
		containers: map[string]*runtimeapi.Container{},
		pods: map[string]*runtimeapi.PodSandbox{
			podA: {Id: podA, Metadata: &runtimeapi.PodSandboxMetadata{Name: "web-7d9f", Namespace: "shop", Uid: uidA}, State: runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: created},
		},
		pid:    map[string]int{webID: 4242},
		events: make(chan *runtimeapi.ContainerEventResponse, 8),
	}
	f.containers[webID] = &runtimeapi.Container{
		Id: webID, PodSandboxId: podA, Metadata: &runtimeapi.ContainerMetadata{Name: "nginx"},
		Image: &runtimeapi.ImageSpec{Image: "docker.io/library/nginx:1.27"}, ImageRef: "sha256:abcd",
		State: runtimeapi.ContainerState_CONTAINER_RUNNING, CreatedAt: created,
		Labels: map[string]string{"io.kubernetes.pod.name": "web-7d9f", "io.kubernetes.pod.namespace": "shop", "io.kubernetes.pod.uid": uidA, "io.kubernetes.container.name": "nginx"},
	}
	f.containers[dbID] = &runtimeapi.Container{
		Id: dbID, PodSandboxId: podA, Metadata: &runtimeapi.ContainerMetadata{Name: "init-db"},
		Image: &runtimeapi.ImageSpec{Image: "docker.io/library/busybox:1.36"}, State: runtimeapi.ContainerState_CONTAINER_EXITED, CreatedAt: created - 1e9,
	}
	return f
}

func (f *fakeCRI) record(call string) {
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.mu.Unlock()
}

func (f *fakeCRI) Version(context.Context, *runtimeapi.VersionRequest) (*runtimeapi.VersionResponse, error) {
	f.record("Version")
	return &runtimeapi.VersionResponse{Version: "0.1.0", RuntimeName: "containerd", RuntimeVersion: "1.6.20", RuntimeApiVersion: "v1"}, nil
}

func (f *fakeCRI) ListContainers(_ context.Context, r *runtimeapi.ListContainersRequest) (*runtimeapi.ListContainersResponse, error) {
	f.record("ListContainers")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*runtimeapi.Container
	for _, c := range f.containers {
		fl := r.GetFilter()
		if fl.GetId() != "" && fl.GetId() != c.Id || fl.GetState() != nil && fl.GetState().GetState() != c.State {
			continue
		}
		out = append(out, c)
	}
	return &runtimeapi.ListContainersResponse{Containers: out}, nil
}

func (f *fakeCRI) ListPodSandbox(context.Context, *runtimeapi.ListPodSandboxRequest) (*runtimeapi.ListPodSandboxResponse, error) {
	f.record("ListPodSandbox")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*runtimeapi.PodSandbox
	for _, p := range f.pods {
		out = append(out, p)
	}
	return &runtimeapi.ListPodSandboxResponse{Items: out}, nil
}

func (f *fakeCRI) status(c *runtimeapi.Container) *runtimeapi.ContainerStatus {
	return &runtimeapi.ContainerStatus{
		Id: c.Id, Metadata: c.Metadata, State: c.State, CreatedAt: c.CreatedAt, Image: c.Image, ImageRef: c.ImageRef, Labels: c.Labels,
		Mounts: []*runtimeapi.Mount{{ContainerPath: "/data", HostPath: "/var/lib/kubelet/pods/" + uidA + "/volumes/data", Readonly: false},
			{ContainerPath: "/etc/hosts", HostPath: "/var/lib/kubelet/pods/" + uidA + "/etc-hosts", Readonly: true}},
	}
}

func (f *fakeCRI) ContainerStatus(_ context.Context, r *runtimeapi.ContainerStatusRequest) (*runtimeapi.ContainerStatusResponse, error) {
	f.record("ContainerStatus")
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[r.GetContainerId()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "an error occurred when try to find container %q: not found", r.GetContainerId())
	}
	resp := &runtimeapi.ContainerStatusResponse{Status: f.status(c)}
	if r.GetVerbose() {
		resp.Info = map[string]string{"info": `{"sandboxID":"` + c.PodSandboxId + `","pid":` + strconv.Itoa(f.pid[c.Id]) + `,"runtimeType":"io.containerd.runc.v2","removing":false}`}
	}
	return resp, nil
}

func (f *fakeCRI) PodSandboxStatus(_ context.Context, r *runtimeapi.PodSandboxStatusRequest) (*runtimeapi.PodSandboxStatusResponse, error) {
	f.record("PodSandboxStatus")
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.pods[r.GetPodSandboxId()]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "sandbox not found")
	}
	return &runtimeapi.PodSandboxStatusResponse{Status: &runtimeapi.PodSandboxStatus{
		Id: p.Id, Metadata: p.Metadata, State: p.State, CreatedAt: p.CreatedAt,
		Network: &runtimeapi.PodSandboxNetworkStatus{Ip: "10.244.1.7", AdditionalIps: []*runtimeapi.PodIP{{Ip: "fd00::7"}}},
	}}, nil
}

func (f *fakeCRI) GetContainerEvents(_ *runtimeapi.GetEventsRequest, s grpc.ServerStreamingServer[runtimeapi.ContainerEventResponse]) error {
	f.record("GetContainerEvents")
	if f.noEvents {
		return status.Error(codes.Unimplemented, "method GetContainerEvents not implemented")
	}
	for {
		select {
		case ev := <-f.events:
			if err := s.Send(ev); err != nil {
				return err
			}
		case <-s.Context().Done():
			return nil
		}
	}
}

// serve starts srv on a unix socket and returns a client for it.
func serve(t *testing.T, srv runtimeapi.RuntimeServiceServer, opts ...Option) *Client {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "cri.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	g := grpc.NewServer()
	if srv != nil {
		runtimeapi.RegisterRuntimeServiceServer(g, srv)
	}
	go g.Serve(l)
	t.Cleanup(g.Stop)
	c, err := NewContainerd(sock, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

var webInfo = containers.Info{
	ID: webID, Name: "nginx", Image: "docker.io/library/nginx:1.27", Runtime: "containerd", OCIRuntime: "runc", PID: 4242, State: "running",
	Created: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC),
	Labels:  map[string]string{"io.kubernetes.pod.name": "web-7d9f", "io.kubernetes.pod.namespace": "shop", "io.kubernetes.pod.uid": uidA, "io.kubernetes.container.name": "nginx"},
	IPs:     []netip.Addr{netip.MustParseAddr("10.244.1.7"), netip.MustParseAddr("fd00::7")},
	Mounts: []containers.Mount{
		{Type: "bind", Source: "/var/lib/kubelet/pods/" + uidA + "/volumes/data", Destination: "/data"},
		{Type: "bind", Source: "/var/lib/kubelet/pods/" + uidA + "/etc-hosts", Destination: "/etc/hosts", ReadOnly: true},
	},
	Pod: &containers.PodInfo{Name: "web-7d9f", Namespace: "shop", UID: uidA},
}

func checkInfo(t *testing.T, got, want containers.Info) {
	t.Helper()
	if !got.Created.Equal(want.Created) {
		t.Errorf("Created = %v, want %v", got.Created, want.Created)
	}
	got.Created, want.Created = time.Time{}, time.Time{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("info = %+v (pod %+v)\nwant   %+v (pod %+v)", got, got.Pod, want, want.Pod)
	}
}

func TestVersionAndInspect(t *testing.T) {
	c := serve(t, newFakeCRI())
	v, err := c.Version(ctx(t))
	if err != nil || v.GetRuntimeName() != "containerd" {
		t.Fatalf("Version = %v, %v", v, err)
	}
	info, err := c.Inspect(ctx(t), webID)
	if err != nil {
		t.Fatal(err)
	}
	checkInfo(t, info, webInfo)
}

func TestInspectNotFound(t *testing.T) {
	c := serve(t, newFakeCRI())
	_, err := c.Inspect(ctx(t), strings.Repeat("0", 64))
	if !errors.Is(err, containers.ErrNotFound) || !strings.HasPrefix(err.Error(), "containerd inspect 000000000000: container not found") {
		t.Errorf("err = %v", err)
	}
}

func TestList(t *testing.T) {
	f := newFakeCRI()
	c := serve(t, f)
	infos, err := c.List(ctx(t), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 {
		t.Fatalf("List = %d containers, want the running one", len(infos))
	}
	checkInfo(t, infos[0], webInfo)
	all, err := c.List(ctx(t), true)
	if err != nil || len(all) != 2 {
		t.Fatalf("List(all) = %d, %v", len(all), err)
	}
	for _, in := range all {
		if in.ID == dbID && (in.State != "exited" || in.PID != 0 || in.Name != "init-db" || in.Pod == nil || in.Pod.Name != "web-7d9f") {
			t.Errorf("exited container: %+v", in)
		}
	}
}

// A socket that is not a CRI runtime (containerd with the cri plugin
// disabled, as Docker's own containerd is).
func TestNotCRI(t *testing.T) {
	c := serve(t, nil)
	err := c.Ping(ctx(t))
	if !errors.Is(err, containers.ErrUnsupported) || strings.Contains(err.Error(), "\n") {
		t.Errorf("err = %v", err)
	}
}

func TestNoSocket(t *testing.T) {
	c, err := NewCRIO(filepath.Join(t.TempDir(), "missing.sock"), WithTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Ping(ctx(t))
	if err == nil || !strings.HasPrefix(err.Error(), "cri-o version: ") || strings.Contains(err.Error(), "\n") {
		t.Errorf("err = %v", err)
	}
}

func watch(t *testing.T, c *Client) (chan containers.RuntimeEvent, context.CancelFunc, chan error) {
	t.Helper()
	wctx, cancel := context.WithCancel(ctx(t))
	connected := make(chan struct{})
	evs := make(chan containers.RuntimeEvent, 16)
	done := make(chan error, 1)
	var once sync.Once
	go func() {
		done <- c.Watch(wctx, time.Time{}, func() { once.Do(func() { close(connected) }) }, func(ev containers.RuntimeEvent) { evs <- ev })
	}()
	select {
	case <-connected:
	case err := <-done:
		t.Fatalf("Watch: %v", err)
	}
	return evs, cancel, done
}

func TestWatchEvents(t *testing.T) {
	f := newFakeCRI()
	c := serve(t, f)
	evs, cancel, done := watch(t, c)
	defer cancel()
	st := f.status(f.containers[webID])
	f.events <- &runtimeapi.ContainerEventResponse{
		ContainerId: webID, ContainerEventType: runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT, CreatedAt: 1795909572e9,
		PodSandboxStatus:   &runtimeapi.PodSandboxStatus{Id: podA, Metadata: f.pods[podA].Metadata, Network: &runtimeapi.PodSandboxNetworkStatus{Ip: "10.244.1.7"}},
		ContainersStatuses: []*runtimeapi.ContainerStatus{st},
	}
	f.events <- &runtimeapi.ContainerEventResponse{ContainerId: webID, ContainerEventType: runtimeapi.ContainerEventType_CONTAINER_STOPPED_EVENT}
	f.events <- &runtimeapi.ContainerEventResponse{ContainerId: webID, ContainerEventType: runtimeapi.ContainerEventType_CONTAINER_DELETED_EVENT}
	ev := <-evs
	if ev.Kind != containers.EventCreated || ev.Info.Name != "nginx" || ev.Info.Image != "docker.io/library/nginx:1.27" ||
		ev.Info.Pod == nil || *ev.Info.Pod != (containers.PodInfo{Name: "web-7d9f", Namespace: "shop", UID: uidA}) ||
		len(ev.Info.IPs) != 1 || len(ev.Info.Mounts) != 2 || !ev.Time.Equal(time.Unix(1795909572, 0)) {
		t.Errorf("created event: %+v (pod %+v)", ev, ev.Info.Pod)
	}
	if ev := <-evs; ev.Kind != containers.EventRemoved || ev.Info.ID != webID {
		t.Errorf("second event: %+v (the stopped event must be skipped)", ev)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Watch after cancel: %v", err)
	}
}

// containerd 1.6 has no GetContainerEvents: the client polls.
func TestWatchPolls(t *testing.T) {
	f := newFakeCRI()
	f.noEvents = true
	c := serve(t, f, WithPollInterval(10*time.Millisecond))
	evs, cancel, done := watch(t, c)
	defer cancel()
	got := map[string]containers.EventKind{}
	for len(got) < 2 {
		ev := <-evs
		got[ev.Info.ID] = ev.Kind
		if ev.Info.ID == webID && (ev.Info.Name != "nginx" || ev.Info.Pod == nil || ev.Info.Pod.Name != "web-7d9f") {
			t.Errorf("polled event: %+v", ev)
		}
	}
	if got[webID] != containers.EventCreated || got[dbID] != containers.EventCreated {
		t.Errorf("first poll: %v", got)
	}
	f.mu.Lock()
	delete(f.containers, dbID)
	f.containers["new"+webID[3:]] = &runtimeapi.Container{Id: "new" + webID[3:], PodSandboxId: podA, Metadata: &runtimeapi.ContainerMetadata{Name: "sidecar"}, Image: &runtimeapi.ImageSpec{Image: "envoy"}}
	f.mu.Unlock()
	want := map[string]containers.EventKind{dbID: containers.EventRemoved, "new" + webID[3:]: containers.EventCreated}
	for len(want) > 0 {
		ev := <-evs
		if k, ok := want[ev.Info.ID]; ok && k == ev.Kind {
			delete(want, ev.Info.ID)
		} else {
			t.Errorf("unexpected %v event of %s", ev.Kind, ev.Info.ID)
		}
	}
	cancel()
	<-done
}

// The whole data path: a collection with the CRI client names a kubepods
// cgroup with its pod, and a container born after the watch started is
// named from its event even when it is gone before any inspect.
func TestCollectionWithCRI(t *testing.T) {
	f := newFakeCRI()
	c := serve(t, f)
	coll := containers.NewCollection([]containers.Client{c}, t.Logf, containers.WithAsync())
	defer coll.Close()
	coll.Watch()

	ctr, ok := coll.Add(1, "/kubepods/besteffort/pod"+uidA+"/"+webID)
	if !ok {
		t.Fatal("not a container")
	}
	for !ctr.Resolved {
		select {
		case <-coll.Resolved():
			ctr, _ = coll.Lookup(1)
		case <-ctx(t).Done():
			t.Fatal("never resolved")
		}
	}
	checkInfo(t, ctr.Info, webInfo)

	gone := strings.Repeat("e", 64)
	f.events <- &runtimeapi.ContainerEventResponse{
		ContainerId: gone, ContainerEventType: runtimeapi.ContainerEventType_CONTAINER_CREATED_EVENT,
		PodSandboxStatus:   &runtimeapi.PodSandboxStatus{Id: podA, Metadata: f.pods[podA].Metadata},
		ContainersStatuses: []*runtimeapi.ContainerStatus{{Id: gone, Metadata: &runtimeapi.ContainerMetadata{Name: "job"}, Image: &runtimeapi.ImageSpec{Image: "busybox"}}},
	}
	for {
		if k, ok := coll.Known(gone); ok && k.Name == "job" {
			break
		}
		select {
		case <-ctx(t).Done():
			t.Fatal("event not learnt")
		case <-time.After(5 * time.Millisecond):
		}
	}
	// Its inspect finds nothing (gone): it is resolved with what the
	// event told.
	ctr, _ = coll.Add(2, "/system.slice/cri-containerd-"+gone+".scope")
	for !ctr.Resolved {
		select {
		case <-coll.Resolved():
			ctr, _ = coll.Lookup(2)
		case <-ctx(t).Done():
			t.Fatal("short-lived container never resolved")
		}
	}
	if ctr.Info.Name != "job" || ctr.Info.Pod == nil || ctr.Info.Pod.Namespace != "shop" {
		t.Errorf("short-lived container: %+v", ctr)
	}
}

// A pod's sandbox ("pause") container has a cgroup but is no CRI
// container: Inspect names it from the pod.
func TestInspectSandbox(t *testing.T) {
	c := serve(t, newFakeCRI())
	info, err := c.Inspect(ctx(t), podA)
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != SandboxName || info.ID != podA || info.Pod == nil || info.Pod.Name != "web-7d9f" || info.State != "running" || len(info.IPs) != 2 {
		t.Errorf("sandbox = %+v", info)
	}
}
