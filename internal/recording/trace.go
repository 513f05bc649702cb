package recording

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ctrace-dev/ctrace/internal/sysfmt"
	"github.com/ctrace-dev/ctrace/internal/tracefile"
)

// traceEvent is one line of a `ctrace trace --output-format json` file
// (docs/events.md), as internal/tracefile reads it.
type traceEvent = tracefile.Event

// Values of the calls that install a seccomp filter.
const (
	seccompSetModeStrict = 0
	seccompSetModeFilter = 1
	seccompFlagTsync     = 1
	prSetSeccomp         = 22
)

// FromTrace builds a recording from the JSON lines of `ctrace trace`. A
// trace has no seccomp mode per event, so it is replayed: a thread runs
// under a filter from its successful seccomp(SECCOMP_SET_MODE_*) or
// prctl(PR_SET_SECCOMP) on (with SECCOMP_FILTER_FLAG_TSYNC, every thread of
// its process), a child inherits its parent's state at fork, and the calls
// of a thread first seen without its creation are held back until its
// family shows its state: installing a filter later proves it ran
// unfiltered before (a runtime's setup), and a family that never installs
// one is taken to run under the container's filter (it was filtered before
// the trace began) or the container to be unconfined. The result matches
// the in-kernel recording of the same run (a test checks it), except that
// a trace has no ABI per call: every call counts as native.
//
// The file is read as a stream with internal/tracefile, by the rules of
// every trace reader in ctrace: a malformed line is an error naming it,
// except a last line cut short (a crash of the writer), which is skipped
// with a warning. Container ids, names and images are decoded from ctrace's
// lossless string convention (tracefile.DecodeString), so a recording made
// from a trace names containers as one made by the kernel does.
func FromTrace(r io.Reader, name, arch string, warn func(string)) (*Recording, error) {
	if warn == nil {
		warn = func(string) {}
	}
	rp := &replay{arch: arch, byID: map[string]*ctrState{}}
	tr := tracefile.NewReader(r)
	tr.Warn = func(w tracefile.Warning) { warn(fmt.Sprintf("%s: %s", name, w)) }
	var ev traceEvent
	for {
		err := tr.Next(&ev)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var le *tracefile.LineError
			if errors.As(err, &le) {
				return nil, fmt.Errorf("%s:%d: not a ctrace trace event (%s)", name, le.Line, firstLine(le.Err.Error()))
			}
			return nil, fmt.Errorf("read %s: %s", name, firstLine(err.Error()))
		}
		rp.event(&ev)
	}
	return rp.recording(), nil
}

// decoded returns the bytes of a string value in ctrace's convention, or
// the value itself when it does not follow it (a hand-made file).
func decoded(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	b, err := tracefile.DecodeString(s)
	if err != nil {
		return s
	}
	return string(b)
}

// acc accumulates calls and argument values.
type acc struct {
	names      map[string]bool
	unnamed    map[int]bool
	families   []uint64
	clone      *uint64
	persona    []uint64
	prctl      []uint64
	ioctl      []uint64
	incomplete map[string]bool
}

func newAcc() *acc {
	return &acc{names: map[string]bool{}, unnamed: map[int]bool{}, incomplete: map[string]bool{}}
}

func (a *acc) add(ev *traceEvent) {
	name := ev.Event
	if n, ok := strings.CutPrefix(name, "syscall_"); ok {
		if nr, err := strconv.Atoi(n); err == nil {
			a.unnamed[nr] = true
			return
		}
	}
	a.names[name] = true
	val := func(arg string, k sysfmt.Kind) (uint64, bool) { return argEnum(ev, arg, k) }
	var v uint64
	ok := true
	switch name {
	case "socket":
		if v, ok = val("family", sysfmt.SocketFamily); ok {
			a.families = append(a.families, v&0xffffffff)
		}
	case "clone":
		if v, ok = val("clone_flags", sysfmt.CloneFlags); ok {
			if a.clone != nil {
				v |= *a.clone
			}
			a.clone = &v
		}
	case "personality":
		if v, ok = val("personality", sysfmt.None); ok {
			a.persona = append(a.persona, v&0xffffffff)
		}
	case "prctl":
		if v, ok = val("option", sysfmt.PrctlOption); ok {
			a.prctl = append(a.prctl, v&0xffffffff)
		}
	case "ioctl":
		if v, ok = val("cmd", sysfmt.IoctlRequest); ok {
			a.ioctl = append(a.ioctl, v&0xffffffff)
		}
	}
	if !ok {
		a.incomplete[name] = true
	}
}

func (a *acc) merge(b *acc) {
	for n := range b.names {
		a.names[n] = true
	}
	for n := range b.unnamed {
		a.unnamed[n] = true
	}
	for n := range b.incomplete {
		a.incomplete[n] = true
	}
	a.families = append(a.families, b.families...)
	a.persona = append(a.persona, b.persona...)
	a.prctl = append(a.prctl, b.prctl...)
	a.ioctl = append(a.ioctl, b.ioctl...)
	if b.clone != nil {
		v := *b.clone
		if a.clone != nil {
			v |= *a.clone
		}
		a.clone = &v
	}
}

// family is the set of threads whose seccomp state is not known yet and
// shows at once for all of them (linked by forks).
type family struct {
	parent   *family
	resolved bool // a member installed a filter: the family ran unfiltered
	pending  *acc
}

func (f *family) root() *family {
	for f.parent != nil {
		if f.parent.parent != nil {
			f.parent = f.parent.parent
		}
		f = f.parent
	}
	return f
}

type thread struct {
	pid      int64
	filtered bool
	fam      *family // unknown state (nil: known)
}

type ctrState struct {
	info      Container
	threads   map[int64]*thread
	families  []*family
	counted   *acc
	before    *acc
	installed bool
}

type replay struct {
	arch  string
	byID  map[string]*ctrState
	order []string
}

func (rp *replay) container(ev *traceEvent) *ctrState {
	id := ev.Container.ID
	c, ok := rp.byID[id]
	if !ok {
		c = &ctrState{threads: map[int64]*thread{}, counted: newAcc(), before: newAcc()}
		c.info = Container{ID: decoded(id), Name: decoded(ev.Container.Name), Image: decoded(ev.Container.Image), Runtime: ev.Container.Runtime}
		rp.byID[id] = c
		rp.order = append(rp.order, id)
	}
	if c.info.Name == "" {
		c.info.Name = decoded(ev.Container.Name)
	}
	return c
}

func (c *ctrState) thread(pid, tid int64) *thread {
	th, ok := c.threads[tid]
	if !ok {
		f := &family{pending: newAcc()}
		c.families = append(c.families, f)
		th = &thread{pid: pid, fam: f}
		c.threads[tid] = th
	}
	return th
}

// resolve: the family is known to have run unfiltered until now.
func (c *ctrState) resolve(f *family) {
	r := f.root()
	if r.resolved {
		return
	}
	r.resolved = true
	c.before.merge(r.pending)
	r.pending = newAcc()
}

func (c *ctrState) setFiltered(th *thread) {
	if th.fam != nil {
		c.resolve(th.fam)
		th.fam = nil
	}
	th.filtered = true
}

func (rp *replay) event(ev *traceEvent) {
	if ev.Container.ID == "" || ev.Process.TID <= 0 {
		return
	}
	c := rp.container(ev)
	tid := ev.Process.TID
	switch ev.Event {
	case "sched_process_fork":
		parent := c.thread(ev.Process.PID, tid)
		ctid, ok1 := argInt(ev, "child_tid")
		cpid, ok2 := argInt(ev, "child_pid")
		if !ok1 || !ok2 {
			return
		}
		child := &thread{pid: cpid, filtered: parent.filtered, fam: parent.fam}
		c.threads[ctid] = child
		return
	case "sched_process_exec":
		if old, ok := argInt(ev, "old_tid"); ok && old != tid {
			if th, ok := c.threads[old]; ok {
				c.threads[tid] = th
				delete(c.threads, old)
			}
		}
		return
	case "sched_process_exit":
		delete(c.threads, tid)
		return
	}
	if !ev.Syscall {
		return
	}
	th := c.thread(ev.Process.PID, tid)
	switch {
	case th.filtered:
		c.counted.add(ev)
	case th.fam != nil && !th.fam.root().resolved:
		th.fam.root().pending.add(ev)
	default:
		c.before.add(ev)
	}
	if installs, tsync := filterInstall(ev); installs {
		c.installed = true
		c.setFiltered(th)
		if tsync {
			for _, other := range c.threads {
				if other.pid == th.pid {
					c.setFiltered(other)
				}
			}
		}
	}
}

// filterInstall reports whether the event is a successful installation of
// a seccomp filter (or of strict mode), and whether it synchronised all
// threads of the process.
func filterInstall(ev *traceEvent) (installs, tsync bool) {
	if ev.Retval == nil || *ev.Retval < 0 {
		return false, false
	}
	switch ev.Event {
	case "seccomp":
		op, ok := argEnum(ev, "op", sysfmt.SeccompOp)
		if !ok || (op != seccompSetModeFilter && op != seccompSetModeStrict) {
			return false, false
		}
		flags, _ := argEnum(ev, "flags", sysfmt.SeccompFlags)
		return true, op == seccompSetModeFilter && flags&seccompFlagTsync != 0
	case "prctl":
		opt, ok := argEnum(ev, "option", sysfmt.PrctlOption)
		mode, ok2 := argInt(ev, "arg2")
		return ok && ok2 && opt == prSetSeccomp && (mode == 1 || mode == 2), false
	}
	return false, false
}

func argInt(ev *traceEvent, name string) (int64, bool) {
	v, ok := argEnum(ev, name, sysfmt.None)
	return int64(v), ok
}

func argEnum(ev *traceEvent, name string, k sysfmt.Kind) (uint64, bool) {
	raw, ok := ev.Arg(name)
	if !ok {
		return 0, false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return sysfmt.Parse(k, s)
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return sysfmt.Parse(sysfmt.None, n.String())
	}
	return 0, false
}

func (rp *replay) recording() *Recording {
	rec := &Recording{Format: FormatVersion, Source: SourceTrace, Arch: rp.arch, CapabilityHook: "none", Containers: []Container{}}
	for _, id := range rp.order {
		c := rp.byID[id]
		// Families whose state never showed ran under the container's
		// filter (or the container is unconfined): their calls count.
		for _, f := range c.families {
			if r := f.root(); !r.resolved && len(r.pending.names)+len(r.pending.unnamed) > 0 {
				c.counted.merge(r.pending)
				r.pending = newAcc()
			}
		}
		out := c.info
		out.Confined = c.installed
		out.Syscalls = map[string][]string{rp.arch: keys(c.counted.names)}
		if len(c.before.names) > 0 {
			out.BeforeFilter = map[string][]string{rp.arch: keys(c.before.names)}
		}
		if len(c.counted.unnamed) > 0 {
			var nrs []int
			for nr := range c.counted.unnamed {
				nrs = append(nrs, nr)
			}
			out.Unnamed = map[string][]int{rp.arch: nrs}
		}
		a := c.counted
		out.Args = &Args{SocketFamilies: a.families, CloneFlags: a.clone, Personality: a.persona, PrctlOptions: a.prctl, IoctlRequests: a.ioctl, Incomplete: keys(a.incomplete)}
		rec.Containers = append(rec.Containers, out)
	}
	rec.Sort()
	return rec
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return sortUnique(out)
}
