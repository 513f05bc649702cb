package tracer

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/events"
)

// TestStringLimits (issue 10.13): truncation marks at the kernel's limits.
// A string of limit-1 bytes (the limit counts the NUL) is complete and
// unmarked; one byte more is cut to limit-1 bytes and marked; argv keeps
// CTRACE_ARGV_MAX elements and marks a longer array with one "more" item.
func TestStringLimits(t *testing.T) {
	x := startTraced(t, 2)
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		helper    string
		wantLen   int
		truncated bool
	}{
		{"openat-len " + fmt.Sprint(bpf.PathMax-1), bpf.PathMax - 1, false},
		{"openat-len " + fmt.Sprint(bpf.PathMax), bpf.PathMax - 1, true},
		{"openat-len " + fmt.Sprint(bpf.PathMax+100), bpf.PathMax - 1, true},
	} {
		x.runInCgroup(t, "CTRACE_TEST_HELPER=openat-len exec "+self+" "+tc.helper[len("openat-len "):])
		ev := x.await(t, func(ev *events.Event) bool {
			return ev.Def.Name == "openat" && len(ev.Strs) == 1 && len(ev.Strs[0].Value) > 1000
		})
		s := ev.Strs[0]
		if len(s.Value) != tc.wantLen || s.Truncated != tc.truncated || ev.DataTruncated {
			t.Errorf("%s: path of %d bytes, truncated=%v (record %v); want %d bytes, truncated=%v", tc.helper, len(s.Value), s.Truncated, ev.DataTruncated, tc.wantLen, tc.truncated)
		}
	}
	for _, tc := range []struct {
		count, n   int
		items, len int
		truncated  bool
		more       bool
	}{
		{bpf.ArgvMax, bpf.ArgvStrMax - 1, bpf.ArgvMax, bpf.ArgvStrMax - 1, false, false},
		{3, bpf.ArgvStrMax, 3, bpf.ArgvStrMax - 1, true, false},
		{bpf.ArgvMax + 1, 8, bpf.ArgvMax, 8, false, true},
	} {
		x.runInCgroup(t, fmt.Sprintf("CTRACE_TEST_HELPER=execve-argv exec %s %d %d", self, tc.count, tc.n))
		ev := x.await(t, func(ev *events.Event) bool {
			return ev.Def.Name == "execve" && string(ev.Str(0)) == "/ctrace-missing-program"
		})
		items, more := 0, false
		for _, s := range ev.Strs {
			if s.Param != 1 {
				continue
			}
			if s.More {
				more = true
				continue
			}
			items++
			if len(s.Value) != tc.len || s.Truncated != tc.truncated {
				t.Errorf("%d args of %d bytes: element of %d bytes truncated=%v, want %d bytes truncated=%v", tc.count, tc.n, len(s.Value), s.Truncated, tc.len, tc.truncated)
				break
			}
		}
		if items != tc.items || more != tc.more {
			t.Errorf("%d args of %d bytes: %d elements, more=%v; want %d, more=%v", tc.count, tc.n, items, more, tc.items, tc.more)
		}
	}
}

// await reads records of the test cgroup until one matches (a copy of it
// is returned), failing at a deadline.
func (x *traced) await(t *testing.T, match func(*events.Event) bool) *events.Event {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		raw, err := x.tr.Next()
		if err == ErrPoll {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		kind, _ := events.Kind(raw)
		if kind == bpf.RecCgroupMkdir || kind == bpf.RecCgroupRmdir || events.RecordCgroup(raw) != x.cgid {
			continue
		}
		ev := &events.Event{}
		if err := x.dec.Decode(append([]byte(nil), raw...), ev); err != nil {
			t.Fatal(err)
		}
		if match(ev) {
			return ev
		}
	}
	t.Fatal("no matching record before the deadline")
	return nil
}
