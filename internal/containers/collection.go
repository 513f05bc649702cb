package containers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Defaults of a Collection.
const (
	DefaultGracePeriod    = 30 * time.Second
	DefaultInspectTimeout = 1 * time.Second
	scanWorkers           = 8
)

// Container is a container cgroup. Values handed out by a Collection are
// never modified afterwards (Remove stores a new copy); treat Info.Labels
// as read-only too.
type Container struct {
	CgroupID   uint64
	CgroupPath string
	// Info always has ID set; Name, Image, … are empty when no runtime
	// answered, and Runtime then comes from the cgroup path.
	Info Info
	// Removed is when the cgroup was removed; zero while it is alive.
	Removed time.Time
	// Resolved says Info is final: the runtime answered, or the collection
	// gave up asking. Until then Info holds what the cgroup path tells (id,
	// runtime) and a trace holds the container's records back; the
	// collection then stores a new *Container (values are never modified)
	// and signals Resolved().
	Resolved bool
}

// Option configures a Collection.
type Option func(*Collection)

// WithGracePeriod sets how long a removed container keeps resolving
// (default DefaultGracePeriod).
func WithGracePeriod(d time.Duration) Option { return func(c *Collection) { c.grace = d } }

// WithInspectTimeout bounds each runtime query made by Add (default
// DefaultInspectTimeout).
func WithInspectTimeout(d time.Duration) Option {
	return func(c *Collection) { c.inspectTimeout = d }
}

// Collection maps cgroup ids to containers. Lookup is lock-free; all
// methods are safe for concurrent use.
type Collection struct {
	clients        []Client
	logf           func(format string, args ...any)
	report         func(Info, string) // problems about one container (WithReport); nil: logf
	grace          time.Duration
	inspectTimeout time.Duration

	byCgroup sync.Map // uint64 → *Container

	mu   sync.Mutex
	byID map[string]*infoEntry // container id → runtime info, shared by its cgroups

	// resolved gets a token (never blocking) whenever a container becomes
	// Resolved after Add returned it unresolved.
	resolved chan struct{}
}

// infoEntry caches the runtime info of one container, fetched once and
// shared by all its live cgroups (nested ones included). It is dropped
// when the last of them is removed, so that a restarted container (new
// cgroup, same id) is queried afresh.
type infoEntry struct {
	ready chan struct{} // closed once info is set
	info  Info
	refs  int // live cgroups (stored or being added) of the container
}

// NewCollection returns an empty collection that enriches containers by
// asking clients. log receives one line per problem; nil discards.
func NewCollection(clients []Client, log func(format string, args ...any), opts ...Option) *Collection {
	if log == nil {
		log = func(string, ...any) {}
	}
	c := &Collection{
		clients:        clients,
		logf:           log,
		grace:          DefaultGracePeriod,
		inspectTimeout: DefaultInspectTimeout,
		byID:           map[string]*infoEntry{},
		resolved:       make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Lookup returns the container of a cgroup id, including removed ones
// still within their grace period. It is cheap and lock-free.
func (c *Collection) Lookup(cgroupID uint64) (*Container, bool) {
	v, ok := c.byCgroup.Load(cgroupID)
	if !ok {
		return nil, false
	}
	return v.(*Container), true
}

// Add records the cgroup if its path names a container and returns the
// container; false means the cgroup is not a container. The first cgroup
// of a container asks the runtime for its details synchronously (bounded
// by the inspect timeout); on failure the parsed id and runtime are kept
// and the failure is logged once. Adding a known cgroup id returns the
// recorded container.
func (c *Collection) Add(cgroupID uint64, cgroupPath string) (*Container, bool) {
	if ctr, ok := c.Lookup(cgroupID); ok {
		return ctr, true
	}
	ref, ok := ParseCgroupPath(cgroupPath)
	if !ok {
		return nil, false
	}
	ctr := &Container{CgroupID: cgroupID, CgroupPath: cgroupPath, Info: c.acquireInfo(ref), Resolved: true}
	if prev, loaded := c.byCgroup.LoadOrStore(cgroupID, ctr); loaded {
		c.releaseInfo(ref.ID) // lost a race with another Add of the same cgroup
		return prev.(*Container), true
	}
	return ctr, true
}

// Resolved returns a channel that receives a token when containers that
// Add returned unresolved have become resolved (look them up again). Tokens
// coalesce: one token may stand for several containers.
func (c *Collection) Resolved() <-chan struct{} { return c.resolved }

// acquireInfo returns the runtime info of ref's container, querying the
// runtime only for the first cgroup of the container, and takes a
// reference to it.
func (c *Collection) acquireInfo(ref ContainerRef) Info {
	c.mu.Lock()
	e, ok := c.byID[ref.ID]
	if !ok {
		e = &infoEntry{ready: make(chan struct{})}
		c.byID[ref.ID] = e
	}
	e.refs++
	c.mu.Unlock()
	if ok {
		<-e.ready
		return e.info
	}
	e.info = c.enrich(ref)
	close(e.ready)
	return e.info
}

// releaseInfo drops a reference taken by acquireInfo, dropping the cached
// info with the last one.
func (c *Collection) releaseInfo(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byID[id]; ok {
		if e.refs--; e.refs <= 0 {
			delete(c.byID, id)
		}
	}
}

// enrich asks the clients matching ref's runtime, or every client when
// none matches, for the container's details.
func (c *Collection) enrich(ref ContainerRef) Info {
	fallback := Info{ID: ref.ID, Runtime: infoRuntime(ref.Runtime)}
	candidates := c.clientsFor(fallback.Runtime)
	if len(candidates) == 0 {
		return fallback
	}
	var errs []string
	for _, cl := range candidates {
		ctx, cancel := context.WithTimeout(context.Background(), c.inspectTimeout)
		info, err := cl.Inspect(ctx, ref.ID)
		cancel()
		if err == nil {
			info.ID = ref.ID
			if info.Runtime == "" {
				info.Runtime = cl.Name()
			}
			return info
		}
		errs = append(errs, err.Error())
	}
	msg := fmt.Sprintf("container %s: no runtime answered, keeping the id only: %s", shortID(ref.ID), strings.Join(errs, "; "))
	if c.report != nil {
		c.report(fallback, msg)
	} else {
		c.logf("%s", msg)
	}
	return fallback
}

// clientsFor returns the clients named runtime, or all clients if none
// is. LXC has no client, so none is asked.
func (c *Collection) clientsFor(runtime string) []Client {
	if runtime == RuntimeLXC {
		return nil
	}
	var match []Client
	for _, cl := range c.clients {
		if runtime != "" && cl.Name() == runtime {
			match = append(match, cl)
		}
	}
	if len(match) > 0 {
		return match
	}
	return c.clients
}

// Remove marks the container of a cgroup as removed; it keeps resolving
// for the grace period so that late events are still attributed, and is
// then forgotten. Removing an unknown or already removed cgroup does
// nothing.
func (c *Collection) Remove(cgroupID uint64) {
	v, ok := c.byCgroup.Load(cgroupID)
	if !ok || !v.(*Container).Removed.IsZero() {
		return
	}
	dead := *v.(*Container)
	dead.Removed = time.Now()
	if !c.byCgroup.CompareAndSwap(cgroupID, v, &dead) {
		return // a concurrent Remove won
	}
	c.releaseInfo(dead.Info.ID)
	if c.grace <= 0 {
		c.byCgroup.CompareAndDelete(cgroupID, &dead)
		return
	}
	time.AfterFunc(c.grace, func() { c.byCgroup.CompareAndDelete(cgroupID, &dead) })
}

// Containers returns the live (not removed) container cgroups, sorted by
// cgroup path. A container with nested cgroups appears once per cgroup,
// all with the same Info.
func (c *Collection) Containers() []*Container {
	var out []*Container
	c.byCgroup.Range(func(_, v any) bool {
		if ctr := v.(*Container); ctr.Removed.IsZero() {
			out = append(out, ctr)
		}
		return true
	})
	sort.Slice(out, func(i, j int) bool {
		if out[i].CgroupPath != out[j].CgroupPath {
			return out[i].CgroupPath < out[j].CgroupPath
		}
		return out[i].CgroupID < out[j].CgroupID
	})
	return out
}

// Scan walks hierarchy h and adds every container cgroup found, nested
// ones included, returning them sorted by cgroup path. Cgroups that
// vanish during the walk are skipped; only an unreadable mount is an
// error.
func (c *Collection) Scan(h Hierarchy) ([]*Container, error) {
	root := filepath.Clean(h.Mount)
	type found struct {
		id   uint64
		path string
	}
	var todo []found
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // vanished or unreadable cgroup: skip it
		}
		if !d.IsDir() {
			return nil
		}
		cgPath := "/" + filepath.ToSlash(strings.TrimPrefix(strings.TrimPrefix(p, root), string(filepath.Separator)))
		if _, ok := ParseCgroupPath(cgPath); !ok {
			return nil
		}
		id, err := CgroupID(p)
		if err != nil {
			return nil
		}
		todo = append(todo, found{id, cgPath})
		return nil
	})
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("scan cgroups %s: %w", root, err)
	}

	// Add enriches synchronously; run several so that many containers do
	// not wait on each other's runtime queries.
	out := make([]*Container, len(todo))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(scanWorkers, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				out[i], _ = c.Add(todo[i].id, todo[i].path)
			}
		}()
	}
	for i := range todo {
		work <- i
	}
	close(work)
	wg.Wait()
	sort.Slice(out, func(i, j int) bool { return out[i].CgroupPath < out[j].CgroupPath })
	return out, nil
}

// shortID shortens a 64-hex id to the 12 characters runtimes display.
func shortID(id string) string {
	if len(id) == 64 {
		return id[:12]
	}
	return id
}
