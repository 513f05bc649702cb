package tracer

import (
	"os"
	"testing"

	"github.com/ctrace-dev/ctrace/internal/events"
)

// Issue 10.9: syscall numbers beyond the table are recorded as what they
// are, syscalls named by their number, with raw arguments, and are not
// lifecycle events whatever their number.
func TestUnknownSyscallNumbers(t *testing.T) {
	x := startTraced(t, 2)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, nr := range []string{"1000", "1001", "1002", "600"} {
		x.runInCgroup(t, "CTRACE_TEST_HELPER=syscall exec "+self+" "+nr+" 4242 4243")
		ev := x.await(t, func(ev *events.Event) bool { return ev.Def.Name == "syscall_"+nr })
		if !ev.Def.Syscall || ev.Def.ID != events.IDUnknownSyscall || ev.Vals[0] != 4242 || ev.Vals[1] != 4243 || ev.Retval != -38 {
			t.Errorf("syscall(%s, 4242, 4243): %s syscall=%v id=%d args=%v ret=%d, want an unknown syscall with its raw arguments and ENOSYS",
				nr, ev.Def.Name, ev.Def.Syscall, ev.Def.ID, ev.Vals[:2], ev.Retval)
		}
	}
}
