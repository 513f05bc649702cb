// Package filesource decides where each file event comes from: a VFS/LSM
// hook (fentry/fexit, BPF LSM or kprobes, where the kernel allows them) or,
// as a fallback that always works, the syscall events (internal/derive).
// It is data plus one choice function; attaching is the tracer's job.
package filesource

import (
	"fmt"
	"sort"
	"strings"
)

// Source is where a file event comes from.
type Source string

const (
	Syscalls Source = "syscalls" // derived from the syscall events in user space
	Fentry   Source = "fentry"   // fentry/fexit on the VFS/LSM functions
	LSM      Source = "lsm"      // BPF LSM hooks
	Kprobe   Source = "kprobe"   // kprobes/kretprobes on the VFS/LSM functions
)

// ProgKind is how one program attaches.
type ProgKind string

const (
	KindFentry    ProgKind = "fentry"
	KindFexit     ProgKind = "fexit"
	KindLSM       ProgKind = "lsm"
	KindKprobe    ProgKind = "kprobe"
	KindKretprobe ProgKind = "kretprobe"
)

// Prog is one BPF program of the hooks object (internal/bpf/filehooks.bpf.c).
type Prog struct {
	Name   string   // program name in the object
	Kind   ProgKind //
	Target string   // kernel function or LSM hook
}

// Hook is one way of producing an event: all its programs must attach.
type Hook struct {
	Source Source
	Progs  []Prog
}

// Name is the hook as shown to users: "fentry/security_file_open", "kprobe+kretprobe/vfs_read".
func (h Hook) Name() string {
	var kinds []string
	for _, p := range h.Progs {
		kinds = append(kinds, string(p.Kind))
	}
	target := ""
	if len(h.Progs) > 0 {
		target = h.Progs[0].Target
	}
	return strings.Join(kinds, "+") + "/" + target
}

// Events with hooks, by catalogue name. Events not listed here (unlink,
// rename, chmod, chown) always come from the syscalls.
const (
	Open  = "file_open"
	Read  = "file_read"
	Write = "file_write"
	Exec  = "file_exec"
)

// Hooks lists, per event, its hooks in order of preference: fentry is the
// cheapest and gives results; BPF LSM sees every open and exec but runs
// before the operation (no result); kprobes work on older kernels. Reads and
// writes need the byte count, so LSM (file_permission) is not offered.
var Hooks = map[string][]Hook{
	Open: {
		{Fentry, []Prog{{"ctrace_fentry_file_open", KindFentry, "security_file_open"}}},
		{LSM, []Prog{{"ctrace_lsm_file_open", KindLSM, "file_open"}}},
		{Kprobe, []Prog{{"ctrace_kprobe_file_open", KindKprobe, "security_file_open"}}},
	},
	Read: {
		{Fentry, []Prog{{"ctrace_fexit_vfs_read", KindFexit, "vfs_read"}}},
		{Kprobe, []Prog{{"ctrace_kprobe_vfs_read", KindKprobe, "vfs_read"}, {"ctrace_kretprobe_vfs_read", KindKretprobe, "vfs_read"}}},
	},
	Write: {
		{Fentry, []Prog{{"ctrace_fexit_vfs_write", KindFexit, "vfs_write"}}},
		{Kprobe, []Prog{{"ctrace_kprobe_vfs_write", KindKprobe, "vfs_write"}, {"ctrace_kretprobe_vfs_write", KindKretprobe, "vfs_write"}}},
	},
	Exec: {
		{Fentry, []Prog{{"ctrace_fentry_bprm_check", KindFentry, "security_bprm_check"}}},
		{LSM, []Prog{{"ctrace_lsm_bprm_check", KindLSM, "bprm_check_security"}}},
		{Kprobe, []Prog{{"ctrace_kprobe_bprm_check", KindKprobe, "security_bprm_check"}}},
	},
}

// HookEvents returns the events that have hooks, sorted.
func HookEvents() []string {
	var out []string
	for e := range Hooks {
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}

// Choice is the outcome for one event.
type Choice struct {
	Event  string
	Source Source
	Hook   string           // the attached hook's name; "" for Syscalls
	Tried  map[string]error // hooks that did not attach, and why
}

// Choose picks, for every wanted event, the first hook (in preference
// order) that attach accepts; events without hooks, or whose hooks all
// fail, come from the syscalls. attach is called at most once per hook and
// must undo partial work when it fails. Choices are sorted by event.
func Choose(wanted []string, attach func(Hook) error) []Choice {
	var out []Choice
	names := append([]string(nil), wanted...)
	sort.Strings(names)
	for _, ev := range names {
		c := Choice{Event: ev, Source: Syscalls, Tried: map[string]error{}}
		for _, h := range Hooks[ev] {
			err := attach(h)
			if err == nil {
				c.Source, c.Hook = h.Source, h.Name()
				break
			}
			c.Tried[h.Name()] = err
		}
		out = append(out, c)
	}
	return out
}

// Summary renders choices for the ready line: "file events: syscalls" or
// "file events: fentry (file_open, file_read), syscalls (file_unlink, …)".
func Summary(choices []Choice, derivedOnly []string) string {
	by := map[Source][]string{}
	for _, c := range choices {
		by[c.Source] = append(by[c.Source], c.Event)
	}
	by[Syscalls] = append(by[Syscalls], derivedOnly...)
	var parts []string
	for _, s := range []Source{Fentry, LSM, Kprobe, Syscalls} {
		evs := by[s]
		if len(evs) == 0 {
			continue
		}
		sort.Strings(evs)
		parts = append(parts, fmt.Sprintf("%s (%s)", s, strings.Join(evs, ", ")))
	}
	if len(parts) == 0 {
		return ""
	}
	if len(by) == 1 && len(by[Syscalls]) > 0 {
		if len(choices) > 0 {
			return "file events derived from syscalls (no VFS/LSM hook loads on this kernel; see ctrace version --features)"
		}
		return "file events derived from syscalls"
	}
	return "file events from " + strings.Join(parts, ", ")
}
