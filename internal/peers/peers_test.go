package peers

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/events/eventstest"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

var cat = events.NewCatalog(syscalls.X86_64)

type fakeSource []*containers.Container

func (f fakeSource) Containers() []*containers.Container {
	var live []*containers.Container
	for _, c := range f {
		if c.Removed.IsZero() {
			live = append(live, c)
		}
	}
	return live
}
func (f fakeSource) All() []*containers.Container { return f }

func ctr(id, name string, ips []string, mounts ...containers.Mount) *containers.Container {
	c := &containers.Container{CgroupID: uint64(len(id) + len(name)), Info: containers.Info{ID: id, Name: name, Image: "img", Mounts: mounts}}
	for _, ip := range ips {
		c.Info.IPs = append(c.Info.IPs, netip.MustParseAddr(ip))
	}
	return c
}

func netEvent(name, local, remote string, netns uint64) *events.Event {
	d, _ := cat.ByName(name)
	ev := &events.Event{Def: d}
	ev.Strs = append(ev.Strs, events.Str{Param: 0, Value: []byte(eventstest.Sockaddr(local))})
	if remote != "" {
		ev.Strs = append(ev.Strs, events.Str{Param: 1, Value: []byte(eventstest.Sockaddr(remote))})
	}
	for i, p := range d.Params {
		if p.Name == "netns" {
			ev.Vals[i] = netns
		}
	}
	return ev
}

func fileEvent(path string) *events.Event {
	d, _ := cat.ByName("file_write")
	return &events.Event{Def: d, Strs: []events.Str{{Param: 0, Value: []byte(path)}}}
}

func TestNamesBothEnds(t *testing.T) {
	web := ctr("aaa", "web", []string{"172.18.0.2"})
	db := ctr("bbb", "db", []string{"172.18.0.3", "fd00::3"})
	src := fakeSource{web, db}
	n := New(src, Options{HostAddrs: func() []netip.Addr {
		return []netip.Addr{netip.MustParseAddr("172.18.0.1"), netip.MustParseAddr("10.0.0.5")}
	}})
	cases := []struct {
		name   string
		c      *containers.Container
		ev     *events.Event
		kind   events.PeerKind
		peerID string
	}{
		{"client connects to a container", web, netEvent("tcp_connect", "172.18.0.2:40000", "172.18.0.3:5432", 1), events.PeerContainer, "bbb"},
		{"server accepts from a container", db, netEvent("tcp_accept", "172.18.0.3:5432", "172.18.0.2:40000", 2), events.PeerContainer, "aaa"},
		{"IPv4-mapped address", db, netEvent("tcp_close", "[::ffff:172.18.0.3]:5432", "[::ffff:172.18.0.2]:40000", 0), events.PeerContainer, "aaa"},
		{"IPv6", web, netEvent("tcp_connect", "[fd00::2]:1", "[fd00::3]:5432", 1), events.PeerContainer, "bbb"},
		{"loopback inside one container", web, netEvent("tcp_connect", "127.0.0.1:40001", "127.0.0.1:8080", 1), events.PeerLoopback, "aaa"},
		{"own address", web, netEvent("tcp_connect", "172.18.0.2:40002", "172.18.0.2:8080", 1), events.PeerLoopback, "aaa"},
		{"the host (bridge gateway)", web, netEvent("tcp_connect", "172.18.0.2:40003", "172.18.0.1:80", 1), events.PeerHost, ""},
		{"elsewhere", web, netEvent("udp_send", "172.18.0.2:40004", "192.0.2.7:53", 1), events.PeerExternal, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n.Annotate(c.ev, c.c)
			if c.ev.Peer.Kind != c.kind || c.ev.Peer.ID != c.peerID {
				t.Errorf("peer %+v, want kind %s id %q", c.ev.Peer, c.kind, c.peerID)
			}
		})
	}
	if p := cases[0].ev.Peer; p.Name != "db" || p.Image != "img" {
		t.Errorf("peer named %q image %q, want db img", p.Name, p.Image)
	}
}

func TestListenerInSharedNetns(t *testing.T) {
	// Two containers of one pod share a network namespace: loopback to the
	// sibling's listening port names the sibling.
	app := ctr("app", "app", nil)
	side := ctr("side", "sidecar", nil)
	n := New(fakeSource{app, side}, Options{HostAddrs: func() []netip.Addr { return nil }})
	n.Annotate(netEvent("tcp_listen", "0.0.0.0:15001", "", 77), side)
	ev := netEvent("tcp_connect", "127.0.0.1:5000", "127.0.0.1:15001", 77)
	n.Annotate(ev, app)
	if ev.Peer.Kind != events.PeerContainer || ev.Peer.ID != "side" {
		t.Errorf("peer %+v, want the sidecar", ev.Peer)
	}
	other := netEvent("tcp_connect", "127.0.0.1:5000", "127.0.0.1:15001", 78) // another namespace
	n.Annotate(other, app)
	if other.Peer.Kind != events.PeerLoopback {
		t.Errorf("peer %+v in another netns, want loopback", other.Peer)
	}
}

func TestLearnsAddressesAndReinspects(t *testing.T) {
	a := ctr("aaa", "a", nil)
	b := ctr("bbb", "", nil) // the runtime did not answer in time, no addresses yet
	now := time.Unix(1000, 0)
	asked := 0
	n := New(fakeSource{a, b}, Options{
		HostAddrs: func() []netip.Addr { return nil },
		Now:       func() time.Time { return now },
		Inspect: func(_ context.Context, c *containers.Container) (containers.Info, error) {
			asked++
			if c.Info.ID == "bbb" {
				return containers.Info{Name: "b", IPs: []netip.Addr{netip.MustParseAddr("10.1.0.3")}}, nil
			}
			return c.Info, nil
		},
	})
	// a's address is learned from its own event.
	n.Annotate(netEvent("tcp_connect", "10.1.0.2:3000", "10.1.0.3:80", 1), a)
	ev := netEvent("tcp_accept", "10.1.0.3:80", "10.1.0.2:3000", 2)
	n.Annotate(ev, b)
	if ev.Peer.Kind != events.PeerContainer || ev.Peer.ID != "aaa" {
		t.Errorf("accept peer %+v, want a (learned from its connect)", ev.Peer)
	}
	// b's address came from asking the runtime again.
	ev = netEvent("tcp_connect", "10.1.0.2:3001", "10.1.0.3:80", 1)
	n.Annotate(ev, a)
	if ev.Peer.Kind != events.PeerContainer || ev.Peer.Name != "b" {
		t.Errorf("connect peer %+v, want b by re-inspection", ev.Peer)
	}
	before := asked
	n.Annotate(netEvent("udp_send", "10.1.0.2:3002", "198.51.100.1:53", 1), a)
	n.Annotate(netEvent("udp_send", "10.1.0.2:3003", "198.51.100.2:53", 1), a)
	if asked-before > 1 {
		t.Errorf("asked the runtime %d times within %v for unknown addresses", asked-before, reinspectEvery)
	}
}

func TestSharedVolume(t *testing.T) {
	vol := containers.Mount{Type: "volume", Name: "shared", Source: "/var/lib/docker/volumes/shared/_data", Destination: "/data"}
	w := ctr("w", "writer", nil, vol)
	r := ctr("r", "reader", nil, containers.Mount{Type: "volume", Name: "shared", Source: vol.Source, Destination: "/in"})
	sub := ctr("s", "subdir", nil, containers.Mount{Type: "bind", Source: "/var/lib/docker/volumes", Destination: "/all"})
	alone := ctr("x", "alone", nil, containers.Mount{Type: "bind", Source: "/srv/x", Destination: "/data"})
	n := New(fakeSource{w, r, sub, alone}, Options{})
	ev := fileEvent("/data/out/report.txt")
	n.Annotate(ev, w)
	if ev.Shared == nil {
		t.Fatal("no shared annotation for a path in a shared volume")
	}
	var names []string
	for _, c := range ev.Shared.Containers {
		names = append(names, c.Name)
	}
	if len(names) != 3 || names[0] != "reader" || names[1] != "subdir" || names[2] != "writer" || ev.Shared.Source != "shared" {
		t.Errorf("shared %+v (%v), want reader, subdir, writer of volume shared", ev.Shared, names)
	}
	for _, p := range []string{"/etc/hostname", "/database"} {
		ev := fileEvent(p)
		n.Annotate(ev, w)
		if ev.Shared != nil {
			t.Errorf("%s: shared %+v, want none (not in the volume)", p, ev.Shared)
		}
	}
	ev = fileEvent("/data/x")
	n.Annotate(ev, alone)
	if ev.Shared != nil {
		t.Errorf("a bind mount used by one container: shared %+v", ev.Shared)
	}
}

// An event printed late (held until its container was named) names the
// containers that shared the volume when it happened, even one removed
// since; an event after the removal does not name it.
func TestSharedVolumeRemovedContainer(t *testing.T) {
	vol := containers.Mount{Type: "volume", Name: "v", Source: "/var/lib/docker/volumes/v/_data", Destination: "/shared"}
	w := ctr("w", "writer", nil, vol)
	r := ctr("r", "reader", nil, containers.Mount{Type: "volume", Name: "v", Source: vol.Source, Destination: "/vol"})
	removed := time.Unix(1795900000, 0)
	r.Removed = removed
	n := New(fakeSource{w, r}, Options{})
	for _, tc := range []struct {
		at   time.Time
		want int
	}{{removed.Add(-time.Second), 2}, {removed.Add(time.Second), 0}, {removed.Add(-time.Second), 2}} {
		ev := fileEvent("/shared/data.txt")
		ev.TimeNS = tc.at.UnixNano()
		n.Annotate(ev, w)
		got := 0
		if ev.Shared != nil {
			got = len(ev.Shared.Containers)
		}
		if got != tc.want {
			t.Errorf("event at removal%+v: shared %+v, want %d containers", tc.at.Sub(removed), ev.Shared, tc.want)
		}
	}
}

func TestNetnsOf(t *testing.T) {
	if _, err := NetnsOf("/proc", 1<<30); err == nil {
		t.Error("no error for a missing process")
	}
}

func BenchmarkSharedNotInVolume(b *testing.B) {
	var cs fakeSource
	for i := range 30 {
		cs = append(cs, ctr(string(rune('a'+i)), "", nil, containers.Mount{Type: "bind", Source: "/gate", Destination: "/gate"}))
	}
	n := New(cs, Options{Inspect: func(context.Context, *containers.Container) (containers.Info, error) { return containers.Info{}, nil }})
	ev := fileEvent("/data/17/42")
	b.ReportAllocs()
	for b.Loop() {
		n.Annotate(ev, cs[0])
	}
}
