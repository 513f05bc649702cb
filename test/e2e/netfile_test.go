//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// File and network events (issue 9), against the real Docker engine.

// dockerResource creates a volume or network named like the test's
// containers and removes it at cleanup.
func dockerResource(t *testing.T, kind string, args ...string) string {
	t.Helper()
	name := containerName(t) + "-" + kind[:3]
	full := append([]string{kind, "create"}, args...)
	if _, err := dockerCmd(t, append(full, name)...); err != nil {
		t.Fatalf("creating %s %s: %v", kind, name, err)
	}
	t.Cleanup(func() {
		if _, err := dockerCtx(t, 30*time.Second, kind, "rm", name); err != nil {
			t.Logf("cleanup: %v", err)
		}
	})
	return name
}

// buildFileops builds the static workload of TestFileEvents and returns its directory.
func buildFileops(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "fileops"), "./testdata/fileops")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building testdata/fileops: %v\n%s", err, out)
	}
	return dir
}

func argStr(e *Event, name string) string { s, _ := e.ArgString(name); return s }

func retOf(e *Event) int64 {
	if e.Retval == nil {
		return -9999
	}
	return *e.Retval
}

// sharedNames returns the container names of an event's "shared" object.
func sharedNames(e *Event) []string {
	var raw struct {
		Shared *struct {
			Containers []struct{ Name, ID string } `json:"containers"`
		} `json:"shared"`
	}
	if err := jsonUnmarshal(e.Raw, &raw); err != nil || raw.Shared == nil {
		return nil
	}
	var names []string
	for _, c := range raw.Shared.Containers {
		names = append(names, c.Name)
	}
	return names
}

// A container writes, reads, renames and deletes files with relative paths
// after a cd, through openat directory descriptors, and through a volume a
// second container reads: the file events carry absolute paths, flags,
// byte counts and results, and the shared path names both containers.
func TestFileEvents(t *testing.T) {
	requireEnv(t)
	bin := buildFileops(t)
	vol := dockerResource(t, "volume")
	c := startCtrace(t, "--set", "file")

	reader := containerName(t) + "-r"
	startContainer(t, reader, []string{"run", "-d", "--pull=never", "--network", "none", "--name", reader, "-v", vol + ":/vol", testImage,
		"sh", "-c", "i=0; while [ ! -f /vol/ready ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; cat /vol/data.txt; touch /vol/read"}, "reader")
	waitContainerRunning(t, reader, dockerDeadline)
	writer := containerName(t) + "-w"
	startContainer(t, writer, []string{"run", "-d", "--pull=never", "--network", "none", "--name", writer, "-v", vol + ":/shared",
		"-v", bin + ":/t:ro", testImage, "sh", "-c",
		// Both containers live while the other uses the volume.
		"/t/fileops || exit 1; i=0; while [ ! -f /shared/read ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"}, "fileops")
	if code := waitContainerExit(t, writer, dockerDeadline); code != 0 {
		logs, _ := dockerCmd(t, "logs", writer)
		t.Fatalf("fileops exited with %d: %s", code, logs)
	}
	waitContainerExit(t, reader, dockerDeadline)
	writerID, readerID := inspectID(t, writer), inspectID(t, reader)

	type want struct {
		event, key, path string
		check            func(e *Event) string // "" when fine
	}
	bytesIs := func(n int64) func(e *Event) string {
		return func(e *Event) string {
			if b, _ := e.ArgInt("bytes"); b != n || retOf(e) != n {
				return "bytes/retval not " + itoa(n)
			}
			return ""
		}
	}
	ok := func(e *Event) string {
		if retOf(e) != 0 {
			return "retval not 0"
		}
		return ""
	}
	created := func(e *Event) string {
		if f := argStr(e, "flags"); !strings.Contains(f, "O_CREAT") || retOf(e) < 0 {
			return "flags " + f + " without O_CREAT, or failed"
		}
		return ""
	}
	wants := []want{
		{"file_open", "path", "/tmp/w/a.txt", created},
		{"file_write", "path", "/tmp/w/a.txt", bytesIs(5)},
		{"file_read", "path", "/tmp/w/a.txt", bytesIs(5)},
		{"file_open", "path", "/tmp/w/missing.txt", func(e *Event) string {
			if retOf(e) != -2 || !strings.Contains(e.Raw, `"error":"ENOENT"`) {
				return "not ENOENT"
			}
			return ""
		}},
		{"file_open", "path", "/tmp/w/sub/b.txt", created},
		{"file_write", "path", "/tmp/w/sub/b.txt", bytesIs(3)},
		{"file_rename", "oldpath", "/tmp/w/sub/b.txt", func(e *Event) string {
			if argStr(e, "newpath") != "/tmp/w/sub/c.txt" || retOf(e) != 0 {
				return "newpath " + argStr(e, "newpath")
			}
			return ""
		}},
		{"file_unlink", "path", "/tmp/w/sub/c.txt", ok},
		{"file_open", "path", "/tmp/w/sub/d.txt", created},
		{"file_unlink", "path", "/tmp/w/sub/d.txt", ok},
		{"file_rename", "oldpath", "/tmp/w/a.txt", func(e *Event) string {
			if argStr(e, "newpath") != "/tmp/w/e.txt" {
				return "newpath " + argStr(e, "newpath")
			}
			return ""
		}},
		{"file_chmod", "path", "/tmp/w/e.txt", func(e *Event) string {
			if argStr(e, "mode") != "0600" || retOf(e) != 0 {
				return "mode " + argStr(e, "mode")
			}
			return ""
		}},
		{"file_unlink", "path", "/tmp/w/e.txt", ok},
		{"file_write", "path", "/shared/data.txt", bytesIs(7)},
	}
	match := func(evs []Event, w want) (*Event, string) {
		why := "no such event"
		for i := range evs {
			e := &evs[i]
			if e.Container.ID != writerID || e.Event != w.event || argStr(e, w.key) != w.path {
				continue
			}
			if why = w.check(e); why == "" {
				return e, ""
			}
		}
		return nil, why
	}
	isSharedRead := func(e *Event) bool {
		return e.Container.ID == readerID && e.Event == "file_open" && argStr(e, "path") == "/vol/data.txt"
	}
	evs := c.waitFor(t, eventDeadline, "the file events of "+writer+" and the reader's open of /vol/data.txt", func(evs []Event) bool {
		for _, w := range wants {
			if e, _ := match(evs, w); e == nil {
				return false
			}
		}
		for i := range evs {
			if isSharedRead(&evs[i]) {
				return true
			}
		}
		return false
	})
	for _, w := range wants {
		if _, why := match(evs, w); why != "" {
			t.Errorf("%s %s=%s: %s", w.event, w.key, w.path, why)
		}
	}
	// The volume names both containers, on both sides.
	for i := range evs {
		e := &evs[i]
		if isSharedRead(e) || (e.Container.ID == writerID && argStr(e, "path") == "/shared/data.txt") {
			names := strings.Join(sharedNames(e), ",")
			if !strings.Contains(names, reader) || !strings.Contains(names, writer) {
				t.Errorf("%s of %s: shared containers %q, want %s and %s: %s", e.Event, argStr(e, "path"), names, reader, writer, clip(e.Raw, 600))
			}
		}
		if e.Syscall && (e.Container.ID == writerID || e.Container.ID == readerID) {
			t.Errorf("--set file printed a syscall event (needed only internally): %s", clip(e.Raw, 300))
		}
	}
	_, _, stderr, _ := c.snapshot()
	if !strings.Contains(strings.Join(stderr, "\n"), "file events derived from syscalls") && !regexp.MustCompile(`file events from (fentry|lsm|kprobe)`).MatchString(strings.Join(stderr, "\n")) {
		t.Errorf("the ready line does not say where file events come from:\n%s", strings.Join(stderr, "\n"))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func jsonUnmarshal(line string, v any) error { return json.Unmarshal([]byte(line), v) }

// addrPort returns the port of a sockaddr argument (0 if none).
func addrPort(e *Event, name string) int64 {
	m, ok := e.Args[name].(map[string]any)
	if !ok {
		return 0
	}
	n, _ := m["port"].(json.Number).Int64()
	return n
}

func argNum(e *Event, name string) int64 { n, _ := e.ArgInt(name); return n }

func mustDocker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := dockerCmd(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Two containers on a network the test creates: the connect event names
// both containers and the port, the close events carry the bytes sent,
// `ctrace net --graph dot` has the edge, and a container talking to
// itself over 127.0.0.1 is loopback.
func TestNetBetweenContainers(t *testing.T) {
	bin := requireEnv(t)
	network := dockerResource(t, "network", "--internal")
	c := startCtrace(t, "--set", "net_conn")

	server := containerName(t) + "-s"
	startContainer(t, server, []string{"run", "-d", "--pull=never", "--network", network, "--name", server, testImage,
		// Its stdin stays open for a while: busybox nc shuts its sending side
		// at stdin EOF, and the client stops sending when it sees that.
		"sh", "-c", "sleep 3 | nc -l -p 7000 > /tmp/got; wc -c < /tmp/got"}, "server")
	waitContainerRunning(t, server, dockerDeadline)
	serverIP := strings.TrimSpace(mustDocker(t, "inspect", "--format", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", server))
	serverID := inspectID(t, server)
	// The server's listening socket is reported when it listens.
	c.waitFor(t, eventDeadline, "tcp_listen on port 7000 in "+server, func(evs []Event) bool {
		for i := range evs {
			if evs[i].Container.ID == serverID && evs[i].Event == "tcp_listen" && addrPort(&evs[i], "local") == 7000 {
				return true
			}
		}
		return false
	})

	client := containerName(t) + "-c"
	startContainer(t, client, []string{"run", "-d", "--pull=never", "--network", network, "--name", client, testImage,
		"sh", "-c", "head -c 4321 /dev/zero | nc " + serverIP + " 7000; " +
			"nc -l -p 7001 >/dev/null & sleep 0.5; echo hi | nc 127.0.0.1 7001; wait"}, "client")
	if code := waitContainerExit(t, client, dockerDeadline); code != 0 {
		t.Fatalf("client exited with %d", code)
	}
	clientID := inspectID(t, client)
	waitContainerExit(t, server, dockerDeadline)
	if got := strings.TrimSpace(mustDocker(t, "logs", server)); got != "4321" {
		t.Fatalf("the server received %q bytes, want 4321 (the workload, not ctrace, failed)", got)
	}

	peerIs := func(e *Event, kind, id string) bool {
		var raw struct {
			Peer *struct{ Kind, ID, Name string } `json:"peer"`
		}
		if jsonUnmarshal(e.Raw, &raw) != nil || raw.Peer == nil {
			return false
		}
		return raw.Peer.Kind == kind && raw.Peer.ID == id
	}
	find := func(evs []Event, f func(*Event) bool) *Event {
		for i := range evs {
			if f(&evs[i]) {
				return &evs[i]
			}
		}
		return nil
	}
	connect := func(e *Event) bool {
		return e.Container.ID == clientID && e.Event == "tcp_connect" && addrPort(e, "remote") == 7000 && retOf(e) == 0
	}
	accept := func(e *Event) bool {
		return e.Container.ID == serverID && e.Event == "tcp_accept" && addrPort(e, "local") == 7000
	}
	clientClose := func(e *Event) bool {
		return e.Container.ID == clientID && e.Event == "tcp_close" && addrPort(e, "remote") == 7000
	}
	serverClose := func(e *Event) bool {
		return e.Container.ID == serverID && e.Event == "tcp_close" && addrPort(e, "local") == 7000
	}
	loop := func(e *Event) bool {
		return e.Container.ID == clientID && e.Event == "tcp_connect" && addrPort(e, "remote") == 7001
	}
	evs := c.waitFor(t, eventDeadline, "connect, accept and both closes between "+client+" and "+server+", and the loopback connect",
		func(evs []Event) bool {
			for _, f := range []func(*Event) bool{connect, accept, clientClose, serverClose, loop} {
				if find(evs, f) == nil {
					return false
				}
			}
			return true
		})
	if e := find(evs, connect); !peerIs(e, "container", serverID) || !strings.Contains(e.Raw, `"name":"`+server+`"`) {
		t.Errorf("connect does not name the server container %s: %s", server, e.Raw)
	}
	if e := find(evs, accept); !peerIs(e, "container", clientID) || !strings.Contains(e.Raw, `"name":"`+client+`"`) {
		t.Errorf("accept does not name the client container %s: %s", client, e.Raw)
	}
	if e := find(evs, clientClose); argNum(e, "bytes_sent") != 4321 || argStr(e, "role") != "client" || argNum(e, "duration_ns") <= 0 {
		t.Errorf("client close: want bytes_sent 4321, role client, a duration: %s", e.Raw)
	}
	if e := find(evs, serverClose); argNum(e, "bytes_received") != 4321 || argStr(e, "role") != "server" {
		t.Errorf("server close: want bytes_received 4321, role server: %s", e.Raw)
	}
	if e := find(evs, loop); !peerIs(e, "loopback", clientID) {
		t.Errorf("connect to 127.0.0.1 inside %s is not marked loopback of itself: %s", client, e.Raw)
	}

	// Replay what was printed through `ctrace net`.
	_, stdout, _, _ := c.snapshot()
	trace := filepath.Join(t.TempDir(), "events.json")
	if err := os.WriteFile(trace, []byte(strings.Join(stdout, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "net", "--from", trace, "--graph", "dot").CombinedOutput()
	if err != nil {
		t.Fatalf("ctrace net --graph dot: %v\n%s", err, out)
	}
	edge := `"container:` + clientID + `" -> "container:` + serverID + `" [label="tcp/7000: 1 conn, 4.3 kB"]`
	if !strings.Contains(string(out), edge) {
		t.Errorf("ctrace net --graph dot lacks the edge %s:\n%s", edge, out)
	}
	self := `"container:` + clientID + `" -> "container:` + clientID + `"`
	if !strings.Contains(string(out), self) || !strings.Contains(string(out), "tcp/7001: 1 conn") {
		t.Errorf("ctrace net --graph dot lacks the loopback edge:\n%s", out)
	}
	table, err := exec.Command(bin, "net", "--from", trace).CombinedOutput()
	if err != nil || !regexp.MustCompile(regexp.QuoteMeta(client)+`\s+`+regexp.QuoteMeta(server)+`\s+7000\s+tcp\s+1\s+0\s+4321`).Match(table) {
		t.Errorf("ctrace net table lacks %s -> %s tcp/7000 1 conn 4321 bytes (%v):\n%s", client, server, err, table)
	}
	svg := filepath.Join(t.TempDir(), "net.svg")
	if out, err := exec.Command(bin, "net", "--from", trace, "--graph", "svg", svg).CombinedOutput(); err != nil {
		t.Errorf("ctrace net --graph svg: %v\n%s", err, out)
	} else if data, _ := os.ReadFile(svg); !strings.HasPrefix(string(data), "<svg") || !strings.Contains(string(data), server) {
		t.Errorf("svg lacks the server's node")
	}
}

// `ctrace version --features` lists every optional hook and where file
// events come from; on a kernel without kprobes, fentry and BPF LSM (this
// machine) that is the syscalls.
func TestVersionFeatures(t *testing.T) {
	bin := requireEnv(t)
	out, err := exec.Command(bin, "version", "--features").CombinedOutput()
	if err != nil {
		t.Fatalf("ctrace version --features: %v\n%s", err, out)
	}
	text := string(out)
	for _, hook := range []string{"inet_sock_set_state", "sock_send_length", "cgroup/sendmsg4", "fentry/security_file_open", "lsm/file_open", "kprobe/security_file_open", "fexit/vfs_read", "kprobe+kretprobe/vfs_write"} {
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(hook) + `\s+\S+\s+(loaded|unavailable: .+)$`)
		if !re.MatchString(text) {
			t.Errorf("no status line for hook %s:\n%s", hook, text)
		}
	}
	anyFileHook := regexp.MustCompile(`(?m)^(fentry|fexit|lsm|kprobe)\S*\s+\S+\s+loaded$`).MatchString(text)
	derived := strings.Contains(text, "file events derived from syscalls")
	if anyFileHook == derived {
		t.Errorf("file source line disagrees with the hooks (a file hook loaded: %v):\n%s", anyFileHook, text)
	}
	if !anyFileHook {
		t.Logf("no VFS/LSM hook loads on this kernel: file events are derived from syscalls")
	}
}
