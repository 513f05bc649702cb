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
	DefaultGracePeriod     = 30 * time.Second
	DefaultInspectTimeout  = 1 * time.Second
	DefaultResolveDeadline = 3 * time.Second
	// DefaultResolveWorkers bounds the runtime queries in flight.
	DefaultResolveWorkers = 8
	// runtimeRetry is how long a runtime that did not answer is left
	// alone before it is asked again.
	runtimeRetry = 10 * time.Second
	// maxKnown bounds the containers remembered from event streams.
	maxKnown = 4096
)

// Container is a container cgroup. Values handed out by a Collection are
// never modified afterwards (changes store a new copy); treat Info.Labels,
// IPs and Mounts as read-only too.
type Container struct {
	CgroupID   uint64
	CgroupPath string
	// Info always has ID set; Name, Image, … are empty when no runtime
	// answered, and Runtime then comes from the cgroup path.
	Info Info
	// Removed is when the cgroup was removed; zero while it is alive.
	Removed time.Time
	// Resolved says Info is final: the runtime answered the container's
	// inspect (identity and details: PID, IPs, mounts, OCI runtime), or
	// the inspect failed and what an event stream told is kept (a
	// container gone in milliseconds keeps its name), or the collection
	// gave up asking. Until then Info holds what the cgroup path tells
	// (id, runtime) and a trace holds the container's records back, so
	// that no event is printed without the mounts and addresses that
	// name shared volumes and peers; the collection then stores a new
	// *Container (values are never modified) and signals Resolved().
	Resolved bool
}

// Option configures a Collection.
type Option func(*Collection)

// WithGracePeriod sets how long a removed container keeps resolving
// (default DefaultGracePeriod).
func WithGracePeriod(d time.Duration) Option { return func(c *Collection) { c.grace = d } }

// WithInspectTimeout bounds each runtime query (default
// DefaultInspectTimeout).
func WithInspectTimeout(d time.Duration) Option {
	return func(c *Collection) { c.inspectTimeout = d }
}

// WithResolveDeadline bounds how long a new container may stay
// unresolved (default DefaultResolveDeadline): past it the collection
// gives up and marks it Resolved with what it knows (the id at least).
func WithResolveDeadline(d time.Duration) Option {
	return func(c *Collection) { c.deadline = d }
}

// WithResolveWorkers bounds the concurrent runtime queries (default
// DefaultResolveWorkers).
func WithResolveWorkers(n int) Option {
	return func(c *Collection) { c.workers = make(chan struct{}, max(n, 1)) }
}

// WithAsync makes Add never wait for a runtime: it returns the container
// unresolved (unless an event stream already named it) and resolves it
// in the background, signalling Resolved(). Without it (the default) Add
// waits for the resolution, up to the resolve deadline; a runtime that
// does not answer costs that wait once, not per container.
func WithAsync() Option { return func(c *Collection) { c.async = true } }

// Collection maps cgroup ids to containers. Lookup is lock-free; all
// methods are safe for concurrent use.
type Collection struct {
	clients        []Client
	logf           func(format string, args ...any)
	report         func(Info, string) // problems about one container (WithReport); nil: logf
	grace          time.Duration
	inspectTimeout time.Duration
	deadline       time.Duration
	async          bool
	workers        chan struct{} // semaphore of runtime queries

	// ctx ends with Close: it cancels background queries and watchers.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	byCgroup sync.Map // uint64 → *Container; stored only under mu

	mu      sync.Mutex
	byID    map[string]*infoEntry   // container id → runtime info, shared by its cgroups
	known   map[string]*knownEntry  // container id → what an event stream told
	health  map[Client]*clientState // runtimes that did not answer
	noAPI   map[string]bool         // runtimes without a client, reported once
	watched bool

	// resolved gets a token (never blocking) whenever a container becomes
	// Resolved after Add returned it unresolved.
	resolved chan struct{}
}

// infoEntry is the runtime info of one container, shared by all its
// cgroups (nested ones included). It is dropped when the last live cgroup
// is removed, so that a restarted container (new cgroup, same id) is
// queried afresh.
type infoEntry struct {
	ref      ContainerRef
	info     Info
	resolved bool          // info's identity is final
	named    bool          // an event stream named it: its inspect is not retried
	done     chan struct{} // closed when resolved
	refs     int           // live cgroups of the container
	cgroups  []uint64      // every cgroup handed out with this entry
	added    time.Time
}

// knownEntry is a container learned from an event stream.
type knownEntry struct {
	info    Info
	removed time.Time
}

// clientState tracks a runtime that does not answer.
type clientState struct {
	down      bool
	retryAt   time.Time
	streaming bool // its event stream is connected: it answers
}

// NewCollection returns an empty collection that enriches containers by
// asking clients. log receives one line per problem ("runtime: …"); nil
// discards. Call Close to stop its background work.
func NewCollection(clients []Client, log func(format string, args ...any), opts ...Option) *Collection {
	if log == nil {
		log = func(string, ...any) {}
	}
	c := &Collection{
		clients:        clients,
		logf:           log,
		grace:          DefaultGracePeriod,
		inspectTimeout: DefaultInspectTimeout,
		deadline:       DefaultResolveDeadline,
		workers:        make(chan struct{}, DefaultResolveWorkers),
		byID:           map[string]*infoEntry{},
		known:          map[string]*knownEntry{},
		health:         map[Client]*clientState{},
		noAPI:          map[string]bool{},
		resolved:       make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(c)
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c
}

// Close stops the event-stream watchers and background queries and
// waits for them. Lookup and the other methods keep working (Add then no
// longer asks runtimes).
func (c *Collection) Close() {
	c.cancel()
	c.wg.Wait()
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
// container; false means the cgroup is not a container. Adding a known
// cgroup id returns the recorded container.
//
// The first cgroup of a container starts its resolution: it is asked of
// the runtime in the background (bounded concurrency, bounded by the
// resolve deadline, after which it is Resolved with the id only); a
// container an event stream named is asked once, and Resolved with the
// stream's name and image when the inspect fails (it is already gone). With WithAsync, Add returns at once and the container may be
// unresolved (see Resolved()); without, Add waits for the resolution.
// Failures are logged once (per runtime, or per container when its own
// runtime does not know it).
func (c *Collection) Add(cgroupID uint64, cgroupPath string) (*Container, bool) {
	ctr, e, ok := c.add(cgroupID, cgroupPath)
	if !ok || ctr.Resolved || c.async {
		return ctr, ok
	}
	c.wait(e, time.Now().Add(c.deadline+c.inspectTimeout))
	if now, ok := c.Lookup(cgroupID); ok {
		return now, true
	}
	return ctr, true
}

// add records the cgroup and starts the resolution of a new container,
// without waiting.
func (c *Collection) add(cgroupID uint64, cgroupPath string) (*Container, *infoEntry, bool) {
	if ctr, ok := c.Lookup(cgroupID); ok {
		return ctr, c.entry(ctr.Info.ID), true
	}
	ref, ok := ParseCgroupPath(cgroupPath)
	if !ok {
		return nil, nil, false
	}
	c.mu.Lock()
	if v, ok := c.byCgroup.Load(cgroupID); ok { // lost a race with another Add
		c.mu.Unlock()
		ctr := v.(*Container)
		return ctr, c.entry(ctr.Info.ID), true
	}
	e, ok := c.byID[ref.ID]
	start := !ok
	if !ok {
		e = &infoEntry{ref: ref, info: Info{ID: ref.ID, Runtime: infoRuntime(ref.Runtime)}, done: make(chan struct{}), added: time.Now()}
		if k, ok := c.known[ref.ID]; ok {
			// Named by an event stream: the inspect started below still
			// decides when it is Resolved, so that its records are not
			// released without the details only an inspect gives (mounts
			// for shared volumes, IPs for peers, PID); it is asked once.
			e.info = merge(k.info, e.info)
			e.named = true
		}
		c.byID[ref.ID] = e
	}
	e.refs++
	e.cgroups = append(e.cgroups, cgroupID)
	ctr := &Container{CgroupID: cgroupID, CgroupPath: cgroupPath, Info: e.info, Resolved: e.resolved}
	c.byCgroup.Store(cgroupID, ctr)
	c.mu.Unlock()
	if start {
		c.startResolve(e)
	}
	return ctr, e, true
}

// entry returns the shared entry of a container id, or nil.
func (c *Collection) entry(id string) *infoEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byID[id]
}

// wait blocks until e is resolved or the deadline passes.
func (c *Collection) wait(e *infoEntry, deadline time.Time) {
	if e == nil {
		return
	}
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-e.done:
	case <-t.C:
	}
}

// Resolved returns a channel that receives a token when containers that
// Add returned unresolved have become resolved, or when a container's
// details changed (an inspect filled in PID, IPs, mounts): look them up
// again. Tokens coalesce: one token may stand for several containers.
func (c *Collection) Resolved() <-chan struct{} { return c.resolved }

// startResolve asks the runtime about a new container in the background.
func (c *Collection) startResolve(e *infoEntry) {
	if c.ctx.Err() != nil {
		c.settle(e, Info{}, false) // closed: no more queries
		return
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		info, ok := c.query(e)
		c.settle(e, info, ok)
	}()
}

// query asks the clients matching the container's runtime, or every
// client when none matches, within the resolve deadline.
func (c *Collection) query(e *infoEntry) (Info, bool) {
	ctx, cancel := context.WithDeadline(c.ctx, e.added.Add(c.deadline))
	defer cancel()
	runtime := infoRuntime(e.ref.Runtime)
	candidates, matched := c.clientsFor(runtime)
	if len(candidates) == 0 {
		return Info{}, false // LXC, or no runtime at all (reported by the caller)
	}
	pause := 100 * time.Millisecond
	for {
		info, ok, notFound, down, stop := c.ask(ctx, e, candidates)
		if ok || stop {
			return info, ok
		}
		// Every runtime asked said "not found". In async mode, ask again
		// until the deadline: a container may be asked about before its
		// runtime registered it (a pod's sandbox while RunPodSandbox
		// runs), and an event stream may name it meanwhile.
		noClient := matched == 0 && runtime != "" // asked only in case: no retry
		if c.async && len(notFound) > 0 && !noClient && !c.isNamed(e) {
			t := time.NewTimer(pause)
			select {
			case <-t.C:
				pause *= 2
				if !c.isNamed(e) {
					continue
				}
			case <-ctx.Done():
				t.Stop()
			}
		}
		if len(notFound) > 0 && !c.isNamed(e) && c.ctx.Err() == nil {
			if matched == 0 && runtime != "" {
				c.reportNoAPI(runtime, e.ref.ID)
			} else {
				c.reportContainer(e, true, "runtime: container %s: %s does not know it (gone before it could be inspected?); keeping the id only", shortID(e.ref.ID), strings.Join(notFound, ", "))
			}
		} else if len(down) > 0 && !c.isNamed(e) && c.ctx.Err() == nil {
			// The runtime's failure was logged once (failed); the
			// container concerned goes to the report hook only.
			c.reportContainer(e, false, "runtime: container %s: %s did not answer; keeping the id only", shortID(e.ref.ID), strings.Join(down, ", "))
		}
		return Info{}, false
	}
}

// ask asks each candidate once, in a worker slot. It returns the first
// answer (ok), the runtimes that did not know the container, those that
// did not answer (down: failed now, or left alone after a failure), and
// stop when asking again is pointless (closing, or the deadline passed).
func (c *Collection) ask(ctx context.Context, e *infoEntry, candidates []Client) (info Info, ok bool, notFound, down []string, stop bool) {
	select {
	case c.workers <- struct{}{}:
		defer func() { <-c.workers }()
	case <-ctx.Done():
		if c.ctx.Err() == nil { // not closing: the deadline passed in the queue
			c.giveUp(e, "no runtime query slot within the resolve deadline")
		}
		return Info{}, false, nil, nil, true
	}
	for _, cl := range candidates {
		if !c.mayAsk(cl) {
			down = append(down, cl.Name())
			continue
		}
		// A runtime whose event stream is alive is slow, not down: Docker
		// answers the inspect of a container only once its start has
		// finished (~0.25 s here, seconds under load). Wait for it up to
		// the resolve deadline rather than release the container's
		// records without its mounts and addresses.
		timeout := c.inspectTimeout
		if c.isStreaming(cl) {
			if d, ok := ctx.Deadline(); ok {
				timeout = max(timeout, time.Until(d))
			}
		}
		qctx, qcancel := context.WithTimeout(ctx, timeout)
		began := time.Now()
		info, err := cl.Inspect(qctx, e.ref.ID)
		qcancel()
		switch {
		case err == nil:
			c.answered(cl)
			info.ID = e.ref.ID
			if info.Runtime == "" {
				info.Runtime = cl.Name()
			}
			return info, true, nil, nil, false
		case errors.Is(err, ErrNotFound):
			c.answered(cl)
			notFound = append(notFound, cl.Name())
		case c.ctx.Err() != nil:
			return Info{}, false, nil, nil, true // closing
		case ctx.Err() != nil && time.Since(began) < timeout:
			// Our deadline, not the runtime's fault (a long queue).
			c.giveUp(e, "no answer within the resolve deadline")
			return Info{}, false, nil, nil, true
		case errors.Is(err, context.DeadlineExceeded) && c.isStreaming(cl):
			// Slow under load until the deadline, yet its event stream
			// is alive: not down. The container keeps what the stream told.
			c.giveUp(e, fmt.Sprintf("%s did not answer within %v", cl.Name(), c.inspectTimeout))
		default:
			c.failed(cl, err)
			down = append(down, cl.Name())
		}
	}
	return Info{}, false, notFound, down, false
}

// isNamed reports whether e is resolved or named by an event stream: its
// identity is known, so a failed inspect is neither retried nor reported.
func (c *Collection) isNamed(e *infoEntry) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return e.resolved || e.named
}

func (c *Collection) giveUp(e *infoEntry, why string) {
	if !c.isNamed(e) {
		c.reportContainer(e, true, "runtime: container %s: %s; keeping the id only", shortID(e.ref.ID), why)
	}
}

// reportContainer reports a problem that concerns one container: to the
// report hook (WithReport) with what is known of it, else, when orLog is
// set, to the log. Problems already logged once per runtime pass orLog
// false: the log gets one line per runtime, the report hook one per
// container.
func (c *Collection) reportContainer(e *infoEntry, orLog bool, format string, args ...any) {
	switch {
	case c.report != nil:
		c.mu.Lock()
		info := e.info
		c.mu.Unlock()
		c.report(info, fmt.Sprintf(format, args...))
	case orLog:
		c.logf(format, args...)
	}
}

// settle records the outcome of a container's query: the runtime's info
// (ok) merged with what event streams told, and marks the container
// Resolved in every cgroup handed out for it.
func (c *Collection) settle(e *infoEntry, info Info, ok bool) {
	c.mu.Lock()
	if ok {
		e.info = merge(info, e.info)
	} else if k, found := c.known[e.ref.ID]; found {
		e.info = merge(e.info, k.info)
	}
	signal := c.publish(e)
	c.mu.Unlock()
	if signal {
		c.signal()
	}
}

// publish marks e resolved and stores a new value for each of its
// cgroups whose info changed; it reports whether any value was stored
// (Resolved() then tells the readers). Called with mu held.
func (c *Collection) publish(e *infoEntry) bool {
	if !e.resolved {
		e.resolved = true
		defer close(e.done) // after the stores: a waiter then finds them
	}
	signal := false
	live := e.cgroups[:0]
	for _, cg := range e.cgroups {
		v, ok := c.byCgroup.Load(cg)
		if !ok || v.(*Container).Info.ID != e.ref.ID {
			continue // forgotten after its grace period
		}
		live = append(live, cg)
		old := v.(*Container)
		if old.Resolved && infoEqual(old.Info, e.info) {
			continue
		}
		nc := *old
		nc.Info, nc.Resolved = e.info, true
		c.byCgroup.Store(cg, &nc)
		signal = true
	}
	e.cgroups = live
	return signal
}

func (c *Collection) signal() {
	select {
	case c.resolved <- struct{}{}:
	default:
	}
}

// clientsFor returns the clients named runtime, or all clients if none
// is, and how many matched by name. LXC has no client, so none is asked.
func (c *Collection) clientsFor(runtime string) ([]Client, int) {
	if runtime == RuntimeLXC {
		return nil, 0
	}
	var match []Client
	for _, cl := range c.clients {
		if runtime != "" && cl.Name() == runtime {
			match = append(match, cl)
		}
	}
	if len(match) > 0 {
		return match, len(match)
	}
	return c.clients, 0
}

// mayAsk reports whether a client is worth asking: one that did not
// answer is left alone for runtimeRetry, then asked by one query.
func (c *Collection) mayAsk(cl Client) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.health[cl]
	if st == nil || !st.down {
		return true
	}
	if time.Now().Before(st.retryAt) {
		return false
	}
	st.retryAt = time.Now().Add(runtimeRetry)
	return true
}

// isStreaming reports whether a client's event stream is connected.
func (c *Collection) isStreaming(cl Client) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.health[cl]
	return st != nil && st.streaming
}

// setStreaming records whether a client's event stream is connected.
func (c *Collection) setStreaming(cl Client, on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.health[cl]
	if st == nil {
		st = &clientState{}
		c.health[cl] = st
	}
	st.streaming = on
}

// failed records that a client did not answer; the first failure after
// it answered is logged.
func (c *Collection) failed(cl Client, err error) {
	c.mu.Lock()
	st := c.health[cl]
	if st == nil {
		st = &clientState{}
		c.health[cl] = st
	}
	first := !st.down
	st.down, st.retryAt = true, time.Now().Add(runtimeRetry)
	c.mu.Unlock()
	if first {
		c.logf("runtime: %s does not answer: %v; containers keep their ids only until it does (retrying every %v)", describe(cl), oneLine(err), runtimeRetry)
	}
}

// answered records that a client answered, logging a recovery.
func (c *Collection) answered(cl Client) {
	c.mu.Lock()
	st := c.health[cl]
	recovered := st != nil && st.down
	if recovered {
		st.down = false
	}
	c.mu.Unlock()
	if recovered {
		c.logf("runtime: %s answers again", describe(cl))
	}
}

// reportNoAPI logs once per runtime that containers of a runtime no
// client serves keep their ids only.
func (c *Collection) reportNoAPI(runtime, id string) {
	c.mu.Lock()
	seen := c.noAPI[runtime]
	c.noAPI[runtime] = true
	c.mu.Unlock()
	if !seen {
		c.logf("runtime: container %s is a %s container but no %s API socket is in use (see ctrace config keys *-socket); %s containers keep their ids only", shortID(id), runtime, runtime, runtime)
	}
}

// describe names a client and its socket for messages.
func describe(cl Client) string {
	if s, ok := cl.(Source); ok && s.Socket() != "" {
		return cl.Name() + " at " + s.Socket()
	}
	return cl.Name()
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// merge returns a with its empty fields filled from b.
func merge(a, b Info) Info {
	if a.ID == "" {
		a.ID = b.ID
	}
	if a.Name == "" {
		a.Name = b.Name
	}
	if a.Image == "" {
		a.Image = b.Image
	}
	if a.Runtime == "" {
		a.Runtime = b.Runtime
	}
	if a.OCIRuntime == "" {
		a.OCIRuntime = b.OCIRuntime
	}
	if a.PID == 0 {
		a.PID = b.PID
	}
	if a.Created.IsZero() {
		a.Created = b.Created
	}
	if a.State == "" {
		a.State = b.State
	}
	if a.Labels == nil {
		a.Labels = b.Labels
	}
	if a.IPs == nil {
		a.IPs = b.IPs
	}
	if a.Mounts == nil {
		a.Mounts = b.Mounts
	}
	if a.Pod == nil {
		a.Pod = b.Pod
	}
	return a
}

// infoEqual compares the fields merge touches (maps and slices by
// identity: values are never modified in place).
func infoEqual(a, b Info) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Image == b.Image && a.Runtime == b.Runtime &&
		a.OCIRuntime == b.OCIRuntime && a.PID == b.PID && a.Created.Equal(b.Created) && a.State == b.State &&
		sameMap(a.Labels, b.Labels) && len(a.IPs) == len(b.IPs) && len(a.Mounts) == len(b.Mounts) && a.Pod == b.Pod &&
		(len(a.IPs) == 0 || &a.IPs[0] == &b.IPs[0]) && (len(a.Mounts) == 0 || &a.Mounts[0] == &b.Mounts[0])
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Watch follows the event streams of the clients that have one (see
// Watcher) until Close, so that containers are named from the moment
// their runtime creates them. It returns once every stream is connected
// or has failed once (each bounded by its client's timeout); a failed
// stream is reported once and retried in the background with a growing
// pause, asking the runtime to replay what was missed. Calling it more
// than once does nothing.
func (c *Collection) Watch() {
	c.mu.Lock()
	if c.watched || c.ctx.Err() != nil {
		c.mu.Unlock()
		return
	}
	c.watched = true
	c.mu.Unlock()
	var first sync.WaitGroup
	for _, cl := range c.clients {
		w, ok := cl.(Watcher)
		if !ok {
			continue
		}
		first.Add(1)
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.follow(cl, w, first.Done)
		}()
	}
	first.Wait()
}

// follow keeps one event stream going; settled is called once, after
// the first attempt connected or failed.
func (c *Collection) follow(cl Client, w Watcher, settled func()) {
	var once sync.Once
	defer once.Do(settled)
	var since time.Time
	pause := 250 * time.Millisecond
	reported := false
	for c.ctx.Err() == nil {
		connected := false
		began := time.Now()
		err := w.Watch(c.ctx, since, func() {
			connected = true
			if reported {
				c.logf("runtime: %s event stream reconnected", describe(cl))
				reported = false
			}
			c.answered(cl)
			c.setStreaming(cl, true)
			once.Do(settled)
		}, func(ev RuntimeEvent) {
			if !ev.Time.IsZero() {
				since = ev.Time
			}
			c.learn(ev)
		})
		once.Do(settled)
		c.setStreaming(cl, false)
		if c.ctx.Err() != nil {
			return
		}
		if since.IsZero() && connected {
			since = began
		}
		if errors.Is(err, ErrUnsupported) {
			return // a runtime without an event stream: inspects only
		}
		switch {
		case !connected:
			c.failed(cl, err) // the runtime does not answer: one report for both paths
		case !reported:
			c.logf("runtime: %s event stream broke: %s; short-lived containers may go unnamed until it is back (reconnecting)", describe(cl), oneLine(err))
			reported = true
		}
		if connected {
			pause = 250 * time.Millisecond
		}
		t := time.NewTimer(pause)
		select {
		case <-c.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		pause = min(pause*2, 30*time.Second)
	}
}

// learn records what an event stream told about a container and resolves
// a container waiting for it.
func (c *Collection) learn(ev RuntimeEvent) {
	if ev.Info.ID == "" {
		return
	}
	c.mu.Lock()
	k, ok := c.known[ev.Info.ID]
	if !ok {
		if len(c.known) >= maxKnown {
			c.sweepKnown()
		}
		k = &knownEntry{}
		c.known[ev.Info.ID] = k
	}
	if ev.Kind == EventRemoved {
		k.removed = time.Now()
		k.info = merge(k.info, ev.Info)
	} else {
		k.info = merge(ev.Info, k.info) // the newer event wins
	}
	if e, ok := c.byID[ev.Info.ID]; ok && !e.resolved && (k.info.Name != "" || k.info.Image != "") {
		// Its inspect is under way (an unresolved entry always has one):
		// it resolves the container with this name merged in, at once
		// if it is retrying a "not found".
		e.info = merge(e.info, k.info)
		e.named = true
	}
	c.mu.Unlock()
}

// sweepKnown forgets removed containers past the grace period, then, if
// still full, the oldest half. Called with mu held.
func (c *Collection) sweepKnown() {
	now := time.Now()
	for id, k := range c.known {
		if !k.removed.IsZero() && now.Sub(k.removed) > c.grace {
			delete(c.known, id)
		}
	}
	if len(c.known) < maxKnown {
		return
	}
	type aged struct {
		id string
		t  time.Time
	}
	all := make([]aged, 0, len(c.known))
	for id, k := range c.known {
		all = append(all, aged{id, k.info.Created})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].t.Before(all[j].t) })
	for _, a := range all[:len(all)/2] {
		delete(c.known, a.id)
	}
}

// Known returns what the event streams told about a container id.
func (c *Collection) Known(id string) (Info, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.known[id]
	if !ok {
		return Info{}, false
	}
	return k.info, true
}

// Remove marks the container of a cgroup as removed; it keeps resolving
// for the grace period so that late events are still attributed, and is
// then forgotten. Removing an unknown or already removed cgroup does
// nothing.
func (c *Collection) Remove(cgroupID uint64) {
	c.mu.Lock()
	v, ok := c.byCgroup.Load(cgroupID)
	if !ok || !v.(*Container).Removed.IsZero() {
		c.mu.Unlock()
		return
	}
	dead := *v.(*Container)
	dead.Removed = time.Now()
	c.byCgroup.Store(cgroupID, &dead)
	if e, ok := c.byID[dead.Info.ID]; ok {
		if e.refs--; e.refs <= 0 {
			delete(c.byID, dead.Info.ID)
		}
	}
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if v, ok := c.byCgroup.Load(cgroupID); ok && v.(*Container).Removed.Equal(dead.Removed) && v.(*Container).Info.ID == dead.Info.ID {
			c.byCgroup.Delete(cgroupID)
		}
	}
	if c.grace <= 0 {
		forget()
		return
	}
	time.AfterFunc(c.grace, forget)
}

// Containers returns the live (not removed) container cgroups, sorted by
// cgroup path. A container with nested cgroups appears once per cgroup,
// all with the same Info.
func (c *Collection) Containers() []*Container { return c.list(false) }

// All returns the live containers and those removed within the grace
// period (Removed set), ordered like Containers.
func (c *Collection) All() []*Container { return c.list(true) }

func (c *Collection) list(removed bool) []*Container {
	var out []*Container
	c.byCgroup.Range(func(_, v any) bool {
		if ctr := v.(*Container); removed || ctr.Removed.IsZero() {
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
// ones included, returning them sorted by cgroup path. It waits (up to
// the resolve deadline) until they are resolved, in either mode: it runs
// at start-up, before any record is read. Cgroups that vanish during the
// walk are skipped; only an unreadable mount is an error.
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

	deadline := time.Now().Add(c.deadline + c.inspectTimeout)
	var entries []*infoEntry
	for _, f := range todo {
		if _, e, ok := c.add(f.id, f.path); ok {
			entries = append(entries, e)
		}
	}
	for _, e := range entries {
		c.wait(e, deadline)
	}
	out := make([]*Container, 0, len(todo))
	for _, f := range todo {
		if ctr, ok := c.Lookup(f.id); ok {
			out = append(out, ctr)
		}
	}
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
