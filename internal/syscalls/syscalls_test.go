package syscalls

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

var arches = []Arch{X86_64, ARM64}

func TestNameBasics(t *testing.T) {
	for _, c := range []struct {
		a    Arch
		nr   int
		want string
	}{
		{X86_64, 0, "read"},
		{X86_64, 257, "openat"},
		{X86_64, 9999, "syscall_9999"},
		{X86_64, 400, "syscall_400"}, // gap between 336 and 424
		{X86_64, 512, "syscall_512"}, // x32 numbers are not part of the 64-bit ABI
		{X86_64, -1, "syscall_-1"},
		{X86_64, 335, "uretprobe"},
		{X86_64, 336, "uprobe"},
		{X86_64, 469, "file_setattr"},
		{ARM64, 56, "openat"},
		{ARM64, 63, "read"},
		{ARM64, 220, "clone"},
		{ARM64, 250, "syscall_250"}, // arch-specific range, unused on arm64
		{ARM64, 335, "syscall_335"}, // uretprobe is x86-only
		{ARM64, 469, "file_setattr"},
		{Arch("mips"), 0, "syscall_0"},
	} {
		if got := Name(c.a, c.nr); got != c.want {
			t.Errorf("Name(%s, %d) = %q, want %q", c.a, c.nr, got, c.want)
		}
	}
	if got := MaxNr(X86_64); got != 469 {
		t.Errorf("MaxNr(X86_64) = %d, want 469", got)
	}
	if got := MaxNr(ARM64); got != 469 {
		t.Errorf("MaxNr(ARM64) = %d, want 469", got)
	}
	if got := MaxNr("mips"); got != -1 {
		t.Errorf("MaxNr(mips) = %d, want -1", got)
	}
	if Table("mips") != nil {
		t.Error(`Table("mips") != nil`)
	}
}

func TestNative(t *testing.T) {
	want := map[string]Arch{"amd64": X86_64, "arm64": ARM64}[runtime.GOARCH]
	if got := Native(); got != want {
		t.Errorf("Native() = %q on GOARCH %s, want %q", got, runtime.GOARCH, want)
	}
}

func TestSpotChecks(t *testing.T) {
	for _, c := range []struct {
		a           Arch
		name, entry string
		nr          int
	}{
		{X86_64, "stat", "sys_newstat", 4},
		{X86_64, "umount2", "sys_umount", 166},
		{X86_64, "uname", "sys_newuname", 63},
		{X86_64, "sendfile", "sys_sendfile64", 40},
		{X86_64, "tuxcall", "", 184},
		{X86_64, "lookup_dcookie", "", 212},
		{X86_64, "_sysctl", "sys_ni_syscall", 156},
		{X86_64, "newfstatat", "sys_newfstatat", 262},
		{ARM64, "umount2", "sys_umount", 39},
		{ARM64, "fstat", "sys_newfstat", 80},
		{ARM64, "newfstatat", "sys_newfstatat", 79},
		{ARM64, "fadvise64", "sys_fadvise64_64", 223},
		{ARM64, "lookup_dcookie", "sys_ni_syscall", 18},
		{ARM64, "renameat", "sys_renameat", 38},
		{ARM64, "getrlimit", "sys_getrlimit", 163},
		{ARM64, "sync_file_range", "sys_sync_file_range", 84},
		{ARM64, "memfd_secret", "sys_memfd_secret", 447},
	} {
		s, ok := ByName(c.a, c.name)
		if !ok || s.Nr != c.nr || s.Entry != c.entry {
			t.Errorf("ByName(%s, %q) = %+v, %v; want Nr %d Entry %q", c.a, c.name, s, ok, c.nr, c.entry)
		}
	}

	// Syscalls that must not exist on arm64.
	for _, name := range []string{"open", "stat", "lstat", "fork", "vfork", "access", "pipe",
		"select", "poll", "dup2", "epoll_create", "epoll_wait", "arch_prctl", "uretprobe",
		"uprobe", "creat", "mkdir", "rename", "unlink", "time", "alarm", "getdents",
		"sync_file_range2", "fcntl64", "mmap2", "clock_gettime64"} {
		if s, ok := ByName(ARM64, name); ok {
			t.Errorf("arm64 has %+v, which is not in the arm64 ABI", s)
		}
	}
	for _, nr := range []int{244, 259, 403, 423} {
		if s, ok := ByNr(ARM64, nr); ok {
			t.Errorf("arm64 has number %d (%s), which arm64 does not use", nr, s.Name)
		}
	}
	for nr := 512; nr <= 547; nr++ {
		if s, ok := ByNr(X86_64, nr); ok {
			t.Errorf("x86_64 table has x32 number %d (%s)", nr, s.Name)
		}
	}

	// clone: default argument order on x86_64, CLONE_BACKWARDS on arm64.
	checkParams := func(a Arch, name, want string) {
		t.Helper()
		s, _ := ByName(a, name)
		if got := paramString(s.Params); got != want {
			t.Errorf("%s %s params = %q, want %q", a, name, got, want)
		}
	}
	checkParams(X86_64, "clone", "unsigned long clone_flags;unsigned long newsp;int * parent_tidptr;int * child_tidptr;unsigned long tls")
	checkParams(ARM64, "clone", "unsigned long clone_flags;unsigned long newsp;int * parent_tidptr;unsigned long tls;int * child_tidptr")
	checkParams(X86_64, "openat", "int dfd;const char * filename;int flags;umode_t mode")
	checkParams(X86_64, "execve", "const char * filename;const char *const * argv;const char *const * envp")
	checkParams(X86_64, "fork", "")
	checkParams(X86_64, "tuxcall", "")
}

func paramString(ps []Param) string {
	var parts []string
	for _, p := range ps {
		parts = append(parts, p.CType+" "+p.Name)
	}
	return strings.Join(parts, ";")
}

// TestTablesConsistent checks ordering, uniqueness and that every lookup
// function agrees with Table.
func TestTablesConsistent(t *testing.T) {
	for _, a := range arches {
		tab := Table(a)
		if len(tab) == 0 {
			t.Fatalf("%s: empty table", a)
		}
		nrs := map[int]bool{}
		names := map[string]bool{}
		for i, s := range tab {
			if i > 0 && s.Nr <= tab[i-1].Nr {
				t.Errorf("%s: table not strictly ordered at %d (%s) after %d", a, s.Nr, s.Name, tab[i-1].Nr)
			}
			if nrs[s.Nr] {
				t.Errorf("%s: duplicate number %d", a, s.Nr)
			}
			if names[s.Name] {
				t.Errorf("%s: duplicate name %q", a, s.Name)
			}
			nrs[s.Nr], names[s.Name] = true, true
			if s.Entry != "" && !strings.HasPrefix(s.Entry, "sys_") {
				t.Errorf("%s: %s: bad entry %q", a, s.Name, s.Entry)
			}
			if got, ok := ByNr(a, s.Nr); !ok || got.Name != s.Name {
				t.Errorf("%s: ByNr(%d) = %+v, %v; want %s", a, s.Nr, got, ok, s.Name)
			}
			if got, ok := ByName(a, s.Name); !ok || got.Nr != s.Nr {
				t.Errorf("%s: ByName(%q) = %+v, %v; want nr %d", a, s.Name, got, ok, s.Nr)
			}
			if got := Name(a, s.Nr); got != s.Name {
				t.Errorf("%s: Name(%d) = %q, want %q", a, s.Nr, got, s.Name)
			}
			if !implemented(s.Entry) && s.Params != nil {
				t.Errorf("%s: unimplemented %s has params", a, s.Name)
			}
		}
		if MaxNr(a) != tab[len(tab)-1].Nr {
			t.Errorf("%s: MaxNr = %d, last table entry %d", a, MaxNr(a), tab[len(tab)-1].Nr)
		}
		for nr := -2; nr <= MaxNr(a)+2; nr++ {
			if nrs[nr] {
				continue
			}
			if s, ok := ByNr(a, nr); ok {
				t.Errorf("%s: ByNr(%d) = %+v for a number not in Table", a, nr, s)
			}
			if got, want := Name(a, nr), "syscall_"+strconv.Itoa(nr); got != want {
				t.Errorf("%s: Name(%d) = %q, want %q", a, nr, got, want)
			}
		}
		if _, ok := ByName(a, "no_such_syscall"); ok {
			t.Errorf("%s: ByName found no_such_syscall", a)
		}
		// Table returns a copy.
		tab[0].Name = "clobbered"
		if Name(a, Table(a)[0].Nr) == "clobbered" {
			t.Errorf("%s: Table exposes internal storage", a)
		}
	}
}

func implemented(entry string) bool { return entry != "" && entry != "sys_ni_syscall" }

// prototypeLine is one parsed line of tables/prototypes.tsv.
type prototypeLine struct {
	params string // canonical "ctype name;ctype name"
	manual bool
}

// readPrototypesFile parses tables/prototypes.tsv independently of the
// generator.
func readPrototypesFile(t *testing.T) map[string]prototypeLine {
	t.Helper()
	f, err := os.Open(filepath.Join("tables", "prototypes.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]prototypeLine{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		fs := strings.Split(l, "\t")
		if len(fs) < 2 || len(fs) > 3 || (len(fs) == 3 && fs[2] != "# manual") {
			t.Fatalf("prototypes.tsv:%d: malformed line %q", n, l)
		}
		if _, dup := m[fs[0]]; dup {
			t.Errorf("prototypes.tsv:%d: duplicate key %q", n, fs[0])
		}
		m[fs[0]] = prototypeLine{params: fs[1], manual: len(fs) == 3}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestPrototypeCoverage checks that every implemented syscall of every
// table has a prototype and that the generated Params match the file.
func TestPrototypeCoverage(t *testing.T) {
	protos := readPrototypesFile(t)
	for _, a := range arches {
		for _, s := range Table(a) {
			if !implemented(s.Entry) {
				continue
			}
			key := strings.TrimPrefix(s.Entry, "sys_")
			p, ok := protos[key+"@"+string(a)]
			if !ok {
				p, ok = protos[key]
			}
			if !ok {
				t.Errorf("%s: %s (%s) has no prototype", a, s.Name, s.Entry)
				continue
			}
			if got := paramString(s.Params); got != p.params {
				t.Errorf("%s: %s: generated params %q, prototypes.tsv has %q", a, s.Name, got, p.params)
			}
		}
	}
}

var defineRE = regexp.MustCompile(`^#define\s+__NR_(\w+)\s+(\w+)\s*$`)

// TestX86HeaderNumbers compares the table with the installed x86_64 UAPI
// header, in both directions up to the header's highest number (the header
// may be older than the kernel the table describes).
func TestX86HeaderNumbers(t *testing.T) {
	var data []byte
	var err error
	for _, p := range []string{"/usr/include/x86_64-linux-gnu/asm/unistd_64.h", "/usr/include/asm/unistd_64.h"} {
		if data, err = os.ReadFile(p); err == nil {
			break
		}
	}
	if err != nil {
		t.Skip("no x86_64 asm/unistd_64.h installed")
	}
	header := map[int]string{}
	maxNr := -1
	for _, l := range strings.Split(string(data), "\n") {
		m := defineRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		nr, err := strconv.Atoi(m[2])
		if err != nil {
			t.Fatalf("unexpected non-numeric define %q", l)
		}
		header[nr] = m[1]
		maxNr = max(maxNr, nr)
	}
	if len(header) < 300 {
		t.Fatalf("parsed only %d syscalls from unistd_64.h", len(header))
	}
	// uretprobe (6.11) and uprobe (6.18) were added below the previous
	// highest number, so an older header legitimately lacks them.
	checkAgainstHeader(t, X86_64, header, maxNr, map[string]bool{"uretprobe": true, "uprobe": true})
}

// checkAgainstHeader checks that every header number is in the table with
// the same name, and that every table number up to maxNr is in the header
// unless its name is in newer (syscalls numbered below maxNr but added after
// the oldest header we expect to meet).
func checkAgainstHeader(t *testing.T, a Arch, header map[int]string, maxNr int, newer map[string]bool) {
	t.Helper()
	for nr, name := range header {
		if got := Name(a, nr); got != name {
			t.Errorf("%s: header has %d = %s, table has %q", a, nr, name, got)
		}
	}
	for _, s := range Table(a) {
		if s.Nr > maxNr {
			break
		}
		if _, ok := header[s.Nr]; !ok && !newer[s.Name] {
			t.Errorf("%s: table has %d %s, which the header does not define", a, s.Nr, s.Name)
		}
	}
	t.Logf("%s: %d header numbers (max %d) match the table", a, len(header), maxNr)
}

// arm64GenericConds gives the value of every preprocessor condition in
// asm-generic/unistd.h for the native arm64 ABI (64-bit, no __SYSCALL_COMPAT;
// arm64's asm/unistd.h defines __ARCH_WANT_RENAMEAT, __ARCH_WANT_NEW_STAT,
// __ARCH_WANT_SET_GET_RLIMIT, __ARCH_WANT_TIME32_SYSCALLS (for compat),
// __ARCH_WANT_SYS_CLONE3 and __ARCH_WANT_MEMFD_SECRET, and not
// __ARCH_WANT_SYNC_FILE_RANGE2). Values are for "#if"/"#ifdef"; "#ifndef"
// negates. Defines under a condition not listed here are skipped and logged.
var arm64GenericConds = map[string]bool{
	"__SYSCALL": true,
	"__BITS_PER_LONG == 32 || defined(__SYSCALL_COMPAT)": false,
	"__SYSCALL_COMPAT": false,
	"defined(__ARCH_WANT_TIME32_SYSCALLS) || __BITS_PER_LONG != 32": true,
	"__ARCH_WANT_RENAMEAT": true,
	"defined(__ARCH_WANT_NEW_STAT) || defined(__ARCH_WANT_STAT64)": true,
	"__ARCH_WANT_SYNC_FILE_RANGE2":                                 false,
	"__ARCH_WANT_SET_GET_RLIMIT":                                   true,
	"__ARCH_NOMMU":                                                 false,
	"defined(__SYSCALL_COMPAT) || __BITS_PER_LONG == 32":           false,
	"__ARCH_WANT_SYS_CLONE3":                                       true,
	"__ARCH_WANT_MEMFD_SECRET":                                     true,
	"__BITS_PER_LONG == 64 && !defined(__SYSCALL_COMPAT)":          true,
	"__NR3264_stat":                                                false,
}

var genericDefineRE = regexp.MustCompile(`^#define\s+(__NR\w+)\s+(\w+)\s*$`)

var condRE = regexp.MustCompile(`^#\s*(ifdef|ifndef|if|elif)\s+(.*?)\s*(/\*.*)?$`)

// TestARM64GenericHeaderNumbers evaluates asm-generic/unistd.h's
// conditionals for arm64 and compares the resulting __NR_ numbers with the
// arm64 table, in both directions up to __NR_syscalls.
func TestARM64GenericHeaderNumbers(t *testing.T) {
	data, err := os.ReadFile("/usr/include/asm-generic/unistd.h")
	if err != nil {
		t.Skip("no asm-generic/unistd.h installed")
	}
	const (
		no = iota
		yes
		unknown
	)
	var stack []int
	state := func() int {
		s := yes
		for _, v := range stack {
			if v == no {
				return no
			}
			if v == unknown {
				s = unknown
			}
		}
		return s
	}
	raw := map[string]string{} // macro -> value (number or another macro)
	var skipped []string
	src := strings.ReplaceAll(string(data), "\\\n", " ")
	for _, l := range strings.Split(src, "\n") {
		l = strings.TrimSpace(l)
		if m := condRE.FindStringSubmatch(l); m != nil {
			if m[1] == "elif" {
				if len(stack) == 0 {
					t.Fatal("#elif without #if")
				}
				stack[len(stack)-1] = unknown
				continue
			}
			v, ok := arm64GenericConds[m[2]]
			switch {
			case !ok:
				stack = append(stack, unknown)
			case v != (m[1] == "ifndef"):
				stack = append(stack, yes)
			default:
				stack = append(stack, no)
			}
			continue
		}
		if strings.HasPrefix(l, "#else") {
			if len(stack) == 0 {
				t.Fatal("#else without #if")
			}
			switch stack[len(stack)-1] {
			case yes:
				stack[len(stack)-1] = no
			case no:
				stack[len(stack)-1] = yes
			}
			continue
		}
		if strings.HasPrefix(l, "#endif") {
			if len(stack) == 0 {
				t.Fatal("#endif without #if")
			}
			stack = stack[:len(stack)-1]
			continue
		}
		m := genericDefineRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		switch state() {
		case yes:
			raw[m[1]] = m[2]
		case unknown:
			skipped = append(skipped, m[1])
		}
	}
	if len(stack) != 0 {
		t.Fatalf("unbalanced #if/#endif in asm-generic/unistd.h")
	}
	if len(skipped) > 0 {
		t.Logf("skipped %d defines under conditions unknown to this test: %v", len(skipped), skipped)
	}
	resolve := func(v string) (int, bool) {
		for range 4 {
			if n, err := strconv.Atoi(v); err == nil {
				return n, true
			}
			next, ok := raw[v]
			if !ok {
				return 0, false
			}
			v = next
		}
		return 0, false
	}
	limit, ok := resolve("__NR_syscalls")
	if !ok {
		t.Fatal("no __NR_syscalls in asm-generic/unistd.h")
	}
	header := map[int]string{}
	for macro, v := range raw {
		name, ok := strings.CutPrefix(macro, "__NR_")
		if !ok || name == "syscalls" || name == "arch_specific_syscall" {
			continue // __NR3264_* are internal; the two others are not syscalls
		}
		nr, ok := resolve(v)
		if !ok {
			t.Errorf("cannot resolve %s = %s", macro, v)
			continue
		}
		if other, dup := header[nr]; dup {
			t.Errorf("header maps %d to both %s and %s for arm64", nr, other, name)
		}
		header[nr] = name
	}
	if len(header) < 250 {
		t.Fatalf("parsed only %d syscalls from asm-generic/unistd.h", len(header))
	}
	checkAgainstHeader(t, ARM64, header, limit-1, nil)
}

// TestGeneratedUpToDate regenerates zz_generated.go into a temporary file
// and compares.
func TestGeneratedUpToDate(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	out := filepath.Join(t.TempDir(), "zz_generated.go")
	cmd := exec.Command(goTool, "run", "./gen", "-out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./gen: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("zz_generated.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("zz_generated.go is stale; run go generate ./internal/syscalls")
	}
}

func TestNameAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("allocation counts are unreliable with coverage")
	}
	Name(X86_64, 400) // build the unknown-name cache
	for _, nr := range []int{0, 257, 400, 1000} {
		if n := testing.AllocsPerRun(100, func() { _ = Name(X86_64, nr) }); n != 0 {
			t.Errorf("Name(X86_64, %d) allocates %.0f times", nr, n)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = ByNr(X86_64, 59) }); n != 0 {
		t.Errorf("ByNr allocates %.0f times", n)
	}
}

var (
	sinkName string
	sinkSys  Syscall
)

func BenchmarkByNr(b *testing.B) {
	for i := range b.N {
		sinkSys, _ = ByNr(X86_64, i&511)
	}
}

func BenchmarkName(b *testing.B) {
	for i := range b.N {
		sinkName = Name(X86_64, i&511)
	}
}

func BenchmarkNameUnknown(b *testing.B) {
	Name(X86_64, 400)
	for range b.N {
		sinkName = Name(X86_64, 400)
	}
}

func BenchmarkByName(b *testing.B) {
	names := []string{"read", "openat", "execve", "file_setattr", "_sysctl", "zzz"}
	for i := range b.N {
		sinkSys, _ = ByName(X86_64, names[i%len(names)])
	}
}
