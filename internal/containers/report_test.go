package containers

import (
	"errors"
	"strings"
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

// TestWithReportRuntimeDown: a runtime that does not answer is logged once
// (not per container), while the report hook gets every container left
// with its id only, the one that found it down and those that were not
// asked because it was down; without a report hook nothing more is logged.
func TestWithReportRuntimeDown(t *testing.T) {
	for _, withReport := range []bool{true, false} {
		var log logRecorder
		var mu sync.Mutex
		var got []Info
		var msgs []string
		docker := &fakeClient{name: "docker", err: errors.New("dial unix /run/docker.sock: connection refused")}
		var opts []Option
		if withReport {
			opts = append(opts, WithReport(func(in Info, msg string) {
				mu.Lock()
				defer mu.Unlock()
				got = append(got, in)
				msgs = append(msgs, msg)
			}))
		}
		c := NewCollection([]Client{docker}, log.logf, opts...)
		c.Add(1, "/system.slice/docker-"+id1+".scope")
		c.Add(2, "/system.slice/docker-"+id2+".scope")
		c.Close()
		lines := log.get()
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "runtime: docker does not answer") {
			t.Errorf("report hook %v: log %q, want one line saying docker does not answer", withReport, lines)
		}
		if docker.callCount() != 1 {
			t.Errorf("report hook %v: %d inspects, want 1 (a runtime down is left alone)", withReport, docker.callCount())
		}
		mu.Lock()
		if !withReport {
			if len(got) != 0 {
				t.Errorf("reported %+v without a hook", got)
			}
		} else if len(got) != 2 || got[0].ID != id1 || got[1].ID != id2 || got[0].Runtime != "docker" ||
			!strings.Contains(msgs[0], id1[:12]) || !strings.Contains(msgs[1], "docker did not answer") {
			t.Errorf("report %+v %q, want both containers", got, msgs)
		}
		mu.Unlock()
	}
}
