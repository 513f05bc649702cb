package filesource

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// kernel simulates what a kernel lets attach, by program kind.
type kernel map[ProgKind]bool

func (k kernel) attach(calls *[]string) func(Hook) error {
	return func(h Hook) error {
		*calls = append(*calls, h.Name())
		for _, p := range h.Progs {
			if !k[p.Kind] {
				return errors.New(string(p.Kind) + " refused")
			}
		}
		return nil
	}
}

func sources(cs []Choice) map[string]Source {
	m := map[string]Source{}
	for _, c := range cs {
		m[c.Event] = c.Source
	}
	return m
}

func TestChooseByKernel(t *testing.T) {
	all := []string{Open, Read, Write, Exec, "file_unlink"}
	cases := []struct {
		name   string
		kernel kernel
		want   map[string]Source
	}{
		{"this machine: tracepoints only", kernel{},
			map[string]Source{Open: Syscalls, Read: Syscalls, Write: Syscalls, Exec: Syscalls, "file_unlink": Syscalls}},
		{"kprobes only", kernel{KindKprobe: true, KindKretprobe: true},
			map[string]Source{Open: Kprobe, Read: Kprobe, Write: Kprobe, Exec: Kprobe, "file_unlink": Syscalls}},
		{"kprobes without kretprobes", kernel{KindKprobe: true},
			map[string]Source{Open: Kprobe, Read: Syscalls, Write: Syscalls, Exec: Kprobe, "file_unlink": Syscalls}},
		{"fentry (and everything else)", kernel{KindFentry: true, KindFexit: true, KindLSM: true, KindKprobe: true, KindKretprobe: true},
			map[string]Source{Open: Fentry, Read: Fentry, Write: Fentry, Exec: Fentry, "file_unlink": Syscalls}},
		{"BPF LSM and kprobes, no fentry", kernel{KindLSM: true, KindKprobe: true, KindKretprobe: true},
			map[string]Source{Open: LSM, Read: Kprobe, Write: Kprobe, Exec: LSM, "file_unlink": Syscalls}},
		{"BPF LSM only", kernel{KindLSM: true},
			map[string]Source{Open: LSM, Read: Syscalls, Write: Syscalls, Exec: LSM, "file_unlink": Syscalls}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var calls []string
			got := sources(Choose(all, c.kernel.attach(&calls)))
			for ev, want := range c.want {
				if got[ev] != want {
					t.Errorf("%s from %s, want %s", ev, got[ev], want)
				}
			}
			// A hook is tried at most once, and none after the one that attached.
			seen := map[string]bool{}
			for _, n := range calls {
				if seen[n] {
					t.Errorf("hook %s tried twice", n)
				}
				seen[n] = true
			}
		})
	}
}

func TestChooseRecordsWhyHooksWereSkipped(t *testing.T) {
	var calls []string
	cs := Choose([]string{Read}, kernel{}.attach(&calls))
	if len(cs) != 1 || cs[0].Source != Syscalls {
		t.Fatalf("%+v", cs)
	}
	if len(cs[0].Tried) != 2 || cs[0].Tried["fexit/vfs_read"] == nil || cs[0].Tried["kprobe+kretprobe/vfs_read"] == nil {
		t.Errorf("tried %v, want both hooks of file_read with their errors", cs[0].Tried)
	}
}

func TestHooksCoverTheirPrograms(t *testing.T) {
	// Every hook names programs of its own source kind and one target.
	kinds := map[Source][]ProgKind{Fentry: {KindFentry, KindFexit}, LSM: {KindLSM}, Kprobe: {KindKprobe, KindKretprobe}}
	for ev, hs := range Hooks {
		for _, h := range hs {
			if len(h.Progs) == 0 {
				t.Errorf("%s: hook %s has no programs", ev, h.Source)
			}
			for _, p := range h.Progs {
				if !strings.HasPrefix(p.Name, "ctrace_") || !slices.Contains(kinds[h.Source], p.Kind) {
					t.Errorf("%s: program %s (%s) in a %s hook", ev, p.Name, p.Kind, h.Source)
				}
				if p.Target != h.Progs[0].Target {
					t.Errorf("%s: hook %s mixes targets", ev, h.Name())
				}
			}
		}
	}
}

func TestSummary(t *testing.T) {
	cs := []Choice{{Event: Open, Source: Fentry}, {Event: Read, Source: Syscalls}}
	if got := Summary(cs, []string{"file_unlink"}); got != "file events from fentry (file_open), syscalls (file_read, file_unlink)" {
		t.Errorf("summary %q", got)
	}
	if got := Summary([]Choice{{Event: Open, Source: Syscalls}}, nil); !strings.HasPrefix(got, "file events derived from syscalls (no VFS/LSM hook loads") {
		t.Errorf("summary %q", got)
	}
}
