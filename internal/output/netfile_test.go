package output

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ctrace-dev/ctrace/internal/events"
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
