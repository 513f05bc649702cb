package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	helperTimeout = 60 * time.Second // one docker CLI call or helper command
	ownerLabel    = "ctracebench.owner"
)

// runHelper runs a short command (docker CLI, ctrace config) and returns its
// standard output; the error carries its standard error.
func runHelper(ctx context.Context, env []string, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, helperTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = strings.TrimSpace(stdout.String())
		}
		return stdout.String(), fmt.Errorf("%s %s: %v: %s", name, strings.Join(shorten(args), " "), err, lastLines(msg, 5))
	}
	return stdout.String(), nil
}

func docker(ctx context.Context, args ...string) (string, error) {
	out, err := runHelper(ctx, nil, "docker", args...)
	return strings.TrimSpace(out), err
}

// shorten keeps error messages readable when an argument is a whole script.
func shorten(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if len(a) > 60 || strings.Contains(a, "\n") {
			a = strings.ReplaceAll(a, "\n", "; ")
			if len(a) > 60 {
				a = a[:57] + "..."
			}
			a = strconv.Quote(a)
		}
		out[i] = a
	}
	return out
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// registry remembers everything the harness started, so that it can all be
// removed on any exit path (failure, Ctrl-C, SIGTERM).
type registry struct {
	mu         sync.Mutex
	containers map[string]bool // names
	networks   map[string]bool
	procs      map[*tracer]bool // running tracers
}

func newRegistry() *registry {
	return &registry{containers: map[string]bool{}, networks: map[string]bool{}, procs: map[*tracer]bool{}}
}

func (r *registry) addContainer(name string) { r.mu.Lock(); r.containers[name] = true; r.mu.Unlock() }
func (r *registry) addNetwork(name string)   { r.mu.Lock(); r.networks[name] = true; r.mu.Unlock() }
func (r *registry) addProc(t *tracer)        { r.mu.Lock(); r.procs[t] = true; r.mu.Unlock() }
func (r *registry) dropProc(t *tracer)       { r.mu.Lock(); delete(r.procs, t); r.mu.Unlock() }

// removeContainers force-removes the named containers (ignoring ones that are gone).
func (r *registry) removeContainers(names ...string) {
	if len(names) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), helperTimeout)
	defer cancel()
	out, err := runHelper(ctx, nil, "docker", append([]string{"rm", "-f"}, names...)...)
	if err != nil && !strings.Contains(err.Error(), "No such container") {
		fmt.Fprintf(os.Stderr, "ctracebench: warning: removing containers: %v %s\n", err, out)
	}
	r.mu.Lock()
	for _, n := range names {
		delete(r.containers, n)
	}
	r.mu.Unlock()
}

// cleanup stops every tracer still running and removes every container and
// network the harness created. Safe to call more than once.
func (r *registry) cleanup() {
	r.mu.Lock()
	var procs []*tracer
	for t := range r.procs {
		procs = append(procs, t)
	}
	var ctrs, nets []string
	for n := range r.containers {
		ctrs = append(ctrs, n)
	}
	for n := range r.networks {
		nets = append(nets, n)
	}
	r.mu.Unlock()

	for _, t := range procs {
		t.signal()
	}
	for _, t := range procs {
		t.abort(15 * time.Second)
		r.dropProc(t)
	}
	r.removeContainers(ctrs...)
	for _, n := range nets {
		ctx, cancel := context.WithTimeout(context.Background(), helperTimeout)
		if _, err := runHelper(ctx, nil, "docker", "network", "rm", n); err != nil && !strings.Contains(err.Error(), "not found") {
			fmt.Fprintf(os.Stderr, "ctracebench: warning: removing network %s: %v\n", n, err)
		}
		cancel()
		r.mu.Lock()
		delete(r.networks, n)
		r.mu.Unlock()
	}
}

// processAlive reports whether pid exists and is not a zombie we already reaped.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	if errors.Is(err, syscall.ESRCH) {
		return false
	}
	data, rerr := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if rerr != nil {
		return err == nil
	}
	// A zombie (state Z) has exited; its parent (us) just has not waited yet.
	if i := bytes.LastIndexByte(data, ')'); i >= 0 && i+2 < len(data) && data[i+2] == 'Z' {
		return false
	}
	return true
}

// removeStale removes containers and networks left by an earlier harness
// process that no longer exists (e.g. one killed with SIGKILL).
func removeStale(ctx context.Context, reg *registry) {
	stale := func(owner string) bool {
		pid, err := strconv.Atoi(owner)
		return err == nil && pid != os.Getpid() && !processAlive(pid)
	}
	out, err := docker(ctx, "ps", "-a", "--filter", "label="+ownerLabel, "--format", `{{.Names}} {{.Label "`+ownerLabel+`"}}`)
	if err == nil {
		var names []string
		for _, l := range nonEmptyLines(out) {
			if f := strings.Fields(l); len(f) == 2 && stale(f[1]) {
				names = append(names, f[0])
			}
		}
		if len(names) > 0 {
			fmt.Fprintf(os.Stderr, "ctracebench: removing %d stale container(s) of an earlier run\n", len(names))
			reg.removeContainers(names...)
		}
	}
	out, err = docker(ctx, "network", "ls", "--filter", "label="+ownerLabel, "--format", `{{.Name}} {{.Label "`+ownerLabel+`"}}`)
	if err == nil {
		for _, l := range nonEmptyLines(out) {
			if f := strings.Fields(l); len(f) == 2 && stale(f[1]) {
				fmt.Fprintf(os.Stderr, "ctracebench: removing stale network %s\n", f[0])
				_, _ = docker(ctx, "network", "rm", f[0])
			}
		}
	}
}

func nonEmptyLines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// containerInfo is what the harness needs to know about a running container.
type containerInfo struct {
	PID     int
	Running bool
	IP      string
	Cgroup  string // absolute cgroup v2 directory; "" when not found
}

func inspectContainer(ctx context.Context, name, cgroup2Mount string) (containerInfo, error) {
	out, err := docker(ctx, "inspect", "-f", `{{.State.Pid}} {{.State.Running}} {{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}`, name)
	if err != nil {
		return containerInfo{}, err
	}
	f := strings.Fields(out)
	if len(f) < 2 {
		return containerInfo{}, fmt.Errorf("docker inspect %s: unexpected output %q", name, out)
	}
	var ci containerInfo
	ci.PID, _ = strconv.Atoi(f[0])
	ci.Running = f[1] == "true"
	if len(f) > 2 {
		ci.IP = f[2]
	}
	if ci.Running && ci.PID > 0 && cgroup2Mount != "" {
		ci.Cgroup = cgroupV2Dir(ci.PID, cgroup2Mount)
	}
	return ci, nil
}

// cgroupV2Dir returns the cgroup v2 directory of pid ("0::/path" in
// /proc/PID/cgroup, under the cgroup2 mount).
func cgroupV2Dir(pid int, mount string) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(data), "\n") {
		if p, ok := strings.CutPrefix(l, "0::"); ok {
			return strings.TrimRight(mount, "/") + p
		}
	}
	return ""
}

// cgroup2Mount finds where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup
// on pure v2, /sys/fs/cgroup/unified on hybrid hosts).
func cgroup2Mount() string {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return ""
	}
	return parseCgroup2Mount(string(data))
}

func parseCgroup2Mount(mountinfo string) string {
	for _, l := range strings.Split(mountinfo, "\n") {
		pre, post, ok := strings.Cut(l, " - ")
		if !ok {
			continue
		}
		pf, qf := strings.Fields(pre), strings.Fields(post)
		if len(pf) >= 5 && len(qf) >= 1 && qf[0] == "cgroup2" {
			return pf[4]
		}
	}
	return ""
}

// listening reports whether the network namespace of pid has a TCP socket
// listening on port (IPv4 or IPv6).
func listening(pid, port int) bool {
	want := fmt.Sprintf(":%04X", port)
	for _, f := range []string{"tcp", "tcp6"} {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, f))
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(data), "\n")[1:] {
			fs := strings.Fields(l)
			if len(fs) > 3 && strings.HasSuffix(fs[1], want) && fs[3] == "0A" {
				return true
			}
		}
	}
	return false
}
