package events

import (
	"testing"

	"github.com/ctrace-dev/ctrace/internal/bpf"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

func TestCatalogCoversSyscallTable(t *testing.T) {
	for _, arch := range []syscalls.Arch{syscalls.X86_64, syscalls.ARM64} {
		cat := NewCatalog(arch)
		for _, sc := range syscalls.Table(arch) {
			if sc.Entry == "" {
				continue
			}
			d := cat.Syscall(uint32(sc.Nr))
			if d.Name != sc.Name || int(d.ID) != sc.Nr || !d.Syscall {
				t.Errorf("%s: nr %d is %q (id %d)", arch, sc.Nr, d.Name, d.ID)
			}
			if len(d.Params) != len(sc.Params) {
				t.Errorf("%s %s: %d params, prototype has %d", arch, sc.Name, len(d.Params), len(sc.Params))
				continue
			}
			for i, p := range d.Params {
				if p.Name != sc.Params[i].Name || p.Type == 0 {
					t.Errorf("%s %s param %d: %+v vs prototype %+v", arch, sc.Name, i, p, sc.Params[i])
				}
			}
		}
	}
}

func TestCatalogKernelConf(t *testing.T) {
	cat := NewCatalog(syscalls.X86_64)
	conf := cat.KernelConf(CaptureOptions{})
	if len(conf) != bpf.MaxSyscalls+1 {
		t.Fatalf("conf has %d entries", len(conf))
	}
	openat, _ := cat.ByName("openat")
	if conf[openat.ID].ArgKind[1] != uint8(bpf.ArgStr) || conf[openat.ID].ArgKind[0] != uint8(bpf.ArgRaw) {
		t.Errorf("openat conf %+v", conf[openat.ID])
	}
	execve, _ := cat.ByName("execve")
	c := conf[execve.ID]
	if c.ArgKind[0] != uint8(bpf.ArgStr) || c.ArgKind[1] != uint8(bpf.ArgStrArr) || c.ArgKind[2] != uint8(bpf.ArgRaw) || c.Flags&uint8(bpf.SyscallCaptureAtEntry) == 0 {
		t.Errorf("execve conf %+v (envp must not be captured)", c)
	}
	for _, name := range []string{"exit", "exit_group"} {
		d, _ := cat.ByName(name)
		if conf[d.ID].Flags&uint8(bpf.SyscallNoReturn) == 0 {
			t.Errorf("%s not marked no-return", name)
		}
	}
	write, _ := cat.ByName("write")
	if conf[write.ID].ArgKind[1] != uint8(bpf.ArgRaw) {
		t.Error("write's buffer must not be read as a string")
	}
}

func TestCatalogNamesUniqueAndSuggest(t *testing.T) {
	cat := NewCatalog(syscalls.X86_64)
	seen := map[string]bool{}
	for _, d := range cat.All() {
		if seen[d.Name] {
			t.Errorf("duplicate event name %s", d.Name)
		}
		seen[d.Name] = true
	}
	for in, want := range map[string]string{"opnat": "openat", "execv": "execve", "OPENAT": "openat", "zzzzzzzzzzzz": ""} {
		if got := cat.Suggest(in); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
	if _, ok := cat.ByID(IDProcessExec); !ok {
		t.Error("sched_process_exec missing")
	}
}
