package tracer

import (
	"testing"

	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/fdtable"
)

// Issue 10.3, kernel side: with only read selected and fd tracking on, the
// fd-changing syscalls and the lifecycle events still come, marked
// fd-only; read comes unmarked; other syscalls do not come at all.
func TestFdOnlyRecords(t *testing.T) {
	x := startTracedWith(t, 2, events.CaptureOptions{
		Enabled: func(d *events.Def) bool { return d.Name == "read" },
		FdTrack: fdtable.Tracks,
	})
	x.runInCgroup(t, "exec /bin/cat /etc/hostname")
	kinds := map[string]bool{}
	x.await(t, func(ev *events.Event) bool {
		switch {
		case ev.Def.Name == "read" && ev.FdOnly, ev.Def.Name != "read" && !ev.FdOnly:
			t.Errorf("%s: fd-only %v", ev.Def.Name, ev.FdOnly)
		case ev.FdOnly && !fdtable.Tracks(ev.Def) && ev.Def.Syscall:
			t.Errorf("%s came fd-only but does not change fd tables", ev.Def.Name)
		}
		if ev.Def.Name == "openat" && string(ev.Str(1)) != "/etc/hostname" {
			return false
		}
		kinds[ev.Def.Name] = true
		return ev.Def.Name == "sched_process_exit"
	})
	for _, want := range []string{"openat", "read", "close", "sched_process_exec", "sched_process_exit"} {
		if !kinds[want] {
			t.Errorf("no %s record (saw %v)", want, kinds)
		}
	}
}
