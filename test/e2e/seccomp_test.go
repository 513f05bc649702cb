//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	seccompImage   = "ctrace-test/seccomp:latest" // made by test/setup.sh: busybox, nginx, a 32-bit program
	recordDeadline = 90 * time.Second             // record start -> exit after the named containers exited
	runDeadline    = 60 * time.Second             // one docker run of a workload
)

// ---------------------------------------------------------------------------
// ctrace seccomp record, as a process of its own

type recordProc struct {
	cmd    *exec.Cmd
	out    string
	mu     sync.Mutex
	stderr []string
	ready  chan struct{}
	exited chan struct{}
}

// startRecord runs `ctrace seccomp record --container N… --output FILE` and
// waits for its "ready" line.
func startRecord(t *testing.T, out string, names ...string) *recordProc {
	t.Helper()
	bin := requireEnv(t)
	args := []string{"seccomp", "record", "--output", out}
	for _, n := range names {
		args = append(args, "--container", n)
	}
	p := &recordProc{cmd: exec.Command(bin, args...), out: out, ready: make(chan struct{}), exited: make(chan struct{})}
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	errR, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(errR)
		once := sync.Once{}
		for sc.Scan() {
			p.mu.Lock()
			p.stderr = append(p.stderr, sc.Text())
			p.mu.Unlock()
			if readyRe.MatchString(sc.Text()) {
				once.Do(func() { close(p.ready) })
			}
		}
		p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Signal(os.Interrupt)
			select {
			case <-p.exited:
			case <-time.After(stopDeadline):
				p.cmd.Process.Kill()
			}
		}
	})
	select {
	case <-p.ready:
	case <-p.exited:
		t.Fatalf("ctrace seccomp record exited before it was ready:\n%s", p.log())
	case <-time.After(readyDeadline):
		t.Fatalf("ctrace seccomp record not ready within %v:\n%s", readyDeadline, p.log())
	}
	return p
}

func (p *recordProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.stderr, "\n")
}

// wait waits for record to exit by itself (its containers exited) and checks it succeeded.
func (p *recordProc) wait(t *testing.T) {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(recordDeadline):
		t.Fatalf("ctrace seccomp record did not exit within %v of start although its containers exited:\n%s", recordDeadline, p.log())
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("ctrace seccomp record exited %d:\n%s", code, p.log())
	}
}

// ctraceRun runs the ctrace binary to completion.
func ctraceRun(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	bin := requireEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), runDeadline)
	defer cancel()
	var o, e bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("ctrace %s: %v", strings.Join(args, " "), err)
	}
	return o.String(), e.String(), code
}

// generate runs ctrace seccomp generate and fails the test on an error.
func generate(t *testing.T, args ...string) (stderr string) {
	t.Helper()
	_, stderr, code := ctraceRun(t, append([]string{"seccomp", "generate"}, args...)...)
	if code != 0 {
		t.Fatalf("ctrace seccomp generate %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	return stderr
}

// ---------------------------------------------------------------------------
// docker helpers

// dockerRun runs `docker run --name name opts… image cmd…` to completion and
// returns its combined output and exit status. The container is removed at cleanup.
func dockerRun(t *testing.T, name string, opts []string, image string, cmd ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runDeadline)
	defer cancel()
	args := append([]string{"run", "--pull=never", "--name", name}, opts...)
	args = append(append(args, image), cmd...)
	t.Cleanup(func() { dockerCtx(t, 30*time.Second, "rm", "-f", name) })
	c := exec.CommandContext(ctx, "docker", args...)
	out, err := c.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("docker %s: no exit within %v", strings.Join(args, " "), runDeadline)
	}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return string(out), ee.ExitCode()
	case err != nil:
		t.Fatalf("docker %s: %v", strings.Join(args, " "), err)
	}
	return string(out), 0
}

// startDetached runs a container in the background (removed at cleanup).
func startDetached(t *testing.T, name string, opts []string, image string, cmd ...string) {
	t.Helper()
	args := append([]string{"run", "-d", "--pull=never", "--name", name}, opts...)
	startContainer(t, name, append(append(args, image), cmd...), strings.Join(cmd, " "))
}

func containerIP(t *testing.T, name string) string {
	t.Helper()
	out, err := dockerCmd(t, "inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name)
	if err != nil || strings.TrimSpace(out) == "" {
		t.Fatalf("IP of %s: %q %v", name, out, err)
	}
	return strings.TrimSpace(out)
}

func logsOf(t *testing.T, name string) string {
	t.Helper()
	out, err := dockerCtx(t, dockerDeadline, "logs", name)
	if err != nil {
		t.Fatalf("docker logs %s: %v", name, err)
	}
	return out
}

// network creates a bridge network for the test, removed at cleanup.
func network(t *testing.T) string {
	t.Helper()
	name := containerName(t) + "-net"
	if _, err := dockerCmd(t, "network", "create", name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dockerCtx(t, 30*time.Second, "network", "rm", name) })
	return name
}

// ---------------------------------------------------------------------------
// profiles

type profileJSON struct {
	DefaultAction   string            `json:"defaultAction"`
	DefaultErrnoRet *uint             `json:"defaultErrnoRet,omitempty"`
	Architectures   []string          `json:"architectures,omitempty"`
	Syscalls        []json.RawMessage `json:"syscalls"`
}

// withoutCall writes a copy of a Docker profile from which every rule lost name.
func withoutCall(t *testing.T, src, name string) string {
	t.Helper()
	var p map[string]any
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	var kept []any
	found := false
	for _, r := range p["syscalls"].([]any) {
		rule := r.(map[string]any)
		var names []any
		for _, n := range rule["names"].([]any) {
			if n == name {
				found = true
				continue
			}
			names = append(names, n)
		}
		if len(names) > 0 {
			rule["names"] = names
			kept = append(kept, rule)
		}
	}
	if !found {
		t.Fatalf("%s does not allow %s", src, name)
	}
	p["syscalls"] = kept
	out := strings.TrimSuffix(src, ".json") + "-without-" + name + ".json"
	b, _ := json.MarshalIndent(p, "", "  ")
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// withoutArch writes a copy of a profile without one architecture.
func withoutArch(t *testing.T, src, arch string) string {
	t.Helper()
	var p map[string]any
	data, _ := os.ReadFile(src)
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	var kept []any
	for _, a := range p["architectures"].([]any) {
		if a != arch {
			kept = append(kept, a)
		}
	}
	if len(kept) == len(p["architectures"].([]any)) {
		t.Fatalf("%s has no architecture %s: %v", src, arch, p["architectures"])
	}
	p["architectures"] = kept
	out := strings.TrimSuffix(src, ".json") + "-without-" + arch + ".json"
	b, _ := json.MarshalIndent(p, "", "  ")
	os.WriteFile(out, b, 0o644)
	return out
}

func allowedNames(t *testing.T, path string) []string {
	t.Helper()
	var p struct {
		Syscalls []struct {
			Names  []string `json:"names"`
			Action string   `json:"action"`
		} `json:"syscalls"`
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range p.Syscalls {
		if r.Action == "SCMP_ACT_ALLOW" {
			out = append(out, r.Names...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ---------------------------------------------------------------------------
// Round trips

// variant is one way of running containers: OCI runtime and no-new-privileges.
type variant struct {
	runtime string // "" (Docker's default, runc) or "crun"
	nnp     bool
}

func (v variant) String() string {
	rt := "runc"
	if v.runtime != "" {
		rt = v.runtime
	}
	if v.nnp {
		return rt + "-nnp"
	}
	return rt
}

func (v variant) opts() []string {
	var o []string
	if v.runtime != "" {
		o = append(o, "--runtime", v.runtime)
	}
	if v.nnp {
		o = append(o, "--security-opt", "no-new-privileges")
	}
	return o
}

var variants = []variant{{"", false}, {"", true}, {"crun", false}, {"crun", true}}

// workload runs one or more containers. profiles maps each container role
// to the seccomp option to run it under ("" = Docker's default); it returns
// what must be the same under the generated profile: outputs and statuses.
type workload struct {
	name  string
	roles []string // container roles, recorded and profiled separately
	// run starts the workload's containers, named by names[role].
	run func(t *testing.T, v variant, names, profiles map[string]string) string
	// needs: the role and the call removed to prove enforcement (the first
	// candidate the profile allows).
	needRole string
	needs    []string
}

func secOpts(v variant, profile string) []string {
	o := v.opts()
	if profile != "" {
		o = append(o, "--security-opt", "seccomp="+profile)
	}
	return o
}

var workloads = []workload{
	{
		name: "files", roles: []string{"main"}, needRole: "main", needs: []string{"mkdir", "mkdirat"},
		run: func(t *testing.T, v variant, names, profiles map[string]string) string {
			out, code := dockerRun(t, names["main"], append(secOpts(v, profiles["main"]), "--network", "none"), testImage, "sh", "-c",
				`mkdir -p /tmp/d && for i in 1 2 3; do echo line$i > /tmp/d/f$i; done; cat /tmp/d/f*; ls /tmp/d; stat -c %s /tmp/d/f1; rm -r /tmp/d; echo done`)
			return fmt.Sprintf("exit=%d\n%s", code, out)
		},
	},
	{
		name: "forkexec", roles: []string{"main"}, needRole: "main", needs: []string{"vfork", "clone", "fork"},
		run: func(t *testing.T, v variant, names, profiles map[string]string) string {
			out, code := dockerRun(t, names["main"], append(secOpts(v, profiles["main"]), "--network", "none"), testImage, "sh", "-c",
				`i=0; while [ $i -lt 30 ]; do /bin/true; i=$((i+1)); done; for n in $(seq 1 5); do sh -c "echo child $n"; done; echo $(env | wc -l) > /dev/null; echo forked $i`)
			return fmt.Sprintf("exit=%d\n%s", code, out)
		},
	},
	{
		name: "netpair", roles: []string{"srv", "cli"}, needRole: "srv", needs: []string{"bind"},
		run: func(t *testing.T, v variant, names, profiles map[string]string) string {
			net := network(t)
			// -i: the server's stdin stays open, so it waits for the client's
			// end of data; without it busybox nc races (the client calls
			// shutdown or not, by timing) and one run cannot show every path.
			startDetached(t, names["srv"], append(secOpts(v, profiles["srv"]), "-i", "--network", net), testImage, "sh", "-c", "nc -l -p 9000 > /tmp/got; cat /tmp/got; echo server-done")
			return clientServer(t, v, names, profiles, net, 9000, func(ip string) string {
				return fmt.Sprintf("echo ping | nc -w 5 %s 9000; echo sent", ip)
			})
		},
	},
	{
		name: "nginx", roles: []string{"srv", "cli"}, needRole: "srv", needs: []string{"bind"},
		run: func(t *testing.T, v variant, names, profiles map[string]string) string {
			net := network(t)
			startDetached(t, names["srv"], append(secOpts(v, profiles["srv"]), "--network", net), seccompImage, "nginx", "-c", "/etc/nginx/nginx.conf")
			return clientServer(t, v, names, profiles, net, 8080, func(ip string) string {
				return fmt.Sprintf("wget -q -T 5 -O - http://%s:8080/index.html", ip)
			})
		},
	},
}

// clientServer waits until the server listens on port (or has exited),
// runs the client container against it, stops the server, and returns
// both results.
func clientServer(t *testing.T, v variant, names, profiles map[string]string, net string, port int, client func(ip string) string) string {
	t.Helper()
	if !waitListening(t, names["srv"], port) {
		code := waitContainerExit(t, names["srv"], runDeadline)
		return fmt.Sprintf("server exited without listening: exit=%d\n%s", code, logsOf(t, names["srv"]))
	}
	ip := containerIP(t, names["srv"])
	cout, code := dockerRun(t, names["cli"], append(secOpts(v, profiles["cli"]), "--network", net), testImage, "sh", "-c", client(ip))
	dockerCtx(t, dockerDeadline, "stop", "-t", "10", names["srv"])
	srvCode := waitContainerExit(t, names["srv"], runDeadline)
	return fmt.Sprintf("client exit=%d\n%s\nserver exit=%d\n%s", code, cout, srvCode, logsOf(t, names["srv"]))
}

// waitListening polls the container's network namespace (from the host,
// without connecting) until a socket listens on port; false when the
// container exits first.
func waitListening(t *testing.T, name string, port int) bool {
	t.Helper()
	want := fmt.Sprintf(":%04X ", port)
	deadline := time.Now().Add(runDeadline)
	for time.Now().Before(deadline) {
		out, err := dockerCmd(t, "inspect", "--format", "{{.State.Running}} {{.State.Pid}}", name)
		if err != nil {
			t.Fatalf("inspect %s: %v", name, err)
		}
		var running bool
		var pid int
		fmt.Sscan(out, &running, &pid)
		if !running {
			return false
		}
		for _, f := range []string{"tcp", "tcp6"} {
			data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, f))
			for _, l := range strings.Split(string(data), "\n") {
				fields := strings.Fields(l)
				if len(fields) > 3 && strings.HasSuffix(fields[1]+" ", want) && fields[3] == "0A" {
					return true
				}
			}
		}
		time.Sleep(50 * time.Millisecond) // polling the server's socket table, bounded by deadline
	}
	t.Fatalf("%s did not listen on port %d within %v", name, port, runDeadline)
	return false
}

// roundTrip: record the workload, generate a profile per container, re-run
// under the profiles (plain and --args): same result; then without one
// call it needs: another result.
func roundTrip(t *testing.T, w workload, v variant) {
	dir := t.TempDir()
	names := map[string]string{}
	var all []string
	for _, r := range w.roles {
		names[r] = containerName(t) + "-" + r
		all = append(all, names[r])
	}
	rec := filepath.Join(dir, "rec.json")
	p := startRecord(t, rec, all...)
	want := w.run(t, v, names, map[string]string{})
	p.wait(t)
	t.Logf("recorded %s (%s):\n%s", w.name, v, p.log())

	plain, args := map[string]string{}, map[string]string{}
	for _, r := range w.roles {
		plain[r] = filepath.Join(dir, r+".json")
		args[r] = filepath.Join(dir, r+"-args.json")
		stderr := generate(t, "--from", rec, "--container", names[r], "--output", plain[r])
		t.Logf("%s: %s", r, firstLine(stderr))
		generate(t, "--from", rec, "--container", names[r], "--args", "--output", args[r])
	}
	rename := func(m map[string]string, suffix string) map[string]string {
		out := map[string]string{}
		for r, n := range m {
			out[r] = n + "-" + suffix
		}
		return out
	}
	if got := w.run(t, v, rename(names, "p"), plain); got != want {
		t.Fatalf("%s (%s) under its generated profile:\n%s\nwant (Docker's default profile):\n%s", w.name, v, got, want)
	}
	if got := w.run(t, v, rename(names, "a"), args); got != want {
		t.Fatalf("%s (%s) under its --args profile:\n%s\nwant:\n%s", w.name, v, got, want)
	}
	// Enforcement: without one call the workload uses, it fails.
	allowed := allowedNames(t, plain[w.needRole])
	need := ""
	for _, n := range w.needs {
		if slices.Contains(allowed, n) {
			need = n
			break
		}
	}
	if need == "" {
		t.Fatalf("the %s profile allows none of %v, which the workload needs: %v", w.needRole, w.needs, allowed)
	}
	broken := map[string]string{}
	for r, f := range plain {
		broken[r] = f
	}
	broken[w.needRole] = withoutCall(t, plain[w.needRole], need)
	if got := w.run(t, v, rename(names, "b"), broken); got == want {
		t.Fatalf("%s (%s) ran the same without %s in its profile: the profile is not enforced or the call is not needed:\n%s", w.name, v, need, got)
	} else {
		t.Logf("without %s: %s", need, strings.ReplaceAll(clip(got, 300), "\n", " | "))
	}
}

func TestSeccompRoundTrip(t *testing.T) {
	requireEnv(t)
	for _, w := range workloads {
		for _, v := range variants {
			w, v := w, v
			t.Run(w.name+"/"+v.String(), func(t *testing.T) {
				t.Parallel()
				roundTrip(t, w, v)
			})
		}
	}
}

// A static 32-bit program: its calls are recorded under the x86 ABI, the
// profile lists SCMP_ARCH_X86, and without it the program cannot run.
func TestSeccompCompat32(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	name := containerName(t)
	rec := filepath.Join(dir, "rec.json")
	p := startRecord(t, rec, name)
	want, code := dockerRun(t, name, []string{"--network", "none"}, seccompImage, "/bin/compat32")
	if code != 0 || !strings.Contains(want, "32-bit") {
		t.Fatalf("compat32 under Docker's default: exit %d: %s", code, want)
	}
	p.wait(t)
	prof := filepath.Join(dir, "p.json")
	generate(t, "--from", rec, "--output", prof)
	data, _ := os.ReadFile(rec)
	if !strings.Contains(string(data), `"i386"`) {
		t.Fatalf("recording has no i386 calls:\n%s", clip(string(data), 2000))
	}
	got, code := dockerRun(t, name+"-p", []string{"--network", "none", "--security-opt", "seccomp=" + prof}, seccompImage, "/bin/compat32")
	if code != 0 || got != want {
		t.Fatalf("under its profile: exit %d: %q, want %q", code, got, want)
	}
	broken := withoutArch(t, prof, "SCMP_ARCH_X86")
	got, code = dockerRun(t, name+"-b", []string{"--network", "none", "--security-opt", "seccomp=" + broken}, seccompImage, "/bin/compat32")
	if code == 0 && got == want {
		t.Fatalf("ran the same without SCMP_ARCH_X86 in the profile")
	}
}

// A container that lives for milliseconds is recorded completely, five times in a row.
func TestSeccompShortLived(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	for i := 0; i < 5; i++ {
		name := fmt.Sprintf("%s-%d", containerName(t), i)
		rec := filepath.Join(dir, fmt.Sprintf("rec%d.json", i))
		p := startRecord(t, rec, name)
		if out, code := dockerRun(t, name, []string{"--network", "none"}, testImage, "true"); code != 0 {
			t.Fatalf("run %d: true exited %d: %s", i, code, out)
		}
		p.wait(t)
		prof := filepath.Join(dir, fmt.Sprintf("p%d.json", i))
		generate(t, "--from", rec, "--output", prof)
		allowed := allowedNames(t, prof)
		for _, want := range []string{"execve", "exit_group", "fstatfs", "close"} {
			if !slices.Contains(allowed, want) {
				t.Errorf("run %d: profile lacks %s (the container's own call, or the runtime's after the filter): %v", i, want, allowed)
			}
		}
		if out, code := dockerRun(t, name+"-p", []string{"--network", "none", "--security-opt", "seccomp=" + prof}, testImage, "true"); code != 0 {
			t.Fatalf("run %d: under its profile true exited %d: %s", i, code, out)
		}
	}
}

// Generation from a ctrace trace JSON file of a run gives the allow-list of
// the in-kernel recording of the same run.
func TestSeccompTraceMatchesRecording(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	name := containerName(t)
	c := startCtrace(t)
	rec := filepath.Join(dir, "rec.json")
	p := startRecord(t, rec, name)
	out, code := dockerRun(t, name, []string{"--network", "none"}, testImage, "sh", "-c", "mkdir /tmp/d; echo x > /tmp/d/f; cat /tmp/d/f; ls -l /tmp/d")
	if code != 0 {
		t.Fatalf("workload exited %d: %s", code, out)
	}
	p.wait(t)
	c.waitFor(t, eventDeadline, "the exit of ls in "+name, func(evs []Event) bool {
		for _, e := range evs {
			if e.Container.Name == name && e.Event == "sched_process_exit" && e.Process.Comm == "ls" && e.Process.PID == e.Process.TID {
				return true
			}
		}
		return false
	})
	c.Stop(t)
	var lines []string
	for _, e := range c.Events() {
		if e.Container.Name == name {
			lines = append(lines, e.Raw)
		}
	}
	trace := filepath.Join(dir, "trace.json")
	if err := os.WriteFile(trace, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	fromTrace, fromRec := filepath.Join(dir, "t.json"), filepath.Join(dir, "r.json")
	generate(t, "--from", trace, "--output", fromTrace)
	generate(t, "--from", rec, "--output", fromRec)
	a, b := allowedNames(t, fromRec), allowedNames(t, fromTrace)
	if !slices.Equal(a, b) {
		var onlyRec, onlyTrace []string
		for _, n := range a {
			if !slices.Contains(b, n) {
				onlyRec = append(onlyRec, n)
			}
		}
		for _, n := range b {
			if !slices.Contains(a, n) {
				onlyTrace = append(onlyTrace, n)
			}
		}
		t.Fatalf("allow-lists differ: only in the recording %v, only from the trace %v", onlyRec, onlyTrace)
	}
	t.Logf("same allow-list of %d names from the recording and from the trace (%d events)", len(a), len(lines))
}

var capAddRe = regexp.MustCompile(`docker run (--cap-drop ALL(?: --cap-add \S+)*)`)

// The printed capability set runs the workload; without the one it needs, it fails.
func TestSeccompCapabilities(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	name := containerName(t)
	rec := filepath.Join(dir, "rec.json")
	p := startRecord(t, rec, name)
	script := "touch /tmp/f && chown 1234:1234 /tmp/f && stat -c %u /tmp/f"
	want, code := dockerRun(t, name, []string{"--network", "none"}, testImage, "sh", "-c", script)
	if code != 0 {
		t.Fatalf("workload exited %d: %s", code, want)
	}
	p.wait(t)
	stderr := generate(t, "--from", rec, "--output", filepath.Join(dir, "p.json"))
	m := capAddRe.FindStringSubmatch(stderr)
	if m == nil {
		t.Fatalf("no capability advice in:\n%s", stderr)
	}
	flags := strings.Fields(m[1])
	if !slices.Contains(flags, "CHOWN") {
		t.Fatalf("advice %q lacks CHOWN", m[1])
	}
	t.Logf("advice: %s", m[1])
	got, code := dockerRun(t, name+"-c", append(slices.Clone(flags), "--network", "none"), testImage, "sh", "-c", script)
	if code != 0 || got != want {
		t.Fatalf("with %s: exit %d %q, want %q", m[1], code, got, want)
	}
	var without []string
	for i := 0; i < len(flags); i++ {
		if flags[i] == "--cap-add" && flags[i+1] == "CHOWN" {
			i++
			continue
		}
		without = append(without, flags[i])
	}
	if _, code := dockerRun(t, name+"-n", append(without, "--network", "none"), testImage, "sh", "-c", script); code == 0 {
		t.Fatalf("ran with %v, without CAP_CHOWN", without)
	}
}

// verify reports PASS for a sufficient profile and names the denied call otherwise.
func TestSeccompVerify(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	name := containerName(t)
	rec := filepath.Join(dir, "rec.json")
	script := "mkdir -p /tmp/v && echo ok > /tmp/v/f && cat /tmp/v/f"
	p := startRecord(t, rec, name)
	if out, code := dockerRun(t, name, []string{"--network", "none"}, testImage, "sh", "-c", script); code != 0 {
		t.Fatalf("workload: %d %s", code, out)
	}
	p.wait(t)
	prof := filepath.Join(dir, "p.json")
	generate(t, "--from", rec, "--output", prof)
	vname := name + "-v"
	t.Cleanup(func() { dockerCtx(t, 30*time.Second, "rm", "-f", vname, vname+"-b") })
	out, stderr, code := ctraceRun(t, "seccomp", "verify", "--profile", prof, "--", "--name", vname, "--network", "none", testImage, "sh", "-c", script)
	if code != 0 || !strings.Contains(out, "verdict: PASS") || !strings.Contains(stderr, "denied by the profile: none") {
		t.Fatalf("verify of a sufficient profile: exit %d\nstdout: %s\nstderr: %s", code, out, stderr)
	}
	need := "mkdir"
	if !slices.Contains(allowedNames(t, prof), need) {
		need = "mkdirat"
	}
	broken := withoutCall(t, prof, need)
	out, stderr, code = ctraceRun(t, "seccomp", "verify", "--profile", broken, "--", "--name", vname+"-b", "--network", "none", testImage, "sh", "-c", script)
	if code == 0 || !strings.Contains(stderr, "verdict: FAIL") || !regexp.MustCompile(`denied by the profile: .*\b`+need+`\b`).MatchString(stderr) {
		t.Fatalf("verify without %s: exit %d\nstdout: %s\nstderr: %s", need, code, out, stderr)
	}
}
