package tracer

import (
	"sort"
	"strings"

	"github.com/ctrace-dev/ctrace/internal/filesource"
)

// HookStatus is one hook and whether it loaded and attached on this kernel.
type HookStatus struct {
	Name string // "sys_enter", "cgroup/sendmsg4", "fentry/security_file_open", …
	Type string // raw_tp, cgroup, fentry, lsm, kprobe
	Err  error  // nil: loaded and attached
}

// Features is what `ctrace version --features` reports.
type Features struct {
	Hooks []HookStatus
	// FileSources is where each file event with hooks would come from.
	FileSources []filesource.Choice
}

// Probe loads the programs and tries every optional hook once (attaching
// and detaching it), to report what this kernel allows. It needs the same
// privileges as tracing.
func Probe(opts Options) (*Features, error) {
	opts.Net.Enabled = true
	opts.FileEvents = nil
	t, err := New(opts)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	f := &Features{}
	for _, n := range t.Attached {
		f.Hooks = append(f.Hooks, HookStatus{Name: n, Type: hookType(n)})
	}
	var skipped []string
	for n := range t.Skipped {
		skipped = append(skipped, n)
	}
	sort.Strings(skipped)
	for _, n := range skipped {
		f.Hooks = append(f.Hooks, HookStatus{Name: n, Type: hookType(n), Err: t.Skipped[n]})
	}
	status := map[string]error{}
	for _, ev := range filesource.HookEvents() {
		for _, h := range filesource.Hooks[ev] {
			if _, done := status[h.Name()]; done {
				continue
			}
			err := t.attachFileHook(opts, h)
			status[h.Name()] = err
			f.Hooks = append(f.Hooks, HookStatus{Name: h.Name(), Type: string(h.Source), Err: err})
		}
	}
	f.FileSources = filesource.Choose(filesource.HookEvents(), func(h filesource.Hook) error { return status[h.Name()] })
	return f, nil
}

func hookType(name string) string {
	if strings.HasPrefix(name, "cgroup/") {
		return "cgroup"
	}
	return "raw_tp"
}
