// Package session runs one trace: it starts the tracer, keeps the kernel's
// container map in step with the container collection, decodes records,
// filters them and hands them to a printer, and on shutdown drains and
// reports what was seen and lost.
//
// The per-record work (the pump, pump.go) runs against a Source — the
// tracer, or a fake in tests — so that it can be tested without privileges.
package session

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/fdtable"
	"github.com/ctrace-dev/ctrace/internal/filter"
	"github.com/ctrace-dev/ctrace/internal/output"
	"github.com/ctrace-dev/ctrace/internal/tracer"
)

// Containers is what a session needs of the container collection
// (*containers.Collection). Add may return a container that is not yet
// Resolved; the collection then stores a resolved one later and sends a
// token on Resolved(). Containers lists the live containers, All also
// those removed within the grace period (the namer of network peers and
// shared volumes asks).
type Containers interface {
	Lookup(cgroupID uint64) (*containers.Container, bool)
	Add(cgroupID uint64, cgroupPath string) (*containers.Container, bool)
	Remove(cgroupID uint64)
	Resolved() <-chan struct{}
	Scan(h containers.Hierarchy) ([]*containers.Container, error)
	Containers() []*containers.Container
	All() []*containers.Container
}

// Config wires a session. Every field is required unless noted.
type Config struct {
	Catalog    *events.Catalog
	Containers Containers
	Hierarchy  containers.Hierarchy
	Filter     *filter.Filter
	Printer    output.Printer
	// TracerOpts: Cgroups, Syscalls, Lifecycle and the file/network hooks
	// are filled in by Run; its Logf, when nil, is Logf.
	TracerOpts tracer.Options
	// Logf is the diagnostics sink (undecodable records, unclassifiable cgroups, …).
	Logf    func(format string, args ...any)
	OnReady func(Ready)           // called once the probes are attached (optional)
	Capture events.CaptureOptions // optional kernel-side capture (buffers)
	NetFile NetFileConfig         // file and network events (optional)
	// Progress, when set, is called from the reading loop about once a
	// second with the summary so far; its Kernel counters are read just
	// before (for a live status line and the loss reports).
	Progress func(Summary)
	// Keep, when set, decides per container whether its events are printed
	// (container and image filters: filter.Filter.KeepContainer): it is
	// asked once per container, when the container is resolved (held
	// records are then printed or dropped); isNew says its cgroup appeared
	// after the start-up scan. A container it drops is excluded in the
	// kernel from then on (its syscalls cost one lookup). nil keeps every
	// container.
	Keep func(c *containers.Container, isNew bool) bool
	// HoldBytes bounds the records held for containers that are not yet
	// resolved (0: DefaultHoldBytes).
	HoldBytes int
}

// DefaultHoldBytes is the default bound of the hold queue: about 100,000
// syscall records.
const DefaultHoldBytes = 16 << 20

// Ready describes the session once it traces.
type Ready struct {
	Containers int
	Attached   []string
	Skipped    map[string]error
	Variant    string // kernel-side variant (tracer.Tracer.Variant)
	// FileSource says where file events come from ("" when none are traced).
	FileSource string
}

// Summary is what a finished session reports.
type Summary struct {
	Events   uint64 // events written
	Filtered uint64 // container events the filters left out
	Kernel   tracer.Stats
	// DecodeErrors counts records that could not be decoded (lost too).
	DecodeErrors uint64
	// HoldDropped counts records of not-yet-named containers that did not
	// fit in the hold queue (lost).
	HoldDropped uint64
	// Held is the number of records held right now, waiting for their
	// container's name.
	Held uint64
	// Host counts records from cgroups that proved not to be containers (not lost: never wanted).
	Host uint64
	// Containers is the number of containers seen with events.
	Containers int
}

// Lost is every event that was wanted but not written.
func (s Summary) Lost() uint64 { return s.Kernel.Lost() + s.DecodeErrors + s.HoldDropped }

// Run traces until ctx is done, then drains, flushes and returns the summary.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	mode, err := tracer.CgroupModeFor(cfg.Hierarchy.Version, cfg.Hierarchy.Controller)
	if err != nil {
		return Summary{}, err
	}
	opts := cfg.TracerOpts
	opts.Cgroups = mode
	nf := newNetfile(cfg.Catalog, cfg.Filter, cfg.NetFile, cfg.Containers)
	nf.tracerOptions(&opts)
	// Event selection runs in the kernel: what the filter wants, and what
	// derived events need (recorded, not printed).
	capture := cfg.Capture
	capture.Enabled = nf.kernelEnabled()
	capture.RawEnter, capture.RawExit = rawSelection(cfg.Catalog, cfg.Filter)
	opts.Filter = cfg.Filter.Task()
	if showsFds(cfg.Catalog, capture.Enabled) {
		// Keep the fd table right even for fd-changing calls not selected.
		capture.FdTrack = fdtable.Tracks
	}
	opts.Syscalls = cfg.Catalog.KernelConf(capture)
	opts.Lifecycle = cfg.Catalog.LifecycleMask(capture)
	if opts.Logf == nil { // the tracer's notices (hooks skipped) go to its own Logf when set
		opts.Logf = cfg.Logf
	}
	tr, err := tracer.New(opts)
	if err != nil {
		return Summary{}, err
	}
	defer tr.Close()
	fds := fdtable.New("/proc")
	if nf.started(tr, fds) {
		// File hooks attached: fewer syscalls to derive file events from.
		capture.Enabled = nf.kernelEnabled()
		if err := tr.SetSyscallConf(cfg.Catalog.KernelConf(capture)); err != nil {
			return Summary{}, err
		}
	}

	// The cgroup_mkdir hook is attached: containers created from now on are
	// seen by the kernel; add the ones that already exist.
	existing, err := cfg.Containers.Scan(cfg.Hierarchy)
	if err != nil {
		return Summary{}, fmt.Errorf("scan existing containers: %w", err)
	}
	old := map[uint64]bool{}
	for _, c := range existing {
		old[c.CgroupID] = true
		track := tr.AddContainerCgroup
		if cfg.Keep != nil && c.Resolved && !cfg.Keep(c, false) {
			track = tr.ExcludeCgroup // its tasks cost one lookup from the start
		}
		if err := track(c.CgroupID); err != nil {
			return Summary{}, fmt.Errorf("track container cgroup %d: %w", c.CgroupID, err)
		}
	}
	nf.seedNetns(tr, existing)
	if cfg.OnReady != nil {
		cfg.OnReady(Ready{Containers: countIDs(existing), Attached: tr.Attached, Skipped: tr.Skipped,
			Variant: tr.Variant, FileSource: nf.summary})
	}
	p := newPump(cfg, tr, events.NewDecoder(cfg.Catalog, BootToWall()), newResolver(cfg.Hierarchy.Mount), fds, nf)
	p.existing = old
	return p.run(ctx)
}

// rawSelection returns which syscalls' raw sys_enter / sys_exit events the
// filter wants (nil when it wants none).
func rawSelection(cat *events.Catalog, f *filter.Filter) (enter, exit func(*events.Def) bool) {
	sel := func(id events.ID) func(*events.Def) bool {
		raw, ok := cat.ByID(id)
		if !ok || !f.EventEnabled(raw) {
			return nil
		}
		return func(sc *events.Def) bool { return f.RawEnabled(raw, sc) }
	}
	return sel(events.IDSysEnter), sel(events.IDSysExit)
}

// showsFds says whether some selected event has a file descriptor
// parameter, i.e. whether fd names are shown (or derived events need them).
func showsFds(cat *events.Catalog, enabled func(*events.Def) bool) bool {
	for i := range cat.All() {
		d := &cat.All()[i]
		if !enabled(d) {
			continue
		}
		for _, p := range d.Params {
			if p.Type == events.TypeFd {
				return true
			}
		}
	}
	return false
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
