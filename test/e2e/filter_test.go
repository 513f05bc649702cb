//go:build e2e

package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

// Issue 8: the original tool's examples and the container/process
// selection, each proving that the events it selects appear and the ones
// it excludes do not. Exclusions are checked after ctrace stopped (SIGINT
// flushes everything, held records included), on activity that ran while
// it traced.

var catalog = events.NewCatalog(syscalls.Native())

// inSet: event name is in event set (per the catalogue).
func inSet(name, set string) bool {
	d, ok := catalog.ByName(name)
	if !ok {
		return false
	}
	for _, s := range d.Sets {
		if s == set {
			return true
		}
	}
	return false
}

// bashMounts returns docker -v options that bring the host's bash and the
// libraries it needs into a container (read-only), so that a process named
// bash runs there (the busybox images have none).
func bashMounts(t *testing.T) []string {
	t.Helper()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatalf("no bash on the host: %v", err)
	}
	out, err := exec.Command("ldd", bash).Output()
	if err != nil {
		t.Fatalf("ldd %s: %v", bash, err)
	}
	args := []string{"-v", bash + ":/bin/bash:ro"}
	for _, m := range regexp.MustCompile(`=> (/\S+)`).FindAllStringSubmatch(string(out), -1) {
		real, err := filepath.EvalSymlinks(m[1])
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, "-v", real+":"+m[1]+":ro")
	}
	return args
}

// bashScript is the workload of TestOriginalExamples: bash itself opens and
// reads a file (fs) and connects a TCP socket to a closed loopback port
// (net); its children cat and ls run as other process names (proc).
const bashScript = `read -r h < /etc/hostname; cat /etc/hostname >/dev/null; ls / >/dev/null; (echo x >/dev/tcp/127.0.0.1/9) 2>/dev/null; exit 0`

func mine(evs []Event, name string) []Event { return inContainer(evs, name) }

func names(evs []Event) map[string]int {
	m := map[string]int{}
	for _, e := range evs {
		m[e.Event]++
	}
	return m
}

// TestOriginalExamples runs the original tool's examples side by side on
// one workload: each must show what it selects and nothing it excludes.
func TestOriginalExamples(t *testing.T) {
	requireEnv(t)
	bashOpens := func(e *Event) bool {
		fn, _ := e.ArgString("filename")
		return e.Event == "openat" && e.Process.Comm == "bash" && fn == "/etc/hostname"
	}
	catOpens := func(e *Event) bool {
		fn, _ := e.ArgString("filename")
		return e.Event == "openat" && e.Process.Comm == "cat" && fn == "/etc/hostname"
	}
	is := func(name string) func(*Event) bool { return func(e *Event) bool { return e.Event == name } }
	rawOf := func(sc string) func(*Event) bool {
		return func(e *Event) bool { s, _ := e.ArgString("syscall"); return e.Event == "sys_enter" && s == sc }
	}
	type example struct {
		args []string
		want map[string]func(*Event) bool // each must match some event
		bad  func(*Event) string          // why an event must not be there ("" fine)
	}
	notIn := func(set string) func(*Event) string {
		return func(e *Event) string {
			if inSet(e.Event, set) {
				return "in set " + set
			}
			return ""
		}
	}
	only := func(set string) func(*Event) string {
		return func(e *Event) string {
			if !inSet(e.Event, set) {
				return "not in set " + set
			}
			return ""
		}
	}
	both := func(fs ...func(*Event) string) func(*Event) string {
		return func(e *Event) string {
			for _, f := range fs {
				if w := f(e); w != "" {
					return w
				}
			}
			return ""
		}
	}
	comm := func(c string, want bool) func(*Event) string {
		return func(e *Event) string {
			if (e.Process.Comm == c) != want {
				return "process " + e.Process.Comm
			}
			return ""
		}
	}
	event := func(n string, want bool) func(*Event) string {
		return func(e *Event) string {
			if (e.Event == n) != want {
				return "event " + e.Event
			}
			return ""
		}
	}
	cases := []example{
		{[]string{"--event", "openat"}, map[string]func(*Event) bool{"bash's openat": bashOpens, "cat's openat": catOpens}, event("openat", true)},
		{[]string{"--exclude-event", "openat"}, map[string]func(*Event) bool{"execve": is("execve"), "read": is("read"), "connect": is("connect")}, event("openat", false)},
		{[]string{"--set", "fs"}, map[string]func(*Event) bool{"openat": bashOpens, "read": is("read")}, only("fs")},
		{[]string{"--set", "net"}, map[string]func(*Event) bool{"socket": is("socket"), "connect": is("connect")}, only("net")},
		{[]string{"--set", "proc"}, map[string]func(*Event) bool{"execve": is("execve"), "exit_group": is("exit_group")}, only("proc")},
		{[]string{"--exclude-set", "fs"}, map[string]func(*Event) bool{"execve": is("execve"), "connect": is("connect")}, notIn("fs")},
		{[]string{"--comm", "bash"}, map[string]func(*Event) bool{"bash's openat": bashOpens, "connect": is("connect")}, comm("bash", true)},
		{[]string{"--exclude-comm", "bash"}, map[string]func(*Event) bool{"cat's openat": catOpens, "ls's getdents64": is("getdents64")}, comm("bash", false)},
		{[]string{"--event", "sys_enter", "--exclude-set", "fs"}, map[string]func(*Event) bool{"sys_enter connect": rawOf("connect"), "sys_enter execve": rawOf("execve")},
			func(e *Event) string {
				if e.Event != "sys_enter" {
					return "event " + e.Event
				}
				if s, _ := e.ArgString("syscall"); inSet(s, "fs") {
					return "raw entry of " + s + ", in set fs"
				}
				return ""
			}},
		{[]string{"--set", "fs", "--exclude-event", "read"}, map[string]func(*Event) bool{"openat": bashOpens}, both(only("fs"), event("read", false))},
		{[]string{"--exclude-set", "fs", "--comm", "bash"}, map[string]func(*Event) bool{"connect": is("connect"), "socket": is("socket")}, both(notIn("fs"), comm("bash", true))},
		{[]string{"--event", "sys_exit", "--comm", "cat"}, map[string]func(*Event) bool{"sys_exit of openat": func(e *Event) bool {
			s, _ := e.ArgString("syscall")
			return e.Event == "sys_exit" && s == "openat" && e.Retval != nil && *e.Retval >= 0
		}}, both(event("sys_exit", true), comm("cat", true))},
		{[]string{"--event", "open*"}, map[string]func(*Event) bool{"openat": catOpens}, func(e *Event) string {
			if !strings.HasPrefix(e.Event, "open") {
				return "event " + e.Event
			}
			return ""
		}},
	}
	var tracers []*Ctrace
	for _, c := range cases {
		tracers = append(tracers, startCtrace(t, c.args...))
	}
	name := containerName(t)
	args := append([]string{"run", "-d", "--pull=never", "--network", "none", "--name", name}, bashMounts(t)...)
	args = append(args, straceImage, "/bin/bash", "-c", bashScript)
	startContainer(t, name, args, "bash -c "+bashScript)
	if code := waitContainerExit(t, name, dockerDeadline); code != 0 {
		logs, _ := dockerCmd(t, "logs", name)
		t.Fatalf("workload exited with %d: %s", code, logs)
	}
	for i, c := range cases {
		tr := tracers[i]
		what := strings.Join(c.args, " ")
		tr.waitFor(t, eventDeadline, fmt.Sprintf("trace %s: %d kinds of events from %s", what, len(c.want), name), func(evs []Event) bool {
			for _, w := range c.want {
				if !anyEvent(evs, name, w) {
					return false
				}
			}
			return true
		})
	}
	for i, c := range cases {
		tracers[i].Stop(t)
		evs := mine(tracers[i].Events(), name)
		bad := 0
		for _, e := range evs {
			if why := c.bad(&e); why != "" {
				if bad++; bad <= 5 {
					t.Errorf("trace %s: excluded event (%s): %s", strings.Join(c.args, " "), why, clip(e.Raw, 300))
				}
			}
		}
		t.Logf("trace %s: %d events from %s %v", strings.Join(c.args, " "), len(evs), name, names(evs))
	}
}

// A container started after ctrace and selected by name is traced from its
// first syscall (its first execve is there); nothing of another container
// started at the same time, or of containers already running, is.
func TestContainerByNameStartedLater(t *testing.T) {
	requireEnv(t)
	want, other := containerName(t), containerName(t)
	c := startCtrace(t, "--container", want, "--event", "execve,openat")
	done := make(chan struct{})
	go func() {
		defer close(done)
		runContainer(t, other, "cat", "/etc/hostname")
	}()
	id := runContainer(t, want, "cat", "/etc/hostname")
	<-done
	waitContainerExit(t, want, dockerDeadline)
	waitContainerExit(t, other, dockerDeadline)
	c.waitFor(t, eventDeadline, "the first execve (of cat) and the openat of /etc/hostname of "+want, func(evs []Event) bool {
		return anyEvent(evs, want, isExecCat) && anyEvent(evs, want, isOpenHostname)
	})
	c.Stop(t)
	evs := c.Events()
	first := true
	for _, e := range evs {
		if e.Container.Name != want || e.Container.ID != id {
			t.Errorf("event of another container with --container %s: %s", want, clip(e.Raw, 300))
			continue
		}
		if e.Event == "execve" && first {
			first = false
			if !isExecCat(&e) {
				t.Errorf("first execve of %s is not its entry point's (cat): %s", want, e.Raw)
			}
		}
	}
}

// --container by id prefix; --exclude-container by name.
func TestContainerByIDPrefixAndExclude(t *testing.T) {
	requireEnv(t)
	a, b := containerName(t), containerName(t)
	idA := runContainer(t, a, "sh", "-c", "while :; do sleep 1; done")
	runContainer(t, b, "sh", "-c", "while :; do sleep 1; done")
	waitContainerRunning(t, a, dockerDeadline)
	waitContainerRunning(t, b, dockerDeadline)
	// Shell completion offers the running containers' names (and "new").
	if code, out, _ := runCLI(t, "__complete", "trace", "--container", ""); code != 0 || !strings.Contains(out, "\n"+a+"\n") || !strings.HasPrefix(out, "new\n") {
		t.Errorf("completion of --container (exit %d) lacks new or %s:\n%s", code, a, clip(out, 500))
	}
	sel := startCtrace(t, "--container", idA[:12], "--event", "execve,openat")
	excl := startCtrace(t, "--exclude-container", a, "--event", "execve,openat")
	for _, n := range []string{a, b} {
		if _, err := dockerCmd(t, "exec", n, "cat", "/etc/hostname"); err != nil {
			t.Fatal(err)
		}
	}
	sel.waitFor(t, eventDeadline, "cat in "+a, func(evs []Event) bool { return anyEvent(evs, a, isExecCat) })
	excl.waitFor(t, eventDeadline, "cat in "+b, func(evs []Event) bool { return anyEvent(evs, b, isExecCat) })
	sel.Stop(t)
	excl.Stop(t)
	if n := len(mine(sel.Events(), b)); n > 0 {
		t.Errorf("--container %s: %d events of %s", idA[:12], n, b)
	}
	for _, e := range sel.Events() {
		if e.Container.ID != idA {
			t.Errorf("--container %s: event of %q: %s", idA[:12], e.Container.Name, clip(e.Raw, 200))
			break
		}
	}
	if n := len(mine(excl.Events(), a)); n > 0 {
		t.Errorf("--exclude-container %s: %d events of it", a, n)
	}
}

// --image selects by a glob on the image name, for containers running at
// start and started later.
func TestImageFilter(t *testing.T) {
	requireEnv(t)
	tag := containerName(t) + ":v1"
	if _, err := dockerCmd(t, "tag", testImage, tag); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := dockerCmd(t, "rmi", tag); err != nil {
			t.Logf("cleanup: %v", err)
		}
	})
	repo := strings.TrimSuffix(tag, ":v1")
	c := startCtrace(t, "--image", repo[:len(repo)-3]+"*", "--event", "execve,openat")
	want, other := containerName(t), containerName(t)
	startContainer(t, want, []string{"run", "-d", "--pull=never", "--network", "none", "--name", want, tag, "cat", "/etc/hostname"}, "cat /etc/hostname")
	runContainer(t, other, "cat", "/etc/hostname")
	waitContainerExit(t, want, dockerDeadline)
	waitContainerExit(t, other, dockerDeadline)
	c.waitFor(t, eventDeadline, "cat of "+want, func(evs []Event) bool {
		return anyEvent(evs, want, isExecCat) && anyEvent(evs, want, isOpenHostname)
	})
	c.Stop(t)
	for _, e := range c.Events() {
		if e.Container.Image != tag {
			t.Errorf("--image %s*: event of image %q (%s): %s", repo[:len(repo)-3], e.Container.Image, e.Container.Name, clip(e.Raw, 200))
			break
		}
	}
}

// --container new: only containers started after ctrace.
func TestContainerNew(t *testing.T) {
	requireEnv(t)
	old, fresh := containerName(t), containerName(t)
	runContainer(t, old, "sh", "-c", "while :; do sleep 1; done")
	waitContainerRunning(t, old, dockerDeadline)
	c := startCtrace(t, "--container", "new", "--event", "execve,openat")
	runContainer(t, fresh, "cat", "/etc/hostname")
	waitContainerExit(t, fresh, dockerDeadline)
	if _, err := dockerCmd(t, "exec", old, "cat", "/etc/hostname"); err != nil {
		t.Fatal(err)
	}
	c.waitFor(t, eventDeadline, "cat of "+fresh, func(evs []Event) bool {
		return anyEvent(evs, fresh, isExecCat) && anyEvent(evs, fresh, isOpenHostname)
	})
	c.Stop(t)
	if n := len(mine(c.Events(), old)); n > 0 {
		t.Errorf("--container new: %d events of %s, which ran before ctrace", n, old)
	}
}

// --pid: a process (a container's init, by host pid) and its descendants;
// --uid: processes of a user.
func TestPIDAndUIDFilters(t *testing.T) {
	requireEnv(t)
	a, b := containerName(t), containerName(t)
	runContainer(t, a, "sh", "-c", "while :; do sleep 1; done")
	startContainer(t, b, []string{"run", "-d", "--pull=never", "--network", "none", "--user", "4321", "--name", b, testImage, "sh", "-c", "while :; do sleep 1; done"}, "sleep loop as uid 4321")
	waitContainerRunning(t, a, dockerDeadline)
	waitContainerRunning(t, b, dockerDeadline)
	out, err := dockerCmd(t, "inspect", "--format", "{{.State.Pid}}", a)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil || pid <= 0 {
		t.Fatalf("init pid of %s: %q", a, out)
	}
	byPID := startCtrace(t, "--pid", strconv.Itoa(pid), "--event", "execve,wait4,exit_group")
	byUID := startCtrace(t, "--uid", "4321", "--event", "execve,wait4,exit_group")
	// The loops fork sleep every second: wait for one child of each.
	byPID.waitFor(t, eventDeadline, "an execve of sleep by a child of "+a+"'s init", func(evs []Event) bool {
		return anyEvent(evs, a, func(e *Event) bool { return e.Event == "execve" && e.Process.PPID == int64(pid) })
	})
	byUID.waitFor(t, eventDeadline, "an execve of sleep in "+b, func(evs []Event) bool {
		return anyEvent(evs, b, func(e *Event) bool { return e.Event == "execve" && e.Process.UID == 4321 })
	})
	// Activity outside the selections, while both trace.
	for _, n := range []string{a, b} {
		if _, err := dockerCmd(t, "exec", n, "cat", "/etc/hostname"); err != nil {
			t.Fatal(err)
		}
	}
	byPID.Stop(t)
	byUID.Stop(t)
	for _, e := range byPID.Events() {
		if e.Process.PID != int64(pid) && e.Process.PPID != int64(pid) {
			t.Errorf("--pid %d: event of process %d (parent %d, %s): %s", pid, e.Process.PID, e.Process.PPID, e.Container.Name, clip(e.Raw, 200))
			break
		}
	}
	for _, e := range byUID.Events() {
		if e.Process.UID != 4321 {
			t.Errorf("--uid 4321: event of uid %d (%s): %s", e.Process.UID, e.Container.Name, clip(e.Raw, 200))
			break
		}
	}
}

// A filter that can never match, and malformed or unknown filter values,
// are one-line errors with a non-zero exit.
func TestFilterErrors(t *testing.T) {
	requireEnv(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"trace", "--event", "openat", "--exclude-set", "fs"}, "--event openat can never match: openat is in set fs, which --exclude-set excludes"},
		{[]string{"trace", "--event", "zzz*"}, `--event "zzz*": no event matches the pattern`},
		{[]string{"trace", "--set", "nett"}, `unknown event set "nett": did you mean "net"?`},
		{[]string{"trace", "--comm", "bash", "--exclude-comm", "bash"}, "--comm bash can never match: --exclude-comm excludes it too"},
		{[]string{"trace", "--pid", "abc"}, `--pid "abc": not a process id`},
		{[]string{"trace", "--uid=-1"}, `--uid "-1": not a numeric user id`},
		{[]string{"trace", "--exclude-container", "new"}, "--exclude-container new:"},
		{[]string{"trace", "--image", "[x"}, `--image "[x": malformed pattern`},
	} {
		code, stdout, stderr := runCLI(t, c.args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code == 0 || len(lines) != 1 || !strings.Contains(lines[0], c.want) || stdout != "" {
			t.Errorf("ctrace %s: exit %d, stderr %q, want one line containing %q and a non-zero exit", strings.Join(c.args, " "), code, stderr, c.want)
		}
	}
	code, stdout, _ := runCLI(t, "trace", "--help")
	for _, want := range []string{"Includes of one kind are ORed", "excludes always win", "--container", "--image", "--pid", "--uid", "sys_enter"} {
		if code != 0 || !strings.Contains(stdout, want) {
			t.Errorf("trace --help (exit %d) does not say %q", code, want)
		}
	}
}
