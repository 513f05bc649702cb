package fdtable

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"

	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

var cat = events.NewCatalog(syscalls.X86_64)

// call builds a syscall event of pid with the given values and return value.
func call(pid uint32, name string, ret int64, vals ...uint64) *events.Event {
	d, ok := cat.ByName(name)
	if !ok {
		panic(name)
	}
	ev := &events.Event{Def: d, PID: pid, TID: pid, Retval: ret}
	copy(ev.Vals[:], vals)
	return ev
}

func withStr(ev *events.Event, param uint8, s string) *events.Event {
	ev.Strs = append(ev.Strs, events.Str{Param: param, Value: []byte(s)})
	return ev
}

func lifecycle(id events.ID, pid uint32, vals ...uint64) *events.Event {
	d, _ := cat.ByID(id)
	ev := &events.Event{Def: d, PID: pid, TID: pid}
	copy(ev.Vals[:], vals)
	return ev
}

func inet(port uint16, ip [4]byte) string {
	b := make([]byte, 16)
	binary.LittleEndian.PutUint16(b, 2)
	binary.BigEndian.PutUint16(b[2:], port)
	copy(b[4:], ip[:])
	return string(b)
}

func desc(t *testing.T, tab *Table, pid uint32, name string, vals ...uint64) string {
	t.Helper()
	ev := call(pid, name, 0, vals...)
	tab.Annotate(ev)
	return ev.FdDesc[0]
}

func TestLifecycleOfDescriptors(t *testing.T) {
	tab := New(t.TempDir()) // empty /proc: nothing known beforehand
	const pid = 10
	steps := []*events.Event{
		withStr(call(pid, "openat", 3, uint64(0xffffffffffffff9c), 0, 0x80000), 1, "/etc/hostname"),
		withStr(call(pid, "openat", 4, uint64(0xffffffffffffff9c), 0, 0), 1, "/var/log"),
		withStr(call(pid, "openat", 5, 4, 0, 0), 1, "app.log"), // relative to dirfd 4
		call(pid, "socket", 6, 2, 1, 0),
		withStr(call(pid, "connect", 0, 6, 0, 16), 1, inet(80, [4]byte{10, 0, 0, 2})),
		call(pid, "dup2", 1, 5, 1),
		call(pid, "fcntl", 7, 3, 1030, 0), // F_DUPFD_CLOEXEC
		call(pid, "close", 0, 4),
	}
	for _, ev := range steps {
		tab.Observe(ev)
	}
	want := map[uint64]string{3: "/etc/hostname", 5: "/var/log/app.log", 6: "socket:AF_INET -> 10.0.0.2:80", 1: "/var/log/app.log", 7: "/etc/hostname", 4: ""}
	for fd, w := range want {
		if got := desc(t, tab, pid, "read", fd); got != w {
			t.Errorf("fd %d = %q, want %q", fd, got, w)
		}
	}
	// fork copies, exec drops close-on-exec descriptors, exit forgets.
	tab.Observe(lifecycle(events.IDProcessFork, pid, 11, 11))
	tab.Observe(lifecycle(events.IDProcessExec, 11))
	if got := desc(t, tab, 11, "read", 3); got != "" {
		t.Errorf("O_CLOEXEC fd 3 survived exec: %q", got)
	}
	if got := desc(t, tab, 11, "read", 6); got != "socket:AF_INET -> 10.0.0.2:80" {
		t.Errorf("child fd 6 = %q", got)
	}
	if got := desc(t, tab, pid, "read", 3); got != "/etc/hostname" {
		t.Errorf("parent lost fd 3 after child exec: %q", got)
	}
	tab.Observe(lifecycle(events.IDProcessExit, pid, 0, 0, 1))
	if _, ok := tab.procs[pid]; ok {
		t.Error("process table kept after the leader exited")
	}
}

func TestFailedCallsChangeNothing(t *testing.T) {
	tab := New(t.TempDir())
	tab.Observe(withStr(call(1, "openat", -2, uint64(0xffffffffffffff9c), 0, 0), 1, "/missing"))
	if got := desc(t, tab, 1, "read", uint64(^uint64(1))); got != "" {
		t.Errorf("failed open recorded: %q", got)
	}
	ev := call(1, "openat", 0, uint64(0xffffffffffffff9c))
	tab.Annotate(ev)
	if ev.FdDesc[0] != "" {
		t.Errorf("dfd -100 = %q", ev.FdDesc[0])
	}
}

func TestProcFallback(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "42", "fd"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("pipe:[1234]", filepath.Join(root, "42", "fd", "1")); err != nil {
		t.Fatal(err)
	}
	tab := New(root)
	if got := desc(t, tab, 42, "write", 1); got != "pipe:[1234]" {
		t.Errorf("fallback = %q", got)
	}
	os.Remove(filepath.Join(root, "42", "fd", "1"))
	if got := desc(t, tab, 42, "write", 1); got != "pipe:[1234]" {
		t.Errorf("fallback not remembered: %q", got)
	}
}

func TestEffectsNameRealSyscalls(t *testing.T) {
	for name, eff := range effects {
		d, ok := cat.ByName(name)
		if !ok {
			t.Errorf("effects lists unknown syscall %s", name)
			continue
		}
		idx := []int{eff.flagArg}
		if eff.kind == effOpen {
			idx = append(idx, eff.pathArg, eff.dirArg)
		}
		for _, i := range idx {
			if i >= len(d.Params) {
				t.Errorf("%s: parameter index %d out of range", name, i)
			}
		}
		if eff.kind == effOpen && d.Params[eff.pathArg].Type != events.TypeStr {
			t.Errorf("%s: path parameter %s is not a string", name, d.Params[eff.pathArg].Name)
		}
	}
}

func BenchmarkAnnotateObserveRead(b *testing.B) {
	tab := New(b.TempDir())
	tab.Observe(withStr(call(1, "openat", 3, uint64(0xffffffffffffff9c), 0, 0), 1, "/dev/zero"))
	ev := call(1, "read", 1, 3, 0x1000, 1)
	for b.Loop() {
		tab.Annotate(ev)
		tab.Observe(ev)
	}
}
