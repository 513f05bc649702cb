package sysfmt

import (
	"strings"
	"testing"
)

// TestGolden checks every Kind against the renderings strace 6.1 printed for
// the same values (testdata/golden, refreshed by TestAgainstStrace -update).
func TestGolden(t *testing.T) {
	for k := Kind(1); k < numKinds; k++ {
		t.Run(k.String(), func(t *testing.T) {
			vs, want := readGolden(t, k)
			if len(vs) < 10 {
				t.Fatalf("only %d golden values", len(vs))
			}
			unknown := false
			var buf []byte
			for i, v := range vs {
				buf = Append(buf[:0], k, v)
				if string(buf) != want[i] {
					t.Errorf("Append(%s, %#x) = %q, strace prints %q", k, v, buf, want[i])
				}
				unknown = unknown || strings.Contains(want[i], "0x") || strings.Contains(want[i], "???")
			}
			if !unknown && k != DirFd && k != Signal && k != SocketProtocol && k != FcntlArg && k != FileMode && k != NodeMode {
				t.Errorf("no golden value with unknown bits")
			}
		})
	}
}

// TestExamples pins the notation of common calls, as strace 6.1 prints them.
func TestExamples(t *testing.T) {
	for _, c := range []struct {
		k    Kind
		v    uint64
		want string
	}{
		{OpenFlags, 0x80000, "O_RDONLY|O_CLOEXEC"},
		{OpenFlags, 0x241, "O_WRONLY|O_CREAT|O_TRUNC"},
		{OpenFlags, 0x880000, "O_RDONLY|O_CLOEXEC|0x800000"},
		{OpenFlags, 0, "O_RDONLY"},
		{OpenFlags, 0x410000, "O_RDONLY|O_TMPFILE"},
		{FileMode, 0o644, "0644"},
		{FileMode, 0, "000"},
		{NodeMode, 0o100644, "S_IFREG|0644"},
		{DirFd, 0xffffffffffffff9c, "AT_FDCWD"},
		{DirFd, 3, "3"},
		{AccessMode, 0, "F_OK"},
		{AccessMode, 6, "R_OK|W_OK"},
		{AccessAtFlags, 0x200, "AT_EACCESS"},
		{AtFlags, 0x100, "AT_SYMLINK_NOFOLLOW"},
		{MmapProt, 3, "PROT_READ|PROT_WRITE"},
		{MmapProt, 0, "PROT_NONE"},
		{MmapFlags, 0x22, "MAP_PRIVATE|MAP_ANONYMOUS"},
		{CloneFlags, 0x1200011, "CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD"},
		{SocketFamily, 2, "AF_INET"},
		{SocketType, 0x80801, "SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK"},
		{InetProtocol, 6, "IPPROTO_TCP"},
		{InetProtocol, 0, "IPPROTO_IP"},
		{SocketProtocol, 0, "0"},
		{FcntlCmd, 3, "F_GETFL"},
		{FdFlags, 1, "FD_CLOEXEC"},
		{SigprocmaskHow, 0, "SIG_BLOCK"},
		{Signal, 15, "SIGTERM"},
		{Signal, 0, "0"},
		{WaitOptions, 1, "WNOHANG"},
		{IoctlRequest, 0x5401, "TCGETS"},
		{IoctlRequest, 0x80081272, "BLKGETSIZE64"},
		{IoctlRequest, 0x12345678, "_IOC(_IOC_NONE, 0x56, 0x78, 0x1234)"},
		{Whence, 1, "SEEK_CUR"},
		{PrctlOption, 15, "PR_SET_NAME"},
		{ArchPrctlCode, 0x1002, "ARCH_SET_FS"},
		{SeccompOp, 1, "SECCOMP_SET_MODE_FILTER"},
		{SeccompFlags, 1, "SECCOMP_FILTER_FLAG_TSYNC"},
		{BpfCmd, 5, "BPF_PROG_LOAD"},
		{FutexOp, 0x80, "FUTEX_WAIT_PRIVATE"},
		{FutexOp, 0x189, "FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME"},
		{ClockID, 1, "CLOCK_MONOTONIC"},
		{RlimitResource, 7, "RLIMIT_NOFILE"},
		{EpollCtlOp, 1, "EPOLL_CTL_ADD"},
		{UnshareFlags, 0x20000, "CLONE_NEWNS"},
		{MountFlags, 0x44000, "MS_REC|MS_PRIVATE"},
		{UmountFlags, 2, "MNT_DETACH"},
		{Whence, 9, "0x9 /* SEEK_??? */"},
		{None, 10, "0xa"},
		{numKinds + 3, 0, "0"},
	} {
		if got := string(Append(nil, c.k, c.v)); got != c.want {
			t.Errorf("Append(%s, %#x) = %q, want %q", c.k, c.v, got, c.want)
		}
	}
}

func TestResolve(t *testing.T) {
	for _, c := range []struct {
		k    Kind
		ctrl uint64
		want Kind
	}{
		{SocketProtocol, 2, InetProtocol},
		{SocketProtocol, 10, InetProtocol},
		{SocketProtocol, 16, NetlinkProtocol},
		{SocketProtocol, 17, PacketProtocol},
		{SocketProtocol, 1, SocketProtocol},
		{FcntlArg, 2, FdFlags},
		{FcntlArg, 4, OpenFlags},
		{FcntlArg, 10, Signal},
		{FcntlArg, 1033, SealFlags},
		{FcntlArg, 3, None},
		{FcntlArg, 0, FcntlArg},
		{OpenFlags, 1, OpenFlags},
	} {
		if got := c.k.Resolve(c.ctrl); got != c.want {
			t.Errorf("%s.Resolve(%d) = %s, want %s", c.k, c.ctrl, got, c.want)
		}
	}
}

func TestKindNames(t *testing.T) {
	seen := map[string]bool{}
	for k := Kind(0); k < numKinds; k++ {
		s := k.String()
		if s == "" || seen[s] {
			t.Errorf("Kind %d: empty or duplicate name %q", k, s)
		}
		seen[s] = true
		if back, ok := KindByName(s); !ok || back != k {
			t.Errorf("KindByName(%q) = %v, %v", s, back, ok)
		}
	}
	if s := Kind(250).String(); s != "Kind(250)" {
		t.Errorf("Kind(250).String() = %q", s)
	}
	if NumKinds != int(numKinds) {
		t.Error("NumKinds")
	}
}

func TestErrno(t *testing.T) {
	for _, c := range []struct {
		e          int
		name, text string
	}{
		{1, "EPERM", "Operation not permitted"},
		{2, "ENOENT", "No such file or directory"},
		{11, "EAGAIN", "Resource temporarily unavailable"},
		{13, "EACCES", "Permission denied"},
		{95, "EOPNOTSUPP", "Operation not supported"},
		{133, "EHWPOISON", "Memory page has hardware error"},
		{512, "ERESTARTSYS", "To be restarted if SA_RESTART is set"},
		{516, "ERESTART_RESTARTBLOCK", "Interrupted by signal"},
		{524, "ENOTSUPP", "Unknown error 524"},
	} {
		name, ok := Errno(c.e)
		if !ok || name != c.name || ErrnoText(c.e) != c.text {
			t.Errorf("errno %d: %q %v %q, want %q %q", c.e, name, ok, ErrnoText(c.e), c.name, c.text)
		}
		if got, want := string(AppendErrno(nil, c.e)), c.name+" ("+c.text+")"; got != want {
			t.Errorf("AppendErrno(%d) = %q, want %q", c.e, got, want)
		}
	}
	for _, e := range []int{0, -1, 134, 519, 531, 4095, 1 << 20} {
		if name, ok := Errno(e); ok {
			t.Errorf("Errno(%d) = %q, want none", e, name)
		}
	}
	if got := ErrnoText(134); got != "errno 134" {
		t.Errorf("ErrnoText(134) = %q", got)
	}
	if got := string(AppendErrno(nil, 134)); got != "(errno 134)" {
		t.Errorf("AppendErrno(134) = %q", got)
	}
	for e := 1; e < 4096; e++ {
		if _, ok := Errno(e); ok != (e <= 133 && e != 41 && e != 58 || e >= 512 && e <= 530 && e != 519 && e != 520) {
			t.Errorf("Errno(%d): ok = %v", e, ok)
		}
	}
	if !IsRestart(512) || IsRestart(515) {
		t.Error("IsRestart")
	}
}

// TestAppendAllocs checks that Append allocates nothing when dst has room.
func TestAppendAllocs(t *testing.T) {
	buf := make([]byte, 0, 1024)
	values := []uint64{0, 1, 0x80000, 0xffffffff, ^uint64(0), 0x12345678, 0xc0ed4000, 0xffffff9c}
	for k := Kind(0); k <= numKinds; k++ {
		allocs := testing.AllocsPerRun(20, func() {
			for _, v := range values {
				buf = Append(buf[:0], k, v)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per run", k, allocs)
		}
	}
}

// FuzzAppend checks that Append never panics, never renders nothing, and
// allocates only to grow dst.
func FuzzAppend(f *testing.F) {
	for _, s := range []struct {
		k uint8
		v uint64
	}{{uint8(OpenFlags), 0x80000}, {uint8(CloneFlags), 0x1200011}, {uint8(IoctlRequest), 0x5401}, {uint8(Signal), 64}, {uint8(NodeMode), 0o170644}, {255, ^uint64(0)}} {
		f.Add(s.k, s.v)
	}
	f.Fuzz(func(t *testing.T, k uint8, v uint64) {
		out := Append(nil, Kind(k), v)
		if len(out) == 0 {
			t.Fatalf("Append(%d, %#x) is empty", k, v)
		}
		prefix := []byte("prefix:")
		if got := Append(prefix, Kind(k), v); string(got) != "prefix:"+string(out) {
			t.Fatalf("Append with a prefix = %q, want %q", got, "prefix:"+string(out))
		}
		buf := make([]byte, 0, 4096)
		if n := testing.AllocsPerRun(1, func() { Append(buf, Kind(k), v) }); n != 0 {
			t.Fatalf("Append(%d, %#x) allocates %v times with room in dst", k, v, n)
		}
	})
}

func BenchmarkAppendOpenFlags(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf = Append(buf[:0], OpenFlags, 0x80241+uint64(i&0x800))
	}
}

func BenchmarkAppendIoctl(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf = Append(buf[:0], IoctlRequest, 0x5401+uint64(i&0x1f))
	}
}
