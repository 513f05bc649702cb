package containers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClient answers Inspect from a map and counts the calls.
type fakeClient struct {
	name  string
	infos map[string]Info
	slow  bool          // block until the context ends
	gate  chan struct{} // when set, Inspect waits for it (or the context)
	err   error         // when set, Inspect fails with it

	mu       sync.Mutex
	calls    []string
	inFlight int
	maxIn    int
}

func (f *fakeClient) Name() string { return f.name }

func (f *fakeClient) List(context.Context, bool) ([]Info, error) { return nil, nil }

func (f *fakeClient) Inspect(ctx context.Context, id string) (Info, error) {
	f.mu.Lock()
	f.calls = append(f.calls, id)
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if f.slow {
		<-ctx.Done()
		return Info{}, fmt.Errorf("%s inspect %s: %w", f.name, shortID(id), ctx.Err())
	}
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return Info{}, fmt.Errorf("%s inspect %s: %w", f.name, shortID(id), ctx.Err())
		}
	}
	if f.err != nil {
		return Info{}, f.err
	}
	if info, ok := f.infos[id]; ok {
		return info, nil
	}
	return Info{}, fmt.Errorf("%s inspect %s: %w", f.name, shortID(id), ErrNotFound)
}

func (f *fakeClient) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// logRecorder collects log lines.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (l *logRecorder) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logRecorder) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func dockerFake() *fakeClient {
	return &fakeClient{name: "docker", infos: map[string]Info{
		id1: {ID: id1, Name: "web", Image: "nginx:1.27", Runtime: "docker", OCIRuntime: "runc", PID: 42, State: "running"},
	}}
}

func TestAddEnrichesFromMatchingClient(t *testing.T) {
	docker, podman := dockerFake(), &fakeClient{name: "podman"}
	c := NewCollection([]Client{podman, docker}, t.Logf)
	defer c.Close()

	ctr, ok := c.Add(100, "/docker/"+id1)
	if !ok {
		t.Fatal("not a container")
	}
	if ctr.CgroupID != 100 || ctr.CgroupPath != "/docker/"+id1 || ctr.Info.Name != "web" || ctr.Info.Image != "nginx:1.27" || ctr.Info.PID != 42 || !ctr.Resolved {
		t.Errorf("Add = %+v", ctr)
	}
	if podman.callCount() != 0 {
		t.Error("podman was asked about a docker container")
	}
	if got, ok := c.Lookup(100); !ok || got != ctr {
		t.Errorf("Lookup = %p, %v; want %p", got, ok, ctr)
	}
	if again, ok := c.Add(100, "/docker/"+id1); !ok || again != ctr || docker.callCount() != 1 {
		t.Errorf("re-Add = %p (calls %d), want the recorded %p", again, docker.callCount(), ctr)
	}
}

func TestAddNotAContainer(t *testing.T) {
	docker := dockerFake()
	c := NewCollection([]Client{docker}, t.Logf)
	for _, p := range []string{"/", "/docker", "/system.slice/ssh.service", "/kubepods.slice"} {
		if ctr, ok := c.Add(7, p); ok || ctr != nil {
			t.Errorf("Add(%q) = %+v, %v", p, ctr, ok)
		}
	}
	if _, ok := c.Lookup(7); ok || docker.callCount() != 0 {
		t.Error("a non-container was recorded or queried")
	}
}

func TestAddUnknownRuntimeAsksEachClient(t *testing.T) {
	podman := &fakeClient{name: "podman"}
	docker := dockerFake()
	c := NewCollection([]Client{podman, docker}, t.Logf)
	ctr, ok := c.Add(5, "/kubepods/besteffort/pod"+uid+"/"+id1)
	if !ok || ctr.Info.Name != "web" || ctr.Info.Runtime != "docker" {
		t.Fatalf("Add = %+v, %v", ctr, ok)
	}
	if podman.callCount() != 1 || docker.callCount() != 1 {
		t.Errorf("calls: podman %d docker %d", podman.callCount(), docker.callCount())
	}
}

func TestAddRuntimeWithoutClientAsksEachClient(t *testing.T) {
	// A CRI-O path with only a docker client: docker is asked, says no;
	// that no CRI-O API is in use is reported once, not per container.
	var log logRecorder
	docker := dockerFake()
	c := NewCollection([]Client{docker}, log.logf)
	defer c.Close()
	ctr, ok := c.Add(5, "/machine.slice/crio-"+id2+".scope")
	if !ok || !reflect.DeepEqual(ctr.Info, Info{ID: id2, Runtime: "cri-o"}) || !ctr.Resolved {
		t.Fatalf("Add = %+v, %v", ctr, ok)
	}
	c.Add(6, "/machine.slice/crio-"+id3+".scope")
	lines := log.get()
	if docker.callCount() != 2 || len(lines) != 1 || !strings.HasPrefix(lines[0], "runtime: container "+id2[:12]+" is a cri-o container but no cri-o API socket is in use") {
		t.Errorf("calls %d, log %q", docker.callCount(), lines)
	}
}

func TestAddFailureKeepsParsedIDAndLogsOnce(t *testing.T) {
	var log logRecorder
	docker := &fakeClient{name: "docker", slow: true}
	c := NewCollection([]Client{docker}, log.logf, WithInspectTimeout(20*time.Millisecond))
	defer c.Close()

	ctr, ok := c.Add(1, "/system.slice/docker-"+id2+".scope")
	if !ok || ctr.Info.ID != id2 || ctr.Info.Runtime != "docker" || ctr.Info.Name != "" || !ctr.Resolved {
		t.Fatalf("Add = %+v, %v", ctr, ok)
	}
	// Nested cgroups of the same container reuse the result.
	for i, sub := range []string{"/init.scope", "/a", "/a/b"} {
		if ctr, ok := c.Add(uint64(2+i), "/system.slice/docker-"+id2+".scope"+sub); !ok || ctr.Info.ID != id2 {
			t.Errorf("nested Add = %+v, %v", ctr, ok)
		}
	}
	// Other containers do not ask the runtime that did not answer, and
	// are not reported one by one.
	for i := range 5 {
		if ctr, ok := c.Add(uint64(10+i), fmt.Sprintf("/docker/%064x", i)); !ok || !ctr.Resolved {
			t.Errorf("Add = %+v, %v", ctr, ok)
		}
	}
	lines := log.get()
	if docker.callCount() != 1 || len(lines) != 1 {
		t.Fatalf("calls %d, log %q", docker.callCount(), lines)
	}
	want := "runtime: docker does not answer: docker inspect " + id2[:12] + ": context deadline exceeded; containers keep their ids only until it does (retrying every 10s)"
	if lines[0] != want {
		t.Errorf("log = %q\nwant  %q", lines[0], want)
	}
}

func TestAddNoClients(t *testing.T) {
	var log logRecorder
	c := NewCollection(nil, log.logf)
	ctr, ok := c.Add(1, "/lxc.payload.web1")
	if !ok || !reflect.DeepEqual(ctr.Info, Info{ID: "web1", Runtime: "lxc"}) {
		t.Errorf("Add = %+v, %v", ctr, ok)
	}
	ctr, ok = c.Add(2, "/docker/"+id1)
	if !ok || !reflect.DeepEqual(ctr.Info, Info{ID: id1, Runtime: "docker"}) {
		t.Errorf("Add = %+v, %v", ctr, ok)
	}
	if len(log.get()) != 0 {
		t.Errorf("nothing to ask, yet logged %q", log.get())
	}
}

func TestNilLog(t *testing.T) {
	c := NewCollection([]Client{&fakeClient{name: "docker"}}, nil)
	if _, ok := c.Add(1, "/docker/"+id1); !ok {
		t.Fatal("not added")
	}
}

func TestConcurrentAddsQueryOnce(t *testing.T) {
	docker := dockerFake()
	c := NewCollection([]Client{docker}, t.Logf)
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Half race on the same cgroup id, half are nested cgroups.
			id, path := uint64(1), "/docker/"+id1
			if i%2 == 1 {
				id, path = uint64(100+i), fmt.Sprintf("/docker/%s/sub%d", id1, i)
			}
			if ctr, ok := c.Add(id, path); !ok || ctr.Info.Name != "web" {
				t.Errorf("Add = %+v, %v", ctr, ok)
			}
		}()
	}
	wg.Wait()
	if n := docker.callCount(); n != 1 {
		t.Errorf("runtime asked %d times", n)
	}
	if n := len(c.Containers()); n != 33 {
		t.Errorf("%d cgroups recorded, want 33", n)
	}
}

func TestRemoveGracePeriod(t *testing.T) {
	c := NewCollection([]Client{dockerFake()}, t.Logf, WithGracePeriod(30*time.Millisecond))
	alive, _ := c.Add(1, "/docker/"+id1)
	c.Remove(1)
	dead, ok := c.Lookup(1)
	if !ok || dead.Removed.IsZero() || dead.Info.Name != "web" {
		t.Fatalf("right after Remove: %+v, %v", dead, ok)
	}
	if !alive.Removed.IsZero() {
		t.Error("Remove modified a handed-out value")
	}
	if len(c.Containers()) != 0 {
		t.Error("removed container listed")
	}
	c.Remove(1) // no-op
	c.Remove(999)
	waitFor(t, "removed container forgotten", func() bool { _, ok := c.Lookup(1); return !ok })
}

func TestRemoveWithoutGrace(t *testing.T) {
	c := NewCollection(nil, t.Logf, WithGracePeriod(0))
	c.Add(1, "/docker/"+id1)
	c.Remove(1)
	if _, ok := c.Lookup(1); ok {
		t.Error("still there")
	}
}

func TestRestartedContainerIsQueriedAgain(t *testing.T) {
	docker := dockerFake()
	c := NewCollection([]Client{docker}, t.Logf)
	c.Add(1, "/docker/"+id1)
	c.Add(2, "/docker/"+id1+"/init.scope")
	c.Remove(2)
	c.Add(3, "/docker/"+id1+"/other") // the container still lives: cached
	if n := docker.callCount(); n != 1 {
		t.Fatalf("runtime asked %d times, want 1", n)
	}
	c.Remove(1)
	c.Remove(3)
	docker.infos[id1] = Info{ID: id1, Name: "web", PID: 4343}
	ctr, _ := c.Add(4, "/docker/"+id1) // new cgroup after a restart
	if docker.callCount() != 2 || ctr.Info.PID != 4343 {
		t.Errorf("after restart: calls %d, %+v", docker.callCount(), ctr.Info)
	}
	if old, _ := c.Lookup(1); old.Info.PID != 42 || old.Removed.IsZero() {
		t.Errorf("dead cgroup changed: %+v", old)
	}
}

func TestContainersSnapshot(t *testing.T) {
	c := NewCollection([]Client{dockerFake()}, t.Logf)
	c.Add(3, "/docker/"+id1+"/init.scope")
	c.Add(1, "/system.slice/docker-"+id2+".scope")
	c.Add(2, "/docker/"+id1)
	c.Add(4, "/system.slice/ssh.service")
	var got []string
	for _, ctr := range c.Containers() {
		got = append(got, fmt.Sprintf("%d %s", ctr.CgroupID, ctr.Info.ID[:4]))
	}
	want := "2 6a9c,3 6a9c,1 fb1c"
	if strings.Join(got, ",") != want {
		t.Errorf("Containers = %q, want %q", got, want)
	}
}

func TestScanFakeHierarchy(t *testing.T) {
	root := t.TempDir()
	dirs := []string{
		"docker/" + id1,
		"docker/" + id1 + "/init.scope",
		"docker/buildkit/ndq8u2y3pzuo1ayp2bxrmc26f",
		"system.slice/ssh.service",
		"system.slice/docker-" + id2 + ".scope",
		"user.slice/user-1000.slice/session-3.scope",
	}
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Files (cgroup.procs…) are not cgroups.
	if err := os.WriteFile(filepath.Join(root, "docker", id1, "cgroup.procs"), nil, 0o644); err != nil {
		t.Fatal(err)
	}

	docker := dockerFake()
	c := NewCollection([]Client{docker}, t.Logf)
	found, err := c.Scan(Hierarchy{Version: 2, Mount: root})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ctr := range found {
		id, err := CgroupID(filepath.Join(root, ctr.CgroupPath))
		if err != nil || id != ctr.CgroupID {
			t.Errorf("%s: cgroup id %d, directory inode %d (%v)", ctr.CgroupPath, ctr.CgroupID, id, err)
		}
		if l, ok := c.Lookup(ctr.CgroupID); !ok || l != ctr {
			t.Errorf("%s not recorded", ctr.CgroupPath)
		}
		got = append(got, ctr.CgroupPath+"="+ctr.Info.Name)
	}
	want := []string{
		"/docker/" + id1 + "=web",
		"/docker/" + id1 + "/init.scope=web",
		"/system.slice/docker-" + id2 + ".scope=",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Scan found\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := docker.callCount(); n != 2 {
		t.Errorf("runtime asked %d times, want once per container", n)
	}
}

func TestScanErrors(t *testing.T) {
	c := NewCollection(nil, t.Logf)
	missing := filepath.Join(t.TempDir(), "nope")
	_, err := c.Scan(Hierarchy{Version: 2, Mount: missing})
	if err == nil || err.Error() != "scan cgroups "+missing+": no such file or directory" {
		t.Errorf("err = %v", err)
	}
	found, err := c.Scan(Hierarchy{Version: 2, Mount: t.TempDir()})
	if err != nil || len(found) != 0 {
		t.Errorf("empty hierarchy: %v, %v", found, err)
	}
}

func TestInfoRuntime(t *testing.T) {
	for in, want := range map[string]string{"crio": "cri-o", "docker": "docker", "": "", "lxc": "lxc"} {
		if got := infoRuntime(in); got != want {
			t.Errorf("infoRuntime(%q) = %q", in, got)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	c := NewCollection(nil, nil)
	const n = 1000
	for i := range n {
		c.Add(uint64(i), fmt.Sprintf("/docker/%064x", i))
	}
	b.Run("hit", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, ok := c.Lookup(uint64(i % n)); !ok {
				b.Fatal("miss")
			}
		}
	})
	b.Run("miss", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, ok := c.Lookup(uint64(n + i)); ok {
				b.Fatal("hit")
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		var seed atomic.Uint64
		b.RunParallel(func(pb *testing.PB) {
			i := seed.Add(7919)
			for pb.Next() {
				c.Lookup(i % n)
				i++
			}
		})
	})
}

// waitFor polls cond until it holds or a deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// testDeadline bounds every wait in these tests: hitting it is a failure
// (something blocked), never a timing measurement.
const testDeadline = 10 * time.Second

// waitToken waits for a token on Resolved().
func waitToken(t *testing.T, c *Collection) {
	t.Helper()
	select {
	case <-c.Resolved():
	case <-time.After(testDeadline):
		t.Fatal("no token on Resolved()")
	}
}

// addWithin runs Add in a goroutine and fails the test if it does not
// return before the test deadline (it blocked on the runtime).
func addWithin(t *testing.T, c *Collection, id uint64, path string) *Container {
	t.Helper()
	got := make(chan *Container, 1)
	go func() {
		ctr, _ := c.Add(id, path)
		got <- ctr
	}()
	select {
	case ctr := <-got:
		return ctr
	case <-time.After(testDeadline):
		t.Fatalf("Add(%d, %s) blocked", id, path)
		return nil
	}
}

func TestAsyncAddDoesNotWait(t *testing.T) {
	docker := dockerFake()
	docker.gate = make(chan struct{})
	c := NewCollection([]Client{docker}, t.Logf, WithAsync(), WithInspectTimeout(time.Hour), WithResolveDeadline(time.Hour))
	defer c.Close()

	// The runtime holds the inspect until the gate opens; Add returns anyway.
	first := addWithin(t, c, 1, "/docker/"+id1)
	if first.Resolved || !reflect.DeepEqual(first.Info, Info{ID: id1, Runtime: "docker"}) {
		t.Fatalf("Add = %+v, want the unresolved cgroup-path info", first)
	}
	nested := addWithin(t, c, 2, "/docker/"+id1+"/init.scope")
	if nested.Resolved {
		t.Fatalf("nested Add = %+v", nested)
	}
	waitFor(t, "inspect in flight", func() bool { return docker.callCount() == 1 })
	close(docker.gate)
	waitToken(t, c)
	for _, cg := range []uint64{1, 2} {
		got, ok := c.Lookup(cg)
		if !ok || !got.Resolved || got.Info.Name != "web" || got.Info.PID != 42 {
			t.Errorf("Lookup(%d) after resolution = %+v", cg, got)
		}
	}
	if first.Resolved || first.Info.Name != "" {
		t.Error("a handed-out value was modified")
	}
	if docker.callCount() != 1 {
		t.Errorf("runtime asked %d times", docker.callCount())
	}
}

// A socket that accepts and never answers: Add returns at once, the
// failure is reported once, and Close does not wait for the runtime.
func TestAsyncHangingRuntime(t *testing.T) {
	var log logRecorder
	docker := &fakeClient{name: "docker", gate: make(chan struct{})} // never opened
	c := NewCollection([]Client{docker}, log.logf, WithAsync(), WithInspectTimeout(time.Hour), WithResolveDeadline(time.Hour))
	for i := range 20 {
		if ctr := addWithin(t, c, uint64(i), fmt.Sprintf("/docker/%064x", i)); ctr.Resolved {
			t.Errorf("container %d resolved by a runtime that never answers", i)
		}
	}
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(testDeadline):
		t.Fatal("Close waited for a runtime that never answers")
	}
	if lines := log.get(); len(lines) > 1 {
		t.Errorf("logged per container: %q", lines)
	}
}

func TestAsyncDeadlineGivesUp(t *testing.T) {
	var log logRecorder
	docker := &fakeClient{name: "docker", gate: make(chan struct{})}
	defer close(docker.gate)
	c := NewCollection([]Client{docker}, log.logf, WithAsync(), WithInspectTimeout(time.Hour), WithResolveDeadline(30*time.Millisecond))
	defer c.Close()
	ctr := addWithin(t, c, 1, "/docker/"+id1)
	if ctr.Resolved {
		t.Fatal("resolved at once")
	}
	waitToken(t, c)
	got, _ := c.Lookup(1)
	if !got.Resolved || !reflect.DeepEqual(got.Info, Info{ID: id1, Runtime: "docker"}) {
		t.Errorf("after the deadline: %+v", got)
	}
	lines := log.get()
	if len(lines) != 1 || lines[0] != "runtime: container "+id1[:12]+": no answer within the resolve deadline; keeping the id only" {
		t.Errorf("log = %q", lines)
	}
}

func TestAsyncBoundedConcurrency(t *testing.T) {
	docker := &fakeClient{name: "docker", gate: make(chan struct{}), infos: map[string]Info{}}
	c := NewCollection([]Client{docker}, t.Logf, WithAsync(), WithResolveWorkers(2), WithInspectTimeout(time.Hour), WithResolveDeadline(time.Hour))
	defer c.Close()
	for i := range 10 {
		id := fmt.Sprintf("%064x", i)
		docker.infos[id] = Info{ID: id, Name: fmt.Sprint("c", i)}
	}
	for i := range 10 {
		addWithin(t, c, uint64(i), fmt.Sprintf("/docker/%064x", i))
	}
	waitFor(t, "two inspects in flight", func() bool { return docker.callCount() == 2 })
	close(docker.gate)
	waitFor(t, "all resolved", func() bool {
		for i := range 10 {
			if ctr, _ := c.Lookup(uint64(i)); !ctr.Resolved || ctr.Info.Name != fmt.Sprint("c", i) {
				return false
			}
		}
		return true
	})
	docker.mu.Lock()
	defer docker.mu.Unlock()
	if docker.maxIn != 2 || len(docker.calls) != 10 {
		t.Errorf("max in flight %d, calls %d; want 2 and 10", docker.maxIn, len(docker.calls))
	}
}

// A removed container still resolves: its late records get its name.
func TestAsyncResolvesRemovedContainer(t *testing.T) {
	docker := dockerFake()
	docker.gate = make(chan struct{})
	c := NewCollection([]Client{docker}, t.Logf, WithAsync(), WithInspectTimeout(time.Hour), WithResolveDeadline(time.Hour))
	defer c.Close()
	addWithin(t, c, 1, "/docker/"+id1)
	c.Remove(1)
	close(docker.gate)
	waitToken(t, c)
	got, ok := c.Lookup(1)
	if !ok || !got.Resolved || got.Info.Name != "web" || got.Removed.IsZero() {
		t.Errorf("removed container after resolution: %+v, %v", got, ok)
	}
}

// fakeWatcher is a client with an event stream fed by the test.
type fakeWatcher struct {
	*fakeClient
	events chan RuntimeEvent
	fail   chan error // each receive ends one Watch call with that error

	mu     sync.Mutex
	sinces []time.Time
	calls  int
}

func (w *fakeWatcher) Watch(ctx context.Context, since time.Time, connected func(), fn func(RuntimeEvent)) error {
	w.mu.Lock()
	w.sinces = append(w.sinces, since)
	w.calls++
	w.mu.Unlock()
	connected()
	for {
		select {
		case ev := <-w.events:
			fn(ev)
		case err := <-w.fail:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (w *fakeWatcher) watchCalls() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.calls
}

func newFakeWatcher() *fakeWatcher {
	return &fakeWatcher{fakeClient: &fakeClient{name: "docker", infos: map[string]Info{}}, events: make(chan RuntimeEvent), fail: make(chan error)}
}

// The event stream names a container that is gone before any inspect:
// its inspect fails and it is Resolved with the stream's name, in either
// mode, without a report.
func TestEventStreamNamesShortLivedContainers(t *testing.T) {
	for _, async := range []bool{false, true} {
		t.Run(fmt.Sprint("async=", async), func(t *testing.T) {
			var log logRecorder
			w := newFakeWatcher() // Inspect: not found (the container is gone)
			opts := []Option{WithInspectTimeout(time.Hour), WithResolveDeadline(time.Hour)}
			if async {
				opts = append(opts, WithAsync())
			}
			c := NewCollection([]Client{w}, log.logf, opts...)
			defer c.Close()
			c.Watch()
			created := time.Unix(1795909572, 0)
			w.events <- RuntimeEvent{Kind: EventCreated, Time: created, Info: Info{ID: id1, Name: "quick", Image: "busybox", Runtime: "docker", Created: created, State: "created"}}
			w.events <- RuntimeEvent{Kind: EventStarted, Info: Info{ID: id1, Name: "quick", Image: "busybox", Runtime: "docker"}} // delivered after the first is learnt
			ctr := addWithin(t, c, 1, "/docker/"+id1)
			if async && !ctr.Resolved {
				waitToken(t, c)
				ctr, _ = c.Lookup(1)
			}
			if !ctr.Resolved || ctr.Info.Name != "quick" || ctr.Info.Image != "busybox" || !ctr.Info.Created.Equal(created) {
				t.Errorf("resolved = %+v", ctr)
			}
			w.events <- RuntimeEvent{Kind: EventRemoved, Info: Info{ID: id1}}
			waitFor(t, "enrichment attempt", func() bool { return w.callCount() == 1 })
			c.Close()
			if got, _ := c.Lookup(1); got.Info.Name != "quick" {
				t.Errorf("after the failed inspect: %+v", got)
			}
			if lines := log.get(); len(lines) != 0 {
				t.Errorf("a container named by its events was reported: %q", lines)
			}
		})
	}
}

// A container whose inspect keeps saying "not found" (asked before its
// runtime registered it) is resolved by its create event: the retries
// stop and it keeps the stream's name, without a report.
func TestEventResolvesWaitingContainer(t *testing.T) {
	var log logRecorder
	w := newFakeWatcher() // Inspect: not found
	c := NewCollection([]Client{w}, log.logf, WithAsync(), WithInspectTimeout(time.Hour), WithResolveDeadline(time.Hour))
	defer c.Close()
	c.Watch()
	ctr := addWithin(t, c, 1, "/docker/"+id1)
	if ctr.Resolved {
		t.Fatalf("Add = %+v", ctr)
	}
	waitFor(t, "a first inspect", func() bool { return w.callCount() >= 1 })
	w.events <- RuntimeEvent{Kind: EventCreated, Info: Info{ID: id1, Name: "late", Image: "busybox", Runtime: "docker"}}
	waitToken(t, c)
	if got, _ := c.Lookup(1); !got.Resolved || got.Info.Name != "late" {
		t.Errorf("Lookup = %+v", got)
	}
	if lines := log.get(); len(lines) != 0 {
		t.Errorf("a container named by its events was reported: %q", lines)
	}
	if k, ok := c.Known(id1); !ok || k.Name != "late" {
		t.Errorf("Known = %+v, %v", k, ok)
	}
}

// A container named by its event stream is Resolved only when its
// inspect answers, with the details (PID, mounts) that name shared
// volumes and peers: a trace never releases its records without them.
// (Before, it was Resolved from the event alone and file events of a
// shared volume went out unannotated under load.)
func TestInspectDetailsSendToken(t *testing.T) {
	w := newFakeWatcher()
	w.infos[id1] = Info{ID: id1, Name: "named", Image: "busybox", Runtime: "docker", PID: 42,
		Mounts: []Mount{{Source: "/var/lib/docker/volumes/v/_data", Destination: "/shared", Name: "v"}}}
	w.gate = make(chan struct{}) // the inspect waits until the test has the first value
	c := NewCollection([]Client{w}, t.Logf, WithAsync(), WithInspectTimeout(time.Hour), WithResolveDeadline(time.Hour))
	defer c.Close()
	c.Watch()
	w.events <- RuntimeEvent{Kind: EventCreated, Info: Info{ID: id1, Name: "named", Image: "busybox", Runtime: "docker"}}
	waitFor(t, "the create event learnt", func() bool { _, ok := c.Known(id1); return ok })
	ctr := addWithin(t, c, 1, "/docker/"+id1)
	if ctr.Resolved || ctr.Info.Name != "named" {
		t.Fatalf("Add = %+v, want named by the event but not resolved before the inspect", ctr)
	}
	select {
	case <-c.Resolved():
		t.Fatal("a token before the inspect answered")
	default:
	}
	close(w.gate)
	waitToken(t, c)
	if got, _ := c.Lookup(1); !got.Resolved || got.Info.PID != 42 || len(got.Info.Mounts) != 1 || got.Info.Name != "named" {
		t.Errorf("Lookup after the inspect = %+v", got)
	}
}

// A named container whose inspect hangs (its runtime's stream is alive:
// slow, not down) is Resolved with the stream's name at the resolve
// deadline, and not reported as unknown.
func TestNamedContainerInspectTimesOut(t *testing.T) {
	var log logRecorder
	w := newFakeWatcher()
	w.gate = make(chan struct{}) // the inspect hangs
	defer close(w.gate)
	c := NewCollection([]Client{w}, log.logf, WithAsync(), WithInspectTimeout(20*time.Millisecond), WithResolveDeadline(200*time.Millisecond))
	defer c.Close()
	c.Watch()
	w.events <- RuntimeEvent{Kind: EventCreated, Info: Info{ID: id1, Name: "slow", Image: "busybox", Runtime: "docker"}}
	waitFor(t, "the create event learnt", func() bool { _, ok := c.Known(id1); return ok })
	if ctr := addWithin(t, c, 1, "/docker/"+id1); ctr.Resolved {
		t.Fatalf("Add = %+v", ctr)
	}
	waitToken(t, c)
	if got, _ := c.Lookup(1); !got.Resolved || got.Info.Name != "slow" || got.Info.Image != "busybox" {
		t.Errorf("Lookup = %+v", got)
	}
	for _, l := range log.get() {
		if strings.Contains(l, "container "+shortID(id1)) {
			t.Errorf("a named container was reported: %q", l)
		}
	}
}

// A broken stream is reported once and reconnected, asking for a replay
// since the last event seen.
func TestEventStreamReconnects(t *testing.T) {
	var log logRecorder
	w := newFakeWatcher()
	c := NewCollection([]Client{w}, log.logf)
	defer c.Close()
	c.Watch()
	t0 := time.Unix(1795909572, 0)
	w.events <- RuntimeEvent{Kind: EventCreated, Time: t0, Info: Info{ID: id1, Name: "a"}}
	w.fail <- fmt.Errorf("docker events: unexpected EOF")
	waitFor(t, "reconnection", func() bool { return w.watchCalls() == 2 })
	w.events <- RuntimeEvent{Kind: EventCreated, Info: Info{ID: id2, Name: "b"}} // the new stream works
	w.mu.Lock()
	sinces := append([]time.Time(nil), w.sinces...)
	w.mu.Unlock()
	if !sinces[0].IsZero() || !sinces[1].Equal(t0) {
		t.Errorf("since = %v", sinces)
	}
	lines := log.get()
	if len(lines) != 2 || lines[0] != "runtime: docker event stream broke: docker events: unexpected EOF; short-lived containers may go unnamed until it is back (reconnecting)" ||
		lines[1] != "runtime: docker event stream reconnected" {
		t.Errorf("log = %q", lines)
	}
}

// A stream that never connects is the runtime not answering: one report
// shared with the inspect path, and Watch returns (bounded by the client).
func TestEventStreamNeverConnects(t *testing.T) {
	var log logRecorder
	w := &hangingWatcher{fakeClient: &fakeClient{name: "docker", slow: true}}
	c := NewCollection([]Client{w}, log.logf, WithInspectTimeout(10*time.Millisecond))
	done := make(chan struct{})
	go func() { c.Watch(); close(done) }()
	select {
	case <-done:
	case <-time.After(testDeadline):
		t.Fatal("Watch blocked")
	}
	c.Add(1, "/docker/"+id1)
	c.Add(2, "/docker/"+id2)
	closed := make(chan struct{})
	go func() { c.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(testDeadline):
		t.Fatal("Close blocked")
	}
	if lines := log.get(); len(lines) != 1 || !strings.HasPrefix(lines[0], "runtime: docker does not answer: ") {
		t.Errorf("log = %q", lines)
	}
}

// hangingWatcher's stream fails to connect after 10ms, like a client
// whose connection timeout passed.
type hangingWatcher struct{ *fakeClient }

func (w *hangingWatcher) Watch(ctx context.Context, _ time.Time, _ func(), _ func(RuntimeEvent)) error {
	select {
	case <-time.After(10 * time.Millisecond):
		return fmt.Errorf("docker events: no answer within 10ms")
	case <-ctx.Done():
		return ctx.Err()
	}
}

func TestRecoveryIsReported(t *testing.T) {
	var log logRecorder
	docker := dockerFake()
	docker.err = fmt.Errorf("dial unix /x: connect: connection refused")
	c := NewCollection([]Client{docker}, log.logf)
	defer c.Close()
	c.Add(1, "/docker/"+id1)
	docker.mu.Lock()
	docker.err = nil
	docker.mu.Unlock()
	c.mu.Lock()
	c.health[docker].retryAt = time.Time{} // the retry pause is over
	c.mu.Unlock()
	c.Add(2, "/docker/"+id2)
	if lines := log.get(); len(lines) != 3 || !strings.Contains(lines[0], "does not answer") || lines[1] != "runtime: docker answers again" {
		t.Errorf("log = %q", lines)
	}
}

// A runtime slow under load whose event stream is alive is not taken for
// down: every container is still asked (once: its inspect is given until
// the resolve deadline), and none is reported as the runtime not
// answering.
func TestSlowRuntimeWithLiveStreamIsNotDown(t *testing.T) {
	var log logRecorder
	w := newFakeWatcher()
	w.slow = true
	c := NewCollection([]Client{w}, log.logf, WithInspectTimeout(20*time.Millisecond), WithResolveDeadline(100*time.Millisecond))
	defer c.Close()
	c.Watch()
	c.Add(1, "/docker/"+id1)
	c.Add(2, "/docker/"+id2)
	if n := w.callCount(); n != 2 {
		t.Errorf("runtime asked %d times, want 2", n)
	}
	for _, l := range log.get() {
		if strings.Contains(l, "does not answer") {
			t.Errorf("reported as down: %q", l)
		}
	}
}

// lateClient does not know a container for its first calls (it is still
// being registered, like a pod's sandbox during RunPodSandbox).
type lateClient struct {
	*fakeClient
	misses int
}

func (l *lateClient) Inspect(ctx context.Context, id string) (Info, error) {
	l.mu.Lock()
	n := len(l.calls)
	l.mu.Unlock()
	info, err := l.fakeClient.Inspect(ctx, id)
	if n < l.misses {
		return Info{}, fmt.Errorf("inspect %s: %w", shortID(id), ErrNotFound)
	}
	return info, err
}

func TestAsyncAsksAgainWhileNotFound(t *testing.T) {
	var log logRecorder
	late := &lateClient{fakeClient: dockerFake(), misses: 2}
	c := NewCollection([]Client{late}, log.logf, WithAsync())
	defer c.Close()
	if ctr := addWithin(t, c, 1, "/docker/"+id1); ctr.Resolved {
		t.Fatal("resolved at once")
	}
	waitToken(t, c)
	if got, _ := c.Lookup(1); got.Info.Name != "web" || late.callCount() != 3 {
		t.Errorf("after retries: %+v, %d calls", got, late.callCount())
	}
	if lines := log.get(); len(lines) != 0 {
		t.Errorf("log = %q", lines)
	}
}

// A runtime whose stream is alive gets until the resolve deadline to
// answer an inspect, not just the inspect timeout: Docker answers only
// once the container's start has finished, and the details (mounts, PID)
// are what the records are held for.
func TestSlowInspectOfNamedContainerKeepsDetails(t *testing.T) {
	w := newFakeWatcher()
	w.infos[id1] = Info{ID: id1, Name: "named", Image: "busybox", Runtime: "docker", PID: 42,
		Mounts: []Mount{{Source: "/var/lib/docker/volumes/v/_data", Destination: "/shared", Name: "v"}}}
	w.gate = make(chan struct{})
	c := NewCollection([]Client{w}, t.Logf, WithAsync(), WithInspectTimeout(20*time.Millisecond), WithResolveDeadline(time.Hour))
	defer c.Close()
	c.Watch()
	w.events <- RuntimeEvent{Kind: EventCreated, Info: Info{ID: id1, Name: "named", Image: "busybox", Runtime: "docker"}}
	waitFor(t, "the create event learnt", func() bool { _, ok := c.Known(id1); return ok })
	addWithin(t, c, 1, "/docker/"+id1)
	waitFor(t, "the inspect asked", func() bool { return w.callCount() == 1 })
	time.Sleep(100 * time.Millisecond) // five inspect timeouts: the inspect must still be waited for
	close(w.gate)
	waitToken(t, c)
	if got, _ := c.Lookup(1); !got.Resolved || got.Info.PID != 42 || len(got.Info.Mounts) != 1 {
		t.Errorf("Lookup = %+v", got)
	}
}
