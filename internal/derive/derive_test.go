package derive

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/fdtable"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

var cat = events.NewCatalog(syscalls.X86_64)

const cwdFd = uint64(0xffffffffffffff9c) // AT_FDCWD

func call(pid uint32, name string, ret int64, vals ...uint64) *events.Event {
	d, ok := cat.ByName(name)
	if !ok {
		panic(name)
	}
	ev := &events.Event{Def: d, PID: pid, TID: pid, Retval: ret, TimeNS: 1}
	copy(ev.Vals[:], vals)
	return ev
}

func str(ev *events.Event, param uint8, s string) *events.Event {
	ev.Strs = append(ev.Strs, events.Str{Param: param, Value: []byte(s)})
	return ev
}

func lifecycle(id events.ID, pid uint32, vals ...uint64) *events.Event {
	d, _ := cat.ByID(id)
	ev := &events.Event{Def: d, PID: pid, TID: pid}
	copy(ev.Vals[:], vals)
	return ev
}

// got is a derived event, copied out of the deriver's reused Event.
type got struct {
	name   string
	strs   map[string]string
	vals   map[string]uint64
	retval int64
}

// rig runs events through a Deriver and an fd table in session order:
// derive before the fd table applies the event.
type rig struct {
	fds *fdtable.Table
	d   *Deriver
	out []got
}

func newRig(t *testing.T, agg time.Duration) *rig {
	proc := t.TempDir() // empty /proc: nothing is known beforehand
	r := &rig{fds: fdtable.New(proc)}
	r.d = New(cat, r.fds.Lookup, Options{Enabled: func(d *events.Def) bool { return Derivable(d.ID) }, Aggregate: agg, ProcRoot: proc})
	r.fds.SetCwd(r.d.Cwd().Get)
	return r
}

func (r *rig) emit(ev *events.Event, _ *containers.Container) error {
	g := got{name: ev.Def.Name, strs: map[string]string{}, vals: map[string]uint64{}, retval: ev.Retval}
	for i, p := range ev.Def.Params {
		g.vals[p.Name] = ev.Vals[i]
	}
	for _, s := range ev.Strs {
		g.strs[ev.Def.Params[s.Param].Name] = string(s.Value)
	}
	r.out = append(r.out, g)
	return nil
}

func (r *rig) feed(t *testing.T, evs ...*events.Event) {
	t.Helper()
	for _, ev := range evs {
		if err := r.d.Observe(ev, nil, r.emit); err != nil {
			t.Fatal(err)
		}
		r.fds.Observe(ev)
	}
}

func (r *rig) names() string {
	var n []string
	for _, g := range r.out {
		n = append(n, g.name)
	}
	return strings.Join(n, ",")
}

func TestPathsAfterChdirAndDirfds(t *testing.T) {
	r := newRig(t, 0)
	const pid = 7
	r.feed(t,
		str(call(pid, "chdir", 0), 0, "/data"),
		str(call(pid, "openat", 3, cwdFd, 0, 0x241, 0o644), 1, "out/a.txt"),                  // relative to cwd
		call(pid, "write", 5, 3, 0, 5),                                                       // by fd
		str(call(pid, "openat", 4, cwdFd, 0, 0x10000), 1, "../etc"),                          // a directory fd
		str(call(pid, "openat", 5, 4, 0, 0), 1, "hostname"),                                  // relative to dirfd 4
		call(pid, "read", 12, 5, 0, 4096),                                                    //
		str(str(call(pid, "renameat2", 0, 4, 0, cwdFd, 0, 1), 1, "passwd"), 3, "x/../y.txt"), // old via dirfd, new via cwd, RENAME_NOREPLACE
		str(call(pid, "unlinkat", 0, cwdFd, 0, 0x200), 1, "out"),                             // AT_REMOVEDIR
		call(pid, "fchdir", 0, 4),                                                            // cd to dirfd 4 (/etc)
		str(call(pid, "open", 6, 0, 0, 0), 0, "group"),                                       // relative to the new cwd
		str(call(pid, "chmod", -13, 0, 0o600), 0, "./shadow"),                                // EACCES
		call(pid, "fchown", 0, 5, 1000, 1000),                                                //
		str(call(pid, "execve", 0, 0, 0, 0), 0, "../bin/sh"),                                 //
	)
	want := []struct {
		name, key, path string
		retval          int64
	}{
		{"file_open", "path", "/data/out/a.txt", 3},
		{"file_write", "path", "/data/out/a.txt", 5},
		{"file_open", "path", "/etc", 4},
		{"file_open", "path", "/etc/hostname", 5},
		{"file_read", "path", "/etc/hostname", 12},
		{"file_rename", "oldpath", "/etc/passwd", 0},
		{"file_unlink", "path", "/data/out", 0},
		{"file_open", "path", "/etc/group", 6},
		{"file_chmod", "path", "/etc/shadow", -13},
		{"file_chown", "path", "/etc/hostname", 0},
		{"file_exec", "path", "/bin/sh", 0},
	}
	if len(r.out) != len(want) {
		t.Fatalf("derived %d events (%s), want %d", len(r.out), r.names(), len(want))
	}
	for i, w := range want {
		g := r.out[i]
		if g.name != w.name || g.strs[w.key] != w.path || g.retval != w.retval {
			t.Errorf("event %d: %s %s=%q retval %d, want %s %s=%q retval %d", i, g.name, w.key, g.strs[w.key], g.retval, w.name, w.key, w.path, w.retval)
		}
	}
	if g := r.out[5]; g.strs["newpath"] != "/data/y.txt" || g.vals["flags"] != 1 {
		t.Errorf("rename newpath %q flags %d, want /data/y.txt and RENAME_NOREPLACE", g.strs["newpath"], g.vals["flags"])
	}
	if g := r.out[0]; g.vals["flags"] != 0x241 || g.vals["mode"] != 0o644 {
		t.Errorf("open flags %#x mode %o", g.vals["flags"], g.vals["mode"])
	}
	if g := r.out[1]; g.vals["bytes"] != 5 || g.vals["count"] != 1 || g.vals["fd"] != 3 {
		t.Errorf("write bytes %d count %d fd %d, want 5 1 3", g.vals["bytes"], g.vals["count"], g.vals["fd"])
	}
	if g := r.out[6]; g.vals["flags"] != 0x200 {
		t.Errorf("unlinkat flags %#x, want AT_REMOVEDIR", g.vals["flags"])
	}
	if g := r.out[9]; g.vals["uid"] != 1000 || g.vals["gid"] != 1000 {
		t.Errorf("fchown uid/gid %d/%d", g.vals["uid"], g.vals["gid"])
	}
	// The fd table, told the cwd, records relative opens by absolute path.
	ev := call(pid, "read", 0, 3)
	r.fds.Annotate(ev)
	if ev.FdDesc[0] != "/data/out/a.txt" {
		t.Errorf("fd 3 described as %q, want /data/out/a.txt", ev.FdDesc[0])
	}
}

func TestCwdInheritedByChildAndReadFromProc(t *testing.T) {
	proc := t.TempDir()
	if err := os.MkdirAll(filepath.Join(proc, "50"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/srv/app", filepath.Join(proc, "50", "cwd")); err != nil {
		t.Fatal(err)
	}
	fds := fdtable.New(proc)
	d := New(cat, fds.Lookup, Options{Enabled: func(*events.Def) bool { return true }, ProcRoot: proc})
	var paths []string
	emit := func(ev *events.Event, _ *containers.Container) error {
		paths = append(paths, string(ev.Str(0)))
		return nil
	}
	for _, ev := range []*events.Event{
		str(call(50, "openat", 3, cwdFd, 0, 0), 1, "config.yml"),      // cwd from /proc
		lifecycle(events.IDProcessFork, 50, 51, 51),                   // a child process
		str(call(50, "chdir", 0), 0, "/tmp"),                          // the parent moves
		str(call(51, "openat", 3, cwdFd, 0, 0), 1, "log/app.log"),     // the child did not
		str(call(51, "openat", -2, cwdFd, 0, 0), 1, "/a//b/../c"),     // absolute, cleaned; failed
		str(call(52, "openat", 3, cwdFd, 0, 0), 1, "unknown-cwd.txt"), // no /proc entry: as given
	} {
		if err := d.Observe(ev, nil, emit); err != nil {
			t.Fatal(err)
		}
		fds.Observe(ev)
	}
	want := []string{"/srv/app/config.yml", "/srv/app/log/app.log", "/a/c", "unknown-cwd.txt"}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Errorf("paths %q, want %q", paths, want)
	}
}

func TestOnlyFilesAndUnixSockets(t *testing.T) {
	r := newRig(t, 0)
	const pid = 9
	unix := make([]byte, 2+len("/run/app.sock")+1)
	binary.LittleEndian.PutUint16(unix, 1)
	copy(unix[2:], "/run/app.sock")
	inet := make([]byte, 16)
	binary.LittleEndian.PutUint16(inet, 2)
	r.feed(t,
		call(pid, "pipe2", 0, 0, 0), // no fds captured: unknown
		call(pid, "socket", 3, 1, 1, 0),
		str(call(pid, "connect", 0, 3, 0, uint64(len(unix))), 1, string(unix)),
		call(pid, "write", 4, 3, 0, 4), // a socket: no file_write
		call(pid, "socket", 4, 2, 1, 0),
		str(call(pid, "connect", -111, 4, 0, 16), 1, string(inet)), // AF_INET: no unix_connect
		call(pid, "read", 10, 77, 0, 10),                           // unknown descriptor
	)
	if r.names() != "unix_connect" {
		t.Fatalf("derived %q, want only unix_connect", r.names())
	}
	if g := r.out[0]; g.strs["path"] != "/run/app.sock" || g.vals["fd"] != 3 || g.retval != 0 {
		t.Errorf("unix_connect %+v", g)
	}
}

func TestEnabledSelectsEvents(t *testing.T) {
	fds := fdtable.New(t.TempDir())
	open, _ := cat.ByName("file_open")
	d := New(cat, fds.Lookup, Options{Enabled: func(def *events.Def) bool { return def == open }, ProcRoot: t.TempDir()})
	n := 0
	emit := func(ev *events.Event, _ *containers.Container) error { n++; return nil }
	for _, ev := range []*events.Event{
		str(call(1, "open", 3, 0, 0, 0), 0, "/x"),
		call(1, "read", 3, 3, 0, 3),
		str(call(1, "unlink", 0), 0, "/x"),
	} {
		d.Observe(ev, nil, emit)
		fds.Observe(ev)
	}
	if n != 1 {
		t.Errorf("%d events derived with only file_open enabled, want 1", n)
	}
}

func TestAggregate(t *testing.T) {
	r := newRig(t, time.Second)
	const pid = 4
	at := func(ev *events.Event, ns int64) *events.Event { ev.TimeNS = ns; return ev }
	r.feed(t,
		at(str(call(pid, "openat", 3, cwdFd, 0, 0), 1, "/big"), 0),
		at(call(pid, "read", 100, 3, 0, 100), 10),
		at(call(pid, "read", 100, 3, 0, 100), 20),
		at(call(pid, "read", 50, 3, 0, 100), 30),
		at(call(pid, "write", 7, 1, 0, 7), 40), // fd 1 unknown (not a file): nothing
		at(call(pid, "close", 0, 3), 50),       // ends the aggregate
		at(str(call(pid, "openat", 3, cwdFd, 0, 0), 1, "/log"), 60),
		at(call(pid, "write", 10, 3, 0, 10), 70),
		at(call(pid, "write", 10, 3, 0, 10), int64(time.Second)+71), // past the window: a new aggregate
	)
	if r.names() != "file_open,file_read,file_open,file_write" {
		t.Fatalf("before flush: %s", r.names())
	}
	if g := r.out[1]; g.vals["count"] != 3 || g.vals["bytes"] != 250 || g.strs["path"] != "/big" {
		t.Errorf("folded read: count %d bytes %d path %q, want 3, 250, /big", g.vals["count"], g.vals["bytes"], g.strs["path"])
	}
	if err := r.d.Flush(r.emit); err != nil {
		t.Fatal(err)
	}
	if r.names() != "file_open,file_read,file_open,file_write,file_write" {
		t.Fatalf("after flush: %s", r.names())
	}
	if g := r.out[4]; g.vals["count"] != 1 || g.vals["bytes"] != 10 {
		t.Errorf("last write count %d bytes %d", g.vals["count"], g.vals["bytes"])
	}
}

func TestTickFlushesOldAggregates(t *testing.T) {
	r := newRig(t, time.Second)
	r.feed(t, str(call(1, "openat", 3, cwdFd, 0, 0), 1, "/f"), call(1, "read", 1, 3, 0, 1))
	r.d.Tick(int64(time.Second)/2, r.emit)
	if r.names() != "file_open" {
		t.Fatalf("tick inside the window emitted: %s", r.names())
	}
	r.d.Tick(int64(2*time.Second), r.emit)
	if r.names() != "file_open,file_read" {
		t.Fatalf("tick after the window: %s", r.names())
	}
}

func TestNeeds(t *testing.T) {
	derivedAll := Needs(cat, func(d *events.Def) bool { return Derivable(d.ID) })
	for _, n := range []string{"openat", "read", "write", "close", "dup2", "chdir", "fchdir", "renameat2", "execve", "connect"} {
		d, _ := cat.ByName(n)
		if !derivedAll(d) {
			t.Errorf("%s not needed for derived file events", n)
		}
	}
	fork, _ := cat.ByID(events.IDProcessFork)
	if !derivedAll(fork) {
		t.Error("sched_process_fork not needed (the tables copy fds and cwd to children)")
	}
	for _, n := range []string{"mmap", "futex", "getpid"} {
		d, _ := cat.ByName(n)
		if derivedAll(d) {
			t.Errorf("%s needed, but no derived event uses it", n)
		}
	}
	unixOnly := Needs(cat, func(d *events.Def) bool { return d.ID == events.IDUnixConnect })
	conn, _ := cat.ByName("connect")
	read, _ := cat.ByName("read")
	if !unixOnly(conn) || unixOnly(read) || unixOnly(fork) {
		t.Error("unix_connect alone needs connect only")
	}
	none := Needs(cat, func(*events.Def) bool { return false })
	if none(conn) || none(fork) {
		t.Error("nothing derived, yet something needed")
	}
}

func BenchmarkDeriveRead(b *testing.B) {
	fds := fdtable.New(b.TempDir())
	d := New(cat, fds.Lookup, Options{Enabled: func(*events.Def) bool { return true }, ProcRoot: b.TempDir()})
	open := str(call(3, "openat", 5, cwdFd, 0, 0), 1, "/usr/lib/x86_64-linux-gnu/libc.so.6")
	fds.Observe(open)
	read := call(3, "read", 4096, 5, 0, 4096)
	emit := func(*events.Event, *containers.Container) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		d.Observe(read, nil, emit)
	}
}

func BenchmarkDeriveOpenRelative(b *testing.B) {
	fds := fdtable.New(b.TempDir())
	d := New(cat, fds.Lookup, Options{Enabled: func(*events.Def) bool { return true }, ProcRoot: b.TempDir()})
	d.Observe(str(call(3, "chdir", 0), 0, "/data/1"), nil, func(*events.Event, *containers.Container) error { return nil })
	open := str(call(3, "openat", 5, cwdFd, 0, 0), 1, "file.txt")
	emit := func(*events.Event, *containers.Container) error { return nil }
	b.ReportAllocs()
	for b.Loop() {
		d.Observe(open, nil, emit)
	}
}
