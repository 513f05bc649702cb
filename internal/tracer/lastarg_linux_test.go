package tracer

import (
	"os"
	"testing"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/events"
)

// Issue 10.6: a capture whose length is "the next argument" on the last
// (sixth) argument has no next argument: it must not read past the six
// saved arguments (the old code took the length from args[6], i.e. the
// syscall number behind them, and captured that many bytes).
func TestLastArgumentHasNoNext(t *testing.T) {
	x := startTracedWith(t, 2, events.CaptureOptions{BufferBytes: 64})
	pread, _ := x.cat.ByName("pread64")
	conf := x.cat.KernelConf(events.CaptureOptions{BufferBytes: 64})[pread.ID]
	conf.ArgKind[5], conf.ArgSize[5] = uint8(bpf.ArgBufIn), 64
	conf.Flags |= uint8(bpf.SyscallData)
	if err := x.tr.objs.SyscallConf.Put(uint32(pread.ID), conf); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	x.runInCgroup(t, "CTRACE_TEST_HELPER=pread-last-arg exec "+self)
	ev := x.await(t, func(ev *events.Event) bool { return ev.Def == pread && int32(ev.Vals[0]) == -1 && ev.Vals[5] != 0 })
	for _, s := range ev.Strs {
		if s.Param == 5 {
			t.Errorf("argument 5 captured %d bytes (%q): its length came from beyond the arguments", len(s.Value), s.Value)
		}
	}
}
