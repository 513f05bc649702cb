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
	slow  bool // block until the context ends

	mu    sync.Mutex
	calls []string
}

func (f *fakeClient) Name() string { return f.name }

func (f *fakeClient) List(context.Context) ([]Info, error) { return nil, nil }

func (f *fakeClient) Inspect(ctx context.Context, id string) (Info, error) {
	f.mu.Lock()
	f.calls = append(f.calls, id)
	f.mu.Unlock()
	if f.slow {
		<-ctx.Done()
		return Info{}, fmt.Errorf("%s inspect %s: %w", f.name, shortID(id), ctx.Err())
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

	ctr, ok := c.Add(100, "/docker/"+id1)
	if !ok {
		t.Fatal("not a container")
	}
	if ctr.CgroupID != 100 || ctr.CgroupPath != "/docker/"+id1 || ctr.Info.Name != "web" || ctr.Info.Image != "nginx:1.27" || ctr.Info.PID != 42 {
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
	// A CRI-O path with only a docker client: docker is asked, says no.
	var log logRecorder
	docker := dockerFake()
	c := NewCollection([]Client{docker}, log.logf)
	ctr, ok := c.Add(5, "/machine.slice/crio-"+id2+".scope")
	if !ok || !reflect.DeepEqual(ctr.Info, Info{ID: id2, Runtime: "cri-o"}) {
		t.Fatalf("Add = %+v, %v", ctr, ok)
	}
	if docker.callCount() != 1 || len(log.get()) != 1 {
		t.Errorf("calls %d, log %q", docker.callCount(), log.get())
	}
}

func TestAddFailureKeepsParsedIDAndLogsOnce(t *testing.T) {
	var log logRecorder
	docker := &fakeClient{name: "docker", slow: true}
	c := NewCollection([]Client{docker}, log.logf, WithInspectTimeout(20*time.Millisecond))

	start := time.Now()
	ctr, ok := c.Add(1, "/system.slice/docker-"+id2+".scope")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Add took %v with a 20ms inspect timeout", d)
	}
	if !ok || ctr.Info.ID != id2 || ctr.Info.Runtime != "docker" || ctr.Info.Name != "" {
		t.Fatalf("Add = %+v, %v", ctr, ok)
	}
	// Nested cgroups of the same container reuse the result.
	for i, sub := range []string{"/init.scope", "/a", "/a/b"} {
		if ctr, ok := c.Add(uint64(2+i), "/system.slice/docker-"+id2+".scope"+sub); !ok || ctr.Info.ID != id2 {
			t.Errorf("nested Add = %+v, %v", ctr, ok)
		}
	}
	lines := log.get()
	if docker.callCount() != 1 || len(lines) != 1 {
		t.Fatalf("calls %d, log %q", docker.callCount(), lines)
	}
	want := "container " + id2[:12] + ": no runtime answered, keeping the id only: docker inspect " + id2[:12] + ": context deadline exceeded"
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
