package containers

import (
	"sync"
	"testing"
)

// TestWithReport: a runtime failure about one container is reported with
// the container (for the errors file), not through the log; Count counts
// containers, not cgroups.
func TestWithReport(t *testing.T) {
	var log logRecorder
	var mu sync.Mutex
	var got []Info
	var msgs []string
	docker := &fakeClient{name: "docker"} // knows no container: every inspect fails
	c := NewCollection([]Client{docker}, log.logf, WithReport(func(in Info, msg string) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, in)
		msgs = append(msgs, msg)
	}))
	if c.Count() != 0 {
		t.Errorf("empty collection counts %d", c.Count())
	}
	c.Add(1, "/system.slice/docker-"+id2+".scope")
	c.Add(2, "/system.slice/docker-"+id2+".scope/nested")
	if len(got) != 1 || got[0].ID != id2 || got[0].Runtime != "docker" || len(log.get()) != 0 {
		t.Fatalf("report %+v %q, log %q", got, msgs, log.get())
	}
	if c.Count() != 1 {
		t.Errorf("Count = %d, want 1 container (two cgroups)", c.Count())
	}
	c.Remove(1)
	c.Remove(2)
}
