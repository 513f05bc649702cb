//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctrace-dev/ctrace/internal/socktest"
)

// lsEntry is one element of `ctrace ls --output-format json`.
type lsEntry struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Image   string `json:"image"`
	Runtime string `json:"runtime"`
	State   string `json:"state"`
	PID     int    `json:"pid"`
	Cgroup  string `json:"cgroup"`
	Created string `json:"created"`
	Source  string `json:"source"`
}

// runCLI runs the ctrace binary with a private config file and returns
// its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	bin := ctraceBin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "CTRACE_CONFIG="+filepath.Join(t.TempDir(), "config.json"))
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("ctrace %s still running after 60s", strings.Join(args, " "))
	}
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running ctrace: %v", err)
		}
		code = ee.ExitCode()
	}
	if s := stdout.String() + stderr.String(); strings.Contains(s, "goroutine ") || strings.Contains(s, "panic") {
		t.Errorf("ctrace %s crashed:\n%s", strings.Join(args, " "), s)
	}
	return code, stdout.String(), stderr.String()
}

// dockerPs returns id → "name image" of `docker ps [-a]`.
func dockerPs(t *testing.T, all bool) map[string][2]string {
	t.Helper()
	args := []string{"ps", "--no-trunc", "--format", "{{.ID}}\t{{.Names}}\t{{.Image}}"}
	if all {
		args = append(args, "-a")
	}
	out, err := dockerCmd(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][2]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Split(l, "\t"); len(f) == 3 {
			m[f[0]] = [2]string{f[1], f[2]}
		}
	}
	return m
}

func ctraceLs(t *testing.T, args ...string) []lsEntry {
	t.Helper()
	code, stdout, stderr := runCLI(t, append([]string{"ls", "--output-format", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("ctrace ls: exit %d: %s", code, stderr)
	}
	var entries []lsEntry
	if err := json.Unmarshal([]byte(stdout), &entries); err != nil {
		t.Fatalf("ctrace ls output is not a JSON array: %v\n%s", err, stdout)
	}
	return entries
}

// `ctrace ls` lists what `docker ps` lists and `ls --all` what `docker ps
// -a` lists: ids and names of every Docker container (other engineers'
// containers come and go, so a container must be in ctrace's list when it
// is in docker's before and after, and ctrace lists nothing docker never
// listed), and our own containers exactly, images included.
func TestLsMatchesDockerPs(t *testing.T) {
	requireEnv(t)
	running := []string{containerName(t), containerName(t)}
	ids := map[string]string{}
	for _, n := range running {
		ids[n] = runContainer(t, n, "sleep", "300")
	}
	exited := containerName(t)
	ids[exited] = runContainer(t, exited, "true")
	waitContainerExit(t, exited, dockerDeadline)
	for _, n := range running {
		waitContainerRunning(t, n, dockerDeadline)
	}

	for _, all := range []bool{false, true} {
		t.Run(fmt.Sprintf("all=%v", all), func(t *testing.T) {
			var args []string
			if all {
				args = append(args, "--all")
			}
			before := dockerPs(t, all)
			entries := ctraceLs(t, args...)
			after := dockerPs(t, all)

			listed := map[string]lsEntry{}
			for _, e := range entries {
				if e.Runtime != "docker" {
					continue
				}
				if _, dup := listed[e.ID]; dup {
					t.Errorf("container %s listed twice", e.ID[:12])
				}
				listed[e.ID] = e
				if _, ok := before[e.ID]; !ok {
					if _, ok := after[e.ID]; !ok {
						t.Errorf("ctrace ls lists %s (%s), which docker ps never listed", e.ID[:12], e.Name)
					}
				}
			}
			for id, d := range before {
				if _, still := after[id]; !still {
					continue // removed meanwhile
				}
				e, ok := listed[id]
				if !ok {
					t.Errorf("docker ps lists %s (%s); ctrace ls does not", id[:12], d[0])
					continue
				}
				if e.Name != d[0] {
					t.Errorf("%s: name %q, docker ps says %q", id[:12], e.Name, d[0])
				}
			}
			for name, id := range ids {
				e, ok := listed[id]
				want := all || name != exited
				switch {
				case ok != want:
					t.Errorf("own container %s listed: %v, want %v", name, ok, want)
				case !ok:
				case e.Name != name || e.Image != testImage || e.Source != "runtime" || e.Created == "":
					t.Errorf("own container %s: %+v", name, e)
				case name == exited && (e.State != "exited" || e.PID != 0 || e.Cgroup != ""):
					t.Errorf("exited container: %+v", e)
				case name != exited && (e.State != "running" || e.PID <= 0 || !strings.Contains(e.Cgroup, id)):
					t.Errorf("running container: %+v", e)
				}
				if ok && name != exited {
					pid, _ := dockerCmd(t, "inspect", "-f", "{{.State.Pid}}", name)
					if strings.TrimSpace(pid) != strconv.Itoa(e.PID) {
						t.Errorf("%s: pid %d, docker inspect says %s", name, e.PID, pid)
					}
				}
			}
		})
	}
}

func TestLsTable(t *testing.T) {
	requireEnv(t)
	name := containerName(t)
	id := runContainer(t, name, "sleep", "300")
	waitContainerRunning(t, name, dockerDeadline)
	code, stdout, stderr := runCLI(t, "trace", "ls", "-c")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if f := strings.Fields(lines[0]); strings.Join(f, " ") != "CONTAINER ID NAME IMAGE RUNTIME STATE CREATED PID CGROUP" && strings.Join(f, " ") != "CONTAINER ID NAME IMAGE RUNTIME STATE CREATED PID CGROUP POD" {
		t.Errorf("header: %q", lines[0])
	}
	var mine string
	for _, l := range lines[1:] {
		if strings.HasPrefix(l, id[:12]+" ") {
			mine = l
		}
	}
	f := strings.Fields(mine)
	if len(f) < 9 || f[1] != name || f[2] != testImage || !strings.HasPrefix(f[3], "docker/") || f[4] != "running" || !strings.Contains(f[8], id) {
		t.Errorf("row of %s: %q\n%s", name, mine, stdout)
	}
}

func TestLsBadInput(t *testing.T) {
	bin := ctraceBin(t)
	_ = bin
	hang := socktest.Hanging(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"config", "--set", "dockr-socket=/run/docker.sock"}, `unknown config key "dockr-socket": did you mean "docker-socket"?`},
		{[]string{"ls", "--docker-socket", "/nonexistent/docker.sock"}, "runtime docker at /nonexistent/docker.sock (--docker-socket) does not answer: docker: dial unix /nonexistent/docker.sock: connect: no such file or directory"},
		{[]string{"ls", "--docker-socket", hang}, "runtime docker at " + hang + " (--docker-socket) does not answer: docker: "},
		{[]string{"ls", "--output-format", "yaml"}, `--output-format "yaml": use table or json`},
		{[]string{"trace", "--set", "nett"}, `unknown event set "nett": did you mean "net"?`},
	} {
		code, stdout, stderr := runCLI(t, c.args...)
		msg := strings.TrimSpace(stderr)
		if code == 0 || !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") || stdout != "" {
			t.Errorf("ctrace %s: exit %d, stdout %q, stderr %q; want a one-line error containing %q", strings.Join(c.args, " "), code, stdout, msg, c.want)
		}
	}
}

// 20 containers started at once with `docker run --rm … true`, five
// times, while ctrace traces: every one is named (and imaged) in every
// event, though most are gone before anyone could inspect them.
func TestNamesShortLivedContainers(t *testing.T) {
	requireEnv(t)
	c := startCtrace(t, "--event", "execve")
	const rounds, parallel = 5, 20
	type started struct {
		name, id string
		at       time.Time
	}
	var all []started
	for r := range rounds {
		batch := make([]started, parallel)
		var wg sync.WaitGroup
		for i := range parallel {
			batch[i].name = fmt.Sprintf("%s-%d-%d", containerName(t), r, i)
			wg.Add(1)
			go func() {
				defer wg.Done()
				batch[i].at = time.Now()
				out, err := dockerCmd(t, "run", "-d", "--rm", "--pull=never", "--network", "none", "--name", batch[i].name, testImage, "true")
				if err != nil {
					t.Errorf("docker run %s: %v", batch[i].name, err)
					return
				}
				batch[i].id = strings.TrimSpace(out)
			}()
		}
		wg.Wait()
		for _, b := range batch {
			if b.id != "" {
				all = append(all, b)
			}
		}
	}
	if t.Failed() {
		return
	}
	byID := map[string]started{}
	for _, s := range all {
		byID[s.id] = s
	}
	evs := c.waitFor(t, eventDeadline, fmt.Sprintf("an execve from each of the %d containers", len(all)), func(evs []Event) bool {
		seen := map[string]bool{}
		for _, e := range evs {
			if _, ok := byID[e.Container.ID]; ok && e.Event == "execve" {
				seen[e.Container.ID] = true
			}
		}
		return len(seen) == len(byID)
	})
	var unnamed []string
	var delays []time.Duration
	first := map[string]bool{}
	for _, e := range evs {
		s, ok := byID[e.Container.ID]
		if !ok {
			continue
		}
		if e.Container.Name != s.name || e.Container.Image != testImage || e.Container.Runtime != "docker" {
			unnamed = append(unnamed, fmt.Sprintf("%s: name %q image %q runtime %q", s.name, e.Container.Name, e.Container.Image, e.Container.Runtime))
		}
		if !first[s.id] {
			first[s.id] = true
			delays = append(delays, e.Time.Sub(s.at))
		}
	}
	if len(unnamed) > 0 {
		t.Errorf("%d events of short-lived containers lack their name/image:\n%s", len(unnamed), strings.Join(head(unnamed, 20), "\n"))
	}
	sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
	t.Logf("%d containers, all named; docker run → first traced execve: median %v, max %v (figures, not asserted)",
		len(delays), delays[len(delays)/2].Round(time.Millisecond), delays[len(delays)-1].Round(time.Millisecond))
}

// A runtime socket that accepts and never answers is reported once, does
// not keep events from being written, and does not delay shutdown (the
// harness's stop deadline would catch that).
func TestHangingRuntimeSocket(t *testing.T) {
	requireEnv(t)
	hang := socktest.Hanging(t)
	c := startCtrace(t, "--docker-socket", hang, "--podman-socket", "none", "--containerd-socket", "none", "--crio-socket", "none")
	var ids []string
	var names []string
	for range 3 {
		name := containerName(t)
		names = append(names, name)
		ids = append(ids, runContainer(t, name, "cat", "/etc/hostname"))
	}
	c.waitFor(t, eventDeadline, "an execve of cat from each container (ids only: the runtime never answers)", func(evs []Event) bool {
		n := 0
		for _, id := range ids {
			for i := range evs {
				if evs[i].Container.ID == id && isExecCat(&evs[i]) {
					n++
					break
				}
			}
		}
		return n == len(ids)
	})
	stopAt := time.Now()
	r := c.Stop(t)
	t.Logf("stopped %v after SIGINT (exit %d)", time.Since(stopAt).Round(time.Millisecond), r.ExitCode)
	_, _, stderr, _ := c.snapshot()
	var reports []string
	for _, l := range stderr {
		if strings.Contains(l, hang) {
			reports = append(reports, l)
		}
	}
	if len(reports) != 1 || !strings.Contains(reports[0], "runtime: docker at "+hang+" does not answer") {
		t.Errorf("want one report of the hanging socket on stderr, got %d:\n%s", len(reports), strings.Join(reports, "\n"))
	}
}
