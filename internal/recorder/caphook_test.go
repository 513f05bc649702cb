package recorder

import (
	"errors"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestChooseCapHook(t *testing.T) {
	ok := func() error { return nil }
	noTP := func() error { return unix.ENOENT }
	noKP := func() error { return unix.EOPNOTSUPP }
	for _, c := range []struct {
		name   string
		tp, kp func() error
		want   CapHook
		whyHas []string
	}{
		{"tracepoint present", ok, ok, CapTracepoint, nil},
		{"no tracepoint, kprobes", noTP, ok, CapKprobe, []string{"no capability:cap_capable tracepoint"}},
		{"neither", noTP, noKP, CapNone, []string{"cap_capable tracepoint", "kprobes are not available"}},
		{"tracepoint refused otherwise", func() error { return errors.New("boom") }, noKP, CapNone, []string{"tracepoint: boom"}},
	} {
		kpCalled := false
		kp := func() error { kpCalled = true; return c.kp() }
		got, why := ChooseCapHook([]CapAttacher{{CapTracepoint, c.tp}, {CapKprobe, kp}})
		if got != c.want {
			t.Errorf("%s: hook %s, want %s", c.name, got, c.want)
		}
		for _, w := range c.whyHas {
			if !strings.Contains(why, w) {
				t.Errorf("%s: reason %q lacks %q", c.name, why, w)
			}
		}
		if c.want == CapTracepoint && (kpCalled || why != "") {
			t.Errorf("%s: kprobe tried (%v) or reason given (%q) although the tracepoint attached", c.name, kpCalled, why)
		}
	}
}
