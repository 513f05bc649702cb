// Package fdtable keeps, per traced process, what each file descriptor
// refers to, from the events themselves (open, socket, connect, accept, dup,
// pipe, close, exec, fork, exit), so that fd arguments can be shown with the
// path or socket they meant at the time of the call. Descriptors opened
// before tracing started are looked up once in /proc/PID/fd.
package fdtable

import (
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/sysfmt"
)

// Effect is what a syscall does to the fd table. It is data in the event
// catalogue's terms: see effects.
type Effect uint8

const (
	effNone       Effect = iota
	effOpen              // retval is a new fd for the path in param pathArg, relative to dirfd param dirArg (-1: cwd)
	effSocket            // retval is a new socket
	effAccept            // retval is a new connection socket accepted on param 0
	effConnect           // param 0 is now connected to the sockaddr in param 1
	effBind              // param 0 is bound to the sockaddr in param 1
	effDup               // retval is a copy of param 0
	effDup2              // param 1 is a copy of param 0
	effClose             // param 0 is closed
	effCloseRange        // params 0..1 are closed
	effPipe              // param 0 (int[2]) holds two new pipe ends
	effSocketpair        // param 3 (int[2]) holds two new connected sockets
	effFcntl             // F_DUPFD/F_DUPFD_CLOEXEC duplicate, F_SETFD sets close-on-exec
	effAnon              // retval is a new anonymous fd (eventfd, epoll, timerfd, memfd, …): "anon_inode:<name>"
)

type effect struct {
	kind    Effect
	pathArg int // effOpen: string param with the path
	dirArg  int // effOpen: dirfd param, or -1
	flagArg int // param holding O_CLOEXEC/SOCK_CLOEXEC-style flags, or -1
}

// effects: syscall name -> its effect on the fd table. Data only.
var effects = map[string]effect{
	"open":              {effOpen, 0, -1, 1},
	"creat":             {effOpen, 0, -1, -1},
	"openat":            {effOpen, 1, 0, 2},
	"openat2":           {effOpen, 1, 0, -1},
	"open_tree":         {effOpen, 1, 0, -1},
	"socket":            {kind: effSocket, flagArg: 1},
	"accept":            {kind: effAccept, flagArg: -1},
	"accept4":           {kind: effAccept, flagArg: 3},
	"connect":           {kind: effConnect, flagArg: -1},
	"bind":              {kind: effBind, flagArg: -1},
	"dup":               {kind: effDup, flagArg: -1},
	"dup2":              {kind: effDup2, flagArg: -1},
	"dup3":              {kind: effDup2, flagArg: 2},
	"close":             {kind: effClose, flagArg: -1},
	"close_range":       {kind: effCloseRange, flagArg: -1},
	"pipe":              {kind: effPipe, flagArg: -1},
	"pipe2":             {kind: effPipe, flagArg: 1},
	"socketpair":        {kind: effSocketpair, flagArg: 1},
	"fcntl":             {kind: effFcntl, flagArg: -1},
	"eventfd":           {kind: effAnon, flagArg: -1},
	"eventfd2":          {kind: effAnon, flagArg: 1},
	"epoll_create":      {kind: effAnon, flagArg: -1},
	"epoll_create1":     {kind: effAnon, flagArg: 0},
	"timerfd_create":    {kind: effAnon, flagArg: 1},
	"signalfd4":         {kind: effAnon, flagArg: 3},
	"inotify_init1":     {kind: effAnon, flagArg: 0},
	"memfd_create":      {kind: effAnon, flagArg: 1},
	"pidfd_open":        {kind: effAnon, flagArg: -1},
	"userfaultfd":       {kind: effAnon, flagArg: 0},
	"perf_event_open":   {kind: effAnon, flagArg: -1},
	"io_uring_setup":    {kind: effAnon, flagArg: -1},
	"fanotify_init":     {kind: effAnon, flagArg: -1},
	"inotify_init":      {kind: effAnon, flagArg: -1},
	"signalfd":          {kind: effAnon, flagArg: -1},
	"open_by_handle_at": {kind: effAnon, flagArg: 2},
}

const (
	oCloexec    = 0x80000 // O_CLOEXEC == SOCK_CLOEXEC == EFD_CLOEXEC … on x86_64 and arm64
	atFdcwd     = -100
	fDupfd      = 0
	fSetfd      = 2
	fDupfdCloex = 1030
	fdCloexec   = 1
)

type entry struct {
	desc    string
	cloexec bool
}

type process struct {
	fds fdMap
}

// Table is the fd tables of all traced processes. Not safe for concurrent use.
type Table struct {
	procRoot string
	procs    map[uint32]*process
	max      int
	cwd      func(pid uint32) string // working directory of a process, "" if unknown (SetCwd)
	last     *process                // procs[lastPID], the process of the last lookup
	lastPID  uint32
	// byID caches each syscall event's effect by event ID (index effIndex),
	// so that events are not looked up by name: 0 not yet looked up, else
	// 1 + index into effectList, or noEffect.
	byID [bpf.MaxSyscalls]uint8
}

const noEffect = 0xff

// effectList is effects in a fixed order, for byID.
var effectList, effectIndex = func() ([]effect, map[string]uint8) {
	list := make([]effect, 0, len(effects))
	idx := map[string]uint8{}
	for name, e := range effects {
		idx[name] = uint8(len(list))
		list = append(list, e)
	}
	return list, idx
}()

// SetCwd gives the table the processes' working directories, so that files
// opened by relative name are recorded by absolute path.
func (t *Table) SetCwd(cwd func(pid uint32) string) { t.cwd = cwd }

// New returns an empty table that falls back to procRoot (normally /proc)
// for descriptors it has not seen opened.
func New(procRoot string) *Table {
	return &Table{procRoot: procRoot, procs: map[uint32]*process{}, max: 65536}
}

// Tracks reports whether events of d change fd tables (open, close, dup,
// socket, …): when fd names are shown, these must reach Observe even when
// they are not selected (events.CaptureOptions.FdTrack).
func Tracks(d *events.Def) bool {
	_, ok := effects[d.Name]
	return ok && d.Syscall
}

// effectOf returns the effect of syscall event d, looked up by name once per event ID.
func (t *Table) effectOf(d *events.Def) (effect, bool) {
	if d.ID >= bpf.MaxSyscalls {
		return effect{}, false // numbers beyond the table: raw, no effect
	}
	v := t.byID[d.ID]
	if v == 0 {
		v = noEffect
		if i, ok := effectIndex[d.Name]; ok {
			v = i + 1
		}
		t.byID[d.ID] = v
	}
	if v == noEffect {
		return effect{}, false
	}
	return effectList[v-1], true
}

func (t *Table) proc(pid uint32) *process {
	if p := t.last; p != nil && t.lastPID == pid {
		return p // events come in runs of one process
	}
	p := t.procs[pid]
	if p == nil {
		if len(t.procs) >= t.max {
			t.forgetAll() // bounded: forget everything rather than grow without limit
		}
		p = &process{}
		t.procs[pid] = p
	}
	t.last, t.lastPID = p, pid
	return p
}

func (t *Table) forget(pid uint32) {
	delete(t.procs, pid)
	if t.lastPID == pid {
		t.last = nil
	}
}

func (t *Table) forgetAll() {
	clear(t.procs)
	t.last = nil
}

// Lookup returns what fd of process pid refers to, from the table or, once,
// from /proc. The result is "" if unknown.
func (t *Table) Lookup(pid uint32, fd int32) string {
	if fd < 0 {
		return ""
	}
	p := t.proc(pid)
	if e, ok := p.fds.get(fd); ok {
		return e.desc
	}
	desc, _ := os.Readlink(t.procRoot + "/" + strconv.FormatUint(uint64(pid), 10) + "/fd/" + strconv.Itoa(int(fd)))
	p.fds.put(fd, entry{desc: desc}) // remembered even when unknown: /proc is read once per fd
	return desc
}

// Annotate fills ev.FdDesc for every fd parameter, as it was before the
// call; "" for unknown descriptors and for AT_FDCWD.
func (t *Table) Annotate(ev *events.Event) {
	params := ev.Def.Params
	for i := range params {
		if i >= events.MaxParams {
			break
		}
		if params[i].Type != events.TypeFd {
			ev.FdDesc[i] = ""
			continue
		}
		ev.FdDesc[i] = t.Lookup(ev.PID, int32(ev.Vals[i])) // AT_FDCWD (-100) is not an fd: ""
	}
}

// Observe applies ev's effect to the table (after the call).
func (t *Table) Observe(ev *events.Event) {
	if ev.Def.Syscall {
		t.observeSyscall(ev)
		return
	}
	// Lifecycle events (never a syscall, whatever its number: the record
	// kind, not a syscall number, made ev.Def one of these).
	switch ev.Def.ID {
	case events.IDProcessFork:
		child := uint32(ev.Vals[0])
		if child != ev.PID { // a new process (not a thread): it starts with a copy of the table
			parent := t.proc(ev.PID)
			c := &process{fds: parent.fds.clone()}
			t.procs[child] = c
			if t.lastPID == child {
				t.last = c
			}
		}
		return
	case events.IDProcessExit:
		if ev.Vals[2] != 0 { // the thread-group leader: the process is gone
			t.forget(ev.PID)
		}
		return
	case events.IDProcessExec:
		p := t.proc(ev.PID)
		p.fds.deleteIf(func(_ int32, e entry) bool { return e.cloexec })
		return
	}
}

func (t *Table) observeSyscall(ev *events.Event) {
	if !ev.HasReturn() || ev.Retval < 0 {
		return
	}
	eff, ok := t.effectOf(ev.Def)
	if !ok {
		return
	}
	p := t.proc(ev.PID)
	cloexec := eff.flagArg >= 0 && ev.Vals[eff.flagArg]&oCloexec != 0
	ret := int32(ev.Retval)
	switch eff.kind {
	case effOpen:
		name := string(ev.Str(eff.pathArg))
		if !path.IsAbs(name) {
			dir := ""
			if eff.dirArg >= 0 {
				dir = t.dirPath(ev, eff.dirArg)
			}
			if dir == "" && t.cwd != nil && (eff.dirArg < 0 || int32(ev.Vals[eff.dirArg]) == atFdcwd) {
				dir = t.cwd(ev.PID)
			}
			if path.IsAbs(dir) {
				name = path.Join(dir, name)
			}
		} else {
			name = path.Clean(name)
		}
		p.fds.put(ret, entry{desc: name, cloexec: cloexec})
	case effSocket:
		p.fds.put(ret, entry{desc: "socket:" + string(sysfmt.Append(nil, sysfmt.SocketFamily, ev.Vals[0])), cloexec: cloexec})
	case effAccept:
		desc := "socket:accepted"
		if l, ok := p.fds.get(int32(ev.Vals[0])); ok && l.desc != "" {
			desc = strings.Replace(l.desc, " listening", "", 1) + " accepted"
		}
		if sa, ok := sockaddr(ev, 1); ok {
			desc += " from " + sa
		}
		p.fds.put(ret, entry{desc: desc, cloexec: cloexec})
	case effConnect, effBind:
		fd := int32(ev.Vals[0])
		e, _ := p.fds.get(fd)
		if e.desc == "" {
			e.desc = t.Lookup(ev.PID, fd)
		}
		if sa, ok := sockaddr(ev, 1); ok {
			verb := " -> "
			if eff.kind == effBind {
				verb = " bound "
			}
			e.desc = trimSocket(e.desc) + verb + sa
		}
		p.fds.put(fd, e)
	case effDup:
		e := t.entryOf(ev.PID, int32(ev.Vals[0]))
		e.cloexec = false
		p.fds.put(ret, e)
	case effDup2:
		e := t.entryOf(ev.PID, int32(ev.Vals[0]))
		e.cloexec = cloexec
		p.fds.put(int32(ev.Vals[1]), e)
	case effClose:
		p.fds.del(int32(ev.Vals[0]))
	case effCloseRange:
		lo, hi := uint32(ev.Vals[0]), uint32(ev.Vals[1])
		p.fds.deleteIf(func(fd int32, _ entry) bool { return uint32(fd) >= lo && uint32(fd) <= hi })
	case effPipe, effSocketpair:
		arg, kind := 0, "pipe"
		if eff.kind == effSocketpair {
			arg, kind = 3, "socketpair"
		}
		if b, ok := ev.Value(arg); ok {
			if fds, ok := events.DecodeFdPair(b); ok {
				p.fds.put(fds[0], entry{desc: kind, cloexec: cloexec})
				p.fds.put(fds[1], entry{desc: kind, cloexec: cloexec})
			}
		}
	case effFcntl:
		fd, cmd := int32(ev.Vals[0]), uint32(ev.Vals[1])
		switch cmd {
		case fDupfd, fDupfdCloex:
			e := t.entryOf(ev.PID, fd)
			e.cloexec = cmd == fDupfdCloex
			p.fds.put(ret, e)
		case fSetfd:
			e := t.entryOf(ev.PID, fd)
			e.cloexec = ev.Vals[2]&fdCloexec != 0
			p.fds.put(fd, e)
		}
	case effAnon:
		p.fds.put(ret, entry{desc: "anon_inode:" + ev.Def.Name, cloexec: cloexec})
	}
}

func (t *Table) entryOf(pid uint32, fd int32) entry {
	desc := t.Lookup(pid, fd)
	e, _ := t.proc(pid).fds.get(fd)
	return entry{desc: desc, cloexec: e.cloexec}
}

// dirPath is the directory a dirfd parameter names, or "" (cwd or unknown).
func (t *Table) dirPath(ev *events.Event, i int) string {
	fd := int32(ev.Vals[i])
	if fd == atFdcwd {
		return ""
	}
	return t.Lookup(ev.PID, fd)
}

func sockaddr(ev *events.Event, i int) (string, bool) {
	b, ok := ev.Value(i)
	if !ok {
		return "", false
	}
	sa, ok := events.DecodeSockaddr(b)
	if !ok {
		return "", false
	}
	switch {
	case sa.Addr.IsValid():
		return netJoin(sa.Addr.String(), sa.Port), true
	case sa.Family == 1:
		if len(sa.Path) > 0 && sa.Path[0] == 0 {
			return "@" + string(sa.Path[1:]), true
		}
		return string(sa.Path), true
	}
	return "", false
}

func netJoin(addr string, port uint16) string {
	if strings.Contains(addr, ":") {
		addr = "[" + addr + "]"
	}
	return addr + ":" + strconv.Itoa(int(port))
}

func trimSocket(desc string) string {
	if i := strings.Index(desc, " -> "); i >= 0 {
		return desc[:i]
	}
	if i := strings.Index(desc, " bound "); i >= 0 {
		return desc[:i]
	}
	return desc
}
