// Package recorder loads ctrace's seccomp and capability recorder
// (internal/bpf/record.bpf.c), keeps its per-cgroup map in step with the
// container collection, and turns what the kernel kept into a recording.
package recorder

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/features"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
	"github.com/ctrace-dev/ctrace/internal/tracer"
)

// Options configure a Recorder.
type Options struct {
	Cgroups tracer.CgroupMode
	Arch    syscalls.Arch
	// Args keeps argument values of socket, clone, personality, prctl, ioctl.
	Args bool
	// WatchDenials notes calls refused by seccomp (verify); costs a map
	// update per syscall, so recording leaves it off.
	WatchDenials bool
	// Capabilities records capability checks when the kernel allows it.
	Capabilities bool
	// ProbeReads forces the sys_enter variant for kernels without BTF task
	// pointers (chosen by itself on such kernels; tests force it).
	ProbeReads bool
	Logf       func(format string, args ...any)
}

// objects are the recorder's maps and programs (loaded as a subset of the object).
type objects struct {
	Cgroups  *ebpf.Map     `ebpf:"rec_cgroups"`
	Events   *ebpf.Map     `ebpf:"rec_events"`
	Workload *ebpf.Map     `ebpf:"rec_workload"`
	Entered  *ebpf.Map     `ebpf:"rec_entered"`
	Pending  *ebpf.Map     `ebpf:"rec_cap_pending"`
	Zero     *ebpf.Map     `ebpf:"rec_zero"`
	Stats    *ebpf.Map     `ebpf:"rec_stats"`
	SysEnter *ebpf.Program `ebpf:"rec_sys_enter"`
	SysExit  *ebpf.Program `ebpf:"rec_sys_exit"`
	Fork     *ebpf.Program `ebpf:"rec_sched_fork"`
	Exit     *ebpf.Program `ebpf:"rec_sched_exit"`
	CapTP    *ebpf.Program `ebpf:"rec_cap_capable"`
	Mkdir    *ebpf.Program `ebpf:"rec_cgroup_mkdir"`
	Rmdir    *ebpf.Program `ebpf:"rec_cgroup_rmdir"`
}

type kprobeObjects struct {
	Entry  *ebpf.Program `ebpf:"rec_cap_kprobe"`
	Return *ebpf.Program `ebpf:"rec_cap_kretprobe"`
}

// Recorder is the loaded and attached recorder.
type Recorder struct {
	spec   *ebpf.CollectionSpec
	objs   objects
	kp     kprobeObjects
	links  []link.Link
	reader *ringbuf.Reader
	armed  bool
	// CapHook says how capability checks are seen; CapWhy why the better
	// hooks are not used ("" when the tracepoint is).
	CapHook CapHook
	CapWhy  string
	// ProbeReads: the kernel lacks BTF task pointers; sys_enter uses probe reads.
	ProbeReads bool
}

// New checks the kernel, loads and attaches the recorder. cgroup_mkdir is
// attached first so that the caller can scan existing containers next
// without missing one created meanwhile.
func New(opts Options) (*Recorder, error) {
	if err := tracer.CheckKernel(); err != nil {
		return nil, err
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	spec, err := bpf.LoadRecord()
	if err != nil {
		return nil, fmt.Errorf("parse embedded BPF object: %w", err)
	}
	if err := configure(spec, opts); err != nil {
		return nil, err
	}
	r := &Recorder{spec: spec}
	// Older kernels (before 5.11) lack bpf_get_current_task_btf: their
	// sys_enter reads the task's fields through probe reads instead.
	if opts.ProbeReads || features.HaveProgramHelper(ebpf.RawTracepoint, asm.FnGetCurrentTaskBtf) != nil {
		spec.Programs["rec_sys_enter"] = spec.Programs["rec_sys_enter_probe"]
		r.ProbeReads = true
	}
	if err := spec.LoadAndAssign(&r.objs, nil); err != nil {
		return nil, explain(err)
	}
	r.reader, err = ringbuf.NewReader(r.objs.Events)
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("open ring buffer: %w", err)
	}
	attach := func(name string, p *ebpf.Program) error {
		l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: name, Program: p})
		if err != nil {
			return err
		}
		r.links = append(r.links, l)
		return nil
	}
	required := []struct {
		name string
		prog *ebpf.Program
	}{
		{"cgroup_mkdir", r.objs.Mkdir}, {"cgroup_rmdir", r.objs.Rmdir},
		{"sched_process_fork", r.objs.Fork}, {"sched_process_exit", r.objs.Exit},
	}
	for _, h := range required {
		if err := attach(h.name, h.prog); err != nil {
			r.Close()
			return nil, fmt.Errorf("attach raw tracepoint %s (required): %w", h.name, err)
		}
	}
	if opts.Capabilities {
		r.CapHook, r.CapWhy = ChooseCapHook([]CapAttacher{
			{Hook: CapTracepoint, Attach: func() error { return attach("cap_capable", r.objs.CapTP) }},
			{Hook: CapKprobe, Attach: r.attachKprobes},
		})
	} else {
		r.CapHook, r.CapWhy = CapNone, "not requested"
	}
	if opts.WatchDenials {
		if err := attach("sys_exit", r.objs.SysExit); err != nil {
			r.Close()
			return nil, fmt.Errorf("attach raw tracepoint sys_exit (required): %w", err)
		}
	}
	if err := attach("sys_enter", r.objs.SysEnter); err != nil {
		r.Close()
		return nil, fmt.Errorf("attach raw tracepoint sys_enter (required): %w", err)
	}
	return r, nil
}

// attachKprobes loads the kprobe fallback (sharing the maps) and attaches it to cap_capable.
func (r *Recorder) attachKprobes() error {
	opts := &ebpf.CollectionOptions{MapReplacements: map[string]*ebpf.Map{
		"rec_cgroups": r.objs.Cgroups, "rec_workload": r.objs.Workload, "rec_cap_pending": r.objs.Pending,
		"rec_stats": r.objs.Stats, "rec_events": r.objs.Events, "rec_entered": r.objs.Entered, "rec_zero": r.objs.Zero,
	}}
	if err := r.spec.LoadAndAssign(&r.kp, opts); err != nil {
		return err
	}
	l, err := link.Kprobe("cap_capable", r.kp.Entry, nil)
	if err != nil {
		return err
	}
	r.links = append(r.links, l)
	l, err = link.Kretprobe("cap_capable", r.kp.Return, nil)
	if err != nil {
		return err
	}
	r.links = append(r.links, l)
	return nil
}

func configure(spec *ebpf.CollectionSpec, opts Options) error {
	set := func(name string, v any) error {
		vs, ok := spec.Variables[name]
		if !ok {
			return fmt.Errorf("BPF object lacks variable %s", name)
		}
		return vs.Set(v)
	}
	b := func(v bool) uint32 {
		if v {
			return 1
		}
		return 0
	}
	vals := map[string]any{
		"cfg_v1_subsys_id": opts.Cgroups.V1SubsysID, "cfg_hierarchy_id": opts.Cgroups.HierarchyID,
		"cfg_record_args": b(opts.Args), "cfg_watch_denials": b(opts.WatchDenials),
	}
	nr := func(a syscalls.Arch, name string) uint32 {
		if n, ok := syscalls.NrOf(a, name); ok {
			return uint32(n)
		}
		return ^uint32(0) // no such call on this ABI: never matches
	}
	native, compat := opts.Arch, syscalls.CompatArch(opts.Arch)
	for _, n := range []string{"execve", "execveat", "socket", "clone", "personality", "prctl", "ioctl"} {
		vals["cfg_nr_"+n] = nr(native, n)
	}
	vals["cfg_compat_nr_execve"] = nr(compat, "execve")
	vals["cfg_compat_nr_execveat"] = nr(compat, "execveat")
	for k, v := range vals {
		if err := set(k, v); err != nil {
			return err
		}
	}
	return nil
}

func explain(err error) error {
	var ve *ebpf.VerifierError
	if errors.As(err, &ve) {
		if os.Getenv("CTRACE_DEBUG") != "" {
			fmt.Fprintf(os.Stderr, "%+v\n", ve)
		}
		return fmt.Errorf("the kernel's verifier rejected the recorder: %v (set CTRACE_DEBUG=1 for the full log)", firstLine(err.Error()))
	}
	if errors.Is(err, os.ErrPermission) {
		return fmt.Errorf("loading BPF programs was refused: ctrace needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN); run it as root (%v)", firstLine(err.Error()))
	}
	return fmt.Errorf("load BPF programs: %v", firstLine(err.Error()))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Track records a cgroup that already exists (found by a scan) as a container's.
func (r *Recorder) Track(id uint64) error {
	v := bpf.RecCgroup{State: uint32(bpf.CgroupContainer)}
	err := r.objs.Cgroups.Update(id, &v, ebpf.UpdateNoExist)
	if errors.Is(err, ebpf.ErrKeyExist) {
		return nil // created since the hook was attached: already recorded
	}
	return err
}

// Forget stops recording a cgroup (not a container) and drops what it kept.
func (r *Recorder) Forget(id uint64) error {
	err := r.objs.Cgroups.Delete(id)
	if errors.Is(err, ebpf.ErrKeyNotExist) {
		return nil
	}
	return err
}

// Peek returns what the kernel kept for a cgroup so far.
func (r *Recorder) Peek(id uint64) (bpf.RecCgroup, bool, error) {
	var v bpf.RecCgroup
	err := r.objs.Cgroups.Lookup(id, &v)
	if errors.Is(err, ebpf.ErrKeyNotExist) {
		return v, false, nil
	}
	return v, err == nil, err
}

// Take returns what the kernel kept for a removed cgroup and drops it.
func (r *Recorder) Take(id uint64) (bpf.RecCgroup, bool, error) {
	v, ok, err := r.Peek(id)
	if ok {
		err = r.Forget(id)
	}
	return v, ok, err
}

// CgroupEvent is a cgroup created or removed in the tracked hierarchy.
type CgroupEvent struct {
	ID, ParentID uint64
	Mkdir        bool
	Container    bool // the kernel made it a container's (child of one)
	Path         string
}

// ErrPoll is returned by Read when nothing arrived within the poll interval.
var ErrPoll = errors.New("no event within poll interval")

// Read returns the next cgroup event, or ErrPoll after poll without one.
func (r *Recorder) Read(poll time.Duration) (CgroupEvent, error) {
	if !r.armed {
		r.reader.SetDeadline(time.Now().Add(poll))
		r.armed = true
	}
	rec, err := r.reader.Read()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		r.armed = false
		return CgroupEvent{}, ErrPoll
	}
	if err != nil {
		return CgroupEvent{}, err
	}
	return decodeEvent(rec.RawSample)
}

func decodeEvent(b []byte) (CgroupEvent, error) {
	const fixed = 24
	if len(b) < fixed {
		return CgroupEvent{}, fmt.Errorf("cgroup event of %d bytes", len(b))
	}
	e := CgroupEvent{
		ID:        binary.LittleEndian.Uint64(b[0:]),
		ParentID:  binary.LittleEndian.Uint64(b[8:]),
		Mkdir:     binary.LittleEndian.Uint32(b[16:]) != 0,
		Container: binary.LittleEndian.Uint32(b[20:]) == uint32(bpf.CgroupContainer),
	}
	p := b[fixed:]
	if i := strings.IndexByte(string(p), 0); i >= 0 {
		p = p[:i]
	}
	e.Path = string(p)
	return e, nil
}

// Stats are the recorder's loss counters, summed over CPUs.
type Stats struct {
	CgroupFull uint64 // new cgroups that could not be recorded
	EventLost  uint64 // cgroup events that could not be queued
	MarkFull   uint64 // processes that could not be marked as workload
}

// Stats reads the counters.
func (r *Recorder) Stats() (Stats, error) {
	var st Stats
	for i, d := range []*uint64{&st.CgroupFull, &st.EventLost, &st.MarkFull} {
		var perCPU []uint64
		if err := r.objs.Stats.Lookup(uint32(i), &perCPU); err != nil {
			return st, fmt.Errorf("read recorder stats: %w", err)
		}
		for _, v := range perCPU {
			*d += v
		}
	}
	return st, nil
}

// Detach stops every program; the maps stay readable.
func (r *Recorder) Detach() {
	for _, l := range r.links {
		l.Close()
	}
	r.links = nil
}

// Close detaches and frees everything.
func (r *Recorder) Close() error {
	r.Detach()
	if r.reader != nil {
		r.reader.Close()
	}
	for _, c := range []interface{ Close() error }{r.kp.Entry, r.kp.Return} {
		if c != nil && c != (*ebpf.Program)(nil) {
			c.Close()
		}
	}
	return closeObjs(&r.objs)
}

func closeObjs(o *objects) error {
	for _, m := range []*ebpf.Map{o.Cgroups, o.Events, o.Workload, o.Entered, o.Pending, o.Zero, o.Stats} {
		if m != nil {
			m.Close()
		}
	}
	for _, p := range []*ebpf.Program{o.SysEnter, o.SysExit, o.Fork, o.Exit, o.CapTP, o.Mkdir, o.Rmdir} {
		if p != nil {
			p.Close()
		}
	}
	return nil
}
