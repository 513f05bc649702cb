package tracer

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/privtest"
)

// The in-kernel process filters (task_wanted) and container exclusion
// (CTRACE_CG_EXCLUDED) drop records before anything is copied: what they
// exclude never reaches the ring buffer. Each test runs in both variants
// (task storage and compat).
func forVariants(t *testing.T, f func(t *testing.T, compat bool)) {
	for _, compat := range []bool{false, true} {
		name := "fast"
		if compat {
			name = "compat"
		}
		t.Run(name, func(t *testing.T) { f(t, compat) })
	}
}

// ours returns the events of the test cgroup and of the cgroups made
// under it, without the cgroup records (collect leaves out other cgroups).
func (x *traced) ours(evs []seen) []seen {
	mine := map[uint64]bool{x.cgid: true}
	for _, e := range evs {
		if e.name == "cgroup_mkdir" && mine[e.vals["parent"]] {
			mine[e.cgid] = true
		}
	}
	var out []seen
	for _, e := range evs {
		if e.name != "cgroup_mkdir" && e.name != "cgroup_rmdir" && mine[e.cgid] {
			out = append(out, e)
		}
	}
	return out
}

func comms(evs []seen) map[string]int {
	m := map[string]int{}
	for _, e := range evs {
		m[string(e.ev.Comm)]++
	}
	return m
}

// TestKernelCommFilter: --comm cat records cat's syscalls and nothing of
// the shell or of /bin/true (whose syscalls ran in the same cgroup);
// --exclude-comm cat records everything but cat's.
func TestKernelCommFilter(t *testing.T) {
	forVariants(t, func(t *testing.T, compat bool) {
		x := startTracedFilter(t, 2, events.CaptureOptions{}, compat, TaskFilter{Comms: []string{"cat"}})
		pid := x.runInCgroup(t, "/bin/true; exec /bin/cat /etc/hostname")
		evs := x.collect(t, 20*time.Second, func(evs []seen) bool {
			_, ok := find(evs, func(e seen) bool { return e.name == "sched_process_exit" && e.pid == uint32(pid) })
			return ok
		})
		mine := x.ours(evs)
		if _, ok := find(mine, func(e seen) bool {
			return e.name == "openat" && strings.Join(e.strs["filename"], "") == "/etc/hostname"
		}); !ok {
			t.Errorf("no openat of /etc/hostname by cat: %v", comms(mine))
		}
		for c, n := range comms(mine) {
			if c != "cat" {
				t.Errorf("%d records of process %q left the kernel with --comm cat", n, c)
			}
		}

		y := startTracedFilter(t, 2, events.CaptureOptions{}, compat, TaskFilter{ExcludeComms: []string{"cat"}})
		pid = y.runInCgroup(t, "/bin/cat /etc/hostname; /bin/ls /etc/hostname")
		evs = y.collect(t, 20*time.Second, func(evs []seen) bool {
			_, ok := find(evs, func(e seen) bool { return e.name == "sched_process_exit" && e.pid == uint32(pid) })
			return ok
		})
		// The shell's execve of cat passed the check as sh (at entry) and
		// is written as cat (at exit): user space checks it again.
		var kept []seen
		for _, e := range y.ours(evs) {
			if string(e.ev.Comm) == "cat" && e.name != "execve" {
				t.Errorf("%s of cat left the kernel with --exclude-comm cat", e.name)
			}
			kept = append(kept, e)
		}
		got := comms(kept)
		if got["ls"] == 0 || got["sh"] == 0 {
			t.Errorf("records of ls and sh missing with --exclude-comm cat: %v", got)
		}
	})
}

// TestKernelPIDFilter: --pid P records P and the children it forks after
// the tracer started, and nothing of another process in the same cgroup.
func TestKernelPIDFilter(t *testing.T) {
	forVariants(t, func(t *testing.T, compat bool) {
		privtest.Require(t)
		// Both shells wait for the cgroup's path on stdin, join it, and
		// run cat (a child: followed at fork).
		start := func() (*exec.Cmd, func(string)) {
			cmd := exec.Command("/bin/sh", "-c", `read d; echo $$ > "$d/cgroup.procs"; /bin/cat /etc/hostname >/dev/null`)
			in, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			return cmd, func(dir string) {
				fmt.Fprintln(in, dir)
				in.Close()
			}
		}
		a, goA := start()
		b, goB := start()
		x := startTracedFilter(t, 2, events.CaptureOptions{}, compat, TaskFilter{PIDs: []uint32{uint32(a.Process.Pid)}})
		goB(x.dir)
		if err := b.Wait(); err != nil {
			t.Fatal(err)
		}
		goA(x.dir)
		if err := a.Wait(); err != nil {
			t.Fatal(err)
		}
		evs := x.collect(t, 20*time.Second, func(evs []seen) bool {
			_, ok := find(evs, func(e seen) bool { return e.name == "sched_process_exit" && e.pid == uint32(a.Process.Pid) })
			return ok
		})
		mine := x.ours(evs)
		if _, ok := find(mine, func(e seen) bool {
			return e.name == "openat" && strings.Join(e.strs["filename"], "") == "/etc/hostname" && e.ev.PPID == uint32(a.Process.Pid)
		}); !ok {
			t.Errorf("no openat of /etc/hostname by the child of process %d", a.Process.Pid)
		}
		for _, e := range mine {
			if e.pid != uint32(a.Process.Pid) && e.ev.PPID != uint32(a.Process.Pid) {
				t.Errorf("%s of process %d (parent %d) left the kernel with --pid %d", e.name, e.pid, e.ev.PPID, a.Process.Pid)
			}
		}
	})
}

// TestKernelContainerExcluded: a container cgroup marked excluded (and a
// cgroup created under it) produces no record at all.
func TestKernelContainerExcluded(t *testing.T) {
	forVariants(t, func(t *testing.T, compat bool) {
		x := startTracedFilter(t, 2, events.CaptureOptions{}, compat, TaskFilter{Containers: true})
		if err := x.tr.ExcludeCgroup(x.cgid); err != nil {
			t.Fatal(err)
		}
		child := filepath.Join(x.dir, "child")
		if err := os.Mkdir(child, 0o755); err != nil {
			t.Fatal(err)
		}
		x.runInCgroup(t, "/bin/cat /etc/hostname >/dev/null")
		cmd := exec.Command("/bin/sh", "-c", "echo $$ > "+filepath.Join(child, "cgroup.procs")+" && /bin/cat /etc/hostname >/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		// Every record of the commands above is in the ring buffer now:
		// collect reads until it is empty (and the child's mkdir is seen).
		evs := x.collect(t, 20*time.Second, func(evs []seen) bool {
			_, ok := find(evs, func(e seen) bool { return e.name == "cgroup_mkdir" && e.vals["parent"] == x.cgid })
			return ok
		})
		childState := uint64(0)
		for _, e := range evs {
			if e.name == "cgroup_mkdir" && e.vals["parent"] == x.cgid {
				childState = e.vals["state"]
			}
		}
		if childState != 3 { // CTRACE_CG_EXCLUDED
			t.Errorf("cgroup made under an excluded container has state %d, want excluded (3)", childState)
		}
		if mine := x.ours(evs); len(mine) > 0 {
			t.Errorf("%d records of an excluded container left the kernel (first: %s of %q)", len(mine), mine[0].name, mine[0].ev.Comm)
		}
	})
}

// TestRawEvents: sys_enter and sys_exit carry the syscall's name and its
// registers or return value, per syscall as selected, and nothing else
// leaves the kernel when no decoded event is enabled.
func TestRawEvents(t *testing.T) {
	forVariants(t, func(t *testing.T, compat bool) {
		isOpenat := func(d *events.Def) bool { return d.Name == "openat" }
		x := startTracedFilter(t, 2, events.CaptureOptions{
			Enabled:  func(*events.Def) bool { return false },
			RawEnter: func(*events.Def) bool { return true },
			RawExit:  isOpenat,
		}, compat, TaskFilter{})
		x.runInCgroup(t, "exec /bin/cat /etc/hostname")
		evs := x.collect(t, 20*time.Second, func(evs []seen) bool {
			_, ok := find(evs, func(e seen) bool { return e.name == "sys_enter" && e.strs["syscall"][0] == "exit_group" })
			return ok
		})
		enters, exits := map[string]int{}, 0
		for _, e := range x.ours(evs) {
			switch e.name {
			case "sys_enter":
				enters[e.strs["syscall"][0]]++
			case "sys_exit":
				if sc := e.strs["syscall"][0]; sc != "openat" {
					t.Errorf("sys_exit of %s, want only openat's", sc)
				} else if e.retval >= 0 {
					exits++
				}
			default:
				t.Errorf("event %s left the kernel: only raw events are selected", e.name)
			}
		}
		if enters["openat"] == 0 || enters["read"] == 0 || exits == 0 {
			t.Errorf("raw events: enters %v, successful openat exits %d", enters, exits)
		}
	})
}

// TestVerdictCacheFollowsChanges: each CPU caches its last container
// decision (verdict_cache); a change user space makes to a container's
// state while its process keeps running on that CPU must take effect at
// the process's next syscall. One shell, pinned to one CPU, stays in the
// test cgroup and opens a different file in each phase: traced, excluded,
// traced again, forgotten. (Without the generation bump the cached
// "traced" lets phase 2 through.)
func TestVerdictCacheFollowsChanges(t *testing.T) {
	forVariants(t, func(t *testing.T, compat bool) {
		x := startTracedFilter(t, 2, events.CaptureOptions{}, compat, TaskFilter{Containers: true})
		dir := t.TempDir()
		files := make([]string, 4)
		for i := range files {
			files[i] = filepath.Join(dir, fmt.Sprintf("phase%d", i+1))
			if err := os.WriteFile(files[i], []byte("x\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// The shell opens the file named on each input line (a builtin
		// redirect: no fork) and answers "ok".
		cmd := exec.Command("taskset", "-c", "0", "/bin/sh", "-c",
			"echo $$ > "+filepath.Join(x.dir, "cgroup.procs")+" && echo ready && while read f; do read l < \"$f\"; echo ok; done")
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Wait()
		defer stdin.Close()
		out := bufio.NewReader(stdout)
		expect := func(want string) {
			t.Helper()
			line, err := out.ReadString('\n')
			if err != nil || strings.TrimSpace(line) != want {
				t.Fatalf("shell said %q (%v), want %q", line, err, want)
			}
		}
		expect("ready")
		step := func(i int) {
			t.Helper()
			fmt.Fprintln(stdin, files[i])
			expect("ok")
		}
		step(0) // traced (and the CPU's cache holds "traced")
		if err := x.tr.ExcludeCgroup(x.cgid); err != nil {
			t.Fatal(err)
		}
		step(1) // excluded
		if err := x.tr.AddContainerCgroup(x.cgid); err != nil {
			t.Fatal(err)
		}
		step(2) // traced again
		if err := x.tr.ForgetCgroup(x.cgid); err != nil {
			t.Fatal(err)
		}
		step(3) // not a container
		// A container again, so that its exit is seen.
		if err := x.tr.AddContainerCgroup(x.cgid); err != nil {
			t.Fatal(err)
		}
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
		opened := func(evs []seen, f string) bool {
			_, ok := find(x.ours(evs), func(e seen) bool {
				return strings.HasPrefix(e.name, "open") && len(e.strs["filename"]) > 0 && e.strs["filename"][0] == f
			})
			return ok
		}
		evs := x.collect(t, 20*time.Second, func(evs []seen) bool {
			_, ok := find(x.ours(evs), func(e seen) bool { return e.name == "exit_group" || e.name == "process_exit" })
			return ok && opened(evs, files[2])
		})
		for i, want := range []bool{true, false, true, false} {
			if got := opened(evs, files[i]); got != want {
				t.Errorf("phase %d: open of %s recorded %v, want %v", i+1, files[i], got, want)
			}
		}
	})
}
