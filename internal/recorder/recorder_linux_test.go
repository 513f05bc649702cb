package recorder

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/privtest"
	"github.com/ctrace-dev/ctrace/internal/recording"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
	"github.com/ctrace-dev/ctrace/internal/tracer"
)

// helperEnv makes the test binary a workload: it installs an allow-all
// seccomp filter on its thread and makes a few distinctive calls.
const helperEnv = "CTRACE_RECORDER_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "filter" {
		os.Exit(filteredWorkload())
	}
	os.Exit(m.Run())
}

func filteredWorkload() int {
	runtime.LockOSThread()
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "no_new_privs:", err)
		return 2
	}
	// One instruction: return SECCOMP_RET_ALLOW.
	insns := []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW}}
	prog := unix.SockFprog{Len: 1, Filter: &insns[0]}
	if _, _, e := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&prog))); e != 0 {
		fmt.Fprintln(os.Stderr, "seccomp:", e)
		return 2
	}
	unix.Getppid()
	var u unix.Utsname
	unix.Uname(&u)
	unix.Syscall(unix.SYS_EXIT_GROUP, 0, 0, 0)
	return 0
}

// rec is a loaded recorder and one test cgroup (v2) it records.
type rec struct {
	r    *Recorder
	dir  string
	cgid uint64
}

func start(t *testing.T) *rec {
	t.Helper()
	return startWith(t, false)
}

func startWith(t *testing.T, probeReads bool) *rec {
	t.Helper()
	privtest.Require(t)
	h, err := containers.DetectHierarchyVersion("/proc/self/mountinfo", 2)
	if err != nil {
		t.Fatal(err)
	}
	mode, err := tracer.CgroupModeFor(2, "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(Options{Cgroups: mode, Arch: syscalls.Native(), Args: true, Capabilities: true, ProbeReads: probeReads, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	dir := filepath.Join(h.Mount, fmt.Sprintf("ctrace-rectest-%d-%d", os.Getpid(), time.Now().UnixNano()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { privtest.RemoveCgroup(t, dir) })
	cgid, err := containers.CgroupID(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The kernel added it at mkdir (a candidate); make it a container's.
	if _, ok, _ := r.Peek(cgid); !ok {
		t.Fatalf("cgroup %d created after the recorder started is not recorded from its creation", cgid)
	}
	return &rec{r: r, dir: dir, cgid: cgid}
}

// run runs argv after joining the test cgroup (through a shell that execs it).
func (x *rec) run(t *testing.T, env []string, argv ...string) {
	t.Helper()
	script := "echo $$ > " + filepath.Join(x.dir, "cgroup.procs") + ` && exec "$@"`
	cmd := exec.Command("/bin/sh", append([]string{"-c", script, "sh"}, argv...)...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", argv, err, out)
	}
}

func (x *rec) recorded(t *testing.T) recording.Container {
	t.Helper()
	v, ok, err := x.r.Peek(x.cgid)
	if err != nil || !ok {
		t.Fatalf("peek cgroup %d: ok=%v err=%v", x.cgid, ok, err)
	}
	return Convert(syscalls.Native(), recording.Container{ID: "test"}, &v, true)
}

// Calls made under a seccomp filter are kept apart from those made before it.
func TestRecordsBySeccompMode(t *testing.T) { testRecordsBySeccompMode(t, false) }

// The same with the sys_enter variant for kernels without BTF task pointers.
func TestRecordsBySeccompModeProbeReads(t *testing.T) { testRecordsBySeccompMode(t, true) }

func testRecordsBySeccompMode(t *testing.T, probeReads bool) {
	x := startWith(t, probeReads)
	if x.r.ProbeReads != probeReads {
		t.Fatalf("ProbeReads = %v, want %v", x.r.ProbeReads, probeReads)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	x.run(t, []string{helperEnv + "=filter"}, self)
	c := x.recorded(t)
	native := string(syscalls.Native())
	if !c.Confined {
		t.Fatalf("not confined: %+v", c)
	}
	got := c.Syscalls[native]
	for _, want := range []string{"getppid", "uname", "exit_group"} {
		if !slices.Contains(got, want) {
			t.Errorf("calls under the filter lack %s: %v", want, got)
		}
	}
	for _, absent := range []string{"execve", "seccomp"} {
		if slices.Contains(got, absent) {
			t.Errorf("calls under the filter include %s, made before the filter: %v", absent, got)
		}
		if !slices.Contains(c.BeforeFilter[native], absent) {
			t.Errorf("calls before the filter lack %s: %v", absent, c.BeforeFilter[native])
		}
	}
	if len(c.Syscalls[string(syscalls.CompatArch(syscalls.Native()))]) != 0 {
		t.Errorf("compat calls recorded for a native program: %v", c.Syscalls)
	}
}

// An unconfined workload is recorded from its first syscall.
func TestRecordsUnconfined(t *testing.T) {
	x := start(t)
	x.run(t, nil, "/bin/cat", "/etc/hostname")
	c := x.recorded(t)
	if c.Confined {
		t.Fatal("confined, but nothing ran under a filter")
	}
	for _, want := range []string{"execve", "openat", "read", "write"} {
		if !slices.Contains(c.Syscalls[string(syscalls.Native())], want) {
			t.Errorf("unconfined recording lacks %s: %v", want, c.Syscalls)
		}
	}
}

// Capability checks of the workload (after its execve in the cgroup) are kept.
func TestRecordsCapabilities(t *testing.T) {
	x := start(t)
	if x.r.CapHook == CapNone {
		t.Skipf("capability checks cannot be recorded on this kernel: %s", x.r.CapWhy)
	}
	f := filepath.Join(t.TempDir(), "owned")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// Not a workload yet: no execve into a mount namespace of its own (a runtime's setup).
	x.run(t, nil, "/bin/chown", "1234", f)
	if c := x.recorded(t); c.Capabilities == nil || len(c.Capabilities.Granted)+len(c.Capabilities.Denied) != 0 {
		t.Errorf("checks before the workload started were recorded: %+v", c.Capabilities)
	}
	// A workload: exec'd in its own mount namespace, as runtimes start containers.
	x.run(t, nil, "/usr/bin/unshare", "--mount", "/bin/chown", "4321", f)
	c := x.recorded(t)
	if c.Capabilities == nil || !slices.Contains(c.Capabilities.Granted, "CAP_CHOWN") {
		t.Errorf("chown to another user: capabilities %+v, want CAP_CHOWN granted", c.Capabilities)
	}
}

// 32-bit calls are recorded under the compat ABI with their i386 names.
func TestRecordsCompat32(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the 32-bit test program is x86")
	}
	privtest.Require(t)
	bin := filepath.Join(t.TempDir(), "compat32")
	out, err := exec.Command("gcc", "-m32", "-static", "-O2", "-o", bin, "testdata/compat32.c").CombinedOutput()
	if err != nil {
		msg := fmt.Sprintf("cannot build a 32-bit program (gcc-multilib, installed by test/setup.sh): %v: %s", err, strings.TrimSpace(string(out)))
		if os.Getenv("CTRACE_REQUIRE_PRIVILEGED") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	x := start(t)
	x.run(t, nil, bin)
	c := x.recorded(t)
	i386 := c.Syscalls["i386"]
	for _, want := range []string{"getppid", "getpgrp", "exit_group"} {
		if !slices.Contains(i386, want) {
			t.Errorf("i386 calls lack %s: %v", want, i386)
		}
	}
	if slices.Contains(c.Syscalls["x86_64"], "getpgrp") {
		t.Errorf("getpgrp of the 32-bit program recorded as native: %v", c.Syscalls["x86_64"])
	}
}

// A removed cgroup is announced, and its recording stays until taken.
func TestCgroupEvents(t *testing.T) {
	x := start(t)
	child := filepath.Join(x.dir, "nested")
	if err := os.Mkdir(child, 0o755); err != nil {
		t.Fatal(err)
	}
	id, err := containers.CgroupID(child)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(child); err != nil {
		t.Fatal(err)
	}
	var mk, rm bool
	deadline := time.Now().Add(10 * time.Second)
	for !(mk && rm) && time.Now().Before(deadline) {
		ev, err := x.r.Read(50 * time.Millisecond)
		if errors.Is(err, ErrPoll) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.ID == id {
			if ev.Mkdir {
				mk = true
				if ev.ParentID != x.cgid || !strings.HasSuffix(ev.Path, "/nested") {
					t.Errorf("mkdir event %+v, want parent %d and path .../nested", ev, x.cgid)
				}
			} else {
				rm = true
			}
		}
	}
	if !mk || !rm {
		t.Fatalf("events for cgroup %d: mkdir=%v rmdir=%v", id, mk, rm)
	}
	if _, ok, err := x.r.Take(id); !ok || err != nil {
		t.Errorf("removed cgroup not kept until taken: ok=%v err=%v", ok, err)
	}
	if _, ok, _ := x.r.Peek(id); ok {
		t.Error("taken cgroup still in the map")
	}
}
