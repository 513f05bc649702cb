// Package derive turns syscall events into the file and network events of
// the catalogue that the kernel cannot give directly on this machine
// (file_open … file_exec when no VFS/LSM hook is available, unix_connect):
// a stage fed decoded events, after they are printed and before the fd
// table applies them. It resolves relative paths and *at directory
// descriptors against its own working-directory table and the fd table, and
// can fold repeated reads and writes (--aggregate). Which syscalls it needs
// is data too (Needs), so that the kernel selection enables them without
// printing them.
package derive

import (
	"path"
	"sort"
	"time"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
)

// srcKind says where one parameter of a derived event comes from.
type srcKind uint8

const (
	sZero     srcKind = iota // 0
	sArg                     // the value of syscall parameter arg
	sFixed                   // the constant val
	sPath                    // the rule's first path (resolved), as a string
	sPath2                   // the rule's second path (rename's new name)
	sBytes                   // the return value when positive (bytes transferred), else 0
	sOne                     // 1 (one call)
	sSockPath                // the AF_UNIX path of the sockaddr in syscall parameter arg
)

type src struct {
	kind srcKind
	arg  int
	val  uint64
}

// pathSpec names a path by syscall parameters: a string (arg) relative to a
// directory descriptor (dirfd; -1: the working directory), or a descriptor
// alone (fd). emptyFlag is the flags parameter whose AT_EMPTY_PATH makes
// an empty string mean the descriptor itself (-1: none).
type pathSpec struct {
	arg, dirfd, fd, emptyFlag int
}

var noPath = pathSpec{-1, -1, -1, -1}

func pathAt(arg, dirfd int) pathSpec { return pathSpec{arg, dirfd, -1, -1} }
func pathOf(arg int) pathSpec        { return pathSpec{arg, -1, -1, -1} }
func fdPath(fd int) pathSpec         { return pathSpec{-1, -1, fd, -1} }

// rule derives one event from one syscall.
type rule struct {
	event events.ID
	path  pathSpec
	path2 pathSpec
	out   [events.MaxParams]src // the derived event's parameters, by index
	// fileOnly: emit only when the path is a file (the descriptor of a read
	// or write may be a pipe or socket).
	fileOnly bool
}

const (
	oCreatWrTrunc = 0x241 // O_WRONLY|O_CREAT|O_TRUNC (creat)
	atRemoveDir   = 0x200 // AT_REMOVEDIR (rmdir)
	atEmptyPath   = 0x1000
	atFdcwd       = -100
	afUnix        = 1
)

// Rules: syscall name -> the event it yields. Data only; the parameter
// layouts are the Defs' in internal/events/netfile_defs.go.
var rules = func() map[string]rule {
	p, a, one, bytes := src{kind: sPath}, func(i int) src { return src{kind: sArg, arg: i} }, src{kind: sOne}, src{kind: sBytes}
	open := func(ps pathSpec, flags, mode src) rule {
		return rule{event: events.IDFileOpen, path: ps, path2: noPath, out: [events.MaxParams]src{p, flags, mode}}
	}
	rw := func(id events.ID) rule {
		return rule{event: id, path: fdPath(0), path2: noPath, fileOnly: true, out: [events.MaxParams]src{p, a(0), bytes, one}}
	}
	unlink := func(ps pathSpec, flags src) rule {
		return rule{event: events.IDFileUnlink, path: ps, path2: noPath, out: [events.MaxParams]src{p, flags}}
	}
	rename := func(old, nw pathSpec, flags src) rule {
		return rule{event: events.IDFileRename, path: old, path2: nw, out: [events.MaxParams]src{p, {kind: sPath2}, flags}}
	}
	chmod := func(ps pathSpec, mode int) rule {
		return rule{event: events.IDFileChmod, path: ps, path2: noPath, out: [events.MaxParams]src{p, a(mode)}}
	}
	chown := func(ps pathSpec, uid, gid int) rule {
		return rule{event: events.IDFileChown, path: ps, path2: noPath, out: [events.MaxParams]src{p, a(uid), a(gid)}}
	}
	exec := func(ps pathSpec) rule {
		return rule{event: events.IDFileExec, path: ps, path2: noPath, out: [events.MaxParams]src{p}}
	}
	withEmpty := func(ps pathSpec, fd, flags int) pathSpec { ps.fd, ps.emptyFlag = fd, flags; return ps }
	return map[string]rule{
		"open":      open(pathOf(0), a(1), a(2)),
		"openat":    open(pathAt(1, 0), a(2), a(3)),
		"openat2":   open(pathAt(1, 0), src{}, src{}), // flags are in struct open_how, not captured
		"creat":     open(pathOf(0), src{kind: sFixed, val: oCreatWrTrunc}, a(1)),
		"read":      rw(events.IDFileRead),
		"pread64":   rw(events.IDFileRead),
		"readv":     rw(events.IDFileRead),
		"preadv":    rw(events.IDFileRead),
		"preadv2":   rw(events.IDFileRead),
		"write":     rw(events.IDFileWrite),
		"pwrite64":  rw(events.IDFileWrite),
		"writev":    rw(events.IDFileWrite),
		"pwritev":   rw(events.IDFileWrite),
		"pwritev2":  rw(events.IDFileWrite),
		"unlink":    unlink(pathOf(0), src{}),
		"unlinkat":  unlink(pathAt(1, 0), a(2)),
		"rmdir":     unlink(pathOf(0), src{kind: sFixed, val: atRemoveDir}),
		"rename":    rename(pathOf(0), pathOf(1), src{}),
		"renameat":  rename(pathAt(1, 0), pathAt(3, 2), src{}),
		"renameat2": rename(pathAt(1, 0), pathAt(3, 2), a(4)),
		"chmod":     chmod(pathOf(0), 1),
		"fchmod":    chmod(fdPath(0), 1),
		"fchmodat":  chmod(pathAt(1, 0), 2),
		"fchmodat2": chmod(withEmpty(pathAt(1, 0), 0, 3), 2),
		"chown":     chown(pathOf(0), 1, 2),
		"lchown":    chown(pathOf(0), 1, 2),
		"fchown":    chown(fdPath(0), 1, 2),
		"fchownat":  chown(withEmpty(pathAt(1, 0), 0, 4), 2, 3),
		"execve":    exec(pathOf(0)),
		"execveat":  exec(withEmpty(pathAt(1, 0), 0, 4)),
		"connect": {event: events.IDUnixConnect, path: noPath, path2: noPath,
			out: [events.MaxParams]src{{kind: sSockPath, arg: 1}, a(0)}},
	}
}()

// tracking lists what the descriptor and working-directory tables follow:
// events that derive paths from descriptors or relative names need them.
var tracking = []string{
	"open", "openat", "openat2", "creat", "open_by_handle_at", "close", "close_range", "dup", "dup2", "dup3", "fcntl",
	"chdir", "fchdir", "socket", "socketpair", "pipe", "pipe2", "accept", "accept4",
}

// lifecycle events the tables follow (fork copies, exec closes CLOEXEC, exit forgets).
var lifecycleEvents = []events.ID{events.IDProcessFork, events.IDProcessExec, events.IDProcessExit}

// Needs returns the events that must reach user space (in the kernel
// selection) for the derived events wanted to be derived: their syscalls,
// and what the descriptor and directory tables follow. derived says which
// events are derived here (file events with a VFS hook are not).
func Needs(cat *events.Catalog, derived func(*events.Def) bool) func(*events.Def) bool {
	need := map[events.ID]bool{}
	usesTables := false
	for name, r := range rules {
		d, ok := cat.ByName(name)
		ev, ok2 := cat.ByID(r.event)
		if !ok || !ok2 || !derived(ev) {
			continue
		}
		need[d.ID] = true
		if r.event != events.IDUnixConnect {
			usesTables = true
		}
	}
	if usesTables {
		for _, name := range tracking {
			if d, ok := cat.ByName(name); ok {
				need[d.ID] = true
			}
		}
		for _, id := range lifecycleEvents {
			need[id] = true
		}
	}
	return func(d *events.Def) bool { return need[d.ID] }
}

// Derivable reports whether id is an event this package derives from syscalls.
func Derivable(id events.ID) bool {
	for _, r := range rules {
		if r.event == id {
			return true
		}
	}
	return false
}

// Emit receives a derived event and its container; ev is valid only during the call.
type Emit func(ev *events.Event, c *containers.Container) error

// Deriver derives events. Not safe for concurrent use.
type Deriver struct {
	cat     *events.Catalog
	byID    []*rule // rules by syscall event ID (no string lookups per event)
	cwd     *CwdTable
	fdPath  func(pid uint32, fd int32) string
	enabled func(*events.Def) bool // derived events wanted
	window  int64                  // --aggregate, ns; 0: off
	out     events.Event
	buf     []byte // path bytes of out (reused)
	aggs    map[aggKey]*agg
}

// Options configure a Deriver.
type Options struct {
	// Enabled selects the derived events wanted (those not produced by hooks).
	Enabled func(*events.Def) bool
	// Aggregate > 0 folds repeated file_read/file_write of one file by one
	// task within this window into one event with counts.
	Aggregate time.Duration
	// ProcRoot is /proc (tests use a fake).
	ProcRoot string
}

// New returns a Deriver that looks descriptors up with fdPath (the fd table).
func New(cat *events.Catalog, fdPath func(pid uint32, fd int32) string, opts Options) *Deriver {
	if opts.ProcRoot == "" {
		opts.ProcRoot = "/proc"
	}
	d := &Deriver{cat: cat, cwd: NewCwdTable(opts.ProcRoot, fdPath), fdPath: fdPath, enabled: opts.Enabled,
		window: int64(opts.Aggregate), aggs: map[aggKey]*agg{}}
	for name, r := range rules {
		if def, ok := cat.ByName(name); ok && def.Syscall {
			for int(def.ID) >= len(d.byID) {
				d.byID = append(d.byID, nil)
			}
			d.byID[def.ID] = &r
		}
	}
	d.cwd.index(cat)
	return d
}

// Cwd is the working-directory table (the fd table resolves relative opens with it).
func (d *Deriver) Cwd() *CwdTable { return d.cwd }

// Observe derives from ev (before the fd table applies it) and then applies
// ev to the working-directory table. Derived events go to emit.
func (d *Deriver) Observe(ev *events.Event, c *containers.Container, emit Emit) error {
	defer d.cwd.Observe(ev)
	if d.window > 0 {
		if err := d.flushFor(ev, emit); err != nil {
			return err
		}
	}
	if !ev.Def.Syscall || !ev.HasReturn() {
		return nil
	}
	if int(ev.Def.ID) >= len(d.byID) || d.byID[ev.Def.ID] == nil {
		return nil
	}
	r := *d.byID[ev.Def.ID]
	def, ok := d.cat.ByID(r.event)
	if !ok || !d.enabled(def) {
		return nil
	}
	out := &d.out
	*out = events.Event{Def: def, TimeNS: ev.TimeNS, CgroupID: ev.CgroupID, PID: ev.PID, TID: ev.TID, PPID: ev.PPID,
		UID: ev.UID, GID: ev.GID, Comm: ev.Comm, Retval: ev.Retval, Strs: out.Strs[:0], DataTruncated: ev.DataTruncated}
	d.buf = d.buf[:0]
	p1, ok1 := d.path(ev, r.path)
	p2, ok2 := d.path(ev, r.path2)
	for i, s := range r.out {
		if i >= len(def.Params) {
			break
		}
		switch s.kind {
		case sArg:
			out.Vals[i] = ev.Vals[s.arg]
		case sFixed:
			out.Vals[i] = s.val
		case sBytes:
			if ev.Retval > 0 {
				out.Vals[i] = uint64(ev.Retval)
			}
		case sOne:
			out.Vals[i] = 1
		case sPath, sPath2:
			v, ok := p1, ok1
			if s.kind == sPath2 {
				v, ok = p2, ok2
			}
			if !ok {
				return nil // no path at all: nothing to report
			}
			d.addStr(uint8(i), v)
		case sSockPath:
			b, ok := ev.Value(s.arg)
			if !ok {
				return nil
			}
			sa, ok := events.DecodeSockaddr(b)
			if !ok || sa.Family != afUnix {
				return nil
			}
			p := sa.Path
			if len(p) > 0 && p[0] == 0 {
				p = append([]byte{'@'}, p[1:]...)
			}
			d.addStr(uint8(i), string(p))
		}
	}
	if r.fileOnly && !path.IsAbs(p1) {
		return nil // a pipe, socket or unknown descriptor
	}
	if d.window > 0 && r.fileOnly {
		d.fold(out, c)
		return nil
	}
	return emit(out, c)
}

// addStr appends a string parameter whose bytes live in d.buf.
func (d *Deriver) addStr(i uint8, v string) {
	start := len(d.buf)
	d.buf = append(d.buf, v...)
	d.out.Strs = append(d.out.Strs, events.Str{Param: i, Value: d.buf[start:len(d.buf):len(d.buf)]})
}

// path resolves a pathSpec of ev; false when the rule has no such path or
// the kernel could not read it.
func (d *Deriver) path(ev *events.Event, ps pathSpec) (string, bool) {
	if ps.arg < 0 && ps.fd < 0 {
		return "", false
	}
	if ps.arg < 0 {
		return d.fdPath(ev.PID, int32(ev.Vals[ps.fd])), true
	}
	var s *events.Str
	for i := range ev.Strs {
		if int(ev.Strs[i].Param) == ps.arg {
			s = &ev.Strs[i]
			break
		}
	}
	if s == nil || s.Fault {
		return "", false
	}
	name := string(s.Value)
	if name == "" && ps.emptyFlag >= 0 && ev.Vals[ps.emptyFlag]&atEmptyPath != 0 {
		return d.fdPath(ev.PID, int32(ev.Vals[ps.fd])), true
	}
	base := ""
	if ps.dirfd >= 0 && int32(ev.Vals[ps.dirfd]) != atFdcwd {
		base = d.fdPath(ev.PID, int32(ev.Vals[ps.dirfd]))
		if !path.IsAbs(base) {
			if path.IsAbs(name) {
				return path.Clean(name), true
			}
			return name, true // unknown directory: the name as given
		}
	}
	return d.cwd.Resolve(ev.PID, name, base), true
}

// ---------------------------------------------------------------------------
// --aggregate

type aggKey struct {
	tid  uint32
	id   events.ID
	fd   int32
	path string
}

type agg struct {
	ev    events.Event // owns its Strs values
	c     *containers.Container
	first int64
}

func (d *Deriver) fold(ev *events.Event, c *containers.Container) {
	path := string(ev.Str(events.ParamFilePath))
	k := aggKey{tid: ev.TID, id: ev.Def.ID, fd: int32(ev.Vals[events.ParamRWFd]), path: path}
	a, ok := d.aggs[k]
	if !ok {
		a = &agg{ev: *ev, c: c, first: ev.TimeNS}
		a.ev.Comm = append([]byte(nil), ev.Comm...)
		a.ev.Strs = []events.Str{{Param: events.ParamFilePath, Value: []byte(path)}}
		a.ev.Vals[events.ParamRWCount] = 0
		a.ev.Vals[events.ParamRWBytes] = 0
		d.aggs[k] = a
	}
	a.ev.Vals[events.ParamRWCount]++
	a.ev.Vals[events.ParamRWBytes] += ev.Vals[events.ParamRWBytes]
	a.ev.Retval = ev.Retval
}

// Closing a descriptor, or the end of a process, ends its aggregates.
var aggEnders = map[string]int{"close": 0} // syscall -> its fd parameter

// flushFor emits aggregates that ev ends: older than the window, on the
// descriptor ev closes, or of the process that exits.
func (d *Deriver) flushFor(ev *events.Event, emit Emit) error {
	if len(d.aggs) == 0 {
		return nil
	}
	fd, closes := aggEnders[ev.Def.Name]
	exits := ev.Def.ID == events.IDProcessExit
	return d.flushIf(emit, func(k aggKey, a *agg) bool {
		switch {
		case ev.TimeNS-a.first >= d.window:
			return true
		case closes && a.ev.PID == ev.PID && k.fd == int32(ev.Vals[fd]):
			return true
		case exits && k.tid == ev.TID:
			return true
		}
		return false
	})
}

// Tick emits the aggregates whose window has passed at wall time now (ns).
func (d *Deriver) Tick(now int64, emit Emit) error {
	if len(d.aggs) == 0 {
		return nil
	}
	return d.flushIf(emit, func(_ aggKey, a *agg) bool { return now-a.first >= d.window })
}

// Flush emits every aggregate (end of the trace).
func (d *Deriver) Flush(emit Emit) error {
	return d.flushIf(emit, func(aggKey, *agg) bool { return true })
}

func (d *Deriver) flushIf(emit Emit, due func(aggKey, *agg) bool) error {
	var keys []aggKey
	for k, a := range d.aggs {
		if due(k, a) {
			keys = append(keys, k)
		}
	}
	// In time order, so that output stays ordered among themselves.
	sort.Slice(keys, func(i, j int) bool { return d.aggs[keys[i]].first < d.aggs[keys[j]].first })
	for _, k := range keys {
		a := d.aggs[k]
		delete(d.aggs, k)
		if err := emit(&a.ev, a.c); err != nil {
			return err
		}
	}
	return nil
}
