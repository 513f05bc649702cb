package session

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/fdtable"
	"github.com/ctrace-dev/ctrace/internal/peers"
	"github.com/ctrace-dev/ctrace/internal/tracer"
)

// Source is where records come from: the tracer (*tracer.Tracer), or a
// fake in tests.
type Source interface {
	// Next returns the next record, valid until the next call of Next or
	// Drain; tracer.ErrPoll at the end of a poll interval with nothing to read.
	Next() ([]byte, error)
	// Drain is Next without waiting: tracer.ErrPoll when nothing is left.
	Drain() ([]byte, error)
	// Detach stops the kernel from producing records.
	Detach()
	Stats() (tracer.Stats, error)
	// AddContainerCgroup and ForgetCgroup classify a cgroup in the kernel.
	AddContainerCgroup(id uint64) error
	ForgetCgroup(id uint64) error
	// Candidates lists the cgroups the kernel traces as candidates (created
	// after the start, not yet classified by user space).
	Candidates() ([]uint64, error)
}

// Side work of the reading loop (resolved containers, the resolver,
// progress) is looked at every sideEvery records and at every poll.
const sideEvery = 4096

// The reading loop yields its thread every yieldEvery records (about a
// millisecond in a storm). Go's sysmon preempts a goroutine that has run
// for 10 ms without passing through the scheduler, and a preemption that
// finds the reader inside a system call (a write, a nap) takes its P away:
// the reader then waits for a P, another thread is woken to run it, and
// sysmon, having taken one, polls every 20 µs again. Over 2 s of the
// one-byte storm that was ~2,100–2,800 sysmon wakeups, ~50–80 preemption
// signals and ~4,000–5,400 context switches of ctrace; with the yield
// (runtime.Gosched, a fraction of a microsecond) ~270, 0–1 and ~1,900–2,100.
const yieldEvery = 1024

const (
	progressEvery = time.Second
	sweepEvery    = 5 * time.Second
	// holdGrace is how long a stopping session waits for held containers
	// to be named before it prints their records with what is known.
	holdGrace = time.Second
)

// pump handles one record at a time; it owns the reused Event.
type pump struct {
	cfg  Config
	src  Source
	dec  *events.Decoder
	ev   events.Event
	fds  *fdtable.Table
	nf   *netfile // file/network stage: derived events, naming of far ends
	sum  Summary
	hold *holdQueue
	res  *resolver

	procFilter bool // the filter selects by process: ask it per event

	// The container of the last record (records come in runs).
	lastID uint64
	lastC  *containers.Container
	// keep decisions per container (Config.Keep), and the last one.
	keepOf   map[*containers.Container]bool
	keepC    *containers.Container
	keepLast bool
	// existing: cgroups of the containers found at start (and their
	// children): not new for Config.Keep. excluded: cgroups excluded in
	// the kernel.
	existing map[uint64]bool
	excluded map[uint64]bool
	// containers seen with events, by id
	seen      map[string]struct{}
	seenC     *containers.Container
	host      map[uint64]bool      // cgroups classified as not containers
	asked     map[uint64]bool      // cgroups the resolver is looking for
	unfound   map[uint64]time.Time // cgroups the resolver did not find, since when
	n         uint64               // records handled
	yield     func()               // runtime.Gosched (tests count the calls)
	lastProg  time.Time
	lastSweep time.Time
}

// newPump returns a pump reading src. nf is the file/network stage set up
// for the tracer (nil: one that derives nothing).
func newPump(cfg Config, src Source, dec *events.Decoder, res *resolver, fds *fdtable.Table, nf *netfile) *pump {
	hb := cfg.HoldBytes
	if hb <= 0 {
		hb = DefaultHoldBytes
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if nf == nil {
		nf = newNetfile(cfg.Catalog, cfg.Filter, cfg.NetFile, cfg.Containers)
	}
	now := time.Now()
	return &pump{
		cfg: cfg, src: src, dec: dec, fds: fds, nf: nf, hold: newHoldQueue(hb), res: res,
		procFilter: cfg.Filter.ProcessFilter(),
		keepOf:     map[*containers.Container]bool{},
		existing:   map[uint64]bool{},
		excluded:   map[uint64]bool{},
		seen:       map[string]struct{}{},
		host:       map[uint64]bool{},
		asked:      map[uint64]bool{},
		unfound:    map[uint64]time.Time{},
		lastProg:   now,
		lastSweep:  now,
		yield:      runtime.Gosched,
	}
}

// run is the reading loop of a pump without file/network stage (tests):
// procRoot is where the fd table looks up descriptors it has not seen
// opened (/proc).
func run(ctx context.Context, cfg Config, src Source, dec *events.Decoder, res *resolver, procRoot string) (Summary, error) {
	return newPump(cfg, src, dec, res, fdtable.New(procRoot), nil).run(ctx)
}

// run is the reading loop: until ctx is done, then drain, flush and report.
func (p *pump) run(ctx context.Context) (Summary, error) {
	src := p.src
	defer p.res.stop()
	for ctx.Err() == nil {
		raw, err := src.Next()
		switch {
		case err == nil:
			if err := p.handle(raw); err != nil {
				return p.summary(), err
			}
			if p.n++; p.n%sideEvery == 0 {
				if err := p.side(); err != nil {
					return p.summary(), err
				}
			}
			if p.n%yieldEvery == 0 {
				p.yield()
			}
		case errors.Is(err, tracer.ErrPoll):
			if err := p.tick(); err != nil {
				return p.summary(), err
			}
			if err := p.flush(); err != nil {
				return p.summary(), err
			}
			if err := p.side(); err != nil {
				return p.summary(), err
			}
		default:
			return p.summary(), fmt.Errorf("read ring buffer: %w", err)
		}
	}

	// Stop producing, then write out everything already buffered.
	src.Detach()
	for {
		raw, err := src.Drain()
		if err != nil {
			if errors.Is(err, tracer.ErrPoll) {
				break
			}
			return p.summary(), fmt.Errorf("drain ring buffer: %w", err)
		}
		if err := p.handle(raw); err != nil {
			return p.summary(), err
		}
	}
	if err := p.releaseAll(); err != nil {
		return p.summary(), err
	}
	if err := p.flushDerived(); err != nil {
		return p.summary(), err
	}
	if err := p.flush(); err != nil {
		return p.summary(), err
	}
	st, err := src.Stats()
	if err != nil {
		return p.summary(), err
	}
	p.sum.Kernel = st
	return p.summary(), nil
}

func (p *pump) flush() error {
	if err := p.cfg.Printer.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	return nil
}

func (p *pump) summary() Summary {
	s := p.sum
	s.Held = uint64(p.hold.records)
	s.HoldDropped = p.hold.dropped
	s.Containers = len(p.seen)
	return s
}

// handle routes one record: cgroup records classify cgroups; records of
// containers not yet named (or of cgroups not yet classified) are held;
// the others are processed at once.
func (p *pump) handle(raw []byte) error {
	kind, err := events.Kind(raw)
	if err != nil {
		p.sum.DecodeErrors++
		return nil
	}
	if kind == bpf.RecCgroupMkdir || kind == bpf.RecCgroupRmdir {
		return p.cgroup(raw)
	}
	cgid := events.RecordCgroup(raw)
	c := p.container(cgid)
	if c == nil {
		return p.unknown(cgid, raw)
	}
	if !c.Resolved || (p.hold.records > 0 && p.hold.has(cgid)) {
		p.hold.add(cgid, raw) // in kernel order behind what is held already
		return nil
	}
	return p.process(raw, c)
}

// container looks up the container of a cgroup, nil if none.
func (p *pump) container(cgid uint64) *containers.Container {
	if p.lastC != nil && p.lastID == cgid {
		return p.lastC
	}
	c, ok := p.cfg.Containers.Lookup(cgid)
	if !ok {
		return nil
	}
	p.lastID, p.lastC = cgid, c
	return c
}

// forgetLast drops the cached container (its *Container may have been
// replaced by a resolved one).
func (p *pump) forgetLast() { p.lastC = nil }

// resolvedMeanwhile: the collection named containers (asynchronously):
// what was looked up of them is stale.
func (p *pump) resolvedMeanwhile() {
	p.forgetLast()
	p.nf.namer.Invalidate()
}

// unknown handles a record of a cgroup that is not a known container.
func (p *pump) unknown(cgid uint64, raw []byte) error {
	if p.host[cgid] {
		p.sum.Host++ // a new cgroup that proved not to be a container's
		return nil
	}
	// The kernel traces it, so it is a candidate whose cgroup_mkdir record
	// was not seen (lost with a full ring buffer): hold its records and
	// find out what it is, off the reading loop.
	p.hold.add(cgid, raw)
	if _, ok := p.unfound[cgid]; !ok {
		p.ask(cgid)
	}
	return nil
}

func (p *pump) ask(cgid uint64) {
	if p.asked[cgid] || p.res == nil {
		return
	}
	if p.res.ask(cgid) {
		p.asked[cgid] = true
	}
}

// process decodes a record of container c and, unless filtered, prints it.
// Then events are derived from it (file events from syscalls), and last
// the fd table applies it: it follows every event, printed or not, so fd
// arguments are described as they were before the call.
func (p *pump) process(raw []byte, c *containers.Container) error {
	if err := p.dec.Decode(raw, &p.ev); err != nil {
		p.sum.DecodeErrors++
		p.cfg.Logf("undecodable record: %v", err)
		return nil
	}
	ev := &p.ev
	if ev.FdOnly {
		p.fds.Observe(ev) // not selected: only the fd table wants it
		return nil
	}
	var err error
	// Events the kernel records only because derived events need them
	// are neither printed nor "filtered out".
	if p.nf.selected(ev.Def) {
		kept := p.keep(c)
		if !kept && ev.CgroupID != c.CgroupID {
			p.exclude(ev.CgroupID) // a child cgroup of the container, made before it was decided
		}
		if !kept || (p.procFilter && !p.cfg.Filter.MatchProcess(ev)) {
			p.sum.Filtered++
		} else {
			p.fds.Annotate(ev)
			err = p.print(ev, c)
		}
	}
	if err == nil && p.nf.deriver != nil {
		err = p.nf.deriver.Observe(ev, c, p.emitDerived)
	}
	p.fds.Observe(ev)
	return err
}

// print names the far ends of ev and writes it.
func (p *pump) print(ev *events.Event, c *containers.Container) error {
	if c != p.seenC {
		p.seenC = c
		p.seen[c.Info.ID] = struct{}{}
	}
	if peers.Annotates(ev.Def.ID) {
		// Peers and shared volumes need what an inspect fills in after the
		// container is named (IPs, mounts): the newest value, not the
		// pump's cached one.
		if now, ok := p.cfg.Containers.Lookup(c.CgroupID); ok && now.Info.ID == c.Info.ID {
			c = now
		}
		p.nf.namer.Annotate(ev, c)
	}
	if err := p.cfg.Printer.Write(ev, c); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	p.sum.Events++
	return nil
}

// keep is the per-container decision (Config.Keep), asked once per container.
func (p *pump) keep(c *containers.Container) bool {
	if p.cfg.Keep == nil {
		return true
	}
	if c == p.keepC {
		return p.keepLast
	}
	k, ok := p.keepOf[c]
	if !ok {
		if len(p.keepOf) >= 4096 {
			clear(p.keepOf)
		}
		k = p.cfg.Keep(c, !p.existing[c.CgroupID])
		p.keepOf[c] = k
		if !k {
			p.exclude(c.CgroupID)
		}
	}
	p.keepC, p.keepLast = c, k
	return k
}

// cgroupExcluder is a Source that can exclude a container's cgroup in the
// kernel (the tracer).
type cgroupExcluder interface {
	ExcludeCgroup(id uint64) error
}

// exclude tells the kernel that a container's cgroup is not wanted: its
// tasks then cost one lookup per syscall and produce no record.
func (p *pump) exclude(id uint64) {
	if p.excluded[id] {
		return
	}
	p.excluded[id] = true
	if ex, ok := p.src.(cgroupExcluder); ok {
		if err := ex.ExcludeCgroup(id); err != nil {
			p.cfg.Logf("exclude container cgroup %d in the kernel: %v", id, err)
		}
	}
}

// cgroup classifies a new cgroup (before any record of its tasks is read:
// the ring buffer keeps kernel order) and forgets removed ones.
func (p *pump) cgroup(raw []byte) error {
	ce, err := events.DecodeCgroup(raw)
	if err != nil {
		p.sum.DecodeErrors++
		return nil
	}
	p.forgetLast()
	p.nf.namer.Invalidate()
	if !ce.Mkdir {
		delete(p.unfound, ce.ID)
		if _, ok := p.cfg.Containers.Lookup(ce.ID); !ok && p.hold.has(ce.ID) {
			// Never classified (its cgroup_mkdir record was lost) and gone
			// now: the path in this record still says what it was.
			if err := p.classify(ce.ID, ce.Path, bpf.CgroupCandidate); err != nil {
				return err
			}
			if c, ok := p.cfg.Containers.Lookup(ce.ID); ok && p.hold.has(ce.ID) {
				if err := p.release(ce.ID, c); err != nil {
					return err
				}
			}
		}
		p.cfg.Containers.Remove(ce.ID)
		delete(p.existing, ce.ID)
		delete(p.excluded, ce.ID)
		return nil
	}
	if p.existing[ce.ParentID] {
		p.existing[ce.ID] = true // a child cgroup of a container that ran at start
	}
	return p.classify(ce.ID, ce.Path, ce.State)
}

// classify adds a cgroup to the collection or tells the kernel to forget it.
func (p *pump) classify(id uint64, path string, state bpf.CgroupState) error {
	c, ok := p.cfg.Containers.Add(id, path)
	if !ok {
		p.host[id] = true
		if len(p.host) > 65536 {
			clear(p.host)
		}
		if n := p.hold.drop(id); n > 0 {
			p.sum.Host += uint64(n)
		}
		return p.src.ForgetCgroup(id)
	}
	// A container named already is decided now: if dropped, it is
	// excluded in the kernel before its first record (keep does it).
	drop := c.Resolved && p.cfg.Keep != nil && !p.keep(c)
	switch state {
	case bpf.CgroupContainer:
	case bpf.CgroupExcluded: // a child of an excluded container: excluded with it
		p.excluded[id] = true
	default:
		if !drop {
			if err := p.src.AddContainerCgroup(id); err != nil {
				return err
			}
		}
	}
	if o, ok := p.src.(netnsOwners); ok {
		p.nf.seedNetns(o, []*containers.Container{c})
	}
	if c.Resolved && p.hold.has(id) {
		return p.release(id, c)
	}
	return nil
}

// release processes the records held for a cgroup, in kernel order, as
// records of container c.
func (p *pump) release(id uint64, c *containers.Container) error {
	for _, raw := range p.hold.take(id) {
		if err := p.process(raw, c); err != nil {
			return err
		}
	}
	return nil
}

// side is the loop's work besides records: containers named meanwhile,
// the resolver's answers, the candidate sweep, progress.
func (p *pump) side() error {
	select {
	case <-p.cfg.Containers.Resolved():
		p.resolvedMeanwhile()
		if err := p.releaseResolved(); err != nil {
			return err
		}
	default:
	}
	if err := p.resolverAnswers(); err != nil {
		return err
	}
	now := time.Now()
	if len(p.unfound) > 0 {
		if err := p.dropUnfound(now, false); err != nil {
			return err
		}
	}
	if now.Sub(p.lastSweep) >= sweepEvery {
		p.lastSweep = now
		p.sweep()
	}
	if p.cfg.Progress != nil && now.Sub(p.lastProg) >= progressEvery {
		p.lastProg = now
		s := p.summary()
		if st, err := p.src.Stats(); err == nil {
			s.Kernel = st
		}
		p.cfg.Progress(s)
	}
	return nil
}

// releaseResolved releases the held records of every container that is
// resolved now.
func (p *pump) releaseResolved() error {
	for _, id := range p.hold.ids() {
		if c, ok := p.cfg.Containers.Lookup(id); ok && c.Resolved {
			if err := p.release(id, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// resolverAnswers classifies the cgroups the resolver found (or not).
func (p *pump) resolverAnswers() error {
	if p.res == nil {
		return nil
	}
	for {
		select {
		case a := <-p.res.out:
			if err := p.answer(a); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

func (p *pump) answer(a resolved) error {
	delete(p.asked, a.id)
	if _, ok := p.cfg.Containers.Lookup(a.id); ok {
		return nil // classified meanwhile (its cgroup_mkdir record came after all)
	}
	if !a.found {
		// Gone before it could be found: its cgroup_rmdir record, if it
		// comes soon, still names it; after unfoundGrace its records are
		// dropped (see dropUnfound).
		p.unfound[a.id] = time.Now()
		return nil
	}
	p.forgetLast()
	return p.classify(a.id, a.path, bpf.CgroupCandidate)
}

// unfoundGrace is how long the records of a cgroup the resolver did not
// find are kept for its cgroup_rmdir record.
const unfoundGrace = 2 * time.Second

// dropUnfound drops the records of cgroups that vanished before they could
// be classified and whose cgroup_rmdir record did not come either (lost).
func (p *pump) dropUnfound(now time.Time, all bool) error {
	for id, at := range p.unfound {
		if !all && now.Sub(at) < unfoundGrace {
			continue
		}
		delete(p.unfound, id)
		if _, ok := p.cfg.Containers.Lookup(id); ok {
			continue // classified meanwhile
		}
		if n := p.hold.drop(id); n > 0 {
			p.sum.Host += uint64(n)
			p.cfg.Logf("cgroup %d vanished before it could be classified: %d traced records dropped", id, n)
		}
		p.host[id] = true
		if err := p.src.ForgetCgroup(id); err != nil {
			return err
		}
	}
	return nil
}

// sweep asks the resolver about candidates the kernel traces that user
// space never classified (their cgroup_mkdir record was lost) and that
// have not shown up in a record yet.
func (p *pump) sweep() {
	ids, err := p.src.Candidates()
	if err != nil {
		p.cfg.Logf("list candidate cgroups: %v", err)
		return
	}
	for _, id := range ids {
		if _, ok := p.cfg.Containers.Lookup(id); ok || p.host[id] {
			continue
		}
		if _, ok := p.unfound[id]; ok {
			continue
		}
		p.ask(id)
	}
}

// releaseAll runs when the session stops: it gives containers a moment to
// be named, classifies the cgroups still unknown, then prints every held
// record with what is known of its container.
func (p *pump) releaseAll() error {
	if p.hold.records == 0 {
		return nil
	}
	deadline := time.NewTimer(holdGrace)
	defer deadline.Stop()
	for p.hold.records > 0 && !p.allResolvable() {
		select {
		case <-p.cfg.Containers.Resolved():
			p.resolvedMeanwhile()
			if err := p.releaseResolved(); err != nil {
				return err
			}
		case a := <-p.resOut():
			if err := p.answer(a); err != nil {
				return err
			}
		case <-deadline.C:
			goto done
		}
	}
done:
	for _, id := range p.hold.ids() {
		if c, ok := p.cfg.Containers.Lookup(id); ok {
			if err := p.release(id, c); err != nil {
				return err
			}
			continue
		}
		if p.res != nil {
			if path, found := p.res.find(id); found {
				if err := p.classify(id, path, bpf.CgroupCandidate); err != nil {
					return err
				}
				if c, ok := p.cfg.Containers.Lookup(id); ok {
					if err := p.release(id, c); err != nil {
						return err
					}
				}
				continue
			}
		}
		n := p.hold.drop(id)
		p.sum.Host += uint64(n)
		p.cfg.Logf("cgroup %d: %d traced records dropped: it could not be classified before the end", id, n)
	}
	return nil
}

// allResolvable: every held cgroup is a resolved container now.
func (p *pump) allResolvable() bool {
	for _, id := range p.hold.ids() {
		if c, ok := p.cfg.Containers.Lookup(id); !ok || !c.Resolved {
			return false
		}
	}
	return true
}

func (p *pump) resOut() <-chan resolved {
	if p.res == nil {
		return nil
	}
	return p.res.out
}
