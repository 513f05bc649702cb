package docker

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ctrace-dev/ctrace/internal/containers"

	"github.com/ctrace-dev/ctrace/internal/containers/internal/dockertest"
)

// TestRealEngine lists and inspects a container started on the real
// Docker engine.
func TestRealEngine(t *testing.T) {
	dockertest.Require(t)
	ct := dockertest.Run(t)
	c := New(dockertest.Socket)
	defer c.Close()

	infos, err := c.List(ctx(t), false)
	if err != nil {
		t.Fatal(err)
	}
	var listed bool
	for _, info := range infos {
		if info.ID == ct.ID {
			listed = true
			checkReal(t, "List", info.Name, info.Image, info.PID, ct)
			if info.Runtime != "docker" || info.OCIRuntime == "" || info.State != "running" || info.Created.IsZero() {
				t.Errorf("List: %+v", info)
			}
		}
	}
	if !listed {
		t.Fatalf("List (%d containers) misses %s", len(infos), ct.Name)
	}

	for _, ref := range []string{ct.ID, ct.Name} {
		info, err := c.Inspect(ctx(t), ref)
		if err != nil {
			t.Fatal(err)
		}
		if info.ID != ct.ID {
			t.Errorf("Inspect(%s): ID = %s", ref, info.ID)
		}
		checkReal(t, "Inspect", info.Name, info.Image, info.PID, ct)
	}

	dockertest.CLI(t, "rm", "-f", ct.ID)
	if _, err := c.Inspect(ctx(t), ct.ID); err == nil || !strings.Contains(err.Error(), "container not found") {
		t.Errorf("Inspect after rm: %v", err)
	}
}

func checkReal(t *testing.T, op, name, image string, pid int, ct dockertest.Container) {
	t.Helper()
	if name != ct.Name || image != dockertest.Image || pid != ct.PID {
		t.Errorf("%s: name %q image %q pid %d, want %q %q %d", op, name, image, pid, ct.Name, dockertest.Image, ct.PID)
	}
	// The pid must really be the container's: its cgroup names the id.
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil || !strings.Contains(string(b), ct.ID) {
		t.Errorf("%s: pid %d is not in container %s: %v", op, pid, ct.ID[:12], err)
	}
}

// TestRealWatch follows the real engine's event stream while a short
// container lives and dies: its create event carries name and image.
func TestRealWatch(t *testing.T) {
	dockertest.Require(t)
	c := New(dockertest.Socket)
	defer c.Close()
	wctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	connected := make(chan struct{})
	evs := make(chan containers.RuntimeEvent, 64)
	done := make(chan error, 1)
	go func() {
		done <- c.Watch(wctx, time.Time{}, func() { close(connected) }, func(ev containers.RuntimeEvent) { evs <- ev })
	}()
	select {
	case <-connected:
	case err := <-done:
		t.Fatalf("Watch: %v", err)
	}
	name := dockertest.Name()
	id := dockertest.CLI(t, "run", "-d", "--rm", "--network", "none", "--name", name, dockertest.Image, "true")
	seen := map[containers.EventKind]bool{}
	for !seen[containers.EventRemoved] {
		select {
		case ev := <-evs:
			if ev.Info.ID != id {
				continue // another engineer's container
			}
			seen[ev.Kind] = true
			if ev.Info.Name != name || ev.Info.Image != dockertest.Image || ev.Info.Runtime != "docker" || ev.Time.IsZero() {
				t.Errorf("%v event: %+v", ev.Kind, ev)
			}
		case err := <-done:
			t.Fatalf("Watch ended: %v", err)
		}
	}
	if !seen[containers.EventCreated] || !seen[containers.EventStarted] {
		t.Errorf("events seen: %v", seen)
	}
	cancel()
	<-done
}
