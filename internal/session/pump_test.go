package session

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/events/eventstest"
	"github.com/ctrace-dev/ctrace/internal/fdtable"
	"github.com/ctrace-dev/ctrace/internal/filter"
	"github.com/ctrace-dev/ctrace/internal/output"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
	"github.com/ctrace-dev/ctrace/internal/tracefile"
	"github.com/ctrace-dev/ctrace/internal/tracer"
)

var cat = events.NewCatalog(syscalls.X86_64)

const (
	atFdcwd = uint64(0xffffffffffffff9c)
	cgA     = 1001 // a container cgroup
	cgB     = 1002
	cgHost  = 2000
)

var idA, idB = strings.Repeat("a", 64), strings.Repeat("b", 64)

// ---------------------------------------------------------------------------
// Fakes

// step is one thing the fake source does when Next is called.
type step struct {
	raw  []byte
	poll bool   // return tracer.ErrPoll
	do   func() // run, then go on with the next step
}

type fakeSource struct {
	mu     sync.Mutex
	steps  []step
	drain  [][]byte // what is left in the ring when the loop stops
	cancel context.CancelFunc

	detached   bool
	added      []uint64
	forgotten  []uint64
	excluded   []uint64
	candidates []uint64
	stats      tracer.Stats
}

func (s *fakeSource) Next() ([]byte, error) {
	for {
		if len(s.steps) == 0 {
			s.cancel() // the script is over: stop the session
			return nil, tracer.ErrPoll
		}
		st := s.steps[0]
		s.steps = s.steps[1:]
		switch {
		case st.do != nil:
			st.do()
		case st.poll:
			return nil, tracer.ErrPoll
		default:
			// The ring's memory is reused: hand out a copy that is
			// scribbled over at the next call, as the real ring would.
			return scribbled(st.raw), nil
		}
	}
}

var lastHanded []byte

func scribbled(raw []byte) []byte {
	for i := range lastHanded {
		lastHanded[i] = 0xAA
	}
	lastHanded = append([]byte(nil), raw...)
	return lastHanded
}

func (s *fakeSource) Drain() ([]byte, error) {
	if !s.detached {
		return nil, errors.New("drained before Detach")
	}
	if len(s.drain) == 0 {
		return nil, tracer.ErrPoll
	}
	raw := s.drain[0]
	s.drain = s.drain[1:]
	return scribbled(raw), nil
}

func (s *fakeSource) Detach()                            { s.detached = true }
func (s *fakeSource) Stats() (tracer.Stats, error)       { return s.stats, nil }
func (s *fakeSource) AddContainerCgroup(id uint64) error { s.added = append(s.added, id); return nil }
func (s *fakeSource) ForgetCgroup(id uint64) error       { s.forgotten = append(s.forgotten, id); return nil }
func (s *fakeSource) ExcludeCgroup(id uint64) error      { s.excluded = append(s.excluded, id); return nil }
func (s *fakeSource) Candidates() ([]uint64, error)      { return s.candidates, nil }

// fakeContainers is a collection whose Add can leave containers unresolved,
// resolved later by the test (as the asynchronous collection will).
type fakeContainers struct {
	mu       sync.Mutex
	byID     map[uint64]*containers.Container
	names    map[string]string // container id -> name given at resolution
	deferred bool              // Add returns unresolved containers
	resolved chan struct{}
}

func newFakeContainers() *fakeContainers {
	return &fakeContainers{byID: map[uint64]*containers.Container{}, names: map[string]string{}, resolved: make(chan struct{}, 1)}
}

func (f *fakeContainers) Lookup(id uint64) (*containers.Container, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.byID[id]
	return c, ok
}

func (f *fakeContainers) Add(id uint64, path string) (*containers.Container, bool) {
	ref, ok := containers.ParseCgroupPath(path)
	if !ok {
		return nil, false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.byID[id]; ok {
		return c, true
	}
	c := &containers.Container{CgroupID: id, CgroupPath: path, Info: containers.Info{ID: ref.ID, Runtime: "docker"}, Resolved: !f.deferred}
	if c.Resolved {
		c.Info.Name = f.names[ref.ID]
	}
	f.byID[id] = c
	return c, true
}

// resolve names every unresolved container and signals it.
func (f *fakeContainers) resolve() {
	f.mu.Lock()
	for id, c := range f.byID {
		if !c.Resolved {
			r := *c
			r.Resolved = true
			r.Info.Name = f.names[c.Info.ID]
			f.byID[id] = &r
		}
	}
	f.mu.Unlock()
	select {
	case f.resolved <- struct{}{}:
	default:
	}
}

func (f *fakeContainers) Remove(id uint64)                                           {}
func (f *fakeContainers) Resolved() <-chan struct{}                                  { return f.resolved }
func (f *fakeContainers) Scan(containers.Hierarchy) ([]*containers.Container, error) { return nil, nil }
func (f *fakeContainers) Containers() []*containers.Container {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]*containers.Container, 0, len(f.byID))
	for _, c := range f.byID {
		out = append(out, c)
	}
	return out
}
func (f *fakeContainers) All() []*containers.Container { return f.Containers() }

// printed is one event as the printer saw it.
type printed struct {
	name, container, comm string
	tid                   uint32
	fds                   [events.MaxParams]string
	strs                  []string
	vals                  [events.MaxParams]uint64
}

type fakePrinter struct {
	out     []printed
	flushes int
}

func (p *fakePrinter) Write(ev *events.Event, c *containers.Container) error {
	pr := printed{name: ev.Def.Name, container: c.Info.Name, comm: string(ev.Comm), tid: ev.TID, fds: ev.FdDesc, vals: ev.Vals}
	for _, s := range ev.Strs {
		pr.strs = append(pr.strs, string(s.Value))
	}
	p.out = append(p.out, pr)
	return nil
}

func (p *fakePrinter) Flush() error { p.flushes++; return nil }

// ---------------------------------------------------------------------------
// Records

func nr(name string) uint32 {
	d, ok := cat.ByName(name)
	if !ok {
		panic(name)
	}
	return uint32(d.ID)
}

func hdr(kind bpf.RecordKind, cg uint64, pid uint32, comm string, flags bpf.RecordFlags) bpf.Header {
	h := eventstest.Header(kind, flags, comm)
	h.CgroupId, h.Pid, h.Tid = cg, pid, pid
	return h
}

func sys(cg uint64, pid uint32, name string, ret int64, flags bpf.RecordFlags, args ...uint64) *eventstest.Builder {
	r := bpf.SyscallRec{Hdr: hdr(bpf.RecSyscall, cg, pid, "app", flags), Nr: nr(name), Retval: ret}
	copy(r.Args[:], args)
	return eventstest.New(r)
}

func rawSys(cg uint64, pid uint32, nr uint32, args ...uint64) []byte {
	r := bpf.SyscallRec{Hdr: hdr(bpf.RecSyscall, cg, pid, "app", 0), Nr: nr}
	copy(r.Args[:], args)
	return eventstest.New(r).Bytes()
}

func openat(cg uint64, pid uint32, fd int64, path string, flags bpf.RecordFlags) []byte {
	return sys(cg, pid, "openat", fd, flags, atFdcwd, 0x5000, 0).Item(1, bpf.ArgStr, 0, path).Bytes()
}

func read(cg uint64, pid uint32, fd uint64) []byte {
	return sys(cg, pid, "read", 1, 0, fd, 0x7000, 1).Bytes()
}

func closeFd(cg uint64, pid uint32, fd uint64, flags bpf.RecordFlags) []byte {
	return sys(cg, pid, "close", 0, flags, fd).Bytes()
}

func mkdir(id uint64, path string, state bpf.CgroupState) []byte {
	r := bpf.CgroupRec{Hdr: hdr(bpf.RecCgroupMkdir, 1, 1, "runc", 0), Id: id, State: uint32(state)}
	return eventstest.New(r).Item(0, bpf.ArgStr, 0, path).Bytes()
}

// ---------------------------------------------------------------------------
// Harness

type harness struct {
	t    *testing.T
	src  *fakeSource
	coll *fakeContainers
	pr   *fakePrinter
	cfg  Config
	root string // fake cgroup hierarchy for the resolver
	logs []string
}

func newHarness(t *testing.T, spec filter.Spec) *harness {
	t.Helper()
	flt, err := filter.New(cat, spec)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, src: &fakeSource{}, coll: newFakeContainers(), pr: &fakePrinter{}, root: t.TempDir()}
	h.coll.names[idA], h.coll.names[idB] = "web", "db"
	h.cfg = Config{Catalog: cat, Containers: h.coll, Filter: flt, Printer: h.pr,
		Logf: func(f string, a ...any) { h.logs = append(h.logs, fmt.Sprintf(f, a...)) }}
	return h
}

// known registers a resolved container cgroup as Scan would.
func (h *harness) known(cg uint64, id string) {
	h.coll.Add(cg, "/docker/"+id)
}

func (h *harness) run(steps ...step) Summary {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h.src.steps, h.src.cancel = steps, cancel
	res := newResolver(h.root)
	sum, err := run(ctx, h.cfg, h.src, events.NewDecoder(cat, 0), res, h.t.TempDir())
	if err != nil {
		h.t.Fatal(err)
	}
	return sum
}

func recs(raws ...[]byte) []step {
	out := make([]step, len(raws))
	for i, r := range raws {
		out[i] = step{raw: r}
	}
	return out
}

func names(out []printed) string {
	var s []string
	for _, p := range out {
		s = append(s, p.name)
	}
	return strings.Join(s, " ")
}

// ---------------------------------------------------------------------------
// Tests

// The pipeline: decode, container, fd table, filter, print, drain on stop.
func TestPumpPipeline(t *testing.T) {
	h := newHarness(t, filter.Spec{ExcludeComms: []string{"noisy"}})
	h.known(cgA, idA)
	nb := eventstest.New(bpf.SyscallRec{Hdr: hdr(bpf.RecSyscall, cgA, 7, "noisy", 0), Nr: nr("read"), Retval: 1}).Bytes()
	h.src.drain = [][]byte{read(cgA, 5, 3)} // still in the ring at the stop
	sum := h.run(append(recs(
		openat(cgA, 5, 3, "/etc/hostname", 0),
		read(cgA, 5, 3),
		nb,
		[]byte{1, 2, 3}, // undecodable
		rawSys(cgHost, 9, nr("read")),
	), step{poll: true})...)
	if got := names(h.pr.out); got != "openat read read" {
		t.Fatalf("printed %q, want the openat, the read and the drained read", got)
	}
	for _, p := range h.pr.out[1:] {
		if p.fds[0] != "/etc/hostname" || p.container != "web" {
			t.Errorf("%s: fd 3 = %q, container %q; want /etc/hostname in web", p.name, p.fds[0], p.container)
		}
	}
	if sum.Events != 3 || sum.Filtered != 1 || sum.DecodeErrors != 1 {
		t.Errorf("summary %+v: want 3 events, 1 filtered (comm), 1 undecodable", sum)
	}
	if !h.src.detached || h.pr.flushes < 2 {
		t.Errorf("detached=%v flushes=%d: the loop must flush at each poll and after draining", h.src.detached, h.pr.flushes)
	}
	// The host record's cgroup was unknown: held, asked about, not found
	// (no such cgroup directory), dropped without being printed.
	if sum.Held != 0 || sum.Host != 1 {
		t.Errorf("host record: held %d host %d, want 0 and 1", sum.Held, sum.Host)
	}
}

// Issue 10.3: with `--event read`, the fd-lifecycle calls come as fd-only
// records; the fd table follows them and they are never printed.
func TestFdOnlyRecordsKeepNamesRight(t *testing.T) {
	h := newHarness(t, filter.Spec{Events: []string{"read"}})
	h.known(cgA, idA)
	fdOnly := bpf.FlagFdOnly
	h.run(recs(
		openat(cgA, 5, 3, "/etc/hostname", fdOnly),
		read(cgA, 5, 3),
		closeFd(cgA, 5, 3, fdOnly),
		openat(cgA, 5, 3, "/etc/passwd", fdOnly),
		read(cgA, 5, 3),
	)...)
	if got := names(h.pr.out); got != "read read" {
		t.Fatalf("printed %q, want only the two reads", got)
	}
	if a, b := h.pr.out[0].fds[0], h.pr.out[1].fds[0]; a != "/etc/hostname" || b != "/etc/passwd" {
		t.Errorf("read fd 3 named %q then %q, want /etc/hostname then /etc/passwd", a, b)
	}
}

// Issue 10.9: a syscall numbered like a lifecycle event is a syscall: it
// cannot make the fd table copy one process's descriptors to another.
func TestSyscallNumberCannotForgeLifecycle(t *testing.T) {
	h := newHarness(t, filter.Spec{})
	h.known(cgA, idA)
	const attacker, victim = 66, 77
	h.run(recs(
		openat(cgA, attacker, 5, "/attacker/chosen", 0),
		rawSys(cgA, attacker, uint32(events.IDProcessFork), victim, victim), // syscall(1000, victim, victim)
		rawSys(cgA, attacker, uint32(events.IDProcessExec)),
		rawSys(cgA, attacker, uint32(events.IDProcessExit), 0, 0, 1),
		read(cgA, victim, 5),
	)...)
	if len(h.pr.out) != 5 {
		t.Fatalf("printed %q", names(h.pr.out))
	}
	for i, want := range []string{"syscall_1000", "syscall_1001", "syscall_1002"} {
		if got := h.pr.out[1+i].name; got != want {
			t.Errorf("syscall %d printed as %q, want %q", 1000+i, got, want)
		}
	}
	if got := h.pr.out[4].fds[0]; got == "/attacker/chosen" {
		t.Errorf("the victim's fd 5 is named %q: forged through syscall(1000)", got)
	}
}

// Records of a container not yet named are held, in order, and printed
// with its name once it is resolved; the reading loop never waits.
func TestHoldUntilResolved(t *testing.T) {
	h := newHarness(t, filter.Spec{})
	h.coll.deferred = true
	h.known(cgB, idB) // B: unresolved, from the scan
	var progress []Summary
	h.cfg.Progress = func(s Summary) { progress = append(progress, s) }
	steps := recs(
		mkdir(cgA, "/docker/"+idA, bpf.CgroupCandidate),
		openat(cgA, 5, 3, "/etc/hostname", 0),
		read(cgB, 6, 1),
		read(cgA, 5, 3),
	)
	steps = append(steps, step{poll: true}, step{do: func() {
		// Nothing printed yet: both containers are still unnamed.
		if len(h.pr.out) != 0 {
			t.Errorf("printed %q before the containers were named", names(h.pr.out))
		}
		h.coll.resolve()
	}}, step{poll: true}, step{raw: read(cgA, 5, 3)})
	sum := h.run(steps...)
	if got := names(h.pr.out); got != "read openat read read" && got != "openat read read read" {
		t.Fatalf("printed %q", got)
	}
	var a []string
	for _, p := range h.pr.out {
		if p.container == "web" {
			a = append(a, p.name+":"+p.fds[0])
		} else if p.container != "db" {
			t.Errorf("%s printed with container %q, want its resolved name", p.name, p.container)
		}
	}
	if got := strings.Join(a, " "); got != "openat: read:/etc/hostname read:/etc/hostname" {
		t.Errorf("container web: %q, want its events in kernel order with the fd named", got)
	}
	if sum.Held != 0 || sum.HoldDropped != 0 || sum.Events != 4 {
		t.Errorf("summary %+v", sum)
	}
	if len(h.src.added) != 1 || h.src.added[0] != cgA {
		t.Errorf("kernel told about %v, want the new container cgroup %d", h.src.added, cgA)
	}
	_ = progress
}

// The hold queue is bounded in bytes; what does not fit is counted as lost.
func TestHoldQueueBound(t *testing.T) {
	h := newHarness(t, filter.Spec{})
	h.coll.deferred = true
	h.known(cgA, idA)
	one := read(cgA, 5, 3)
	h.cfg.HoldBytes = 3 * len(one)
	steps := recs(one, one, one, one, one)
	steps = append(steps, step{do: h.coll.resolve}, step{poll: true})
	sum := h.run(steps...)
	if sum.Events != 3 || sum.HoldDropped != 2 || sum.Lost() != 2 {
		t.Errorf("events %d, hold dropped %d, lost %d: want 3, 2, 2", sum.Events, sum.HoldDropped, sum.Lost())
	}
}

// A container that is never named before the stop is printed with what is
// known (its id), not dropped.
func TestHeldRecordsFlushedAtStop(t *testing.T) {
	h := newHarness(t, filter.Spec{})
	h.coll.deferred = true
	h.known(cgA, idA)
	sum := h.run(recs(read(cgA, 5, 3), read(cgA, 5, 3))...)
	if sum.Events != 2 || len(h.pr.out) != 2 || h.pr.out[0].container != "" {
		t.Errorf("events %d printed %v: want both records, printed unnamed", sum.Events, h.pr.out)
	}
}

// The per-container decision (name/image filters) is taken at release:
// held records are printed or dropped as a whole.
func TestKeepDecisionAtRelease(t *testing.T) {
	h := newHarness(t, filter.Spec{})
	h.coll.deferred = true
	h.known(cgA, idA)
	h.known(cgB, idB)
	asked := map[string]int{}
	h.cfg.Keep = func(c *containers.Container, _ bool) bool { asked[c.Info.Name]++; return c.Info.Name == "db" }
	steps := recs(read(cgA, 5, 3), read(cgB, 6, 3), read(cgA, 5, 3))
	steps = append(steps, step{do: h.coll.resolve}, step{poll: true}, step{raw: read(cgA, 5, 3)}, step{raw: read(cgB, 6, 3)})
	sum := h.run(steps...)
	if sum.Events != 2 || sum.Filtered != 3 {
		t.Errorf("events %d filtered %d, want 2 (db) and 3 (web)", sum.Events, sum.Filtered)
	}
	for _, p := range h.pr.out {
		if p.container != "db" {
			t.Errorf("printed an event of %q", p.container)
		}
	}
	if asked["web"] != 1 || asked["db"] != 1 {
		t.Errorf("Keep asked %v, want once per container", asked)
	}
}

// A container Keep drops is excluded in the kernel (its cgroup, and a
// child cgroup of it whose records arrive), once; a kept one is not.
func TestKeepExcludesInKernel(t *testing.T) {
	h := newHarness(t, filter.Spec{})
	h.known(cgA, idA)
	h.known(cgB, idB)
	const child = 1077
	c, _ := h.coll.Lookup(cgA)
	h.coll.byID[child] = c // a child cgroup of web: the same container
	h.cfg.Keep = func(c *containers.Container, _ bool) bool { return c.Info.Name == "db" }
	h.run(recs(read(cgA, 5, 3), read(cgB, 6, 3), read(cgA, 5, 3), read(child, 7, 3), read(child, 7, 3))...)
	if fmt.Sprint(h.src.excluded) != fmt.Sprint([]uint64{cgA, child}) {
		t.Errorf("excluded in the kernel: %v, want [%d %d] (web and its child cgroup, once each)", h.src.excluded, cgA, child)
	}
}

// Issue 10.10: a container whose cgroup_mkdir record was lost is still
// classified (from the cgroup filesystem), and its records are printed;
// a non-container cgroup's records are dropped as host records.
func TestLostMkdirClassifiedFromCgroupFS(t *testing.T) {
	h := newHarness(t, filter.Spec{})
	dir := filepath.Join(h.root, "docker", idA)
	hostDir := filepath.Join(h.root, "system.slice", "cron.service")
	for _, d := range []string{dir, hostDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cg, err := containers.CgroupID(dir)
	if err != nil {
		t.Fatal(err)
	}
	hostCg, err := containers.CgroupID(hostDir)
	if err != nil {
		t.Fatal(err)
	}
	steps := recs(read(cg, 5, 3), read(hostCg, 9, 1), read(cg, 5, 4))
	// Poll until the resolver has answered (it works off the loop).
	for range 200 {
		steps = append(steps, step{do: func() { time.Sleep(time.Millisecond) }}, step{poll: true})
	}
	sum := h.run(steps...)
	if sum.Events != 2 || sum.Host != 1 {
		t.Fatalf("events %d host %d (logs %q), want the container's 2 records printed and the host record dropped", sum.Events, sum.Host, h.logs)
	}
	for _, p := range h.pr.out {
		if p.container != "web" {
			t.Errorf("printed with container %q, want web", p.container)
		}
	}
	if len(h.src.added) != 1 || h.src.added[0] != cg {
		t.Errorf("kernel told about containers %v, want [%d]", h.src.added, cg)
	}
	if len(h.src.forgotten) != 1 || h.src.forgotten[0] != hostCg {
		t.Errorf("kernel told to forget %v, want [%d]", h.src.forgotten, hostCg)
	}
}

// A cgroup whose cgroup_mkdir record was lost and that is gone before the
// resolver could find it is classified by its cgroup_rmdir record's path.
func TestLostMkdirClassifiedAtRmdir(t *testing.T) {
	h := newHarness(t, filter.Spec{})
	const cg = 4711 // no such directory under the resolver's root
	rmdir := eventstest.New(bpf.CgroupRec{Hdr: hdr(bpf.RecCgroupRmdir, 1, 1, "runc", 0), Id: cg}).Item(0, bpf.ArgStr, 0, "/docker/"+idA).Bytes()
	sum := h.run(recs(read(cg, 5, 3), read(cg, 5, 3), rmdir)...)
	if sum.Events != 2 || sum.Host != 0 {
		t.Errorf("events %d host %d, want both records printed as the container's", sum.Events, sum.Host)
	}
	for _, p := range h.pr.out {
		if p.container != "web" {
			t.Errorf("printed with container %q, want web", p.container)
		}
	}
}

// Progress is reported from the loop, at most about once a second.
func TestProgress(t *testing.T) {
	h := newHarness(t, filter.Spec{})
	h.known(cgA, idA)
	var got []Summary
	h.cfg.Progress = func(s Summary) { got = append(got, s) }
	steps := recs(read(cgA, 5, 3))
	steps = append(steps, step{do: func() { time.Sleep(1100 * time.Millisecond) }}, step{poll: true}, step{poll: true})
	h.run(steps...)
	if len(got) != 1 || got[0].Events != 1 || got[0].Containers != 1 {
		t.Errorf("progress calls %+v, want one with 1 event from 1 container", got)
	}
}

// The reading loop yields its thread every yieldEvery records (and only
// then): a reader that never passes through the scheduler is preempted by
// sysmon, which takes its P away in the middle of a system call.
func TestPumpYields(t *testing.T) {
	h := newHarness(t, filter.Spec{})
	h.known(cgA, idA)
	const n = 5*yieldEvery + 7
	src := &loopSource{recs: [][]byte{read(cgA, 5, 3)}, n: n}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src.cancel = cancel
	p := newPump(h.cfg, src, events.NewDecoder(cat, 0), nil, fdtable.New(t.TempDir()), nil)
	yields := 0
	p.yield = func() { yields++ }
	sum, err := p.run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Events != n {
		t.Fatalf("%d events, want %d", sum.Events, n)
	}
	if yields != n/yieldEvery {
		t.Errorf("yielded %d times in %d records, want %d (every %d)", yields, n, n/yieldEvery, yieldEvery)
	}
}

// loopSource hands out the same records round and round, n in all.
type loopSource struct {
	fakeSource
	recs [][]byte
	i, n int
}

func (s *loopSource) Next() ([]byte, error) {
	if s.i >= s.n {
		s.cancel()
		return nil, tracer.ErrPoll
	}
	r := s.recs[s.i%len(s.recs)]
	s.i++
	return r, nil
}

// BenchmarkPumpJSON is the user-space cost of one event of the syscall
// storm (dd's one-byte read/write) from the ring to JSON lines: decode,
// container, fd table, filter, print (to a discarding writer).
func BenchmarkPumpJSON(b *testing.B) {
	benchmarkPump(b, output.FormatJSON)
}

// BenchmarkPumpTable is BenchmarkPumpJSON with the table printer.
func BenchmarkPumpTable(b *testing.B) {
	benchmarkPump(b, output.FormatTable)
}

func benchmarkPump(b *testing.B, format output.Format) {
	flt, _ := filter.New(cat, filter.Spec{})
	coll := newFakeContainers()
	coll.names[idA] = "ctracebench-storm-1"
	coll.Add(cgA, "/docker/"+idA)
	rd := sys(cgA, 5, "read", 1, 0, 0, 0x7ffd1000, 1).Bytes()
	wr := sys(cgA, 5, "write", 1, 0, 1, 0x7ffd1000, 1).Bytes()
	// Realistic stamps: nanoseconds within the same second.
	binary.LittleEndian.PutUint64(rd, 1_700_000_000_123_456_789-1_700_000_000_000_000_000)
	binary.LittleEndian.PutUint64(wr, 1_700_000_000_123_457_006-1_700_000_000_000_000_000)
	src := &loopSource{recs: [][]byte{rd, wr}, n: b.N}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src.cancel = cancel
	cfg := Config{Catalog: cat, Containers: coll, Filter: flt, Printer: output.New(format, &tracefile.Counter{W: io.Discard}), Logf: b.Logf}
	dec := events.NewDecoder(cat, 1_700_000_000_000_000_000)
	// dd's descriptors, as the fd table finds them in /proc.
	proc := b.TempDir()
	if err := os.MkdirAll(filepath.Join(proc, "5", "fd"), 0o755); err != nil {
		b.Fatal(err)
	}
	for fd, target := range []string{"/dev/zero", "/dev/null"} {
		if err := os.Symlink(target, filepath.Join(proc, "5", "fd", strconv.Itoa(fd))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	sum, err := run(ctx, cfg, src, dec, nil, proc)
	if err != nil {
		b.Fatal(err)
	}
	if sum.Events != uint64(b.N) {
		b.Fatalf("%d events for %d records", sum.Events, b.N)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/event")
}

// Derived file events pass the same filters as what they come from: the
// event selection (by ID) and the process filter (--comm), checked again
// on the derived event.
func TestDerivedEventsFiltered(t *testing.T) {
	for _, tc := range []struct {
		spec filter.Spec
		want string
	}{
		{filter.Spec{Sets: []string{"file"}}, "file_open cat /etc/hostname,file_open app /etc/passwd"},
		{filter.Spec{Sets: []string{"file"}, Comms: []string{"cat"}}, "file_open cat /etc/hostname"},
		{filter.Spec{Sets: []string{"file"}, ExcludeEvents: []string{"file_open"}}, ""},
	} {
		h := newHarness(t, tc.spec)
		h.known(cgA, idA)
		nf := newNetfile(cat, h.cfg.Filter, NetFileConfig{}, h.coll)
		fds := fdtable.New(t.TempDir())
		nf.startDeriver(fds, t.TempDir())
		p := newPump(h.cfg, nil, events.NewDecoder(cat, 0), nil, fds, nf)
		catOpen := eventstest.New(bpf.SyscallRec{Hdr: hdr(bpf.RecSyscall, cgA, 5, "cat", 0), Nr: nr("openat"), Retval: 3,
			Args: [6]uint64{atFdcwd, 0x5000, 0}}).Item(1, bpf.ArgStr, 0, "/etc/hostname").Bytes()
		appOpen := openat(cgA, 6, 3, "/etc/passwd", 0) // comm "app"
		for _, r := range [][]byte{catOpen, appOpen} {
			if err := p.handle(r); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		for _, pr := range h.pr.out {
			got = append(got, pr.name+" "+pr.comm+" "+strings.Join(pr.strs, ""))
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%+v: printed %q, want %q", tc.spec, got, tc.want)
		}
	}
}
