package recorder

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/recording"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
	"github.com/ctrace-dev/ctrace/internal/tracer"
)

// Config wires one recording run.
type Config struct {
	Hierarchy  containers.Hierarchy
	Containers *containers.Collection
	Arch       syscalls.Arch
	// Select names the containers to record (name or id prefix); empty: all.
	Select []string
	// Clients resolve Select names to container ids when a container's
	// own name is not known (its runtime did not answer in time).
	Clients []containers.Client
	// Args, Capabilities, WatchDenials: see Options.
	Args, Capabilities, WatchDenials bool
	// UntilExited stops the run once every selected container was seen and
	// has exited (all its cgroups removed).
	UntilExited bool
	Poll        time.Duration
	Logf        func(format string, args ...any)
	OnReady     func(Ready)
	// OnContainer is called when a selected container appears (optional).
	OnContainer func(id string)
}

// Ready describes the run once it records.
type Ready struct {
	Containers int // running containers found (selected ones when Select is set)
	CapHook    CapHook
	CapWhy     string
}

// Summary is what a finished run reports.
type Summary struct {
	Kernel Stats
	// Exited reports the run stopped because the selected containers exited.
	Exited bool
}

type ctrAcc struct {
	info   containers.Info
	raw    bpf.RecCgroup
	live   map[uint64]bool // cgroups not yet removed
	seen   bool
	exited bool
}

type run struct {
	cfg   Config
	rec   *Recorder
	byID  map[string]*ctrAcc
	order []string
	cg    map[uint64]string // live cgroup -> container id
	// selIDs are the container ids the Select names resolved to.
	selIDs  map[string]string
	lastTry time.Time
	unnamed map[uint64]containers.Info // recorded cgroups whose container has no name yet
}

// Run records until ctx is done (or the selected containers exited) and
// returns the recording.
func Run(ctx context.Context, cfg Config) (*recording.Recording, Summary, error) {
	var sum Summary
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
	if cfg.Poll == 0 {
		cfg.Poll = 100 * time.Millisecond
	}
	mode, err := tracer.CgroupModeFor(cfg.Hierarchy.Version, cfg.Hierarchy.Controller)
	if err != nil {
		return nil, sum, err
	}
	rec, err := New(Options{Cgroups: mode, Arch: cfg.Arch, Args: cfg.Args, Capabilities: cfg.Capabilities, WatchDenials: cfg.WatchDenials, Logf: cfg.Logf})
	if err != nil {
		return nil, sum, err
	}
	defer rec.Close()
	r := &run{cfg: cfg, rec: rec, byID: map[string]*ctrAcc{}, cg: map[uint64]string{}, selIDs: map[string]string{}, unnamed: map[uint64]containers.Info{}}

	existing, err := cfg.Containers.Scan(cfg.Hierarchy)
	if err != nil {
		return nil, sum, fmt.Errorf("scan existing containers: %w", err)
	}
	n := 0
	for _, c := range existing {
		if !r.wanted(c.Info) {
			continue
		}
		if err := rec.Track(c.CgroupID); err != nil {
			return nil, sum, fmt.Errorf("record container cgroup %d: %w", c.CgroupID, err)
		}
		if r.add(c.CgroupID, c.Info) {
			n++
		}
	}
	if cfg.OnReady != nil {
		cfg.OnReady(Ready{Containers: n, CapHook: rec.CapHook, CapWhy: rec.CapWhy})
	}

	for ctx.Err() == nil {
		ev, err := rec.Read(cfg.Poll)
		switch {
		case errors.Is(err, ErrPoll):
			r.resolveUnnamed(false)
			if cfg.UntilExited && r.allExited() {
				sum.Exited = true
				return r.finish(&sum)
			}
			continue
		case err != nil:
			return nil, sum, fmt.Errorf("read cgroup events: %w", err)
		}
		if err := r.handle(ev); err != nil {
			return nil, sum, err
		}
		if cfg.UntilExited && r.allExited() {
			sum.Exited = true
			return r.finish(&sum)
		}
	}
	return r.finish(&sum)
}

// wanted: no selection, or the container matches one (by its name or id,
// or by the id a selected name resolved to).
func (r *run) wanted(info containers.Info) bool {
	if len(r.cfg.Select) == 0 {
		return true
	}
	c := recording.Container{ID: info.ID, Name: trimSlash(info.Name)}
	for _, s := range r.cfg.Select {
		if c.Matches(s) || (r.selIDs[s] != "" && r.selIDs[s] == info.ID) {
			return true
		}
	}
	return false
}

// resolveSelectors asks the runtimes which ids the selected names have
// now (a container exists from its creation, before its cgroup). Rate
// limited unless force.
func (r *run) resolveSelectors(force bool) {
	if !force && time.Since(r.lastTry) < 500*time.Millisecond {
		return
	}
	r.lastTry = time.Now()
	for _, s := range r.cfg.Select {
		if r.selIDs[s] != "" {
			continue
		}
		for _, cl := range r.cfg.Clients {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			info, err := cl.Inspect(ctx, s)
			cancel()
			if err == nil && info.ID != "" {
				r.selIDs[s] = info.ID
				break
			}
		}
	}
}

// resolveUnnamed decides about recorded cgroups whose container had no
// name: kept when it matches a selector now, dropped when every selector
// is resolved and it matches none (or when final).
func (r *run) resolveUnnamed(final bool) {
	if len(r.unnamed) == 0 {
		return
	}
	r.resolveSelectors(final)
	allResolved := true
	for _, s := range r.cfg.Select {
		if r.selIDs[s] == "" {
			allResolved = false
		}
	}
	for cgid, info := range r.unnamed {
		switch {
		case r.wanted(info):
			delete(r.unnamed, cgid)
			r.add(cgid, info)
		case allResolved || final:
			delete(r.unnamed, cgid)
			r.rec.Forget(cgid)
		}
	}
}

// add notes a live cgroup of a container; true when the container is new.
func (r *run) add(cgid uint64, info containers.Info) bool {
	a, ok := r.byID[info.ID]
	if !ok {
		a = &ctrAcc{info: info, live: map[uint64]bool{}}
		r.byID[info.ID] = a
		r.order = append(r.order, info.ID)
		if r.cfg.OnContainer != nil {
			r.cfg.OnContainer(info.ID)
		}
	}
	a.seen = true
	a.exited = false
	a.live[cgid] = true
	r.cg[cgid] = info.ID
	return !ok
}

func (r *run) handle(ev CgroupEvent) error {
	if !ev.Mkdir {
		if info, ok := r.unnamed[ev.ID]; ok {
			r.resolveSelectors(true)
			delete(r.unnamed, ev.ID)
			if !r.wanted(info) {
				return r.rec.Forget(ev.ID)
			}
			r.add(ev.ID, info)
		}
		id, ok := r.cg[ev.ID]
		if !ok {
			return r.rec.Forget(ev.ID)
		}
		v, ok, err := r.rec.Take(ev.ID)
		if err != nil {
			return fmt.Errorf("read recorded cgroup %d: %w", ev.ID, err)
		}
		a := r.byID[id]
		if ok {
			mergeRaw(&a.raw, &v)
		}
		delete(a.live, ev.ID)
		delete(r.cg, ev.ID)
		if len(a.live) == 0 {
			a.exited = true
		}
		r.cfg.Containers.Remove(ev.ID)
		return nil
	}
	c, ok := r.cfg.Containers.Add(ev.ID, ev.Path)
	if !ok {
		return r.rec.Forget(ev.ID)
	}
	if !r.wanted(c.Info) {
		if c.Info.Name != "" || len(r.cfg.Select) == 0 {
			return r.rec.Forget(ev.ID)
		}
		// No name (the runtime did not answer): keep recording until the
		// selected names are resolved to ids.
		r.resolveSelectors(true)
		if !r.wanted(c.Info) {
			r.unnamed[ev.ID] = c.Info
			return nil
		}
	}
	if !ev.Container {
		// Keep it recorded (the kernel did so from its creation).
		if _, ok, err := r.rec.Peek(ev.ID); err == nil && !ok {
			if err := r.rec.Track(ev.ID); err != nil {
				return err
			}
		}
	}
	r.add(ev.ID, c.Info)
	return nil
}

// allExited: every selector matched a container and all of them exited.
func (r *run) allExited() bool {
	if len(r.cfg.Select) == 0 {
		return false
	}
	for _, s := range r.cfg.Select {
		matched := false
		for _, a := range r.byID {
			c := recording.Container{ID: a.info.ID, Name: a.info.Name}
			if c.Matches(s) {
				matched = true
				if !a.exited {
					return false
				}
			}
		}
		if !matched {
			return false
		}
	}
	return true
}

func (r *run) finish(sum *Summary) (*recording.Recording, Summary, error) {
	r.rec.Detach()
	r.resolveUnnamed(true)
	// Late events (removals) still in the ring buffer.
	for {
		ev, err := r.rec.Read(time.Millisecond)
		if err != nil {
			break
		}
		if err := r.handle(ev); err != nil {
			return nil, *sum, err
		}
	}
	for cgid, id := range r.cg {
		v, ok, err := r.rec.Peek(cgid)
		if err != nil {
			return nil, *sum, fmt.Errorf("read recorded cgroup %d: %w", cgid, err)
		}
		if ok {
			mergeRaw(&r.byID[id].raw, &v)
		}
	}
	st, err := r.rec.Stats()
	if err != nil {
		return nil, *sum, err
	}
	sum.Kernel = st
	out := &recording.Recording{Format: recording.FormatVersion, Source: recording.SourceKernel, Arch: string(r.cfg.Arch), CapabilityHook: string(r.rec.CapHook), Containers: []recording.Container{}}
	for _, id := range r.order {
		a := r.byID[id]
		info := recording.Container{ID: a.info.ID, Name: trimSlash(a.info.Name), Image: a.info.Image, Runtime: a.info.Runtime, OCIRuntime: a.info.OCIRuntime}
		out.Containers = append(out.Containers, Convert(r.cfg.Arch, info, &a.raw, r.rec.CapHook != CapNone))
	}
	out.Sort()
	return out, *sum, nil
}

func trimSlash(s string) string {
	if len(s) > 0 && s[0] == '/' {
		return s[1:]
	}
	return s
}
