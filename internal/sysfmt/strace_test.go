package sysfmt

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.golden from what strace prints")

// probe is a syscall whose argument idx strace renders with a Kind; "V" in
// args stands for the value under test. The calls are made so that they
// fail without effect (see testdata/probe.py).
type probe struct {
	nr   int
	args []string
	idx  int
}

func p(nr int, idx int, args ...string) probe { return probe{nr, args, idx} }

// probes has one entry for every Kind but None (TestProbesCoverKinds).
var probes = map[Kind]probe{
	OpenFlags:          p(257, 2, "-100", "0", "V", "0"),          // openat
	OFlags:             p(293, 1, "0", "V"),                       // pipe2
	FileMode:           p(258, 2, "-100", "0", "V"),               // mkdirat
	NodeMode:           p(259, 2, "-100", "0", "V", "0"),          // mknodat
	AccessMode:         p(269, 2, "-100", "0", "V"),               // faccessat
	AtFlags:            p(262, 3, "-100", "0", "0", "V"),          // newfstatat
	AccessAtFlags:      p(439, 3, "-100", "0", "0", "V"),          // faccessat2
	StatxFlags:         p(332, 2, "-100", "0", "V", "0", "0"),     // statx
	StatxMask:          p(332, 3, "-100", "0", "0", "V", "0"),     // statx
	OpenTreeFlags:      p(428, 2, "-100", "0", "V"),               // open_tree
	MountSetattrFlags:  p(442, 2, "-1", "0", "V", "0", "0"),       // mount_setattr
	DirFd:              p(257, 0, "V", "0", "0"),                  // openat
	MmapProt:           p(9, 2, "0", "0", "V", "0x22", "-1", "0"), // mmap, length 0: EINVAL
	MmapFlags:          p(9, 3, "0", "0", "3", "V", "-1", "0"),    // mmap, length 0: EINVAL
	MremapFlags:        p(25, 3, "0", "0", "0", "V", "0"),         // mremap
	MadviseAdvice:      p(28, 2, "0", "0", "V"),                   // madvise
	MsyncFlags:         p(26, 2, "0", "0", "V"),                   // msync
	MlockallFlags:      p(151, 0, "V"),                            // mlockall
	Mlock2Flags:        p(325, 2, "0", "0", "V"),                  // mlock2
	CloneFlags:         p(56, 1, "V", "0", "0", "0", "0"),         // clone
	UnshareFlags:       p(272, 0, "V"),                            // unshare
	SetnsType:          p(308, 1, "-1", "V"),                      // setns
	SocketFamily:       p(41, 0, "V", "1", "0"),                   // socket
	SocketType:         p(41, 1, "1", "V", "0"),                   // socket(AF_UNIX, …)
	SocketFlags:        p(288, 3, "-1", "0", "0", "V"),            // accept4
	SocketProtocol:     p(41, 2, "1", "1", "V"),                   // socket(AF_UNIX, SOCK_STREAM, …)
	InetProtocol:       p(41, 2, "2", "1", "V"),                   // socket(AF_INET, SOCK_STREAM, …)
	NetlinkProtocol:    p(41, 2, "16", "3", "V"),                  // socket(AF_NETLINK, SOCK_RAW, …)
	PacketProtocol:     p(41, 2, "17", "3", "V"),                  // socket(AF_PACKET, SOCK_RAW, …)
	SockoptLevel:       p(54, 1, "-1", "V", "0", "0", "0"),        // setsockopt
	ShutdownHow:        p(48, 1, "-1", "V"),                       // shutdown
	MsgFlags:           p(46, 2, "-1", "0", "V"),                  // sendmsg
	FcntlCmd:           p(72, 1, "-1", "V", "0"),                  // fcntl
	FcntlArg:           p(72, 2, "-1", "0", "V"),                  // fcntl(…, F_DUPFD, …)
	FdFlags:            p(72, 2, "-1", "2", "V"),                  // fcntl(…, F_SETFD, …)
	SealFlags:          p(72, 2, "-1", "1033", "V"),               // fcntl(…, F_ADD_SEALS, …)
	LeaseType:          p(72, 2, "-1", "1024", "V"),               // fcntl(…, F_SETLEASE, …)
	DnotifyFlags:       p(72, 2, "-1", "1026", "V"),               // fcntl(…, F_NOTIFY, …)
	PrctlOption:        p(157, 0, "V", "0", "0", "0", "0"),        // prctl
	ArchPrctlCode:      p(158, 0, "V", "0"),                       // arch_prctl
	Signal:             p(62, 1, "0x7ffffff0", "V"),               // kill
	SigprocmaskHow:     p(14, 0, "V", "0", "0", "8"),              // rt_sigprocmask
	WaitOptions:        p(61, 2, "-1", "0", "V", "0"),             // wait4
	WaitIdType:         p(247, 0, "V", "0", "0", "4", "0"),        // waitid
	IoctlRequest:       p(16, 1, "-1", "V", "0"),                  // ioctl
	SeccompOp:          p(317, 0, "V", "0", "1"),                  // seccomp
	SeccompFlags:       p(317, 1, "1", "V", "1"),                  // seccomp
	BpfCmd:             p(321, 0, "V", "0", "0"),                  // bpf
	Whence:             p(8, 2, "-1", "0", "V"),                   // lseek
	FutexOp:            p(202, 1, "0", "V", "0", "0", "0", "0"),   // futex on NULL
	ClockID:            p(228, 0, "V", "0"),                       // clock_gettime
	TimerFlags:         p(230, 1, "0", "V", "0", "0"),             // clock_nanosleep
	TimerfdFlags:       p(283, 1, "1", "V"),                       // timerfd_create
	RlimitResource:     p(302, 1, "0", "V", "0", "0"),             // prlimit64
	EpollCtlOp:         p(233, 1, "-1", "V", "-1", "0"),           // epoll_ctl
	EpollFlags:         p(291, 0, "V"),                            // epoll_create1
	EventfdFlags:       p(290, 1, "0", "V"),                       // eventfd2
	InotifyInitFlags:   p(294, 0, "V"),                            // inotify_init1
	InotifyMask:        p(254, 2, "-1", "0", "V"),                 // inotify_add_watch
	SignalfdFlags:      p(289, 3, "-1", "0", "8", "V"),            // signalfd4
	MemfdFlags:         p(319, 1, "0", "V"),                       // memfd_create
	RenameFlags:        p(316, 4, "-100", "0", "-100", "0", "V"),  // renameat2
	MountFlags:         p(165, 3, "0", "0", "0", "V", "0"),        // mount
	UmountFlags:        p(166, 1, "0", "V"),                       // umount2
	FsopenFlags:        p(430, 1, "0", "V"),                       // fsopen
	FsmountFlags:       p(432, 1, "-1", "V", "0"),                 // fsmount
	FspickFlags:        p(433, 2, "-1", "0", "V"),                 // fspick
	MoveMountFlags:     p(429, 4, "-1", "0", "-1", "0", "V"),      // move_mount
	GetrandomFlags:     p(318, 2, "0", "0", "V"),                  // getrandom
	FallocateMode:      p(285, 1, "-1", "V", "0", "0"),            // fallocate
	FadviseAdvice:      p(221, 3, "-1", "0", "0", "V"),            // fadvise64
	FlockOp:            p(73, 1, "-1", "V"),                       // flock
	SpliceFlags:        p(276, 3, "-1", "-1", "0", "V"),           // tee
	SyncFileRangeFlags: p(277, 3, "-1", "0", "0", "V"),            // sync_file_range
	RwfFlags:           p(327, 4, "-1", "0", "0", "0", "0", "V"),  // preadv2 (pos_l/pos_h print as one)
	SchedPolicy:        p(146, 0, "V"),                            // sched_get_priority_max
	PtraceRequest:      p(101, 0, "V", "0x7ffffff0", "0", "0"),    // ptrace
	KeyctlCmd:          p(250, 0, "V", "0", "0", "0", "0"),        // keyctl
	CloseRangeFlags:    p(436, 2, "0x7fff", "0x7fff", "V"),        // close_range
	PidfdOpenFlags:     p(434, 1, "0x7ffffff0", "V"),              // pidfd_open
	UserfaultfdFlags:   p(323, 0, "V"),                            // userfaultfd
	ItimerWhich:        p(38, 0, "V", "0", "0"),                   // setitimer
	PriorityWhich:      p(140, 0, "V", "0"),                       // getpriority
	RusageWho:          p(98, 0, "V", "0"),                        // getrusage
}

// probeValues returns the values to check kind k with: zero, every single
// bit, all ones, every value of its tables, unions of neighbouring flags,
// and small and negative numbers.
func probeValues(k Kind) []uint64 {
	vs := []uint64{0, 0xffffffff, ^uint64(0), 0x7fffffff, 0x80000000, 0xfffffffe, 0x100000000}
	for i := 0; i < 64; i++ {
		vs = append(vs, 1<<i)
	}
	for i := uint64(0); i < 70; i++ {
		vs = append(vs, i, -i)
	}
	var tabs [][]xent
	if s := specs[k]; s.tab != nil {
		tabs = append(tabs, s.tab)
	}
	switch k {
	case OpenFlags, OFlags:
		tabs = append(tabs, openFlagTab[:])
		vs = append(vs, 0x80042, 0x241, 0x800241, 0x80000|0x10000|0x800, 0x401000)
	case NodeMode, FileMode:
		for _, t := range modeTypeTab {
			vs = append(vs, t.v|0o644, t.v|0o7777, t.v|0o4755)
		}
		vs = append(vs, 0o644, 0o755, 0o022, 0o7777, 0o30644, 0o170000, 0o1000644)
	case StatxFlags:
		tabs = append(tabs, atFlagsTab[:], statxSyncTab[:])
		vs = append(vs, 0x6000, 0x4100, 0x2800)
	case MmapFlags:
		tabs = append(tabs, mmapFlagTab[:])
		for t := uint64(0); t < 16; t++ {
			vs = append(vs, t|0x20, t|0x58000000, t|0x100000)
		}
		vs = append(vs, 0x22, 0x812, 0x40022, 0x58040022, 0x80000022)
	case CloneFlags:
		tabs = append(tabs, cloneFlagTab[:])
		vs = append(vs, 0x11, 0x1200011, 0x3d0f00, 0x7c000000, 0xff, 0x400011, 0x121, 0x140, 0x141)
	case SocketType:
		for _, t := range sockTypeTab {
			vs = append(vs, t.v, t.v|0x80000, t.v|0x800, t.v|0x80800, t.v|0x100)
		}
		vs = append(vs, 7, 8, 0xf, 0x80807)
	case PacketProtocol:
		for _, t := range ethProtoTab {
			vs = append(vs, (t.v&0xff)<<8|t.v>>8)
		}
		vs = append(vs, 0x10003, 0x1234)
	case Signal:
		vs = append(vs, 0x100000001, 0x8000000f)
	case IoctlRequest:
		for _, t := range ioctlTab {
			vs = append(vs, t.v, t.v^0x40000000, t.v|0x1000000)
		}
		vs = append(vs, 0x12345678, 0x1234, 0x80045499)
	case MemfdFlags:
		tabs = append(tabs, memfdFlagsTab[:])
		vs = append(vs, 0x58000000, 0x58000004, 0x58000008, 0x8, 0x5)
	case MountFlags:
		tabs = append(tabs, mountFlagsTab[:])
		vs = append(vs, 0xc0ed0000, 0xc0ed4000, 0xc0ec0000, 0x1c0ed0000, 0x10000004000, 0xc0ed0200, 0x44000)
	case FutexOp:
		for i := uint64(0); i < 16; i++ {
			vs = append(vs, i|0x80, i|0x100, i|0x180, i|0x200)
		}
	}
	for _, tab := range tabs {
		for i, e := range tab {
			vs = append(vs, e.v, e.v+1, e.v|0x40000000)
			if i > 0 {
				vs = append(vs, e.v|tab[i-1].v)
			}
		}
	}
	slices.Sort(vs)
	return slices.Compact(vs)
}

// goldenFile is where the expected renderings of kind k live.
func goldenFile(k Kind) string {
	return filepath.Join("testdata", "golden", k.String()+".golden")
}

// readGolden reads value/rendering pairs: "0x…<TAB>text" a line.
func readGolden(t *testing.T, k Kind) ([]uint64, []string) {
	t.Helper()
	f, err := os.Open(goldenFile(k))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vs []uint64
	var want []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		num, text, ok := strings.Cut(line, "\t")
		v, err := strconv.ParseUint(num, 0, 64)
		if !ok || err != nil {
			t.Fatalf("%s: bad line %q", goldenFile(k), line)
		}
		vs = append(vs, v)
		want = append(want, text)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return vs, want
}

func writeGolden(t *testing.T, k Kind, vs []uint64, got []string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: what strace 6.1 prints for each value (written by go test -run TestAgainstStrace -update)\n", k)
	for i, v := range vs {
		fmt.Fprintf(&b, "%#x\t%s\n", v, got[i])
	}
	if err := os.WriteFile(goldenFile(k), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestAgainstStrace makes the probe calls under strace and checks that
// Append renders every value exactly as strace does. With -update it
// rewrites the golden files from strace's output instead.
func TestAgainstStrace(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the probes use x86_64 syscall numbers")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root (CI runs the tests as root)")
	}
	straceBin, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed (test/setup.sh installs it)")
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	if out, err := exec.Command(straceBin, "-V").Output(); err != nil || !strings.HasPrefix(string(out), "strace -- version 6.1\n") {
		t.Skipf("the golden files match strace 6.1; %s is %q", straceBin, strings.SplitN(string(out), "\n", 2)[0])
	}

	type item struct {
		k    Kind
		v    uint64
		name string // syscall name as strace prints it
		idx  int
	}
	var items []item
	var spec strings.Builder
	kinds := make([]Kind, 0, len(probes))
	for k := range probes {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		pr := probes[k]
		vs := probeValues(k)
		if _, err := os.Stat(goldenFile(k)); err == nil && !*update {
			gv, _ := readGolden(t, k)
			vs = append(vs, gv...)
			slices.Sort(vs)
			vs = slices.Compact(vs)
		}
		name := syscalls.Name(syscalls.X86_64, pr.nr)
		for _, v := range vs {
			spec.WriteString(strconv.Itoa(pr.nr))
			for _, a := range pr.args {
				if a == "V" {
					a = "0x" + strconv.FormatUint(v, 16)
				}
				spec.WriteString(" " + a)
			}
			spec.WriteByte('\n')
			items = append(items, item{k, v, name, pr.idx})
		}
	}
	dir := t.TempDir()
	specFile, outFile := filepath.Join(dir, "probes"), filepath.Join(dir, "trace")
	if err := os.WriteFile(specFile, []byte(spec.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(straceBin, "-qq", "-e", "signal=none", "-o", outFile, python, filepath.Join("testdata", "probe.py"), specFile)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	rendered := parseTrace(t, outFile, len(items))

	got := map[Kind][]string{}
	vals := map[Kind][]uint64{}
	var buf []byte
	fails := 0
	for i, it := range items {
		line := pick(rendered[i], it.name)
		if line == "" {
			t.Errorf("%s %#x: no %s call between the markers: %q", it.k, it.v, it.name, rendered[i])
			continue
		}
		args := splitArgs(line)
		if it.idx >= len(args) {
			t.Errorf("%s %#x: %q has no argument %d", it.k, it.v, line, it.idx)
			continue
		}
		want := argRe.ReplaceAllString(args[it.idx], "")
		got[it.k] = append(got[it.k], want)
		vals[it.k] = append(vals[it.k], it.v)
		buf = Append(buf[:0], it.k, it.v)
		if string(buf) != want && !*update {
			if fails++; fails <= 50 || os.Getenv("SYSFMT_ALL") != "" {
				t.Errorf("%s %#x: Append = %q, strace prints %q (%s)", it.k, it.v, buf, want, line)
			}
		}
	}
	if fails > 50 {
		t.Errorf("... %d mismatches in all", fails)
	}
	if *update {
		for _, k := range kinds {
			writeGolden(t, k, vals[k], got[k])
		}
	}
}

// pidRe matches the process id strace -f puts before each line.
var pidRe = regexp.MustCompile(`^[0-9]+ +`)

// argRe matches the "name=" strace puts before some arguments (clone).
var argRe = regexp.MustCompile(`^[a-z_]+=`)

// parseTrace returns, for each probe, the trace lines between its markers.
func parseTrace(t *testing.T, file string, n int) [][]string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	out := make([][]string, n)
	cur := -1
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "write(-1, NULL, "); ok {
			if i, err := strconv.Atoi(rest[:strings.IndexByte(rest, ')')]); err == nil && i < n {
				cur = i
			}
			continue
		}
		if strings.HasPrefix(line, "write(-1, 0x1, ") {
			cur = -1
			continue
		}
		if cur >= 0 {
			out[cur] = append(out[cur], line)
		}
	}
	return out
}

// pick returns the probe call among lines: the last call of that name that
// the seccomp filter failed, else the last call of that name.
func pick(lines []string, name string) string {
	var last string
	for _, l := range lines {
		if !strings.HasPrefix(l, name+"(") {
			continue
		}
		if strings.Contains(l, "= -1 EPERM (Operation not permitted)") {
			return l
		}
		last = l
	}
	return last
}

// retRe matches the end of the argument list and the result.
var retRe = regexp.MustCompile(`\)\s+= .*$`)

// splitArgs returns the arguments of a strace line, split at the commas
// that are outside brackets and strings.
func splitArgs(line string) []string {
	s := line[strings.IndexByte(line, '(')+1:]
	if loc := retRe.FindStringIndex(s); loc != nil {
		s = s[:loc[0]]
	}
	var args []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(' || c == '[' || c == '{':
			depth++
		case c == ')' || c == ']' || c == '}':
			depth--
		case c == ',' && depth == 0:
			args = append(args, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(args, strings.TrimSpace(s[start:]))
}

func TestProbesCoverKinds(t *testing.T) {
	for k := Kind(1); k < numKinds; k++ {
		if _, ok := probes[k]; !ok {
			t.Errorf("%s has no strace probe", k)
		}
	}
}

// TestStraceRealCalls traces ordinary Python library calls (os.open with
// several flag combinations, os.access, socket.socket, mmap.mmap, os.kill,
// fcntl.fcntl, os.lseek) and checks that Append renders the raw values the
// script reports exactly as strace prints the calls.
func TestStraceRealCalls(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("x86_64 only")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root (CI runs the tests as root)")
	}
	straceBin, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace is not installed (test/setup.sh installs it)")
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	dir := t.TempDir()
	valFile, outFile := filepath.Join(dir, "values"), filepath.Join(dir, "trace")
	cmd := exec.Command(straceBin, "-qq", "-f", "-e", "signal=none", "-e", "trace=newfstatat,stat,openat,access,socket,mmap,kill,fcntl,lseek",
		"-o", outFile, python, filepath.Join("testdata", "realcalls.py"), valFile)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	trace, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	// after[m] are the trace lines that follow marker m.
	after := map[string][]string{}
	var cur string
	for _, line := range strings.Split(string(trace), "\n") {
		line = pidRe.ReplaceAllString(line, "")
		if i := strings.Index(line, `"/ctrace-marker-`); i >= 0 {
			rest := line[i+len(`"/ctrace-marker-`):]
			cur = rest[:strings.IndexByte(rest, '"')]
			continue
		}
		if cur != "" {
			after[cur] = append(after[cur], line)
		}
	}
	vals, err := os.ReadFile(valFile)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, line := range strings.Split(strings.TrimSpace(string(vals)), "\n") {
		f := strings.Fields(line)
		marker, name, kindName := f[0], f[1], f[3]
		idx, _ := strconv.Atoi(f[2])
		v, _ := strconv.ParseUint(f[4], 10, 64)
		k, ok := KindByName(kindName)
		if !ok {
			t.Fatalf("unknown kind %q", kindName)
		}
		var call string
		for _, l := range after[marker] {
			if strings.HasPrefix(l, name+"(") {
				call = l
				break
			}
		}
		if call == "" {
			t.Errorf("marker %s: no %s call follows it: %q", marker, name, after[marker])
			continue
		}
		args := splitArgs(call)
		if idx >= len(args) {
			t.Errorf("%q has no argument %d", call, idx)
			continue
		}
		if got := string(Append(nil, k, v)); got != args[idx] {
			t.Errorf("Append(%s, %#x) = %q; strace: %s", k, v, got, call)
		}
		checked++
	}
	if checked < 25 {
		t.Errorf("only %d values checked", checked)
	}
}
