package netgraph

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func load(t *testing.T) *Graph {
	t.Helper()
	f, err := os.Open("testdata/events.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g := New()
	if err := g.ReadEvents(f, "events.json"); err != nil {
		t.Fatal(err)
	}
	return g
}

func TestEdges(t *testing.T) {
	type row struct {
		client, server, proto string
		port                  uint16
		conns, failed, bytes  uint64
		loop                  bool
	}
	var got []row
	for _, e := range load(t).Edges() {
		got = append(got, row{e.Client.Label(), e.Server.Label(), e.Proto, e.Port, e.Conns, e.Failed, e.Bytes, e.Loopback})
	}
	want := []row{
		{"192.0.2.9", "web", "tcp", 80, 1, 0, 5300, false}, // an external client, seen only by the server
		{"db", "unix:/run/\"odd\" <name>.sock", "unix", 0, 1, 0, 0, false},
		{"web", "db", "tcp", 5432, 2, 0, 1234, false}, // counted once, from the client's side
		{"web", "db", "tcp", 6379, 0, 1, 0, false},    // refused
		{"web", "host", "udp", 53, 1, 0, 0, false},
		{"web", "web", "tcp", 8080, 1, 0, 0, true},
	}
	if len(got) != len(want) {
		t.Fatalf("edges:\n%+v\nwant\n%+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("edge %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func golden(t *testing.T, name string, render func(io.Writer) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := render(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("%s differs from the golden file (go test ./internal/netgraph -update to accept):\n%s", name, b.String())
	}
	return b.Bytes()
}

func TestRenderings(t *testing.T) {
	g := load(t)
	golden(t, "table.golden", g.WriteTable)
	dot := golden(t, "graph.dot.golden", g.WriteDOT)
	if !strings.Contains(string(dot), `"container:`+strings.Repeat("a", 64)+`" -> "container:`+strings.Repeat("b", 64)+`" [label="tcp/5432: 2 conns, 1.2 kB"]`) {
		t.Errorf("dot lacks the web -> db edge:\n%s", dot)
	}
	if !strings.Contains(string(dot), `\"odd\"`) {
		t.Error("dot does not escape quotes")
	}
	mm := golden(t, "graph.mmd.golden", g.WriteMermaid)
	if strings.Contains(string(mm), `"odd"`) || !strings.Contains(string(mm), "#quot;odd#quot;") {
		t.Errorf("mermaid does not escape quotes:\n%s", mm)
	}
	svg := golden(t, "graph.svg.golden", g.WriteSVG)
	dec := xml.NewDecoder(bytes.NewReader(svg))
	texts := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("svg is not well-formed XML: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "text" {
			texts++
		}
	}
	if texts < 6 {
		t.Errorf("svg has %d text elements, want one per node and label", texts)
	}
}

func TestBadInput(t *testing.T) {
	g := New()
	err := g.ReadEvents(strings.NewReader("{\"event\":\"openat\"}\nnot json\n"), "x.json")
	if err == nil || !errors.Is(err, ErrNotEvent) || !strings.Contains(err.Error(), "x.json: event 2") {
		t.Errorf("error %v, want one naming x.json event 2", err)
	}
	if err := g.AddJSON([]byte(`{"a":1}`)); !errors.Is(err, ErrNotEvent) {
		t.Errorf("an object without event: %v", err)
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[uint64]string{0: "0 B", 999: "999 B", 1234: "1.2 kB", 5_300_000: "5.3 MB"} {
		if got := HumanBytes(n); got != want {
			t.Errorf("HumanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
