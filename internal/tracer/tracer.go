// Package tracer loads ctrace's BPF programs, attaches them after probing
// what the kernel offers, keeps the in-kernel container map, and reads the
// ring buffer. It knows nothing about event meaning or output.
package tracer

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/filesource"
)

// CgroupMode says which cgroup hierarchy identifies containers in the kernel.
type CgroupMode struct {
	// V1SubsysID is the kernel's cgroup_subsys_id of the v1 controller whose
	// hierarchy is used, or -1 for the cgroup v2 (default) hierarchy.
	V1SubsysID int32
	// HierarchyID is the kernel's hierarchy id of that tree (0 for v2).
	HierarchyID int32
}

// Options configure a Tracer. The zero value is not valid: use DefaultOptions.
type Options struct {
	Cgroups CgroupMode
	// RingBufferBytes is the ring buffer size (a power of two, multiple of the page size).
	RingBufferBytes int
	// The reader wakes itself: while records flow it sleeps MinNap between
	// reads; when a sleep found nothing the next is twice as long, up to
	// PollInterval (Next returns ErrPoll at least every PollInterval). A
	// producer wakes it only when WakeupBytes are pending (0: a quarter of
	// the ring buffer): a wakeup from a producer runs on the producer's CPU
	// and the scheduler then tends to run the reader there, beside the
	// traced workload (~10% of the busy CPU in a file churn, 0.4-1.4% with
	// its own timer).
	WakeupBytes  int
	MinNap       time.Duration
	PollInterval time.Duration
	// Syscalls is the per-syscall capture configuration indexed by number
	// (at most bpf.MaxSyscalls entries), built from the event catalogue.
	Syscalls []bpf.SyscallConf
	// Lifecycle selects the lifecycle records (bpf.Lifecycle* bits).
	Lifecycle uint32
	// Compat forces the kernel side's compat variant (per-thread state in a
	// hash map, probe reads), which is otherwise used only on kernels that
	// lack task-local storage or BTF task pointers (before 5.15). For tests.
	Compat bool
	// Logf reports skipped optional hooks and other notices.
	Logf func(format string, args ...any)
	// Net and FileEvents select the optional file and network hooks (optional.go).
	Net        NetOptions
	FileEvents []string // file events wanted: each gets a hook where the kernel allows one
	// Filter is what the kernel checks per task (comm, pid, uid,
	// containers); the zero value traces every task of every container.
	Filter TaskFilter
	// InflightSlots is the number of per-thread syscall state slots of the
	// fast variant (a power of two; threads whose ids are equal modulo it
	// share one, and all but its owner keep their state in task storage).
	// 0 means DefaultInflightSlots; tests use small values to exercise sharing.
	InflightSlots int
	// ProcRoot is where the running descendants of Filter's processes are
	// found ("" means /proc).
	ProcRoot string
}

// DefaultRingBufferBytes is the default ring buffer size: of the sizes
// measured with two one-byte dd storms at once on the 2-core test machine,
// the one that lost least (32 MiB lost in 5 of 13 runs once the kernel
// side got faster, 64 MiB in 1 of 7; docs/performance.md).
const DefaultRingBufferBytes = 64 << 20

// DefaultInflightSlots: thread ids 65,536 apart share a slot (2.5 MiB of kernel memory).
const DefaultInflightSlots = 1 << 16

// DefaultOptions returns the defaults: cgroup v2, a DefaultRingBufferBytes ring buffer.
func DefaultOptions() Options {
	return Options{
		Cgroups:         CgroupMode{V1SubsysID: -1},
		RingBufferBytes: DefaultRingBufferBytes,
		MinNap:          2 * time.Millisecond,
		PollInterval:    100 * time.Millisecond,
		Lifecycle:       uint32(bpf.LifecycleFork | bpf.LifecycleExec | bpf.LifecycleExit),
		Logf:            func(string, ...any) {},
	}
}

// hook is one program attachment; required hooks fail the start.
type hook struct {
	prog     *ebpf.Program
	name     string
	required bool
}

// Tracer is a loaded and attached set of ctrace programs.
type Tracer struct {
	objs     bpf.CtraceObjects
	links    []link.Link
	ring     *ring
	poll     time.Duration
	armed    bool // a poll deadline is set and has not yet expired
	deadline time.Time
	minNap   time.Duration
	nap      time.Duration // the next sleep when the ring is empty (MinNap to poll)
	napped   bool          // the last call slept: its next read tells whether the sleep found records
	// Attached lists the hooks that are attached; Skipped those that were not, with why.
	Attached []string
	Skipped  map[string]error
	// Variant is the kernel-side variant in use: "task-storage" or "compat" (and why).
	Variant string
	fast    bool // the task-storage variant: the hooks object is configured alike
	genMu   sync.Mutex
	gen     uint64 // the containers map's generation (changeContainers)
	// FileChoices says where each wanted file event comes from (optional.go).
	FileChoices []filesource.Choice
	hooks       *optionalLoader // the hooks object, once needed
	progs       []*ebpf.Program // programs loaded from it
}

// New checks the kernel, loads the programs and attaches them.
func New(opts Options) (*Tracer, error) {
	if err := CheckKernel(); err != nil {
		return nil, err
	}
	spec, err := bpf.LoadCtrace()
	if err != nil {
		return nil, fmt.Errorf("parse embedded BPF object: %w", err)
	}
	fast, variant := fastVariant(opts.Compat)
	if err := configure(spec, opts, fast); err != nil {
		return nil, err
	}
	minNap := min(max(opts.MinNap, time.Millisecond), opts.PollInterval)
	t := &Tracer{poll: opts.PollInterval, minNap: minNap, nap: minNap, Skipped: map[string]error{}, Variant: variant, fast: fast}
	if err := spec.LoadAndAssign(&t.objs, nil); err != nil {
		return nil, explainLoadError(err)
	}
	if err := t.loadSyscallConf(opts.Syscalls); err != nil {
		t.Close()
		return nil, err
	}
	if err := t.loadFilter(opts.Filter); err != nil {
		t.Close()
		return nil, err
	}
	t.ring, err = newRing(t.objs.Events.FD(), int(t.objs.Events.MaxEntries()), t.objs.ReaderAsleep.FD(), wakeupBytes(opts))
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("open ring buffer: %w", err)
	}
	// cgroup_mkdir first, so no container created from now on is missed
	// while existing ones are scanned by the caller.
	hooks := []hook{
		{t.objs.CtraceCgroupMkdir, "cgroup_mkdir", true},
		{t.objs.CtraceCgroupRmdir, "cgroup_rmdir", false},
		{t.objs.CtraceSchedFork, "sched_process_fork", false},
		{t.objs.CtraceSchedExec, "sched_process_exec", false},
		{t.objs.CtraceSchedExit, "sched_process_exit", false},
		{t.objs.CtraceSysExit, "sys_exit", true},
		{t.objs.CtraceSysEnter, "sys_enter", true},
	}
	for _, h := range hooks {
		l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: h.name, Program: h.prog})
		if err != nil {
			if h.required {
				t.Close()
				return nil, fmt.Errorf("attach raw tracepoint %s (required): %w", h.name, explainAttachError(err))
			}
			t.Skipped[h.name] = err
			opts.Logf("optional hook %s not attached: %v", h.name, err)
			continue
		}
		t.links = append(t.links, l)
		t.Attached = append(t.Attached, h.name)
	}
	t.attachOptional(opts)
	procRoot := opts.ProcRoot
	if procRoot == "" {
		procRoot = "/proc"
	}
	if err := t.followRunning(opts.Filter, procRoot); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// fastVariant says whether the kernel offers what the fast per-syscall path
// uses (task-local storage, BTF task pointers, bpf_task_pt_regs in raw
// tracepoints), and describes the choice.
func fastVariant(forceCompat bool) (bool, string) {
	if forceCompat {
		return false, "compat (forced)"
	}
	if err := features.HaveMapType(ebpf.TaskStorage); err != nil {
		return false, fmt.Sprintf("compat (no task storage: %v)", err)
	}
	for _, fn := range []asm.BuiltinFunc{asm.FnGetCurrentTaskBtf, asm.FnTaskStorageGet, asm.FnTaskPtRegs} {
		if err := features.HaveProgramHelper(ebpf.RawTracepoint, fn); err != nil {
			return false, fmt.Sprintf("compat (no %v in raw tracepoints: %v)", fn, err)
		}
	}
	return true, "task-storage"
}

// wakeupBytes is the pending data at which producers wake the reader.
func wakeupBytes(opts Options) uint64 {
	if opts.WakeupBytes > 0 {
		return uint64(opts.WakeupBytes)
	}
	return uint64(opts.RingBufferBytes / 4)
}

func configure(spec *ebpf.CollectionSpec, opts Options, fast bool) error {
	set := func(name string, v any) error {
		vs, ok := spec.Variables[name]
		if !ok {
			return fmt.Errorf("BPF object lacks variable %s", name)
		}
		return vs.Set(v)
	}
	if err := set("cfg_v1_subsys_id", opts.Cgroups.V1SubsysID); err != nil {
		return err
	}
	if err := set("cfg_hierarchy_id", opts.Cgroups.HierarchyID); err != nil {
		return err
	}
	if err := set("cfg_wakeup_bytes", wakeupBytes(opts)); err != nil {
		return err
	}
	if err := set("cfg_lifecycle", opts.Lifecycle); err != nil {
		return err
	}
	if err := set("cfg_task_storage", fast); err != nil {
		return err
	}
	slots := opts.InflightSlots
	if slots == 0 {
		slots = DefaultInflightSlots
	}
	if slots < 0 || slots&(slots-1) != 0 {
		return fmt.Errorf("in-flight slots %d: not a power of two", slots)
	}
	if err := set("cfg_inflight_mask", uint32(slots-1)); err != nil {
		return err
	}
	// The variant not used keeps placeholder maps (its code is dead and
	// dropped by the verifier, but the object still names the maps).
	if fast {
		spec.Maps[bpf.CtraceMapPending].MaxEntries = 1
		spec.Maps[bpf.CtraceMapInflight].MaxEntries = uint32(slots)
	} else {
		ts := spec.Maps[bpf.CtraceMapTaskStates]
		ts.Type, ts.Flags, ts.MaxEntries = ebpf.Array, 0, 1
		spec.Maps[bpf.CtraceMapInflight].MaxEntries = 1
	}
	if err := configureNet(spec, opts); err != nil {
		return err
	}
	if err := configureFilter(spec, opts); err != nil {
		return err
	}
	size := opts.RingBufferBytes
	page := os.Getpagesize()
	if size < page || size&(size-1) != 0 {
		return fmt.Errorf("ring buffer size %d: must be a power of two of at least %d bytes", size, page)
	}
	spec.Maps[bpf.CtraceMapEvents].MaxEntries = uint32(size)
	if len(opts.Syscalls) > bpf.MaxSyscalls+1 {
		return fmt.Errorf("syscall configuration has %d entries, the kernel side holds %d", len(opts.Syscalls), bpf.MaxSyscalls+1)
	}
	return nil
}

func (t *Tracer) loadSyscallConf(confs []bpf.SyscallConf) error {
	if len(confs) == 0 {
		return nil
	}
	keys := make([]uint32, len(confs))
	for i := range keys {
		keys[i] = uint32(i)
	}
	if _, err := t.objs.SyscallConf.BatchUpdate(keys, confs, nil); err != nil {
		// Batch ops on arrays need 5.6; fall back to single updates.
		for i := range confs {
			if err := t.objs.SyscallConf.Put(keys[i], confs[i]); err != nil {
				return fmt.Errorf("fill syscall_conf map: %w", err)
			}
		}
	}
	return nil
}

// AddContainerCgroup marks a cgroup id as a container's in the kernel.
func (t *Tracer) AddContainerCgroup(id uint64) error {
	return t.changeContainers(func() error {
		return t.objs.Containers.Put(id, bpf.CgroupInfo{State: uint32(bpf.CgroupContainer)})
	})
}

// changeContainers makes one change to the containers map, then moves the
// map's generation on so that no CPU keeps a decision it cached before the
// change (verdict_cache in ctrace.bpf.c).
func (t *Tracer) changeContainers(change func() error) error {
	t.genMu.Lock()
	defer t.genMu.Unlock()
	err := change()
	t.gen++
	if gerr := t.objs.CgroupGen.Put(uint32(0), t.gen); gerr != nil {
		return errors.Join(err, fmt.Errorf("containers map generation: %w", gerr))
	}
	return err
}

// Candidates returns the cgroups the kernel traces as candidates: created
// after the start and not yet classified by user space.
func (t *Tracer) Candidates() ([]uint64, error) {
	var (
		out  []uint64
		id   uint64
		info bpf.CgroupInfo
	)
	it := t.objs.Containers.Iterate()
	for it.Next(&id, &info) {
		if info.State == uint32(bpf.CgroupCandidate) {
			out = append(out, id)
		}
	}
	return out, it.Err()
}

// ForgetCgroup removes a cgroup from the kernel map (not a container, or gone).
func (t *Tracer) ForgetCgroup(id uint64) error {
	return t.changeContainers(func() error {
		err := t.objs.Containers.Delete(id)
		if errors.Is(err, ebpf.ErrKeyNotExist) {
			return nil
		}
		return err
	})
}

// ErrPoll is returned by Next when no record arrived within the poll interval.
var ErrPoll = errors.New("no record within poll interval")

// ErrClosed is returned by Next after Close.
var ErrClosed = os.ErrClosed

// Next returns the next record. The slice is the record in the ring
// buffer's memory: it is valid until the next call of Next, Drain or Read
// (then its space is given back to the kernel), so keep a copy of anything
// needed later. Next returns ErrPoll at the end of every poll interval once
// the records available then are read (so the caller flushes at least that
// often), and ErrClosed after Close.
func (t *Tracer) Next() ([]byte, error) {
	if t.ring == nil {
		return nil, ErrClosed
	}
	for {
		rec, err := t.ring.next()
		if err != errEmpty {
			if t.napped {
				t.napped, t.nap = false, t.minNap // records flow: read again soon
			}
			return rec, err
		}
		if t.napped {
			t.napped, t.nap = false, min(2*t.nap, t.poll) // a sleep for nothing: sleep longer
		}
		// Empty: the only place that reads the clock.
		now := time.Now()
		if !t.armed {
			t.deadline, t.armed = now.Add(t.poll), true
		}
		if !now.Before(t.deadline) {
			t.armed = false
			t.ring.commit()
			return nil, ErrPoll
		}
		t.napped = true
		if err := t.ring.wait(min(t.deadline.Sub(now), t.nap)); err != nil {
			return nil, err
		}
	}
}

// Drain returns the next record like Next without waiting: ErrPoll when the
// ring buffer is empty.
func (t *Tracer) Drain() ([]byte, error) {
	if t.ring == nil {
		return nil, ErrClosed
	}
	t.armed = false
	rec, err := t.ring.next()
	if err == errEmpty {
		t.ring.commit()
		return nil, ErrPoll
	}
	return rec, err
}

// Read is Next into a copy held by rec (rec.RawSample is reused).
func (t *Tracer) Read(rec *ringbuf.Record) error {
	raw, err := t.Next()
	if err == nil {
		rec.RawSample = append(rec.RawSample[:0], raw...)
	}
	return err
}

// Pending returns the bytes in the ring buffer not read yet.
func (t *Tracer) Pending() uint64 {
	if t.ring == nil {
		return 0
	}
	return t.ring.available()
}

// Stats are the kernel-side counters, summed over CPUs.
type Stats struct {
	LostRingbuf uint64 // ring buffer full
	LostPending uint64 // per-thread syscall state could not be stored
	// ExecTruncated counts execve/execveat events written without their
	// arguments (the capture at entry could not be kept): not lost, marked
	// truncated.
	ExecTruncated uint64
	// PIDFollowFull counts children of --pid/--exclude-pid processes that
	// could not be followed (the kernel's table was full): their events
	// are treated like those of any process not given.
	PIDFollowFull uint64
}

// Lost returns the sum of all kernel-side losses.
func (s Stats) Lost() uint64 { return s.LostRingbuf + s.LostPending }

// Stats reads the kernel's counters.
func (t *Tracer) Stats() (Stats, error) {
	var st Stats
	dst := []*uint64{&st.LostRingbuf, &st.LostPending, &st.ExecTruncated, &st.PIDFollowFull}
	for i, d := range dst {
		var perCPU []uint64
		if err := t.objs.Stats.Lookup(uint32(i), &perCPU); err != nil {
			return st, fmt.Errorf("read stats: %w", err)
		}
		for _, v := range perCPU {
			*d += v
		}
	}
	return st, nil
}

// Detach stops all programs; records already in the ring buffer stay readable.
func (t *Tracer) Detach() {
	for _, l := range t.links {
		l.Close()
	}
	t.links = nil
}

// Close detaches and frees everything.
func (t *Tracer) Close() error {
	t.Detach()
	if t.ring != nil {
		t.ring.close()
		t.ring = nil
	}
	for _, p := range t.progs {
		p.Close()
	}
	if t.hooks != nil {
		t.hooks.close()
	}
	return t.objs.Close()
}
