package sysfmt

import "testing"

// TestARM64 formats arm64 values: the open flags that differ from x86_64
// (O_DIRECTORY is O_DIRECT's x86_64 value), mmap protections and flags, and
// ptrace requests, through the Kinds the catalogue picks for arm64.
func TestARM64(t *testing.T) {
	arm := func(k Kind) Kind { return k.ForArch(ArchARM64) }
	cases := []struct {
		k    Kind
		v    uint64
		want string
	}{
		// openat(AT_FDCWD, "/", O_RDONLY|O_DIRECTORY|O_CLOEXEC) as arm64 passes it.
		{arm(OpenFlags), 0o2040000, "O_RDONLY|O_CLOEXEC|O_DIRECTORY"},
		{OpenFlags, 0o2040000, "O_RDONLY|O_DIRECT|O_CLOEXEC"}, // the same bits on x86_64
		{arm(OpenFlags), 0o100000, "O_RDONLY|O_NOFOLLOW"},
		{arm(OpenFlags), 0o200000, "O_RDONLY|O_DIRECT"},
		{arm(OpenFlags), 0o400000 | 0o1, "O_WRONLY|O_LARGEFILE"},
		{arm(OpenFlags), 0o20040002, "O_RDWR|O_TMPFILE"},
		{arm(OpenFlags), 0x241 | 0o2000000, "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC"},
		{arm(OpenFlags), 0x80000000, "O_RDONLY|0x80000000"},
		{arm(OFlags), 0o200000, "O_DIRECT"}, // pipe2(O_DIRECT): packet mode
		{OFlags, 0o200000, "O_DIRECTORY"},
		{arm(OFlags), 0o2000000 | 0o4000, "O_NONBLOCK|O_CLOEXEC"},
		{arm(OFlags), 0, "0"},
		{arm(MmapProt), 0x15, "PROT_READ|PROT_EXEC|PROT_BTI"},
		{arm(MmapProt), 0x23, "PROT_READ|PROT_WRITE|PROT_MTE"},
		{MmapProt, 0x15, "PROT_READ|PROT_EXEC|0x10"},
		{arm(MmapFlags), 0x22, "MAP_PRIVATE|MAP_ANONYMOUS"},
		{arm(MmapFlags), 0x62, "MAP_PRIVATE|MAP_ANONYMOUS|0x40"},
		{MmapFlags, 0x62, "MAP_PRIVATE|MAP_ANONYMOUS|MAP_32BIT"},
		{arm(PtraceRequest), 0x21, "PTRACE_PEEKMTETAGS"},
		{PtraceRequest, 0x21, "PTRACE_SINGLEBLOCK"},
		{arm(PtraceRequest), 0xc, "0xc /* PTRACE_??? */"},
		{arm(PtraceRequest), 0x4206, "PTRACE_SEIZE"},
		// Kinds without a variant are the same on both.
		{arm(Signal), 15, "SIGTERM"},
		{arm(CloneFlags), 0x1200011, "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"},
	}
	for _, c := range cases {
		if got := string(Append(nil, c.k, c.v)); got != c.want {
			t.Errorf("Append(%s, %#o) = %q, want %q", c.k, c.v, got, c.want)
		}
	}
	// F_SETFL's argument resolves to arm64's open flags.
	if k := arm(FcntlArg).Resolve(4); k != arm(OpenFlags) {
		t.Errorf("FcntlArg@arm64.Resolve(F_SETFL) = %s", k)
	} else if got := string(Append(nil, k, 0o40000|0o4000)); got != "O_RDONLY|O_NONBLOCK|O_DIRECTORY" {
		t.Errorf("F_SETFL arm64 flags = %q", got)
	}
	if k := arm(FcntlArg).Resolve(2); k != FdFlags {
		t.Errorf("FcntlArg@arm64.Resolve(F_SETFD) = %s, want FdFlags", k)
	}
	if got := string(Append(nil, arm(FcntlArg), 7)); got != "7" {
		t.Errorf("FcntlArg@arm64 = %q", got)
	}
	for _, k := range []Kind{OpenFlags, OFlags, MmapProt, MmapFlags, PtraceRequest, FcntlArg} {
		a := arm(k)
		if a == k || a.ForArch(ArchARM64) != a || a.ForArch(ArchX86_64) != k || a.Arch() != ArchARM64 {
			t.Errorf("%s: ForArch round trip broken (%s)", k, a)
		}
		if back, ok := KindByName(a.String()); !ok || back != a {
			t.Errorf("KindByName(%q) = %v %v", a.String(), back, ok)
		}
	}
	if arm(Signal) != Signal || OpenFlags.ForArch(ArchX86_64) != OpenFlags {
		t.Error("ForArch changed a Kind without a variant")
	}
}
