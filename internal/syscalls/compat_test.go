package syscalls

import "testing"

func TestI386Names(t *testing.T) {
	for nr, want := range map[int]string{0: "restart_syscall", 1: "exit", 5: "open", 11: "execve", 102: "socketcall",
		140: "_llseek", 192: "mmap2", 197: "fstat64", 252: "exit_group", 295: "openat", 358: "execveat", 435: "clone3", 469: "file_setattr"} {
		if got, ok := NameOf(I386, nr); !ok || got != want {
			t.Errorf("NameOf(i386, %d) = %q, %v; want %q", nr, got, ok, want)
		}
		if got, ok := NrOf(I386, want); !ok || got != nr {
			t.Errorf("NrOf(i386, %q) = %d, %v; want %d", want, got, ok, nr)
		}
	}
	if _, ok := NameOf(I386, 1000); ok {
		t.Error("NameOf(i386, 1000) found a name")
	}
	if got, _ := NameOf(X86_64, 59); got != "execve" {
		t.Errorf("NameOf(x86_64, 59) = %q", got)
	}
	if CompatArch(X86_64) != I386 || CompatArch(ARM64) != ARM || CompatArch("mips") != "" {
		t.Error("CompatArch")
	}
}
