package output

import (
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ctrace-dev/ctrace/internal/containers"
	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/schematest"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

func TestPeerAndSharedRendering(t *testing.T) {
	cat := events.NewCatalog(syscalls.X86_64)
	d, _ := cat.ByName("file_write")
	ev := &events.Event{Def: d, PID: 1, TID: 1, Retval: 7, Strs: []events.Str{{Param: 0, Value: []byte("/shared/x")}},
		Shared: &events.Shared{Source: "vol", Containers: []events.ContainerRef{{ID: "a", Name: "evil\x1b[2Jname"}, {ID: "b", Name: "b"}}}}
	ev.Vals[events.ParamRWBytes] = 7
	js := AppendJSON(nil, ev, []byte(`{}`))
	var got struct {
		Retval int64 `json:"retval"`
		Shared struct {
			Source     string `json:"source"`
			Containers []struct{ ID, Name string }
		} `json:"shared"`
	}
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatalf("invalid JSON %s: %v", js, err)
	}
	if got.Retval != 7 || got.Shared.Source != "vol" || len(got.Shared.Containers) != 2 || got.Shared.Containers[0].Name != "evil\x1b[2Jname" {
		t.Errorf("decoded %+v from %s", got, js)
	}
	line := string(AppendTableLine(nil, ev, nil))
	if strings.Contains(line, "\x1b") || !strings.Contains(line, "shared=[") || !strings.Contains(line, " = 7") {
		t.Errorf("table line %q", line)
	}

	c, _ := cat.ByName("tcp_connect")
	ev = &events.Event{Def: c, PID: 1, TID: 1, Retval: -111, Peer: events.Peer{Kind: events.PeerContainer, ID: "x", Name: "db", Image: "pg"}}
	js = AppendJSON(nil, ev, []byte(`{}`))
	if !json.Valid(js) || !strings.Contains(string(js), `"peer":{"kind":"container","id":"x","name":"db","image":"pg"}`) || !strings.Contains(string(js), `"error":"ECONNREFUSED"`) {
		t.Errorf("connect JSON %s", js)
	}
	ev.Peer = events.Peer{Kind: events.PeerHost}
	if js := string(AppendJSON(nil, ev, []byte(`{}`))); !strings.Contains(js, `"peer":{"kind":"host"}`) {
		t.Errorf("host peer JSON %s", js)
	}
	if line := string(AppendTableLine(nil, ev, nil)); !strings.Contains(line, "peer=host") {
		t.Errorf("table line %q", line)
	}
}

// TestNetFileJSONMatchesSchema: file and network events (retval and error,
// peer, shared) and the container's pod match docs/events.schema.json, whose
// list of non-syscall events with a result is the catalogue's; the schema
// rejects lines that break that contract.
func TestNetFileJSONMatchesSchema(t *testing.T) {
	s := schematest.Load(t, schematest.Events)
	cat := events.NewCatalog(syscalls.X86_64)

	// The schema's resultEvent list is the catalogue's Def.Result.
	var want []string
	for _, d := range cat.All() {
		if !d.Syscall && d.Result {
			want = append(want, d.Name)
		}
	}
	schema, err := os.ReadFile("../../docs/events.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Defs struct {
			ResultEvent struct {
				Enum []string `json:"enum"`
			} `json:"resultEvent"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(schema, &doc); err != nil {
		t.Fatal(err)
	}
	got := doc.Defs.ResultEvent.Enum
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("schema $defs/resultEvent = %q, catalogue's non-syscall Result events = %q", got, want)
	}

	pod := &containers.Container{Info: containers.Info{ID: strings.Repeat("cd", 32), Name: "nginx", Image: "nginx:1.27", Runtime: "containerd",
		Pod: &containers.PodInfo{Name: "web-7d9f", Namespace: "shop", UID: "0b5e5d5c-1111-4a4a-9c9c-123456789abc"}}}
	def := func(name string) *events.Def {
		d, ok := cat.ByName(name)
		if !ok {
			t.Fatalf("no event %s", name)
		}
		return d
	}
	var lines []string
	add := func(ev *events.Event, c *containers.Container) {
		ev.PID, ev.TID = 1, 1
		lines = append(lines, string(AppendJSON(nil, ev, AppendContainerJSON(nil, c))))
	}
	fw := &events.Event{Def: def("file_write"), Retval: 7, Strs: []events.Str{{Param: 0, Value: []byte("/shared/x")}},
		Shared: &events.Shared{Source: "vol", Containers: []events.ContainerRef{{ID: "a", Name: "reader"}, {ID: "b", Name: "writer"}}}}
	fw.Vals[events.ParamRWBytes] = 7
	add(fw, testContainer)
	add(&events.Event{Def: def("file_open"), Retval: -2, Strs: []events.Str{{Param: 0, Value: []byte("/nope")}}}, pod)
	add(&events.Event{Def: def("tcp_connect"), Retval: -111, Peer: events.Peer{Kind: events.PeerContainer, ID: "x", Name: "db", Image: "pg"}}, testContainer)
	add(&events.Event{Def: def("tcp_connect"), Peer: events.Peer{Kind: events.PeerLoopback, ID: "y", Name: "web", Image: "nginx"}}, testContainer)
	add(&events.Event{Def: def("tcp_accept"), Peer: events.Peer{Kind: events.PeerHost}}, testContainer)
	add(&events.Event{Def: def("udp_send"), Peer: events.Peer{Kind: events.PeerExternal}}, pod)
	add(&events.Event{Def: def("tcp_close")}, testContainer)
	add(&events.Event{Def: def("unix_connect"), Retval: -13}, testContainer)
	for i, l := range lines {
		if err := s.Validate([]byte(l)); err != nil {
			t.Errorf("line %d: %v\n%s", i, err, l)
		}
	}
	for _, bad := range []struct{ line, old, new string }{
		{lines[2], `"kind":"container"`, `"kind":"router"`},
		{lines[2], `"retval":-111,"error":"ECONNREFUSED",`, ``},
		{lines[4], `"peer":{"kind":"host"}`, `"peer":{"kind":"host","id":"x","name":"","image":""}`},
		{lines[4], `"args":{`, `"retval":0,"args":{`},
		{lines[0], `"containers":[{"id":"a","name":"reader"},`, `"containers":[`},
		{lines[1], `"uid":"0b5e5d5c-1111-4a4a-9c9c-123456789abc"`, `"uid":7`},
	} {
		mutated := strings.Replace(bad.line, bad.old, bad.new, 1)
		if mutated == bad.line {
			t.Fatalf("mutation %q did not apply to %s", bad.old, bad.line)
		}
		if s.Validate([]byte(mutated)) == nil {
			t.Errorf("schema accepts %s", mutated)
		}
	}
}

// TestTerminalPeerAnnotation: on a terminal, a file or network event's
// peer= / shared=[…] annotation stays visible when the arguments are
// elided, and is not coloured as a failure.
func TestTerminalPeerAnnotation(t *testing.T) {
	cat := events.NewCatalog(syscalls.X86_64)
	d, _ := cat.ByName("unix_connect")
	ev := &events.Event{Def: d, PID: 1, TID: 1, Retval: -111, Peer: events.Peer{Kind: events.PeerContainer, ID: "x", Name: "db"},
		Strs: []events.Str{{Param: 0, Value: []byte("/run/" + strings.Repeat("long/", 40) + "db.sock")}}}
	plain := string(AppendTableLine(nil, ev, testContainer))
	if !strings.HasSuffix(plain, " = -1 ECONNREFUSED (Connection refused) peer=db\n") {
		t.Fatalf("plain line %q", plain)
	}
	line, _ := appendTerminalLine(nil, nil, ev, testContainer, TerminalOptions{Width: 150, Color: true}, nil)
	s := string(line)
	if !strings.Contains(s, "…)") || !strings.HasSuffix(s, sgrReset+" peer=db\n") || !strings.Contains(s, sgrRed+" = -1 ECONNREFUSED") {
		t.Errorf("terminal line %q: want the arguments elided, the failure red and the peer plain", s)
	}
	stripped := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(s, "")
	if n := utf8.RuneCountInString(strings.TrimSuffix(stripped, "\n")); n > 150 {
		t.Errorf("%d columns with width 150: %q", n, stripped)
	}
}
