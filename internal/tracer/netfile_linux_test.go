package tracer

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/features"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/filesource"
	"github.com/ctrace-dev/ctrace/internal/privtest"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

// startNetTraced loads the tracer with the network hooks and no syscall
// events, and creates a cgroup (v2) marked as a container. compat forces
// the kernel side's compat variant (the owner's header read with probe reads).
func startNetTraced(t *testing.T, fallback NetOptions, compat bool) *traced {
	t.Helper()
	privtest.Require(t)
	h := testHierarchy(t, 2)
	root := h.Mount
	mode, err := CgroupModeFor(2, h.Controller)
	if err != nil {
		t.Fatal(err)
	}
	cat := events.NewCatalog(syscalls.Native())
	opts := DefaultOptions()
	opts.Cgroups = mode
	opts.RingBufferBytes = 8 << 20
	opts.PollInterval = 20 * time.Millisecond
	none := events.CaptureOptions{Enabled: func(*events.Def) bool { return false }}
	opts.Syscalls = cat.KernelConf(none)
	opts.Lifecycle = 0
	opts.Net = fallback
	opts.Net.Enabled, opts.Net.UDPInterval = true, time.Hour
	opts.Compat = compat
	opts.Logf = t.Logf
	tr, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	for _, h := range []string{"inet_sock_set_state", "tcp_destroy_sock", "sock_send_length", "sock_recv_length"} {
		if err := tr.Skipped[h]; err != nil {
			t.Fatalf("network hook %s not attached: %v", h, err)
		}
	}
	return traceNewCgroup(t, tr, cat, root, "ctrace-nettest")
}

func busybox(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/bin/busybox", "/usr/bin/busybox"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Skip("no busybox on this host (test/setup.sh installs busybox-static)")
	return ""
}

func port(s seen, param string) int {
	if len(s.strs[param]) != 1 {
		return -1
	}
	sa, ok := events.DecodeSockaddr([]byte(s.strs[param][0]))
	if !ok {
		return -1
	}
	return int(sa.Port)
}

// TCP over loopback inside a traced cgroup: listen, connect, accept, both
// closes with the bytes the workload moved (counted at the length
// tracepoints, and from the tcp_sock counters as on kernels before 6.3), a
// refused connect, a connected UDP socket's peer (nslookup) and an
// unconnected one's (tftp: sendto, seen by the cgroup sendmsg4 hook) once
// per interval although it sends many datagrams.
func TestNetEventsLoopback(t *testing.T) {
	t.Run("length tracepoints, close at destroy", func(t *testing.T) { testNetEventsLoopback(t, NetOptions{}, false) })
	t.Run("tcp_sock counters", func(t *testing.T) { testNetEventsLoopback(t, NetOptions{tcpCounters: true}, false) })
	t.Run("close at TCP_CLOSE", func(t *testing.T) { testNetEventsLoopback(t, NetOptions{closeAtState: true}, false) })
	t.Run("compat variant", func(t *testing.T) { testNetEventsLoopback(t, NetOptions{}, true) })
}

func testNetEventsLoopback(t *testing.T, fallback NetOptions, compat bool) {
	x := startNetTraced(t, fallback, compat)
	bb := busybox(t)
	p := 20000 + os.Getpid()%20000
	// The first line is what runInCgroup chains to joining the cgroup.
	// The server's stdin stays open: busybox nc stops sending once its
	// peer shuts down. nslookup queries over a connected UDP socket.
	script := fmt.Sprintf(`:
%[1]s sleep 2 | %[1]s nc -l -p %[2]d >/dev/null &
%[1]s sleep 0.3
%[1]s head -c 3000 /dev/zero | %[1]s nc 127.0.0.1 %[2]d
%[1]s nc 127.0.0.1 1 </dev/null
%[1]s timeout 2 %[1]s nslookup -port=%[3]d ctrace.test 127.0.0.1
%[1]s timeout 1 %[1]s tftp -g -r x -l /dev/null 127.0.0.1 %[4]d
wait`, bb, p, p+1, p+2)
	x.runInCgroup(t, script)
	// Containers started meanwhile (other tests) are traced as candidates
	// too: only the test cgroup's events count.
	is := func(name string, param string, want int) func(seen) bool {
		return func(e seen) bool { return e.cgid == x.cgid && e.name == name && port(e, param) == want }
	}
	listen, connect, accept := is("tcp_listen", "local", p), is("tcp_connect", "remote", p), is("tcp_accept", "local", p)
	refused := is("tcp_connect", "remote", 1)
	clientClose, serverClose := is("tcp_close", "remote", p), is("tcp_close", "local", p)
	udp := is("udp_send", "remote", p+1)
	unconnected := is("udp_send", "remote", p+2)
	evs := x.collect(t, 30*time.Second, func(evs []seen) bool {
		if os.Getenv("CTRACE_DEBUG_NET") != "" {
			for _, e := range evs {
				t.Logf("%s %v %v %d", e.name, e.strs, e.vals, e.retval)
			}
		}
		for _, f := range []func(seen) bool{listen, connect, accept, refused, clientClose, serverClose, udp, unconnected} {
			if _, ok := find(evs, f); !ok {
				return false
			}
		}
		return true
	})
	if e, _ := find(evs, connect); e.retval != 0 || e.vals["netns"] == 0 {
		t.Errorf("connect retval %d netns %d", e.retval, e.vals["netns"])
	}
	if e, _ := find(evs, refused); e.retval != -111 {
		t.Errorf("refused connect retval %d, want -111 (ECONNREFUSED)", e.retval)
	}
	c, _ := find(evs, clientClose)
	if c.vals["bytes_sent"] != 3000 || c.strs["role"][0] != "client" || c.vals["duration_ns"] == 0 {
		t.Errorf("client close: sent %d role %v duration %d, want 3000, client, > 0", c.vals["bytes_sent"], c.strs["role"], c.vals["duration_ns"])
	}
	if port(c, "local") == 0 {
		t.Error("client close lost its local port")
	}
	s, _ := find(evs, serverClose)
	if s.vals["bytes_received"] != 3000 || s.strs["role"][0] != "server" {
		t.Errorf("server close: received %d role %v, want 3000, server", s.vals["bytes_received"], s.strs["role"])
	}
	n := 0
	for _, e := range evs {
		if unconnected(e) {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d udp_send records for one peer of tftp within the interval, want 1", n)
	}
	// The accepted socket is owned by the listener's process, not by the
	// client that ran the softirq.
	l, _ := find(evs, listen)
	a, _ := find(evs, accept)
	if a.pid != l.pid || c.pid == l.pid {
		t.Errorf("accept attributed to pid %d, listener is %d, client %d", a.pid, l.pid, c.pid)
	}
}

// Every program the file-source table names exists in the hooks object; the
// kprobe variants pass this kernel's verifier even where kprobes cannot
// attach (fentry and LSM programs are refused here before verification),
// in both kernel-side variants, and so do the cgroup sock_addr programs.
func TestFileHookPrograms(t *testing.T) {
	privtest.Require(t)
	t.Run("fast", func(t *testing.T) { testFileHookPrograms(t, false) })
	t.Run("compat", func(t *testing.T) { testFileHookPrograms(t, true) })
}

func testFileHookPrograms(t *testing.T, compat bool) {
	spec, err := bpf.LoadHooks()
	if err != nil {
		t.Fatal(err)
	}
	opts := DefaultOptions()
	opts.RingBufferBytes = 1 << 20
	opts.Compat = compat
	tr, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	t.Logf("kernel side: %s", tr.Variant)
	ld, err := tr.hooksLoader(opts)
	if err != nil {
		t.Fatal(err)
	}
	kprobes := features.HaveProgramType(ebpf.Kprobe) == nil
	t.Logf("kprobe programs verified: %v", kprobes)
	for _, ev := range filesource.HookEvents() {
		for _, h := range filesource.Hooks[ev] {
			for _, p := range h.Progs {
				if _, ok := spec.Programs[p.Name]; !ok {
					t.Errorf("%s: program %s missing from the hooks object", h.Name(), p.Name)
					continue
				}
				if h.Source != filesource.Kprobe || !kprobes {
					continue
				}
				prog, err := ld.load(p.Name)
				if err != nil {
					t.Errorf("%s does not load: %v", p.Name, err)
					continue
				}
				prog.Close()
			}
		}
	}
	for _, h := range udpHooks {
		prog, err := ld.load(h.prog)
		if err != nil {
			t.Errorf("%s does not load: %v", h.prog, err)
			continue
		}
		prog.Close()
	}
}

func TestCgroup2Mount(t *testing.T) {
	dir := t.TempDir()
	mi := filepath.Join(dir, "mountinfo")
	os.WriteFile(mi, []byte("30 1 0:26 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw\n31 1 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"), 0o644)
	if got := cgroup2Mount(mi); got != "/sys/fs/cgroup/unified" {
		t.Errorf("cgroup2Mount = %q", got)
	}
	os.WriteFile(mi, []byte("31 1 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"), 0o644)
	if got := cgroup2Mount(mi); got != "" {
		t.Errorf("cgroup2Mount without cgroup2 = %q", got)
	}
}
