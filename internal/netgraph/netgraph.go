// Package netgraph folds network events (ctrace's JSON event lines, live or
// from a trace file) into the edges of who talks to whom: client, server,
// port, protocol, connections and bytes; and renders them as a table,
// Graphviz DOT, Mermaid or SVG (svg.go, a self-contained layered layout).
package netgraph

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Endpoint kinds.
const (
	KindContainer = "container"
	KindHost      = "host"
	KindExternal  = "external"
	KindUnix      = "unix"
)

// Endpoint is one end of an edge.
type Endpoint struct {
	Kind string // KindContainer, KindHost, KindExternal, KindUnix
	ID   string // container id
	Name string // container name; the address (external) or path (unix)
}

// Key identifies the endpoint as a graph node.
func (e Endpoint) Key() string {
	switch e.Kind {
	case KindContainer:
		return "container:" + e.ID
	case KindHost:
		return "host"
	}
	return e.Kind + ":" + e.Name
}

// Label is how the endpoint is shown.
func (e Endpoint) Label() string {
	switch e.Kind {
	case KindContainer:
		if e.Name != "" {
			return e.Name
		}
		if len(e.ID) > 12 {
			return e.ID[:12]
		}
		return e.ID
	case KindHost:
		return "host"
	case KindUnix:
		return "unix:" + e.Name
	}
	return e.Name
}

// Edge is traffic from clients of one endpoint to one port of another.
type Edge struct {
	Client, Server Endpoint
	Port           uint16
	Proto          string // tcp, udp, unix
	Conns          uint64 // connections (tcp, unix) or peer flows (udp: first datagram per interval)
	Failed         uint64 // connects that failed
	Bytes          uint64 // payload bytes both ways (tcp, from closed connections)
	Loopback       bool   // inside one container
}

type edgeKey struct {
	client, server, proto string
	port                  uint16
}

// Graph accumulates edges. Not safe for concurrent use.
type Graph struct {
	edges map[edgeKey]*Edge
}

// New returns an empty graph.
func New() *Graph { return &Graph{edges: map[edgeKey]*Edge{}} }

type jsonAddr struct {
	Family string `json:"family"`
	Addr   string `json:"addr"`
	Port   uint16 `json:"port"`
}

// jsonEvent is the part of an event line (docs/events.md) that edges need.
type jsonEvent struct {
	Event     string `json:"event"`
	Container struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"container"`
	Args struct {
		Local         *jsonAddr `json:"local"`
		Remote        *jsonAddr `json:"remote"`
		Path          string    `json:"path"`
		BytesSent     uint64    `json:"bytes_sent"`
		BytesReceived uint64    `json:"bytes_received"`
		Role          string    `json:"role"`
	} `json:"args"`
	Retval *int64 `json:"retval"`
	Peer   *struct {
		Kind string `json:"kind"`
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"peer"`
}

// netEvents are the events that make edges.
var netEvents = map[string]bool{"tcp_connect": true, "tcp_accept": true, "tcp_close": true, "udp_send": true, "udp_recv": true, "unix_connect": true}

// ErrNotEvent is returned for a line that is not a JSON event object.
var ErrNotEvent = errors.New("not a ctrace JSON event")

// AddJSON folds one event line in; events that make no edge are ignored.
func (g *Graph) AddJSON(line []byte) error {
	var ev jsonEvent
	if err := json.Unmarshal(line, &ev); err != nil {
		return fmt.Errorf("%w: %v", ErrNotEvent, err)
	}
	if ev.Event == "" {
		return ErrNotEvent
	}
	if !netEvents[ev.Event] || ev.Container.ID == "" {
		return nil
	}
	g.add(&ev)
	return nil
}

// ReadEvents folds in every line of r (NDJSON); name is used in errors.
func (g *Graph) ReadEvents(r io.Reader, name string) error {
	dec := json.NewDecoder(r)
	for n := 1; ; n++ {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: event %d: %w: %v", name, n, ErrNotEvent, err)
		}
		if err := g.AddJSON(raw); err != nil {
			return fmt.Errorf("%s: event %d: %w", name, n, err)
		}
	}
}

func (g *Graph) add(ev *jsonEvent) {
	self := Endpoint{Kind: KindContainer, ID: ev.Container.ID, Name: ev.Container.Name}
	peer, covered := peerOf(ev, self)
	failed := ev.Retval != nil && *ev.Retval != 0
	switch ev.Event {
	case "tcp_connect":
		if ev.Args.Remote != nil {
			g.count("tcp", self, peer, ev.Args.Remote.Port, failed, 0)
		}
	case "tcp_accept":
		if ev.Args.Local != nil && !covered {
			g.count("tcp", peer, self, ev.Args.Local.Port, false, 0)
		}
	case "tcp_close":
		bytes := ev.Args.BytesSent + ev.Args.BytesReceived
		switch {
		case ev.Args.Role == "client" && ev.Args.Remote != nil:
			g.bytes("tcp", self, peer, ev.Args.Remote.Port, bytes)
		case ev.Args.Role == "server" && ev.Args.Local != nil && !covered:
			g.bytes("tcp", peer, self, ev.Args.Local.Port, bytes)
		}
	case "udp_send", "udp_recv":
		if ev.Args.Local == nil || ev.Args.Remote == nil {
			return
		}
		lp, rp := ev.Args.Local.Port, ev.Args.Remote.Port
		// The server end is the one on the lower port.
		if ev.Event == "udp_send" && (rp <= lp || lp == 0) {
			g.count("udp", self, peer, rp, false, 0)
		} else if ev.Event == "udp_recv" && lp != 0 && lp < rp && !covered {
			g.count("udp", peer, self, lp, false, 0)
		}
	case "unix_connect":
		if ev.Args.Path != "" {
			g.count("unix", self, Endpoint{Kind: KindUnix, Name: ev.Args.Path}, 0, failed, 0)
		}
	}
}

// peerOf returns the far end of ev; covered is true when the far end is a
// traced container, whose own event reports the connection.
func peerOf(ev *jsonEvent, self Endpoint) (Endpoint, bool) {
	addr := ""
	if ev.Args.Remote != nil {
		addr = ev.Args.Remote.Addr
		if a, err := netip.ParseAddr(addr); err == nil {
			addr = a.Unmap().String()
		}
	}
	if ev.Peer == nil {
		return Endpoint{Kind: KindExternal, Name: addr}, false
	}
	switch ev.Peer.Kind {
	case "container":
		return Endpoint{Kind: KindContainer, ID: ev.Peer.ID, Name: ev.Peer.Name}, true
	case "loopback":
		return self, true
	case "host":
		return Endpoint{Kind: KindHost}, false
	}
	return Endpoint{Kind: KindExternal, Name: addr}, false
}

func (g *Graph) edge(proto string, c, s Endpoint, port uint16) *Edge {
	k := edgeKey{c.Key(), s.Key(), proto, port}
	e, ok := g.edges[k]
	if !ok {
		e = &Edge{Client: c, Server: s, Port: port, Proto: proto, Loopback: c.Key() == s.Key()}
		g.edges[k] = e
	}
	// Keep the best name seen for each end.
	if e.Client.Name == "" {
		e.Client.Name = c.Name
	}
	if e.Server.Name == "" {
		e.Server.Name = s.Name
	}
	return e
}

func (g *Graph) count(proto string, c, s Endpoint, port uint16, failed bool, bytes uint64) {
	e := g.edge(proto, c, s, port)
	if failed {
		e.Failed++
	} else {
		e.Conns++
	}
	e.Bytes += bytes
}

func (g *Graph) bytes(proto string, c, s Endpoint, port uint16, n uint64) {
	g.edge(proto, c, s, port).Bytes += n
}

// Edges returns the edges sorted by client, server, protocol and port.
func (g *Graph) Edges() []Edge {
	out := make([]Edge, 0, len(g.edges))
	for _, e := range g.edges {
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if x, y := a.Client.Label(), b.Client.Label(); x != y {
			return x < y
		}
		if x, y := a.Server.Label(), b.Server.Label(); x != y {
			return x < y
		}
		if a.Proto != b.Proto {
			return a.Proto < b.Proto
		}
		return a.Port < b.Port
	})
	return out
}

// Nodes returns the endpoints of all edges, sorted by label.
func (g *Graph) Nodes() []Endpoint {
	seen := map[string]Endpoint{}
	for _, e := range g.edges {
		seen[e.Client.Key()] = e.Client
		seen[e.Server.Key()] = e.Server
	}
	out := make([]Endpoint, 0, len(seen))
	for _, n := range seen {
		out = append(out, n)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Label() != out[j].Label() {
			return out[i].Label() < out[j].Label()
		}
		return out[i].Key() < out[j].Key()
	})
	return out
}

// portLabel is "tcp/5000", "unix".
func (e Edge) portLabel() string {
	if e.Proto == "unix" {
		return "unix"
	}
	return e.Proto + "/" + strconv.Itoa(int(e.Port))
}

// Summary is the edge's label: "tcp/5000: 3 conns, 1.2 kB".
func (e Edge) Summary() string {
	var parts []string
	unit := "conn"
	if e.Proto == "udp" {
		unit = "flow"
	}
	if e.Conns != 1 {
		unit += "s"
	}
	parts = append(parts, fmt.Sprintf("%d %s", e.Conns, unit))
	if e.Failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", e.Failed))
	}
	if e.Bytes > 0 {
		parts = append(parts, HumanBytes(e.Bytes))
	}
	s := e.portLabel() + ": " + strings.Join(parts, ", ")
	if e.Loopback {
		s += " (loopback)"
	}
	return s
}

// HumanBytes renders a byte count: "512 B", "1.2 kB", "3.4 MB".
func HumanBytes(n uint64) string {
	const unit = 1000
	if n < unit {
		return strconv.FormatUint(n, 10) + " B"
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

// WriteTable prints the edges as an aligned table.
func (g *Graph) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLIENT\tSERVER\tPORT\tPROTO\tCONNECTIONS\tFAILED\tBYTES")
	for _, e := range g.Edges() {
		server := e.Server.Label()
		if e.Loopback {
			server += " (loopback)"
		}
		port := strconv.Itoa(int(e.Port))
		if e.Proto == "unix" {
			port = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%d\n", clean(e.Client.Label()), clean(server), port, e.Proto, e.Conns, e.Failed, e.Bytes)
	}
	return tw.Flush()
}

// clean keeps container-controlled names from driving a terminal.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}

// WriteDOT prints the graph in Graphviz's DOT language.
func (g *Graph) WriteDOT(w io.Writer) error {
	var b strings.Builder
	b.WriteString("digraph ctrace {\n  rankdir=LR;\n  node [shape=box, style=\"rounded,filled\", fillcolor=\"#e8f0fe\", fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
	for _, n := range g.Nodes() {
		fmt.Fprintf(&b, "  %s [label=%s", dotQuote(n.Key()), dotQuote(n.Label()))
		switch n.Kind {
		case KindHost:
			b.WriteString(", shape=ellipse, fillcolor=\"#eeeeee\"")
		case KindExternal, KindUnix:
			b.WriteString(", shape=ellipse, fillcolor=\"#ffffff\"")
		}
		b.WriteString("];\n")
	}
	for _, e := range g.Edges() {
		fmt.Fprintf(&b, "  %s -> %s [label=%s];\n", dotQuote(e.Client.Key()), dotQuote(e.Server.Key()), dotQuote(e.Summary()))
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func dotQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range clean(s) {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// WriteMermaid prints the graph as a Mermaid flowchart.
func (g *Graph) WriteMermaid(w io.Writer) error {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	ids := map[string]string{}
	for i, n := range g.Nodes() {
		id := "n" + strconv.Itoa(i)
		ids[n.Key()] = id
		open, close := "[", "]"
		if n.Kind != KindContainer {
			open, close = "([", "])"
		}
		fmt.Fprintf(&b, "  %s%s\"%s\"%s\n", id, open, mermaidText(n.Label()), close)
	}
	for _, e := range g.Edges() {
		fmt.Fprintf(&b, "  %s -->|\"%s\"| %s\n", ids[e.Client.Key()], mermaidText(e.Summary()), ids[e.Server.Key()])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidText escapes text inside a quoted Mermaid label.
func mermaidText(s string) string {
	r := strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "|", "#124;")
	return r.Replace(clean(s))
}
