package session

import (
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/derive"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/fdtable"
	"github.com/ctrace-dev/ctrace/internal/filesource"
	"github.com/ctrace-dev/ctrace/internal/filter"
	"github.com/ctrace-dev/ctrace/internal/peers"
	"github.com/ctrace-dev/ctrace/internal/tracer"
)

// NetFileConfig configures the file and network events of a session (issue 9).
type NetFileConfig struct {
	// Aggregate > 0 folds repeated reads/writes of one file by one task.
	Aggregate time.Duration
	// UDPInterval is the least time between two records of one UDP peer.
	UDPInterval time.Duration
	// Reinspect asks the runtimes again about a container (to learn
	// addresses assigned after it was first seen). Optional.
	Reinspect peers.Options
}

// netfile is the session's file/network stage: which hooks to attach, the
// deriver of file events from syscalls, and the namer of far ends.
type netfile struct {
	cat     *events.Catalog
	flt     *filter.Filter
	cfg     NetFileConfig
	sources map[events.ID]filesource.Source // file events with hooks, once attached
	derived map[events.ID]bool              // events derived from syscalls here
	deriver *derive.Deriver                 // nil when nothing is derived
	namer   *peers.Namer
	summary string
	wanted  []bool // the filter's event selection by ID (the pump's Filtered count)
}

func newNetfile(cat *events.Catalog, flt *filter.Filter, cfg NetFileConfig, coll Containers) *netfile {
	nf := &netfile{cat: cat, flt: flt, cfg: cfg, sources: map[events.ID]filesource.Source{}, derived: map[events.ID]bool{}}
	nf.namer = peers.New(coll, cfg.Reinspect)
	for nr := range uint32(bpf.MaxSyscalls) + 1 { // the last: every number beyond the table (events.IDUnknownSyscall)
		nf.want(cat.Syscall(nr))
	}
	all := cat.All()
	for i := range all {
		nf.want(&all[i])
	}
	// Until hooks are attached, assume every wanted derivable event is derived.
	for _, d := range cat.All() {
		if derive.Derivable(d.ID) && flt.EventEnabled(&d) {
			nf.derived[d.ID] = true
		}
	}
	return nf
}

func (nf *netfile) want(d *events.Def) {
	for int(d.ID) >= len(nf.wanted) {
		nf.wanted = append(nf.wanted, false)
	}
	nf.wanted[d.ID] = nf.flt.EventEnabled(d)
}

// selected reports whether the user selected d's events (not only needed internally).
func (nf *netfile) selected(d *events.Def) bool {
	if int(d.ID) < len(nf.wanted) {
		return nf.wanted[d.ID]
	}
	return nf.flt.EventEnabled(d)
}

// tracerOptions selects the optional hooks the filter needs.
func (nf *netfile) tracerOptions(opts *tracer.Options) {
	for _, d := range nf.cat.All() {
		if !nf.flt.EventEnabled(&d) {
			continue
		}
		if contains(d.Sets, events.SetNetConn) && !derive.Derivable(d.ID) {
			opts.Net.Enabled = true
		}
		if _, ok := filesource.Hooks[d.Name]; ok {
			opts.FileEvents = append(opts.FileEvents, d.Name)
		}
	}
	opts.Net.UDPInterval = nf.cfg.UDPInterval
}

// kernelEnabled is the kernel selection: what the filter wants, and what
// derived events need (their syscalls and the fd/cwd tables' events),
// which are then not printed.
func (nf *netfile) kernelEnabled() func(*events.Def) bool {
	needs := derive.Needs(nf.cat, func(d *events.Def) bool { return nf.derived[d.ID] })
	return func(d *events.Def) bool { return nf.flt.EventEnabled(d) || needs(d) }
}

// started records the hook choices, and returns true when they changed
// the kernel selection (fewer events derived).
func (nf *netfile) started(tr *tracer.Tracer, fds *fdtable.Table) bool {
	changed := false
	var derivedOnly []string
	for _, c := range tr.FileChoices {
		d, ok := nf.cat.ByName(c.Event)
		if !ok {
			continue
		}
		nf.sources[d.ID] = c.Source
		if c.Source != filesource.Syscalls && nf.derived[d.ID] {
			delete(nf.derived, d.ID)
			changed = true
		}
	}
	for id := range nf.derived {
		d, _ := nf.cat.ByID(id)
		if _, hooked := filesource.Hooks[d.Name]; !hooked && contains(d.Sets, events.SetFile) {
			derivedOnly = append(derivedOnly, d.Name)
		}
	}
	if len(tr.FileChoices) > 0 || len(derivedOnly) > 0 {
		nf.summary = filesource.Summary(tr.FileChoices, derivedOnly)
	}
	nf.startDeriver(fds, "")
	return changed
}

// startDeriver makes the deriver of the derived events, if any, over the
// fd table fds (procRoot: /proc when "", tests give a fake).
func (nf *netfile) startDeriver(fds *fdtable.Table, procRoot string) {
	if len(nf.derived) == 0 {
		return
	}
	nf.deriver = derive.New(nf.cat, fds.Lookup, derive.Options{
		Enabled:   func(d *events.Def) bool { return nf.derived[d.ID] },
		Aggregate: nf.cfg.Aggregate,
		ProcRoot:  procRoot,
	})
	fds.SetCwd(nf.deriver.Cwd().Get)
}

// netnsOwners is the part of the tracer seedNetns needs.
type netnsOwners interface {
	SetNetnsOwner(netns uint32, owner bpf.SockOwner) error
}

// seedNetns tells the kernel, for each container with a known PID, which
// process owns connections accepted on listeners opened before tracing.
func (nf *netfile) seedNetns(tr netnsOwners, cs []*containers.Container) {
	for _, c := range cs {
		if c.Info.PID <= 0 {
			continue
		}
		netns, err := peers.NetnsOf("/proc", c.Info.PID)
		if err != nil {
			continue
		}
		var o bpf.SockOwner
		o.Hdr.CgroupId = c.CgroupID
		o.Hdr.Pid, o.Hdr.Tid = uint32(c.Info.PID), uint32(c.Info.PID)
		o.Hdr.Kind = uint16(bpf.RecNet)
		comm, _ := os.ReadFile("/proc/" + strconv.Itoa(c.Info.PID) + "/comm")
		for i, b := range []byte(strings.TrimSpace(string(comm))) {
			if i >= len(o.Hdr.Comm)-1 {
				break
			}
			o.Hdr.Comm[i] = int8(b)
		}
		o.Role = uint32(bpf.RoleServer)
		_ = tr.SetNetnsOwner(netns, o)
	}
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}

// emitDerived filters, names and prints one derived event (the same
// filters as the events it comes from: event, container, process).
func (p *pump) emitDerived(ev *events.Event, c *containers.Container) error {
	// Filter.Match without its by-name lookups: the selection by event ID.
	if !p.nf.selected(ev.Def) || (p.procFilter && !p.cfg.Filter.MatchProcess(ev)) || !p.keep(c) {
		p.sum.Filtered++
		return nil
	}
	return p.print(ev, c)
}

// tick emits aggregated events whose window has passed.
func (p *pump) tick() error {
	if p.nf.deriver == nil || p.nf.cfg.Aggregate <= 0 {
		return nil
	}
	return p.nf.deriver.Tick(time.Now().UnixNano(), p.emitDerived)
}

// flushDerived emits what the deriver still holds (end of the trace).
func (p *pump) flushDerived() error {
	if p.nf.deriver == nil {
		return nil
	}
	return p.nf.deriver.Flush(p.emitDerived)
}
