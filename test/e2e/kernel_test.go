//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// fdName returns what ctrace named fd parameter param of e ("" if nothing).
func fdName(e *Event, param string) string {
	var fds map[string]string
	if raw, ok := eventExtra(e)["fds"]; ok {
		_ = json.Unmarshal(raw, &fds)
	}
	return fds[param]
}

// readsOfFd returns the read events on fd of container name, in order.
func readsOfFd(evs []Event, name string, fd int64) []Event {
	var out []Event
	for _, e := range evs {
		if n, ok := e.ArgInt("fd"); ok && e.Event == "read" && e.Container.Name == name && n == fd {
			out = append(out, e)
		}
	}
	return out
}

// Issue 10.3: with --event read the fd-lifecycle calls are not selected,
// yet a descriptor closed and reused for another file is named right.
func TestFdNamesUnderEventSelection(t *testing.T) {
	requireEnv(t)
	c := startCtrace(t, "--event", "read")
	name := containerName(t)
	// busybox's read builtin reads one byte at a time: 6 reads of "first\n"
	// on fd 5, then 7 of "second\n" on fd 5 again.
	runContainer(t, name, "sh", "-c", "echo first > /tmp/a; echo second > /tmp/b; exec 5</tmp/a; read -u 5 x; exec 5<&-; exec 5</tmp/b; read -u 5 y")
	if code := waitContainerExit(t, name, dockerDeadline); code != 0 {
		t.Fatalf("container %s exited with %d", name, code)
	}
	evs := c.waitFor(t, eventDeadline, "13 reads on fd 5 in "+name, func(evs []Event) bool {
		return len(readsOfFd(evs, name, 5)) >= 13
	})
	reads := readsOfFd(evs, name, 5)
	for i, e := range reads {
		want := "/tmp/a"
		if i >= 6 {
			want = "/tmp/b"
		}
		if got := fdName(&e, "fd"); got != want {
			t.Errorf("read %d on fd 5 named %q, want %q: %s", i, got, want, e.Raw)
		}
	}
	for _, e := range inContainer(evs, name) {
		if e.Event != "read" {
			t.Errorf("%s printed although only read is selected: %s", e.Event, e.Raw)
		}
	}
}

// Issue 10.9: a container calling syscall(1000, victim pid) cannot make
// ctrace name another process's descriptors: syscall numbers are not
// event kinds. The attack is made by a static helper built here.
func TestSyscallNumberForgery(t *testing.T) {
	requireEnv(t)
	helper := buildForgeHelper(t)
	c := startCtrace(t)
	victim := containerName(t)
	runContainer(t, victim, "sh", "-c", "exec 5</etc/hostname; while :; do read -u 5 x; sleep 0.1; done")
	first := c.waitFor(t, eventDeadline, "a read on fd 5 in "+victim, func(evs []Event) bool {
		return len(readsOfFd(evs, victim, 5)) > 0
	})
	r := readsOfFd(first, victim, 5)[0]
	if got := fdName(&r, "fd"); got != "/etc/hostname" {
		t.Fatalf("victim's fd 5 named %q before the attack, want /etc/hostname: %s", got, r.Raw)
	}
	pid := r.Process.PID

	attacker := containerName(t) + "-x"
	// Unconfined: Docker's default seccomp profile refuses unknown syscall
	// numbers before any tracepoint sees them.
	args := []string{"run", "-d", "--pull=never", "--network", "none", "--name", attacker,
		"--security-opt", "seccomp=unconfined", "-v", filepath.Dir(helper) + ":/h:ro", testImage, "/h/forge", fmt.Sprint(pid)}
	startContainer(t, attacker, args, "syscall(1000..1002, victim pid)")
	if code := waitContainerExit(t, attacker, dockerDeadline); code != 0 {
		logs, _ := dockerCmd(t, "logs", attacker)
		t.Fatalf("forge helper exited with %d: %s", code, logs)
	}
	var attackAt time.Time
	evs := c.waitFor(t, eventDeadline, "the attacker's syscall_1000..1002 and victim reads after it", func(evs []Event) bool {
		seen := map[string]bool{}
		for _, e := range evs {
			if e.Container.Name == attacker && strings.HasPrefix(e.Event, "syscall_100") {
				seen[e.Event] = true
				if e.Event == "syscall_1000" {
					attackAt = e.Time
				}
			}
		}
		if len(seen) < 3 {
			return false
		}
		after := 0
		for _, e := range readsOfFd(evs, victim, 5) {
			if e.Time.After(attackAt) {
				after++
			}
		}
		return after >= 3
	})
	for _, e := range evs {
		if e.Container.Name == attacker && strings.HasPrefix(e.Event, "syscall_100") {
			if !e.Syscall || e.Event != strings.TrimSpace(e.Event) {
				t.Errorf("attacker's %s: syscall=%v, want a syscall event named by its number: %s", e.Event, e.Syscall, e.Raw)
			}
		}
		if nonSyscallEvents[e.Event] && e.Container.Name == attacker && e.Process.PID == pid {
			t.Errorf("lifecycle event for the victim's pid from the attacker: %s", e.Raw)
		}
	}
	for _, e := range readsOfFd(evs, victim, 5) {
		if got := fdName(&e, "fd"); got != "/etc/hostname" {
			t.Errorf("victim's read of fd 5 named %q (the attacker's file is /etc/passwd): %s", got, e.Raw)
		}
	}
}

// buildForgeHelper builds a static program that opens /etc/passwd as fd
// 5 and then calls syscall(1000..1002, PID, PID): busybox has no syscall
// applet.
func buildForgeHelper(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := `package main

import (
	"os"
	"strconv"
	"syscall"
	"time"
)

func main() {
	victim, _ := strconv.Atoi(os.Args[1])
	fd, err := syscall.Open("/etc/passwd", syscall.O_RDONLY, 0)
	if err != nil {
		os.Exit(2)
	}
	if err := syscall.Dup3(fd, 5, 0); err != nil {
		os.Exit(3)
	}
	// Repeated: on a busy machine some records may be lost (and counted).
	for i := 0; i < 50; i++ {
		for _, nr := range []uintptr{1000, 1001, 1002} {
			syscall.Syscall(nr, uintptr(victim), uintptr(victim), 0)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
`
	for name, data := range map[string]string{"main.go": src, "go.mod": "module forge\n\ngo 1.21\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "bin", "forge")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the forge helper: %v\n%s", err, b)
	}
	return out
}

// Issue 10.10: under two syscall storms with the smallest ring buffer,
// cgroup_mkdir records are lost; every container started during the
// storms must still be traced (classified from the cgroup filesystem).
func TestContainersTracedWhenMkdirLost(t *testing.T) {
	requireEnv(t)
	c := startCtrace(t, "--buffer-size", "1")
	for i := range 2 {
		storm := fmt.Sprintf("%s-storm%d", containerName(t), i)
		runContainer(t, storm, "dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=6000000")
	}
	// Let the storms fill the ring, then start containers into it.
	c.waitFor(t, eventDeadline, "storm events", func(evs []Event) bool { return len(evs) > 20000 })
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		name := fmt.Sprintf("%s-c%d", containerName(t), i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A few seconds of work, so that records of it reach the ring
			// in between the storms' (most are lost: the ring is tiny).
			ids[i] = runContainer(t, name, "sh", "-c", "i=0; while [ $i -lt 40 ]; do cat /etc/hostname >/dev/null; sleep 0.1; i=$((i+1)); done")
		}()
		time.Sleep(200 * time.Millisecond) // spread the starts over the storms
	}
	wg.Wait()
	// By id: on a loaded machine the runtime may not answer in time to
	// name a container, which is not what this test is about.
	c.waitFor(t, 2*eventDeadline, "events from every container started during the storms", func(evs []Event) bool {
		seen := map[string]bool{}
		for _, e := range evs {
			seen[e.Container.ID] = true
		}
		for _, id := range ids {
			if !seen[id] {
				return false
			}
		}
		return true
	})
	r := c.Stop(t)
	t.Logf("summary: %s", r.Summary)
	if r.Lost <= 0 {
		t.Logf("note: nothing was lost, so no cgroup_mkdir record can have been lost either")
	}
}
