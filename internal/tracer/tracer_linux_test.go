package tracer

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf/ringbuf"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/privtest"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

// testHierarchy returns the cgroup hierarchy for the mode under test: the
// cgroup2 mount for v2, and for v1 the hierarchy ctrace itself would pick
// (memory, pids, cpuset, else any controller) wherever it is mounted. A host
// with v1 controllers but no v1 mount (pure cgroup v2) gets a private v1
// mount of a controller that v2 does not use, for the test only. Under
// CTRACE_REQUIRE_PRIVILEGED=1 (CI) a hierarchy that cannot be had is a
// failure, never a skip: the v1 branch of the BPF program must run in CI.
func testHierarchy(t *testing.T, version int) containers.Hierarchy {
	t.Helper()
	h, err := containers.DetectHierarchyVersion("/proc/self/mountinfo", version)
	if err == nil {
		return h
	}
	if version == 1 {
		if h, why := mountPrivateV1(t); why == "" {
			return h
		} else {
			err = fmt.Errorf("%v; and no private v1 mount: %s", err, why)
		}
	}
	msg := fmt.Sprintf("no cgroup v%d hierarchy on this machine: %v", version, err)
	if os.Getenv("CTRACE_REQUIRE_PRIVILEGED") == "1" || os.Getenv("CI") != "" {
		t.Fatal(msg + " (a failure under CTRACE_REQUIRE_PRIVILEGED=1/CI)")
	}
	t.Skip(msg)
	return containers.Hierarchy{}
}

// mountPrivateV1 mounts a v1 hierarchy of a free controller (one no
// hierarchy uses: /proc/cgroups shows hierarchy 0, and v2 has not enabled
// it) on a temporary directory, unmounted at cleanup. It returns why not
// when it cannot.
func mountPrivateV1(t *testing.T) (containers.Hierarchy, string) {
	data, err := os.ReadFile("/proc/cgroups")
	if err != nil {
		return containers.Hierarchy{}, err.Error()
	}
	var tried []string
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) < 4 || strings.HasPrefix(f[0], "#") || f[1] != "0" || f[3] != "1" {
			continue
		}
		dir := t.TempDir()
		if err := syscall.Mount("cgroup", dir, "cgroup", 0, f[0]); err != nil {
			tried = append(tried, f[0]+": "+err.Error())
			continue
		}
		t.Cleanup(func() {
			if err := syscall.Unmount(dir, 0); err != nil {
				t.Errorf("unmount private cgroup v1 %s: %v", dir, err)
			}
		})
		t.Logf("no cgroup v1 hierarchy mounted: using a private v1 mount of %s at %s", f[0], dir)
		return containers.Hierarchy{Version: 1, Mount: dir, Controller: f[0]}, ""
	}
	if len(tried) == 0 {
		return containers.Hierarchy{}, "no free v1 controller in /proc/cgroups"
	}
	return containers.Hierarchy{}, strings.Join(tried, "; ")
}

type traced struct {
	tr   *Tracer
	dec  *events.Decoder
	cat  *events.Catalog
	dir  string // the test "container" cgroup
	cgid uint64
}

// startTraced loads the tracer in the given cgroup mode and creates a cgroup
// that is marked as a container.
func startTraced(t *testing.T, version int) *traced {
	t.Helper()
	return startTracedWith(t, version, events.CaptureOptions{})
}

func startTracedWith(t *testing.T, version int, capture events.CaptureOptions) *traced {
	t.Helper()
	return startTracedOpts(t, version, capture, false)
}

// startTracedOpts: compat forces the kernel side's compat variant.
func startTracedOpts(t *testing.T, version int, capture events.CaptureOptions, compat bool) *traced {
	t.Helper()
	return startTracedFilter(t, version, capture, compat, TaskFilter{})
}

// startTracedFilter: and with the in-kernel process filter f.
func startTracedFilter(t *testing.T, version int, capture events.CaptureOptions, compat bool, f TaskFilter) *traced {
	t.Helper()
	return startTracedTuned(t, version, capture, compat, f, func(*Options) {})
}

// startTracedTuned: and tune changes the options last.
func startTracedTuned(t *testing.T, version int, capture events.CaptureOptions, compat bool, f TaskFilter, tune func(*Options)) *traced {
	t.Helper()
	privtest.Require(t)
	h := testHierarchy(t, version)
	root := h.Mount
	mode, err := CgroupModeFor(version, h.Controller)
	if err != nil {
		t.Fatal(err)
	}
	cat := events.NewCatalog(syscalls.Native())
	opts := DefaultOptions()
	opts.Cgroups = mode
	opts.RingBufferBytes = 32 << 20
	opts.PollInterval = 20 * time.Millisecond
	opts.Syscalls = cat.KernelConf(capture)
	opts.Lifecycle = cat.LifecycleMask(capture)
	opts.Logf = t.Logf
	opts.Compat = compat
	opts.Filter = f
	tune(&opts)
	tr, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("kernel side: %s", tr.Variant)
	t.Cleanup(func() { tr.Close() })
	return traceNewCgroup(t, tr, cat, root, "ctrace-test")
}

// traceNewCgroup creates a cgroup below root named prefix-PID-NANOS
// (removed at cleanup) and marks it as a container in tr.
func traceNewCgroup(t *testing.T, tr *Tracer, cat *events.Catalog, root, prefix string) *traced {
	t.Helper()
	dir := filepath.Join(root, fmt.Sprintf("%s-%d-%d", prefix, os.Getpid(), time.Now().UnixNano()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { privtest.RemoveCgroup(t, dir) })
	cgid, err := containers.CgroupID(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.AddContainerCgroup(cgid); err != nil {
		t.Fatal(err)
	}
	return &traced{tr: tr, dec: events.NewDecoder(cat, 0), cat: cat, dir: dir, cgid: cgid}
}

// runInCgroup runs a shell command whose process first joins the cgroup.
func (x *traced) runInCgroup(t *testing.T, script string) int {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", "echo $$ > "+filepath.Join(x.dir, "cgroup.procs")+" && "+script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("run %q: %v\n%s", script, err, out)
		}
	}
	return cmd.Process.Pid
}

// collect reads records until done returns true for the events seen so far or the deadline passes.
type seen struct {
	name   string
	pid    uint32
	strs   map[string][]string
	vals   map[string]uint64
	retval int64
	ev     events.Event
	cgid   uint64
}

func (x *traced) collect(t *testing.T, deadline time.Duration, done func([]seen) bool) []seen {
	t.Helper()
	var out []seen
	var rec ringbuf.Record
	// Cgroups created during the test outside the test cgroup's subtree:
	// their events are left out (host events are kept: tests check there
	// are none).
	foreign, ours := map[uint64]bool{}, map[uint64]bool{}
	end := time.Now().Add(deadline)
	for time.Now().Before(end) {
		err := x.tr.Read(&rec)
		if errors.Is(err, ErrPoll) {
			if done(out) {
				return out
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		kind, err := events.Kind(rec.RawSample)
		if err != nil {
			t.Fatal(err)
		}
		if kind == bpf.RecCgroupMkdir || kind == bpf.RecCgroupRmdir {
			ce, err := events.DecodeCgroup(rec.RawSample)
			if err != nil {
				t.Fatal(err)
			}
			name := "cgroup_rmdir"
			if ce.Mkdir {
				name = "cgroup_mkdir"
				if ce.ID != x.cgid && !ours[ce.ParentID] && ce.ParentID != x.cgid {
					foreign[ce.ID] = true // another engineer's container, say: traced as a candidate
				} else if ce.ID != x.cgid {
					ours[ce.ID] = true
				}
			}
			out = append(out, seen{name: name, cgid: ce.ID, strs: map[string][]string{"path": {ce.Path}}, vals: map[string]uint64{"state": uint64(ce.State), "parent": ce.ParentID}})
			continue
		}
		if foreign[events.RecordCgroup(rec.RawSample)] {
			continue
		}
		var ev events.Event
		// Events keep slices of their record: give each its own copy.
		if err := x.dec.Decode(bytes.Clone(rec.RawSample), &ev); err != nil {
			t.Fatalf("decode: %v", err)
		}
		s := seen{name: ev.Def.Name, pid: ev.PID, retval: ev.Retval, cgid: ev.CgroupID, strs: map[string][]string{}, vals: map[string]uint64{}, ev: ev}
		for i, p := range ev.Def.Params {
			s.vals[p.Name] = ev.Vals[i]
		}
		for _, st := range ev.Strs {
			n := ev.Def.Params[st.Param].Name
			s.strs[n] = append(s.strs[n], string(st.Value))
		}
		out = append(out, s)
	}
	t.Fatalf("deadline passed; saw %d events", len(out))
	return nil
}

// newCgroups returns the cgroups created while the test ran (other
// engineers' containers, say): the kernel traces them as candidates until
// user space classifies them, which these tests do not do.
func (x *traced) newCgroups(evs []seen) map[uint64]bool {
	born := map[uint64]bool{}
	for _, e := range evs {
		if e.name == "cgroup_mkdir" && e.cgid != x.cgid {
			born[e.cgid] = true
		}
	}
	return born
}

func find(evs []seen, f func(seen) bool) (seen, bool) {
	for _, e := range evs {
		if f(e) {
			return e, true
		}
	}
	return seen{}, false
}

func testSyscallsAndLifecycle(t *testing.T, version int, compat bool) {
	x := startTracedOpts(t, version, events.CaptureOptions{}, compat)
	missing := "/ctrace-test-does-not-exist"
	pid := x.runInCgroup(t, "exec /bin/cat "+missing+" /etc/hostname")

	isOpen := func(path string) func(seen) bool {
		return func(e seen) bool {
			return e.name == "openat" && len(e.strs["filename"]) == 1 && e.strs["filename"][0] == path
		}
	}
	evs := x.collect(t, 20*time.Second, func(evs []seen) bool {
		_, ok1 := find(evs, isOpen("/etc/hostname"))
		_, ok2 := find(evs, func(e seen) bool { return e.name == "sched_process_exit" })
		return ok1 && ok2
	})
	born := x.newCgroups(evs)
	for _, e := range evs {
		if e.name == "cgroup_mkdir" || e.name == "cgroup_rmdir" || born[e.cgid] {
			continue
		}
		if e.cgid != x.cgid {
			t.Errorf("%s from cgroup %d, want only the test cgroup %d", e.name, e.cgid, x.cgid)
		}
		if e.pid != uint32(pid) {
			t.Errorf("%s from pid %d, want only the test process %d", e.name, e.pid, pid)
		}
	}
	if e, ok := find(evs, isOpen(missing)); !ok || e.retval != -2 {
		t.Errorf("openat(%s): found=%v retval=%d, want -2 (ENOENT)", missing, ok, e.retval)
	} else if int32(e.vals["dfd"]) != -100 {
		t.Errorf("openat dfd = %d, want AT_FDCWD (-100)", int32(e.vals["dfd"]))
	}
	if e, ok := find(evs, isOpen("/etc/hostname")); !ok || e.retval < 0 {
		t.Errorf("openat(/etc/hostname): found=%v retval=%d, want a file descriptor", ok, e.retval)
	}
	ex, ok := find(evs, func(e seen) bool { return e.name == "execve" })
	if !ok {
		t.Fatal("no execve event")
	}
	if got := ex.strs["filename"]; len(got) != 1 || got[0] != "/bin/cat" || ex.retval != 0 {
		t.Errorf("execve filename=%q retval=%d, want /bin/cat and 0", got, ex.retval)
	}
	if got := strings.Join(ex.strs["argv"], " "); got != "/bin/cat "+missing+" /etc/hostname" {
		t.Errorf("execve argv = %q", got)
	}
	if e, ok := find(evs, func(e seen) bool { return e.name == "sched_process_exec" }); !ok || e.strs["filename"][0] != "/bin/cat" {
		t.Errorf("sched_process_exec: found=%v %v", ok, e.strs)
	}
	if e, ok := find(evs, func(e seen) bool { return e.name == "exit_group" }); !ok || !e.ev.NoReturn || e.vals["error_code"] != 1 {
		t.Errorf("exit_group: found=%v noreturn=%v code=%d, want cat's exit status 1", ok, e.ev.NoReturn, e.vals["error_code"])
	}
	if e, ok := find(evs, func(e seen) bool { return e.name == "sched_process_exit" }); !ok || e.vals["exit_code"] != 1 {
		t.Errorf("sched_process_exit: found=%v exit_code=%d, want 1", ok, e.vals["exit_code"])
	}
	// A write of the file's content to stdout: count and return value agree.
	if e, ok := find(evs, func(e seen) bool { return e.name == "read" && e.retval > 0 }); !ok || uint64(e.retval) > e.vals["count"] {
		t.Errorf("read: found=%v retval=%d count=%d", ok, e.retval, e.vals["count"])
	}
}

func TestSyscallsAndLifecycleV2(t *testing.T) { testSyscallsAndLifecycle(t, 2, false) }

// TestSyscallsAndLifecycleV1 runs the same checks with the kernel reading
// cgroup ids from a v1 controller hierarchy (hybrid or pure-v1 hosts).
func TestSyscallsAndLifecycleV1(t *testing.T) { testSyscallsAndLifecycle(t, 1, false) }

// The compat variant (kernels before 5.15), forced, in both hierarchies.
func TestSyscallsAndLifecycleCompatV2(t *testing.T) { testSyscallsAndLifecycle(t, 2, true) }
func TestSyscallsAndLifecycleCompatV1(t *testing.T) { testSyscallsAndLifecycle(t, 1, true) }

func TestHostProcessesNotTraced(t *testing.T) {
	x := startTraced(t, 2)
	// Host activity outside the container cgroup, then a marker inside it.
	if out, err := exec.Command("/bin/cat", "/etc/hostname").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	x.runInCgroup(t, "exec /bin/cat /etc/hostname")
	evs := x.collect(t, 20*time.Second, func(evs []seen) bool {
		_, ok := find(evs, func(e seen) bool { return e.name == "sched_process_exit" })
		return ok
	})
	born := x.newCgroups(evs)
	for _, e := range evs {
		if e.cgid != x.cgid && e.name != "cgroup_mkdir" && e.name != "cgroup_rmdir" && !born[e.cgid] {
			t.Errorf("event %s from cgroup %d (pid %d) outside the container cgroup", e.name, e.cgid, e.pid)
		}
	}
}

// TestCgroupTracking: a cgroup created while tracing is reported with its
// path; one created inside a container cgroup is a container cgroup at once.
func TestCgroupTracking(t *testing.T) {
	x := startTraced(t, 2)
	child := filepath.Join(x.dir, "nested")
	if err := os.Mkdir(child, 0o755); err != nil {
		t.Fatal(err)
	}
	childID, err := containers.CgroupID(child)
	if err != nil {
		t.Fatal(err)
	}
	rel := strings.TrimPrefix(child, testHierarchy(t, 2).Mount)
	evs := x.collect(t, 10*time.Second, func(evs []seen) bool {
		_, ok := find(evs, func(e seen) bool { return e.name == "cgroup_mkdir" && e.cgid == childID })
		return ok
	})
	e, _ := find(evs, func(e seen) bool { return e.name == "cgroup_mkdir" && e.cgid == childID })
	if e.strs["path"][0] != rel {
		t.Errorf("mkdir path = %q, want %q", e.strs["path"][0], rel)
	}
	if e.vals["parent"] != x.cgid {
		t.Errorf("parent id = %d, want %d", e.vals["parent"], x.cgid)
	}
	if bpf.CgroupState(e.vals["state"]) != bpf.CgroupContainer {
		t.Errorf("state = %d, want container (inherited from the parent)", e.vals["state"])
	}
	// A process in the nested cgroup is traced without any user-space step.
	cmd := exec.Command("/bin/sh", "-c", "echo $$ > "+filepath.Join(child, "cgroup.procs")+" && exec /bin/true")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	x.collect(t, 10*time.Second, func(evs []seen) bool {
		_, ok := find(evs, func(e seen) bool { return e.name == "execve" && e.cgid == childID })
		return ok
	})
}

func TestStatsReadable(t *testing.T) {
	x := startTraced(t, 2)
	st, err := x.tr.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Lost() != 0 {
		t.Errorf("fresh tracer reports %d lost", st.Lost())
	}
}

// TestStructAndBufferCapture: sockaddrs, stat results and (opt-in) data
// buffers are read by the kernel and decode to what the program used.
func TestStructAndBufferCapture(t *testing.T) {
	if _, err := os.Stat("/bin/busybox"); err != nil {
		t.Skip("needs /bin/busybox (Debian busybox-static, installed by test/setup.sh)")
	}
	x := startTracedWith(t, 2, events.CaptureOptions{BufferBytes: 64})
	x.runInCgroup(t, `exec /bin/busybox sh -c 'printf ctrace-data > /dev/null; /bin/busybox stat -t /etc/hostname >/dev/null; echo | /bin/busybox nc 127.0.0.1 1; exit 0'`)
	evs := x.collect(t, 20*time.Second, func(evs []seen) bool {
		_, ok := find(evs, func(e seen) bool { return e.name == "sched_process_exit" && e.ev.Vals[2] == 1 && e.pid == e.ev.TID })
		_, ok2 := find(evs, func(e seen) bool { return e.name == "connect" })
		return ok && ok2
	})
	w, ok := find(evs, func(e seen) bool { return e.name == "write" && len(e.strs["buf"]) == 1 })
	if !ok || w.strs["buf"][0] != "ctrace-data" || w.retval != int64(len("ctrace-data")) {
		t.Errorf("write buffer: found=%v %q retval=%d", ok, w.strs["buf"], w.retval)
	}
	c, ok := find(evs, func(e seen) bool { return e.name == "connect" })
	if !ok {
		t.Fatal("no connect")
	}
	raw, ok := c.ev.Value(1)
	sa, ok2 := events.DecodeSockaddr(raw)
	if !ok || !ok2 || sa.Addr.String() != "127.0.0.1" || sa.Port != 1 || c.retval != -111 {
		t.Errorf("connect: captured=%v addr=%v port=%d retval=%d, want 127.0.0.1:1 refused (-111)", ok, sa.Addr, sa.Port, c.retval)
	}
	var hostStat syscall.Stat_t
	if err := syscall.Stat("/etc/hostname", &hostStat); err != nil {
		t.Fatal(err)
	}
	st, ok := find(evs, func(e seen) bool {
		if e.name != "newfstatat" && e.name != "newstat" && e.name != "newlstat" {
			return false
		}
		return strings.Contains(strings.Join(e.strs["filename"], ""), "/etc/hostname") && e.retval == 0
	})
	if !ok {
		t.Fatal("no stat of /etc/hostname")
	}
	idx := 1 // newstat/newlstat(filename, statbuf)
	if st.name == "newfstatat" {
		idx = 2 // newfstatat(dfd, filename, statbuf, flag)
	}
	raw, ok = st.ev.Value(idx)
	s, ok2 := events.DecodeStat(raw)
	if !ok || !ok2 || s.Ino != hostStat.Ino || s.Size != hostStat.Size {
		t.Errorf("%s statbuf: captured=%v ino=%d size=%d, want ino=%d size=%d", st.name, ok, s.Ino, s.Size, hostStat.Ino, hostStat.Size)
	}
}

// TestKernelEventFilter: syscalls that are not enabled never leave the kernel.
func TestKernelEventFilter(t *testing.T) {
	x := startTracedWith(t, 2, events.CaptureOptions{Enabled: func(d *events.Def) bool { return d.Name == "openat" }})
	x.runInCgroup(t, "exec /bin/cat /etc/hostname")
	evs := x.collect(t, 20*time.Second, func(evs []seen) bool {
		_, ok := find(evs, func(e seen) bool {
			return e.name == "openat" && strings.Join(e.strs["filename"], "") == "/etc/hostname"
		})
		return ok
	})
	opens := 0
	born := x.newCgroups(evs)
	for _, e := range evs {
		switch {
		case e.name == "cgroup_mkdir" || e.name == "cgroup_rmdir" || born[e.cgid]:
		case e.name == "openat":
			opens++
		case e.ev.Def != nil:
			t.Errorf("event %s left the kernel although only openat is enabled", e.name)
		}
	}
	if opens == 0 {
		t.Error("no openat events")
	}
}
