package recorder

import (
	"context"
	"errors"
	"fmt"
	"slices"
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
	exited bool
	// named: the container's name is known (or no selection needs it);
	// an unnamed container is recorded until its name or the selected
	// names' ids tell whether it is wanted.
	named bool
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
	r := &run{cfg: cfg, rec: rec, byID: map[string]*ctrAcc{}, cg: map[uint64]string{}, selIDs: map[string]string{}}

	existing, err := cfg.Containers.Scan(cfg.Hierarchy)
	if err != nil {
		return nil, sum, fmt.Errorf("scan existing containers: %w", err)
	}
	n := 0
	for _, c := range existing {
		if !r.wanted(c.Info) && r.named(c.Info) {
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
			r.resolve(false)
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

// named: the container's name is known, or no selection needs it.
func (r *run) named(info containers.Info) bool {
	return info.Name != "" || len(r.cfg.Select) == 0
}

// inspect asks the runtimes about a container by id or name.
func (r *run) inspect(ref string) (containers.Info, bool) {
	for _, cl := range r.cfg.Clients {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		info, err := cl.Inspect(ctx, ref)
		cancel()
		if err == nil && info.ID != "" {
			return info, true
		}
	}
	return containers.Info{}, false
}

// resolve names the unnamed containers (their runtime did not answer when
// they started) and resolves the selected names to ids, then drops the
// containers found not wanted. Rate limited unless final.
func (r *run) resolve(final bool) {
	if len(r.cfg.Select) == 0 || (!final && time.Since(r.lastTry) < time.Second) {
		return
	}
	pending := false
	for _, a := range r.byID {
		pending = pending || !a.named
	}
	if !pending {
		return
	}
	r.lastTry = time.Now()
	for _, s := range r.cfg.Select {
		if r.selIDs[s] == "" {
			if info, ok := r.inspect(s); ok {
				r.selIDs[s] = info.ID
			}
		}
	}
	for id, a := range r.byID {
		if a.named {
			continue
		}
		if info, ok := r.inspect(id); ok && info.Name != "" {
			a.info.Name, a.info.Image, a.info.OCIRuntime = info.Name, info.Image, info.OCIRuntime
			a.named = true
		}
		if r.wanted(a.info) {
			a.named = true
			continue
		}
		if a.named || final {
			r.drop(id)
		}
	}
}

// drop forgets a container that is not wanted.
func (r *run) drop(id string) {
	a := r.byID[id]
	for cgid := range a.live {
		r.rec.Forget(cgid)
		delete(r.cg, cgid)
	}
	delete(r.byID, id)
	r.order = slices.DeleteFunc(r.order, func(s string) bool { return s == id })
}

// add notes a live cgroup of a container; true when the container is new.
func (r *run) add(cgid uint64, info containers.Info) bool {
	a, ok := r.byID[info.ID]
	if !ok {
		a = &ctrAcc{info: info, live: map[uint64]bool{}, named: r.named(info) || r.wanted(info)}
		r.byID[info.ID] = a
		r.order = append(r.order, info.ID)
		if r.cfg.OnContainer != nil {
			r.cfg.OnContainer(info.ID)
		}
	}
	a.exited = false
	a.live[cgid] = true
	r.cg[cgid] = info.ID
	return !ok
}

func (r *run) handle(ev CgroupEvent) error {
	if !ev.Mkdir {
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
	if !r.wanted(c.Info) && r.named(c.Info) {
		return r.rec.Forget(ev.ID)
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
			c := recording.Container{ID: a.info.ID, Name: trimSlash(a.info.Name)}
			if c.Matches(s) || (r.selIDs[s] != "" && r.selIDs[s] == a.info.ID) {
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
	r.resolve(true)
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
