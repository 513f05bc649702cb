// Package session runs one trace: it starts the tracer, keeps the kernel's
// container map in step with the container collection, decodes records,
// filters them and hands them to a printer, and on shutdown drains and
// reports what was seen and lost.
package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cilium/ebpf/ringbuf"
	"golang.org/x/sys/unix"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/fdtable"
	"github.com/ctrace-dev/ctrace/internal/filter"
	"github.com/ctrace-dev/ctrace/internal/output"
	"github.com/ctrace-dev/ctrace/internal/tracer"
)

// Config wires a session. Every field is required unless noted.
type Config struct {
	Catalog    *events.Catalog
	Containers *containers.Collection
	Hierarchy  containers.Hierarchy
	Filter     *filter.Filter
	Printer    output.Printer
	TracerOpts tracer.Options // Cgroups and Syscalls are filled in by Run; its Logf, when nil, is Logf
	Logf       func(format string, args ...any)
	OnReady    func(Ready)           // called once the probes are attached (optional)
	Capture    events.CaptureOptions // optional kernel-side capture (buffers)
	NetFile    NetFileConfig         // file and network events (optional)
	// Progress, when set, is called by the reading loop about once a second
	// with the summary so far; its Kernel counters are read just before.
	Progress func(Summary)
}

// Ready describes the session once it traces.
type Ready struct {
	Containers int
	Attached   []string
	Skipped    map[string]error
	// FileSource says where file events come from ("" when none are traced).
	FileSource string
}

// Summary is what a finished session reports.
type Summary struct {
	Events   uint64 // events written
	Filtered uint64 // container events the filter left out
	Kernel   tracer.Stats
	// DecodeErrors counts records that could not be decoded (lost too).
	DecodeErrors uint64
	// Host counts records from cgroups that proved not to be containers (not lost: never wanted).
	Host uint64
}

// Lost is every event that was wanted but not written.
func (s Summary) Lost() uint64 { return s.Kernel.Lost() + s.DecodeErrors }

// Run traces until ctx is done, then drains, flushes and returns the summary.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	var sum Summary
	mode, err := tracer.CgroupModeFor(cfg.Hierarchy.Version, cfg.Hierarchy.Controller)
	if err != nil {
		return sum, err
	}
	opts := cfg.TracerOpts
	opts.Cgroups = mode
	capture := cfg.Capture
	nf := newNetfile(cfg.Catalog, cfg.Filter, cfg.NetFile, cfg.Containers)
	nf.tracerOptions(&opts)
	capture.Enabled = nf.kernelEnabled() // event selection runs in the kernel
	opts.Syscalls = cfg.Catalog.KernelConf(capture)
	opts.Lifecycle = cfg.Catalog.LifecycleMask(capture)
	if opts.Logf == nil { // the tracer's notices (hooks skipped) go to its own Logf when set
		opts.Logf = cfg.Logf
	}
	tr, err := tracer.New(opts)
	if err != nil {
		return sum, err
	}
	defer tr.Close()
	fds := fdtable.New("/proc")
	if nf.started(tr, fds) {
		capture.Enabled = nf.kernelEnabled()
		if err := tr.SetSyscallConf(cfg.Catalog.KernelConf(capture)); err != nil {
			return sum, err
		}
	}

	// The cgroup_mkdir hook is attached: containers created from now on are
	// seen by the kernel; add the ones that already exist.
	existing, err := cfg.Containers.Scan(cfg.Hierarchy)
	if err != nil {
		return sum, fmt.Errorf("scan existing containers: %w", err)
	}
	for _, c := range existing {
		if err := tr.AddContainerCgroup(c.CgroupID); err != nil {
			return sum, fmt.Errorf("track container cgroup %d: %w", c.CgroupID, err)
		}
	}
	nf.seedNetns(tr, existing)
	if cfg.OnReady != nil {
		cfg.OnReady(Ready{Containers: countIDs(existing), Attached: tr.Attached, Skipped: tr.Skipped, FileSource: nf.summary})
	}

	p := &pump{cfg: cfg, tr: tr, dec: events.NewDecoder(cfg.Catalog, BootToWall()), fds: fds, nf: nf, sum: &sum}

	var rec ringbuf.Record
	lastProgress := time.Now()
	for ctx.Err() == nil {
		err := tr.Read(&rec)
		switch {
		case err == nil:
			if err := p.handle(rec.RawSample); err != nil {
				return sum, err
			}
		case errors.Is(err, tracer.ErrPoll):
			if err := p.tick(); err != nil {
				return sum, err
			}
			if err := cfg.Printer.Flush(); err != nil {
				return sum, fmt.Errorf("write output: %w", err)
			}
			if cfg.Progress != nil && time.Since(lastProgress) >= time.Second {
				lastProgress = time.Now()
				if st, err := tr.Stats(); err == nil {
					sum.Kernel = st
				}
				cfg.Progress(sum)
			}
		default:
			return sum, fmt.Errorf("read ring buffer: %w", err)
		}
	}

	// Stop producing, then write out everything already buffered.
	tr.Detach()
	for {
		err := tr.Drain(&rec)
		if err != nil {
			if errors.Is(err, tracer.ErrPoll) {
				break
			}
			return sum, fmt.Errorf("drain ring buffer: %w", err)
		}
		if err := p.handle(rec.RawSample); err != nil {
			return sum, err
		}
	}
	if err := p.flushDerived(); err != nil {
		return sum, err
	}
	if err := cfg.Printer.Flush(); err != nil {
		return sum, fmt.Errorf("write output: %w", err)
	}
	st, err := tr.Stats()
	if err != nil {
		return sum, err
	}
	sum.Kernel = st
	return sum, nil
}

// pump handles one record at a time; it owns the reused Event.
type pump struct {
	cfg Config
	tr  *tracer.Tracer
	dec *events.Decoder
	ev  events.Event
	fds *fdtable.Table
	nf  *netfile
	sum *Summary
}

func (p *pump) handle(raw []byte) error {
	kind, err := events.Kind(raw)
	if err != nil {
		p.sum.DecodeErrors++
		return nil
	}
	if kind == bpf.RecCgroupMkdir || kind == bpf.RecCgroupRmdir {
		return p.cgroup(raw)
	}
	if err := p.dec.Decode(raw, &p.ev); err != nil {
		p.sum.DecodeErrors++
		p.cfg.Logf("undecodable record: %v", err)
		return nil
	}
	c, ok := p.cfg.Containers.Lookup(p.ev.CgroupID)
	if !ok {
		p.sum.Host++ // a new cgroup that proved not to be a container's
		return nil
	}
	// The fd table follows every event, printed or not; fd arguments are
	// described as they were before the call.
	defer p.fds.Observe(&p.ev)
	if p.cfg.Filter.Match(&p.ev) {
		p.fds.Annotate(&p.ev)
		p.nf.namer.Annotate(&p.ev, c)
		if err := p.cfg.Printer.Write(&p.ev, c); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		p.sum.Events++
	} else if p.nf.selected(p.ev.Def) {
		p.sum.Filtered++ // events only needed internally (derived events' syscalls) are not "filtered out"
	}
	return p.derive(c)
}

// cgroup classifies a new cgroup (before any record of its tasks is read:
// the ring buffer keeps kernel order) and forgets removed ones.
func (p *pump) cgroup(raw []byte) error {
	ce, err := events.DecodeCgroup(raw)
	if err != nil {
		p.sum.DecodeErrors++
		return nil
	}
	p.nf.namer.Invalidate()
	if !ce.Mkdir {
		p.cfg.Containers.Remove(ce.ID)
		return nil
	}
	if c, ok := p.cfg.Containers.Add(ce.ID, ce.Path); ok {
		p.nf.seedNetns(p.tr, []*containers.Container{c})
		if ce.State != bpf.CgroupContainer {
			return p.tr.AddContainerCgroup(ce.ID)
		}
		return nil
	}
	return p.tr.ForgetCgroup(ce.ID)
}

func countIDs(cs []*containers.Container) int {
	seen := map[string]bool{}
	for _, c := range cs {
		seen[c.Info.ID] = true
	}
	return len(seen)
}

// BootToWall returns wall-clock time minus CLOCK_BOOTTIME in nanoseconds,
// the offset that turns the kernel's event stamps into wall-clock time.
func BootToWall() int64 {
	var ts unix.Timespec
	before := time.Now().UnixNano()
	if err := unix.ClockGettime(unix.CLOCK_BOOTTIME, &ts); err != nil {
		return 0
	}
	after := time.Now().UnixNano()
	return (before+after)/2 - ts.Nano()
}
