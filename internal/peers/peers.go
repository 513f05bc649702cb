// Package peers names what lies at the other end of an event: the
// container (or the host) behind a network event's remote address, from the
// runtimes' network settings (containers.Info.IPs), the addresses containers
// were seen using in their own network namespaces and the listeners seen
// there; and, for a file event, the containers that mount the volume
// holding its path (containers.Info.Mounts).
package peers

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
)

// Source is what the namer knows about containers.
type Source interface {
	// Containers returns the live containers (one entry per cgroup).
	Containers() []*containers.Container
	// All returns the live containers and those removed within the
	// grace period (Removed set): an event printed late (held until its
	// container was named) is annotated with the containers alive when
	// it happened.
	All() []*containers.Container
}

// Options configure a Namer.
type Options struct {
	// Inspect asks the runtimes about a container again (its addresses may
	// not have been assigned when it was first seen). Optional.
	Inspect func(ctx context.Context, c *containers.Container) (containers.Info, error)
	// HostAddrs returns the host's own addresses (default: the interfaces
	// of the network namespace ctrace runs in).
	HostAddrs func() []netip.Addr
	// Now is the clock (tests).
	Now func() time.Time
}

type ref struct {
	id, name, image string
}

type listenKey struct {
	netns uint32
	port  uint16
}

// Namer annotates events. Not safe for concurrent use.
type Namer struct {
	src  Source
	opts Options

	built     bool
	byIP      map[netip.Addr]ref // from the runtimes
	noIPs     []*containers.Container
	learned   map[netip.Addr]ref  // local addresses seen in events
	listeners map[listenKey]ref   // listening ports seen, by network namespace
	host      map[netip.Addr]bool // the host's addresses
	hostAt    time.Time
	asked     map[string]asked // re-inspections, by container id
	extra     map[string]*containers.Info
	shared    map[sharedKey]*events.Shared
}

type sharedKey struct{ id, dest string }

type asked struct {
	at time.Time
	n  int
}

// New returns a Namer over src.
func New(src Source, opts Options) *Namer {
	if opts.HostAddrs == nil {
		opts.HostAddrs = interfaceAddrs
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Namer{src: src, opts: opts, learned: map[netip.Addr]ref{}, listeners: map[listenKey]ref{},
		asked: map[string]asked{}, extra: map[string]*containers.Info{}}
}

// Invalidate drops what was derived from the container list (call when
// containers come or go).
func (n *Namer) Invalidate() {
	n.built = false
	n.shared = nil
}

// A container is asked again at most reinspectMax times, reinspectEvery
// apart: addresses are assigned within moments of a container's start.
const (
	reinspectEvery = time.Second
	reinspectMax   = 3
)

func (n *Namer) build() {
	n.byIP = map[netip.Addr]ref{}
	n.noIPs = n.noIPs[:0]
	seen := map[string]bool{}
	for _, c := range n.src.Containers() {
		if seen[c.Info.ID] {
			continue
		}
		seen[c.Info.ID] = true
		info := n.info(c)
		if len(info.IPs) == 0 || info.Name == "" {
			n.noIPs = append(n.noIPs, c) // addresses not assigned yet, or the runtime did not answer
		}
		for _, a := range info.IPs {
			n.byIP[a.Unmap()] = refOf(*info)
		}
	}
	n.built = true
}

// info is a container's runtime info, or what a later inspection returned
// (read only: it points into the container or the namer's cache).
func (n *Namer) info(c *containers.Container) *containers.Info {
	if len(n.extra) > 0 { // rarely any: no hash of the id per event
		if i, ok := n.extra[c.Info.ID]; ok {
			return i
		}
	}
	return &c.Info
}

func refOf(i containers.Info) ref { return ref{i.ID, i.Name, i.Image} }

// Annotates reports whether Annotate may set something on events with
// id: the network events (peer) and file events (shared). Only these need
// the container's details that arrive after it is named (IPs, mounts).
func Annotates(id events.ID) bool { return annotatesNet(id) || annotatesFile(id) }

func annotatesNet(id events.ID) bool {
	switch id {
	case events.IDTCPConnect, events.IDTCPAccept, events.IDTCPClose, events.IDUDPSend, events.IDUDPRecv, events.IDTCPListen:
		return true
	}
	return false
}

func annotatesFile(id events.ID) bool {
	switch id {
	case events.IDFileOpen, events.IDFileRead, events.IDFileWrite, events.IDFileUnlink, events.IDFileRename,
		events.IDFileChmod, events.IDFileChown, events.IDFileExec, events.IDUnixConnect:
		return true
	}
	return false
}

// Annotate sets ev.Peer (network events) or ev.Shared (file events and
// unix_connect) for an event of container c.
func (n *Namer) Annotate(ev *events.Event, c *containers.Container) {
	switch id := ev.Def.ID; {
	case annotatesNet(id):
		n.annotateNet(ev, c)
	case annotatesFile(id):
		if c != nil {
			ev.Shared = n.Shared(c, string(ev.Str(events.ParamFilePath)), time.Unix(0, ev.TimeNS))
		}
	}
}

func sockaddrOf(ev *events.Event, i int) (netip.AddrPort, bool) {
	b, ok := ev.Value(i)
	if !ok {
		return netip.AddrPort{}, false
	}
	sa, ok := events.DecodeSockaddr(b)
	if !ok || !sa.Addr.IsValid() {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(sa.Addr.Unmap(), sa.Port), true
}

func (n *Namer) annotateNet(ev *events.Event, c *containers.Container) {
	if c == nil {
		return
	}
	self := refOf(c.Info)
	local, lok := sockaddrOf(ev, events.ParamNetLocal)
	netns := uint32(0)
	if p := paramIndex(ev.Def, "netns"); p >= 0 {
		netns = uint32(ev.Vals[p])
	}
	if lok {
		if a := local.Addr(); a.IsValid() && !a.IsLoopback() && !a.IsUnspecified() {
			n.learned[a] = self
		}
		if ev.Def.ID == events.IDTCPListen || ev.Def.ID == events.IDTCPAccept {
			n.listeners[listenKey{netns, local.Port()}] = self
		}
	}
	if ev.Def.ID == events.IDTCPListen {
		return
	}
	remote, ok := sockaddrOf(ev, events.ParamNetRemote)
	if !ok {
		return
	}
	ev.Peer = n.name(self, c, remote.Addr(), remote.Port(), local.Addr(), netns)
}

func paramIndex(d *events.Def, name string) int {
	for i, p := range d.Params {
		if p.Name == name {
			return i
		}
	}
	return -1
}

// name classifies remote address a seen by container self.
func (n *Namer) name(self ref, c *containers.Container, a netip.Addr, port uint16, local netip.Addr, netns uint32) events.Peer {
	loop := events.Peer{Kind: events.PeerLoopback, ID: self.id, Name: self.name, Image: self.image}
	if a.IsLoopback() {
		// Another container of the same network namespace (a pod) listening there?
		if l, ok := n.listeners[listenKey{netns, port}]; ok && netns != 0 && l.id != self.id {
			return events.Peer{Kind: events.PeerContainer, ID: l.id, Name: l.name, Image: l.image}
		}
		return loop
	}
	if a == local {
		return loop
	}
	for _, own := range n.info(c).IPs {
		if own.Unmap() == a {
			return loop
		}
	}
	if r, ok := n.lookup(a); ok {
		if r.id == self.id {
			return loop
		}
		if r.name == "" && n.reinspect(unnamedOrNoIPs) {
			r, _ = n.lookup(a)
		}
		return events.Peer{Kind: events.PeerContainer, ID: r.id, Name: r.name, Image: r.image}
	}
	if n.isHost(a) {
		return events.Peer{Kind: events.PeerHost}
	}
	// Not known: containers whose addresses were not yet assigned when
	// they were first inspected may have them now.
	if n.reinspect(unnamedOrNoIPs) {
		if r, ok := n.lookup(a); ok {
			if r.id == self.id {
				return loop
			}
			return events.Peer{Kind: events.PeerContainer, ID: r.id, Name: r.name, Image: r.image}
		}
	}
	return events.Peer{Kind: events.PeerExternal}
}

func (n *Namer) lookup(a netip.Addr) (ref, bool) {
	if !n.built {
		n.build()
	}
	if r, ok := n.byIP[a]; ok {
		return r, true
	}
	r, ok := n.learned[a]
	return r, ok
}

func unnamedOrNoIPs(containers.Info) bool { return true }

// reinspect asks the runtimes again about containers without addresses or
// names that match want (a few times each, rate-limited); it reports
// whether anything changed.
func (n *Namer) reinspect(want func(containers.Info) bool) bool {
	if n.opts.Inspect == nil {
		return false
	}
	if !n.built {
		n.build()
	}
	now := n.opts.Now()
	changed := false
	for _, c := range n.noIPs {
		a := n.asked[c.Info.ID]
		if !want(*n.info(c)) || a.n >= reinspectMax || (a.n > 0 && now.Sub(a.at) < reinspectEvery) {
			continue
		}
		n.asked[c.Info.ID] = asked{at: now, n: a.n + 1}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		info, err := n.opts.Inspect(ctx, c)
		cancel()
		if err == nil && (len(info.IPs) > 0 || info.Name != "") {
			info.ID = c.Info.ID
			n.extra[c.Info.ID] = &info
			changed = true
		}
	}
	if changed {
		n.build()
	}
	return changed
}

// hostEvery bounds how often the host's addresses are read again.
const hostEvery = 10 * time.Second

func (n *Namer) isHost(a netip.Addr) bool {
	now := n.opts.Now()
	if n.host == nil || (!n.host[a] && now.Sub(n.hostAt) >= hostEvery) {
		n.host = map[netip.Addr]bool{}
		for _, h := range n.opts.HostAddrs() {
			n.host[h.Unmap()] = true
		}
		n.hostAt = now
	}
	return n.host[a]
}

func interfaceAddrs() []netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr())
		}
	}
	return out
}

// Shared returns the containers that mount the volume (or bind mount)
// holding path p of container c, when that is more than c alone; nil
// otherwise. The containers are those alive at time at (the event's):
// records held until their container was named are printed late, maybe
// after a container sharing the volume was removed. Results are cached
// per container and mount while no removed container takes part.
func (n *Namer) Shared(c *containers.Container, p string, at time.Time) *events.Shared {
	// The common case first, per event: the path is in no mount.
	info := n.info(c)
	var m *containers.Mount
	for i := range info.Mounts {
		d := info.Mounts[i].Destination
		if d != "" && under(p, d) {
			if m == nil || len(d) > len(m.Destination) {
				m = &info.Mounts[i]
			}
		}
	}
	if m == nil || m.Source == "" {
		return nil // not in a volume or bind mount (the common case: no more work)
	}
	key := sharedKey{info.ID, m.Destination}
	if s, ok := n.shared[key]; ok {
		return s
	}
	// Containers the runtime had not described yet may mount the volume too.
	if n.reinspect(func(i containers.Info) bool { return i.Name == "" }) {
		n.shared = nil
	}
	if n.shared == nil {
		n.shared = map[sharedKey]*events.Shared{}
	}
	var refs []events.ContainerRef
	seen := map[string]bool{}
	cache := true
	for _, o := range n.src.All() {
		if !o.Removed.IsZero() {
			cache = false // the answer depends on the event's time
			if o.Removed.Before(at) {
				continue // gone before the event
			}
		}
		oi := n.info(o)
		if seen[oi.ID] {
			continue
		}
		for _, om := range oi.Mounts {
			if om.Source != "" && within(m.Source, om.Source) {
				seen[oi.ID] = true
				refs = append(refs, events.ContainerRef{ID: oi.ID, Name: oi.Name})
				break
			}
		}
	}
	var s *events.Shared
	if len(refs) > 1 {
		sort.Slice(refs, func(i, j int) bool { return refs[i].Name+refs[i].ID < refs[j].Name+refs[j].ID })
		src := m.Source
		if m.Name != "" {
			src = m.Name
		}
		s = &events.Shared{Source: src, Containers: refs}
	}
	if cache {
		n.shared[key] = s
	}
	return s
}

// under reports whether path p is dir or lies in it, without allocating.
func under(p, dir string) bool {
	if !strings.HasPrefix(p, dir) {
		return false
	}
	return len(p) == len(dir) || dir[len(dir)-1] == '/' || p[len(dir)] == '/'
}

// within reports whether host path p lies in (or is) dir.
func within(p, dir string) bool {
	p, dir = path.Clean(p), path.Clean(dir)
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// NetnsOf returns the inode of process pid's network namespace.
func NetnsOf(procRoot string, pid int) (uint32, error) {
	l, err := os.Readlink(procRoot + "/" + strconv.Itoa(pid) + "/ns/net")
	if err != nil {
		return 0, err
	}
	// "net:[4026531840]"
	l = strings.TrimSuffix(strings.TrimPrefix(l, "net:["), "]")
	v, err := strconv.ParseUint(l, 10, 32)
	if err != nil {
		return 0, err
	}
	return uint32(v), nil
}
