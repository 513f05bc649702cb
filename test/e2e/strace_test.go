//go:build e2e

package e2e

// TestMatchesStrace runs a workload under strace inside a container while
// ctrace traces the host, and checks that ctrace saw what strace saw: the
// same syscalls per name (counts), and for a handful of syscalls the same
// decoded arguments and return values, call by call.
//
// The image ctrace-test/strace:latest is busybox plus the host's strace
// (test/images/strace/build-rootfs.sh, imported by test/setup.sh).

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

const straceImage = "ctrace-test/strace:latest" // made by test/setup.sh

// straceWorkload is the `sh -c` script run under strace. Everything in it is
// deterministic except how often the client has to retry until the listener
// is up: both tools see the same retries, so that is no problem.
//
//   - cat of an existing and of a missing file (openat success and ENOENT)
//   - ls /, mkdir/touch/rm -r (getdents64, newfstatat, mkdir, openat O_CREAT with a mode, unlink, rmdir)
//   - sleep (clock_nanosleep)
//   - strace -V: the only dynamically linked program in the image, so the
//     loader's openat(O_CLOEXEC) and mmap(PROT_*, MAP_*, fd, offset) calls
//   - a loopback TCP connection: busybox `nc -l` (socket AF_INET6, bind ::)
//     and `nc 127.0.0.1` (socket AF_INET, connect); the client retries (bounded)
//     until the listener accepts, then the shell waits for both.
const straceWorkload = `cat /etc/hostname
cat /nonexistent || true
ls /
mkdir /tmp/d; touch /tmp/d/f; rm -r /tmp/d
sleep 0.01
strace -V >/dev/null
nc -l -p 7777 >/dev/null &
i=0
until echo hi | nc 127.0.0.1 7777; do
	i=$((i+1)); [ $i -lt 200 ] || exit 9
	sleep 0.05
done
wait`

// straceMaxReport caps the t.Errorf lines of each part of the comparison.
const straceMaxReport = 30

func TestMatchesStrace(t *testing.T) {
	requireEnv(t)
	if _, err := dockerCmd(t, "image", "inspect", "--format", "{{.Id}}", straceImage); err != nil {
		t.Fatalf("test image %s missing: run test/setup.sh (%v)", straceImage, err)
	}
	outDir := t.TempDir()
	if err := os.Chmod(outDir, 0o777); err != nil {
		t.Fatal(err)
	}

	c := startCtrace(t)
	name := containerName(t)
	id := runStraceContainer(t, name, outDir)
	code := waitContainerExit(t, name, dockerDeadline)
	straceOut, readErr := os.ReadFile(filepath.Join(outDir, "strace.txt"))
	if code != 0 || readErr != nil {
		logs, _ := dockerCmd(t, "logs", name)
		t.Fatalf("container %s exited with %d (want 0), strace output: %v\n--- docker logs ---\n%s\n--- strace.txt (last lines) ---\n%s",
			name, code, readErr, clip(logs, 2000), strings.Join(tail(strings.Split(string(straceOut), "\n"), 30), "\n"))
	}

	// SIGINT makes ctrace drain the kernel buffer: after Stop every event of
	// the (exited) container has been printed.
	res := c.Stop(t)
	if res.Lost != 0 {
		t.Errorf("ctrace reports %d lost events (summary %q): mismatches below may come from that", res.Lost, res.Summary)
	}

	var all []Event
	for _, e := range c.Events() {
		if e.Container.ID == id {
			all = append(all, e)
		}
	}
	defer func() {
		if t.Failed() {
			keepArtifacts(t, straceOut, all)
		}
	}()
	t.Logf("ctrace: %d events of container %s", len(all), id[:12])
	compareWithStrace(t, straceOut, all)
}

// compareWithStrace is the whole comparison of strace's output with ctrace's
// events of the container strace ran in.
func compareWithStrace(t *testing.T, straceOut []byte, all []Event) {
	st := parseStrace(string(straceOut))
	for _, p := range head(st.problems, straceMaxReport) {
		t.Errorf("strace output: %s", p)
	}
	if len(st.calls) == 0 {
		t.Fatalf("no syscalls parsed from strace's output (%d bytes)", len(straceOut))
	}
	root, err := st.root()
	if err != nil {
		t.Fatalf("strace output: %v", err)
	}
	sel := selectTraceeEvents(all, st.tids, root)
	t.Logf("strace: %d calls by %d tracee threads (root %d), %d signal/exit lines; ctrace: %d tracee syscall events",
		len(st.calls), len(st.tids), root, st.nonCalls, len(sel.events))
	t.Logf("strace process(es) (excluded): pids %v; %d events of the root tracee before its execve (strace's child) dropped; %d other non-tracee events excluded",
		sel.stracePIDs, sel.preExec, sel.others)
	if sel.rootPPID != 0 && !slices.Contains(sel.stracePIDs, sel.rootPPID) {
		t.Errorf("root tracee %d has ppid %d in ctrace, which is not one of the strace processes %v", root, sel.rootPPID, sel.stracePIDs)
	}
	if !sel.rootExec {
		t.Errorf("ctrace reported no execve by the root tracee %d (strace line %d: %s)", root, st.calls[0].Line, clip(st.calls[0].Text, 300))
	}

	t.Run("syscall_counts", func(t *testing.T) { compareCounts(t, st, sel.events) })
	t.Run("args", func(t *testing.T) {
		for _, sc := range argCheckers {
			t.Run(sc.name, func(t *testing.T) { compareArgs(t, sc, st, sel.events) })
		}
	})
	t.Run("planned_json_format", func(t *testing.T) { checkPlannedFormat(t, sel.events) })
}

// runStraceContainer starts the workload under strace in a fresh container
// and returns its id. --pid host: strace prints pids of its own pid namespace
// and ctrace host pids; in the host namespace they are the same numbers, so
// strace's lines and ctrace's events can be matched by pid without a mapping.
// --network none still has a loopback interface, all the workload needs.
func runStraceContainer(t *testing.T, name, outDir string) string {
	t.Helper()
	args := []string{"run", "-d", "--pull=never", "--pid", "host", "--network", "none", "--name", name,
		"-v", outDir + ":/out", straceImage,
		"strace", "-f", "-qq", "-o", "/out/strace.txt", "-s", "4096", "sh", "-c", straceWorkload}
	return startContainer(t, name, args, "(strace -f of the workload)")
}

// keepArtifacts copies strace's output and ctrace's events of the container
// somewhere that outlives the test, for a failed run.
func keepArtifacts(t *testing.T, straceOut []byte, evs []Event) {
	dir, err := os.MkdirTemp("", "ctrace-strace-")
	if err != nil {
		t.Logf("keeping artifacts: %v", err)
		return
	}
	var b strings.Builder
	for _, e := range evs {
		b.WriteString(e.Raw + "\n")
	}
	err1 := os.WriteFile(filepath.Join(dir, "strace.txt"), straceOut, 0o644)
	err2 := os.WriteFile(filepath.Join(dir, "ctrace.jsonl"), []byte(b.String()), 0o644)
	if err1 != nil || err2 != nil {
		t.Logf("keeping artifacts: %v %v", err1, err2)
		return
	}
	t.Logf("kept strace.txt and ctrace.jsonl (this container's events) in %s", dir)
}

// ---------------------------------------------------------------------------
// strace's output

// straceCall is one syscall of strace's output, its <unfinished ...> and
// <... resumed> halves merged.
type straceCall struct {
	Line   int      // line of the call's (first half's) text
	TID    int64    // strace -f prints the thread id
	Name   string   // syscall name
	Args   []string // top-level arguments, strace text
	Ret    string   // text after " = "
	RetVal int64    // kernel return value (-errno on failure); valid when HasRet
	HasRet bool     // false for "= ?" (no return: exit_group, a thread that died)
	Errno  string   // "ENOENT" for "= -1 ENOENT (...)", "ERESTARTSYS" for "= ? ERESTARTSYS (...)"
	Text   string   // the merged call text
}

type straceOutput struct {
	calls    []straceCall
	tids     map[int64]bool // every tid with a line: the tracee set
	nonCalls int            // "--- SIG... ---" and "+++ exited ... +++" lines
	problems []string
}

var (
	straceLineRe    = regexp.MustCompile(`^(\d+)\s+(.*)$`)
	straceResumedRe = regexp.MustCompile(`^<\.\.\. ([A-Za-z0-9_]+) resumed>\s?(.*)$`)
	straceNameRe    = regexp.MustCompile(`^([A-Za-z0-9_]+)\(`)
)

// parseStrace reads the output of `strace -f -o FILE` (one "TID call" per line).
//
// Not syscalls (skipped): "--- SIGCHLD {...} ---" (signal delivery) and
// "+++ exited with 0 +++" / "+++ killed by ... +++" (thread exit) lines.
// Under -f a call interrupted by another thread's line is printed as
// "name(args <unfinished ...>" and later "<... name resumed>rest": the two
// halves are joined into one call, at the first half's line.
func parseStrace(out string) *straceOutput {
	so := &straceOutput{tids: map[int64]bool{}}
	type pendingCall struct {
		line int
		text string
	}
	pending := map[int64]pendingCall{}
	for i, l := range strings.Split(out, "\n") {
		line := i + 1
		if strings.TrimSpace(l) == "" {
			continue
		}
		m := straceLineRe.FindStringSubmatch(l)
		if m == nil {
			so.problems = append(so.problems, fmt.Sprintf("line %d has no tid prefix: %s", line, clip(l, 200)))
			continue
		}
		tid, _ := strconv.ParseInt(m[1], 10, 64)
		body := m[2]
		so.tids[tid] = true
		switch {
		case strings.HasPrefix(body, "--- ") || strings.HasPrefix(body, "+++ "):
			so.nonCalls++
			continue
		case strings.HasPrefix(body, "<... "):
			r := straceResumedRe.FindStringSubmatch(body)
			p, ok := pending[tid]
			if r == nil || !ok {
				so.problems = append(so.problems, fmt.Sprintf("line %d resumes a call tid %d did not start: %s", line, tid, clip(l, 200)))
				continue
			}
			delete(pending, tid)
			if n := straceNameRe.FindStringSubmatch(p.text); n == nil || n[1] != r[1] {
				so.problems = append(so.problems, fmt.Sprintf("line %d resumes %s but tid %d's unfinished call (line %d) is %s", line, r[1], tid, p.line, clip(p.text, 80)))
				continue
			}
			so.addCall(p.line, tid, p.text+r[2])
		case strings.HasSuffix(body, "<unfinished ...>"):
			if p, ok := pending[tid]; ok {
				so.problems = append(so.problems, fmt.Sprintf("line %d: tid %d starts a call while its call at line %d is unfinished", line, tid, p.line))
			}
			pending[tid] = pendingCall{line, strings.TrimRight(strings.TrimSuffix(body, "<unfinished ...>"), " ")}
		default:
			so.addCall(line, tid, body)
		}
	}
	// Never resumed (the thread died inside it): a call without a return value.
	for tid, p := range pending {
		so.addCall(p.line, tid, p.text+") = ?")
	}
	sort.SliceStable(so.calls, func(i, j int) bool { return so.calls[i].Line < so.calls[j].Line })
	return so
}

func (so *straceOutput) addCall(line int, tid int64, text string) {
	c := straceCall{Line: line, TID: tid, Text: text}
	n := straceNameRe.FindStringSubmatch(text)
	if n == nil {
		so.problems = append(so.problems, fmt.Sprintf("line %d: not a syscall: %s", line, clip(text, 200)))
		return
	}
	c.Name = n[1]
	end, ok := scanTop(text, len(n[0]), ')')
	if !ok {
		so.problems = append(so.problems, fmt.Sprintf("line %d: unbalanced arguments: %s", line, clip(text, 200)))
		return
	}
	c.Args = splitTop(text[len(n[0]):end])
	rest := strings.TrimSpace(text[end+1:])
	if !strings.HasPrefix(rest, "=") {
		so.problems = append(so.problems, fmt.Sprintf("line %d: no \" = \" after the arguments: %s", line, clip(text, 200)))
		return
	}
	c.Ret = strings.TrimSpace(rest[1:])
	if err := c.parseRet(); err != nil {
		so.problems = append(so.problems, fmt.Sprintf("line %d: return value: %v: %s", line, err, clip(text, 200)))
		return
	}
	so.calls = append(so.calls, c)
}

// parseRet understands "3", "0x7f12...", "-1 ENOENT (No such file or
// directory)", "? ERESTARTSYS (To be restarted ...)", "?", and annotations
// after the value ("1 ([{fd=0, revents=POLLIN}])").
func (c *straceCall) parseRet() error {
	f := strings.Fields(c.Ret)
	if len(f) == 0 {
		return fmt.Errorf("empty")
	}
	if len(f) > 1 && errnoRe.MatchString(f[1]) {
		c.Errno = f[1]
	}
	if f[0] == "?" {
		return nil
	}
	v, ok := parseStraceInt(f[0])
	if !ok {
		return fmt.Errorf("%q is not a number", f[0])
	}
	c.RetVal, c.HasRet = v, true
	if c.Errno != "" {
		n, ok := errnoNumbers[c.Errno]
		if !ok {
			return fmt.Errorf("errno %s is not in the test's errno table (add it)", c.Errno)
		}
		c.RetVal = -n
	}
	return nil
}

var errnoRe = regexp.MustCompile(`^E[A-Z0-9_]+$`)

// root returns the tid strace started: the one tracee no traced
// clone/fork/vfork created. Its first call must be the execve.
func (so *straceOutput) root() (int64, error) {
	children := map[int64]bool{}
	for _, c := range so.calls {
		if (c.Name == "clone" || c.Name == "clone3" || c.Name == "fork" || c.Name == "vfork") && c.HasRet && c.RetVal > 0 {
			children[c.RetVal] = true
		}
	}
	var roots []int64
	for tid := range so.tids {
		if !children[tid] {
			roots = append(roots, tid)
		}
	}
	slices.Sort(roots)
	if len(roots) != 1 {
		return 0, fmt.Errorf("want exactly one tracee not created by a traced clone/fork, found %v", roots)
	}
	for _, c := range so.calls {
		if c.TID == roots[0] {
			if c.Name != "execve" {
				return 0, fmt.Errorf("root tracee %d's first call is %s, want execve (line %d)", roots[0], c.Name, c.Line)
			}
			break
		}
	}
	return roots[0], nil
}

// scanTop returns the index of the first close at nesting depth 0 at or
// after i, skipping "strings" (with \ escapes), /* comments */ and
// (), [], {} groups.
func scanTop(s string, i int, close byte) (int, bool) {
	depth := 0
	for ; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case ch == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				return 0, false
			}
			i += j + 3
		case depth == 0 && ch == close:
			return i, true
		case ch == '(' || ch == '[' || ch == '{':
			depth++
		case ch == ')' || ch == ']' || ch == '}':
			depth--
			if depth < 0 {
				return 0, false
			}
		}
	}
	return 0, false
}

// splitTop splits s at the commas of nesting depth 0 and trims the parts.
func splitTop(s string) []string {
	var parts []string
	if strings.TrimSpace(s) == "" {
		return nil
	}
	for {
		j, ok := scanTop(s, 0, ',')
		if !ok {
			return append(parts, strings.TrimSpace(s))
		}
		parts = append(parts, strings.TrimSpace(s[:j]))
		s = s[j+1:]
	}
}

// straceString decodes a quoted strace string: C escapes (\n, \t, \", \\,
// \xHH, octal \NNN); a trailing "..." means strace cut it (-s).
func straceString(raw string) (s string, truncated, ok bool) {
	if !strings.HasPrefix(raw, `"`) {
		return "", false, false
	}
	var b []byte
	i := 1
	for ; i < len(raw) && raw[i] != '"'; i++ {
		if raw[i] != '\\' {
			b = append(b, raw[i])
			continue
		}
		i++
		if i >= len(raw) {
			return "", false, false
		}
		switch e := raw[i]; e {
		case 'n':
			b = append(b, '\n')
		case 't':
			b = append(b, '\t')
		case 'r':
			b = append(b, '\r')
		case 'v':
			b = append(b, '\v')
		case 'f':
			b = append(b, '\f')
		case 'a':
			b = append(b, '\a')
		case 'b':
			b = append(b, '\b')
		case 'x':
			if i+2 >= len(raw) {
				return "", false, false
			}
			v, err := strconv.ParseUint(raw[i+1:i+3], 16, 8)
			if err != nil {
				return "", false, false
			}
			b = append(b, byte(v))
			i += 2
		case '0', '1', '2', '3', '4', '5', '6', '7':
			j := i
			for j < len(raw) && j < i+3 && raw[j] >= '0' && raw[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(raw[i:j], 8, 8)
			b = append(b, byte(v))
			i = j - 1
		default: // \\ \" \'
			b = append(b, e)
		}
	}
	if i >= len(raw) {
		return "", false, false
	}
	rest := raw[i+1:]
	switch rest {
	case "":
		return string(b), false, true
	case "...":
		return string(b), true, true
	}
	return "", false, false
}

// straceArray splits "[a, b, ...]" into its elements; a last element "..."
// (strace abbreviated the array) is dropped and reported as truncated.
func straceArray(raw string) (elems []string, truncated, ok bool) {
	if !strings.HasPrefix(raw, "[") || !strings.HasSuffix(raw, "]") {
		return nil, false, false
	}
	elems = splitTop(raw[1 : len(raw)-1])
	if n := len(elems); n > 0 && elems[n-1] == "..." {
		return elems[:n-1], true, true
	}
	return elems, false, true
}

// straceStruct splits "{k=v, k2=v2, f(x)}" into k -> v; members without a
// "k=" (strace's inet_pton(...) for sin6_addr) are keyed by their text.
func straceStruct(raw string) (map[string]string, bool) {
	if !strings.HasPrefix(raw, "{") || !strings.HasSuffix(raw, "}") {
		return nil, false
	}
	m := map[string]string{}
	for _, p := range splitTop(raw[1 : len(raw)-1]) {
		if j, ok := scanTop(p, 0, '='); ok && !strings.HasPrefix(p[j:], "==") {
			m[strings.TrimSpace(p[:j])] = strings.TrimSpace(p[j+1:])
		} else {
			m[p] = p
		}
	}
	return m, true
}

// parseInt reads decimal, 0x hex and 0-prefixed octal (strace's mode
// notation) integers, and unsigned 64-bit values (addresses) as their bits.
func parseStraceInt(s string) (int64, bool) {
	if v, err := strconv.ParseInt(s, 0, 64); err == nil {
		return v, true
	}
	if v, err := strconv.ParseUint(s, 0, 64); err == nil {
		return int64(v), true
	}
	return 0, false
}

// ---------------------------------------------------------------------------
// ctrace's events of the tracees

type traceeSelection struct {
	events     []Event // syscall events of strace's tracees, in ctrace's order
	stracePIDs []int64 // pids of the container's non-tracee "strace" processes
	rootPPID   int64
	rootExec   bool
	preExec    int // root tracee events before its execve
	others     int // other non-tracee events of the container
}

// selectTraceeEvents keeps the syscall events of strace's tracees. Excluded:
//   - runc's events (runc init becomes strace by execve, so they carry the
//     strace process's pid) and strace's own (its pid, and the pids of the
//     children it forks at start-up to probe ptrace features): none of these
//     pids ever appears in strace's output;
//   - the root tracee's events before its execve: strace forked it and it
//     ran strace's code (kill(getpid(), SIGSTOP) and the like) until strace
//     seized it; strace's output starts at the execve. Children of tracees
//     are traced from their first instruction, so nothing is dropped there.
//   - sched_process_* lifecycle events (not syscalls).
func selectTraceeEvents(all []Event, tids map[int64]bool, root int64) traceeSelection {
	var s traceeSelection
	strace := map[int64]bool{}
	for _, e := range all {
		tid := e.Process.TID
		if !tids[tid] {
			s.others++
			if e.Process.Comm == "strace" && !strace[e.Process.PID] {
				strace[e.Process.PID] = true
				s.stracePIDs = append(s.stracePIDs, e.Process.PID)
			}
			continue
		}
		if !e.Syscall {
			continue
		}
		if tid == root && !s.rootExec {
			if e.Event != "execve" {
				s.preExec++
				continue
			}
			s.rootExec = true
			s.rootPPID = e.Process.PPID
		}
		s.events = append(s.events, e)
	}
	return s
}

// ---------------------------------------------------------------------------
// (a) syscall names and counts

// countExcluded are names whose counts are not compared (they are still
// listed in the log):
//   - restart_syscall: a sleep interrupted by a signal resumes through it;
//     whether that happens depends on when the signal arrives, and strace's
//     ptrace stops can themselves interrupt sleeps and cause it.
var countExcluded = map[string]string{
	"restart_syscall": "depends on signal timing, which strace's stops change",
}

// countTolerance is how far ctrace's count of one syscall name may be from
// strace's. Both watch the very same threads, and each call is one
// sys_enter/sys_exit pair for ctrace and one entry/exit stop pair for
// strace, so the counts should be equal — and were, for every name, in 16
// runs out of 16 while this test was written. A flat ±2 or ±5% would hide a
// lost event among the ~25 openat or ~40 brk calls of the workload, so the
// only slack is one per call that strace shows in a state where the two
// mechanisms could disagree on what counts as a call, at most 2 per name:
//   - interrupted by a signal to be restarted ("= ? ERESTARTSYS (...)",
//     ERESTARTNOHAND, ERESTART_RESTARTBLOCK): the kernel re-executes it
//     (the shell's wait4 vs SIGCHLD is the usual case here);
//   - never finished: "= ?" on anything but exit/exit_group, or an
//     "<unfinished ...>" half never resumed (its thread died inside it).
func countTolerance(calls []*straceCall) int {
	n := 0
	for _, c := range calls {
		if strings.HasPrefix(c.Errno, "ERESTART") || (!c.HasRet && c.Name != "exit" && c.Name != "exit_group") {
			n++
		}
	}
	return min(2, n)
}

func compareCounts(t *testing.T, st *straceOutput, evs []Event) {
	type key struct {
		tid  int64
		name string
	}
	sCount, cCount := map[string]int{}, map[string]int{}
	sBy, cBy := map[key][]*straceCall{}, map[key][]*Event{}
	sByName := map[string][]*straceCall{}
	for i := range st.calls {
		sc := &st.calls[i]
		sCount[sc.Name]++
		sByName[sc.Name] = append(sByName[sc.Name], sc)
		sBy[key{sc.TID, sc.Name}] = append(sBy[key{sc.TID, sc.Name}], sc)
	}
	for i := range evs {
		e := &evs[i]
		cCount[e.Event]++
		cBy[key{e.Process.TID, e.Event}] = append(cBy[key{e.Process.TID, e.Event}], e)
	}
	var names []string
	for n := range sCount {
		names = append(names, n)
	}
	for n := range cCount {
		if _, ok := sCount[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	tids := slices.Sorted(maps.Keys(st.tids))

	r := newCappedReporter(t, "syscall count mismatches")
	var table strings.Builder
	fmt.Fprintf(&table, "%-20s %7s %7s\n", "syscall", "strace", "ctrace")
	for _, n := range names {
		s, k := sCount[n], cCount[n]
		mark := ""
		if s != k {
			mark = fmt.Sprintf("  (%+d)", k-s)
		}
		fmt.Fprintf(&table, "%-20s %7d %7d%s\n", n, s, k, mark)
		if why, ok := countExcluded[n]; ok {
			if s != k {
				t.Logf("not compared: %s strace %d vs ctrace %d (%s)", n, s, k, why)
			}
			continue
		}
		tol := countTolerance(sByName[n])
		if absDiff(k-s) <= tol {
			if k != s {
				t.Logf("within tolerance: %s strace %d, ctrace %d (±%d)", n, s, k, tol)
			}
			continue
		}
		switch {
		case k == 0:
			r.add("%s: strace saw %d call(s), ctrace none", n, s)
		case s == 0:
			r.add("%s: ctrace reported %d event(s) by strace's tracees, strace none", n, k)
		default:
			r.add("%s: strace %d, ctrace %d (diff %+d, tolerance ±%d)", n, s, k, k-s, tol)
		}
		// Which threads differ, and the first call without a counterpart
		// (pairing the n-th strace call of a thread with its n-th event).
		for _, tid := range tids {
			ss, cc := sBy[key{tid, n}], cBy[key{tid, n}]
			j := firstDivergence(ss, cc)
			switch {
			case len(ss) > len(cc):
				x := ss[j]
				r.add("    tid %d: strace %d, ctrace %d; first without an event: strace line %d: %s", tid, len(ss), len(cc), x.Line, clip(x.Text, 200))
			case len(cc) > len(ss):
				x := cc[j]
				r.add("    tid %d (%s): strace %d, ctrace %d; first without a strace line: %s", tid, x.Process.Comm, len(ss), len(cc), clip(eventBrief(x), 300))
			}
		}
	}
	r.flush()
	if t.Failed() {
		t.Logf("per-syscall counts:\n%s", table.String())
	} else {
		t.Logf("%d syscall names, %d calls: counts match", len(names), len(st.calls))
	}
}

// firstDivergence is where one thread's calls of one name stop lining up:
// the first position whose return values differ (both known), else the end
// of the shorter list.
func firstDivergence(ss []*straceCall, cc []*Event) int {
	n := min(len(ss), len(cc))
	for i := range n {
		if ss[i].HasRet && cc[i].Retval != nil && *cc[i].Retval != ss[i].RetVal {
			return i
		}
	}
	return n
}

// ---------------------------------------------------------------------------
// (b) arguments and return values, call by call

type argChecker struct {
	name    string
	compare func(c *fieldDiffs, sc *straceCall, ev *Event)
}

// argCheckers: the syscalls whose decoded arguments are compared.
var argCheckers = []argChecker{
	{"open", func(c *fieldDiffs, sc *straceCall, ev *Event) {
		c.str(sc, 0, ev, "filename")
		c.flags(sc, 1, ev, "flags", openFlags)
		if len(sc.Args) > 2 { // strace prints the mode only with O_CREAT / O_TMPFILE
			c.num(sc, 2, ev, "mode")
		}
	}},
	{"openat", func(c *fieldDiffs, sc *straceCall, ev *Event) {
		c.flags(sc, 0, ev, "dfd", atFlags)
		c.str(sc, 1, ev, "filename")
		c.flags(sc, 2, ev, "flags", openFlags)
		if len(sc.Args) > 3 {
			c.num(sc, 3, ev, "mode")
		}
	}},
	{"execve", func(c *fieldDiffs, sc *straceCall, ev *Event) {
		c.str(sc, 0, ev, "filename")
		c.argv(sc, 1, ev, "argv")
	}},
	{"socket", func(c *fieldDiffs, sc *straceCall, ev *Event) {
		c.flags(sc, 0, ev, "family", afNames)
		c.flags(sc, 1, ev, "type", sockTypes)
		c.flags(sc, 2, ev, "protocol", ipProtos)
	}},
	{"connect", func(c *fieldDiffs, sc *straceCall, ev *Event) {
		c.num(sc, 0, ev, "fd")
		c.sockaddr(sc, 1, ev, "uservaddr", "addr")
		c.num(sc, 2, ev, "addrlen")
	}},
	{"bind", func(c *fieldDiffs, sc *straceCall, ev *Event) {
		c.num(sc, 0, ev, "fd")
		c.sockaddr(sc, 1, ev, "umyaddr", "addr")
		c.num(sc, 2, ev, "addrlen")
	}},
	{"mmap", func(c *fieldDiffs, sc *straceCall, ev *Event) {
		c.num(sc, 0, ev, "addr")
		c.num(sc, 1, ev, "len")
		c.flags(sc, 2, ev, "prot", protFlags)
		c.flags(sc, 3, ev, "flags", mapFlags)
		c.num(sc, 4, ev, "fd")
		c.num(sc, 5, ev, "off", "offset", "pgoff")
	}},
}

func compareArgs(t *testing.T, ac argChecker, st *straceOutput, evs []Event) {
	sBy := map[int64][]*straceCall{}
	cBy := map[int64][]*Event{}
	var tids []int64
	for i := range st.calls {
		if sc := &st.calls[i]; sc.Name == ac.name {
			if _, ok := sBy[sc.TID]; !ok {
				tids = append(tids, sc.TID)
			}
			sBy[sc.TID] = append(sBy[sc.TID], sc)
		}
	}
	for i := range evs {
		if e := &evs[i]; e.Event == ac.name {
			if _, ok := sBy[e.Process.TID]; !ok {
				if _, ok := cBy[e.Process.TID]; !ok {
					tids = append(tids, e.Process.TID)
				}
			}
			cBy[e.Process.TID] = append(cBy[e.Process.TID], e)
		}
	}
	if len(tids) == 0 {
		t.Logf("the workload made no %s calls", ac.name)
		return
	}
	diffs := func(sc *straceCall, ev *Event) []string {
		c := &fieldDiffs{}
		ac.compare(c, sc, ev)
		c.ret(sc, ev)
		return c.diffs
	}
	r := newCappedReporter(t, ac.name+" mismatches")
	pairs, bad := 0, 0
	for _, tid := range tids {
		// Pair the thread's calls in order. When a pair differs but the next
		// strace call (or ctrace event) matches exactly, the other side is
		// missing one: report that and re-synchronise instead of reporting
		// every later pair as different.
		ss, cc := sBy[tid], cBy[tid]
		for i, j := 0, 0; i < len(ss) || j < len(cc); {
			switch {
			case j >= len(cc):
				r.add("%s #%d of tid %d: no ctrace event for strace line %d: %s", ac.name, i+1, tid, ss[i].Line, clip(ss[i].Text, 300))
				bad++
				i++
				continue
			case i >= len(ss):
				r.add("%s of tid %d: ctrace event without a strace call: %s", ac.name, tid, clip(eventBrief(cc[j]), 300))
				bad++
				j++
				continue
			}
			d := diffs(ss[i], cc[j])
			if len(d) > 0 {
				if i+1 < len(ss) && len(diffs(ss[i+1], cc[j])) == 0 {
					r.add("%s #%d of tid %d: no ctrace event for strace line %d: %s", ac.name, i+1, tid, ss[i].Line, clip(ss[i].Text, 300))
					bad++
					i++
					continue
				}
				if j+1 < len(cc) && len(diffs(ss[i], cc[j+1])) == 0 {
					r.add("%s of tid %d: ctrace event without a strace call (before the one for strace line %d): %s",
						ac.name, tid, ss[i].Line, clip(eventBrief(cc[j]), 300))
					bad++
					j++
					continue
				}
				bad++
				r.add("%s #%d of tid %d (%s): %s\n        strace line %d: %s\n        ctrace: %s", ac.name, i+1, tid, cc[j].Process.Comm,
					strings.Join(d, "; "), ss[i].Line, clip(ss[i].Text, 300), clip(eventBrief(cc[j]), 300))
			}
			pairs++
			i++
			j++
		}
	}
	r.flush()
	t.Logf("%s: %d strace/ctrace pairs compared, %d differences", ac.name, pairs, bad)
}

// fieldDiffs collects the differing fields of one strace call / ctrace event pair.
type fieldDiffs struct{ diffs []string }

func (c *fieldDiffs) diff(format string, a ...any) {
	c.diffs = append(c.diffs, fmt.Sprintf(format, a...))
}

func straceEventArg(ev *Event, names ...string) (any, string, bool) {
	for _, n := range names {
		if v, ok := ev.Args[n]; ok {
			return v, n, true
		}
	}
	return nil, names[0], false
}

func (c *fieldDiffs) straceArg(sc *straceCall, i int, field string) (string, bool) {
	if i >= len(sc.Args) {
		c.diff("%s: strace printed only %d arguments", field, len(sc.Args))
		return "", false
	}
	return sc.Args[i], true
}

// str compares a string argument. When ctrace marks it truncated, its value
// must be a prefix of strace's.
func (c *fieldDiffs) str(sc *straceCall, i int, ev *Event, names ...string) {
	raw, ok := c.straceArg(sc, i, names[0])
	if !ok {
		return
	}
	want, strTrunc, ok := straceString(raw)
	if !ok {
		c.diff("%s: strace value %s is not a string", names[0], clip(raw, 80))
		return
	}
	v, field, ok := straceEventArg(ev, names...)
	if !ok {
		c.diff("%s: missing in ctrace", field)
		return
	}
	got, ok := v.(string)
	switch {
	case !ok:
		c.diff("%s: strace %s, ctrace %s (not a string)", field, clip(raw, 80), asJSONText(v))
	case got == want:
	case isTruncated(ev, field) && strings.HasPrefix(want, got): // ctrace cut it
	case strTrunc && strings.HasPrefix(got, want): // strace cut it (-s)
	default:
		c.diff("%s: strace %q, ctrace %q", field, clip(want, 200), clip(got, 200))
	}
}

// argv compares execve's argument vector element by element.
func (c *fieldDiffs) argv(sc *straceCall, i int, ev *Event, field string) {
	raw, ok := c.straceArg(sc, i, field)
	if !ok {
		return
	}
	elems, arrTrunc, ok := straceArray(raw)
	if !ok {
		c.diff("%s: strace value %s is not an array", field, clip(raw, 80))
		return
	}
	var want []string
	var wantCut []bool // strace cut this element (-s)
	for _, e := range elems {
		s, cut, ok := straceString(e)
		if !ok {
			c.diff("%s: strace element %s is not a string", field, clip(e, 80))
			return
		}
		want = append(want, s)
		wantCut = append(wantCut, cut)
	}
	v, _, ok := straceEventArg(ev, field)
	if !ok {
		c.diff("%s: missing in ctrace", field)
		return
	}
	list, ok := v.([]any)
	if !ok {
		c.diff("%s: ctrace value %s is not an array", field, asJSONText(v))
		return
	}
	// ctrace keeps a limited number of elements of limited size and says so
	// in "truncated"; strace abbreviates with "...". Either may be shorter.
	cut := isTruncated(ev, field)
	if len(list) != len(want) && !(cut && len(list) < len(want)) && !(arrTrunc && len(list) > len(want)) {
		c.diff("%s: strace %d elements %q, ctrace %d elements %s", field, len(want), want, len(list), clip(asJSONText(list), 300))
		return
	}
	for j := range min(len(list), len(want)) {
		s, ok := list[j].(string)
		if !ok || (s != want[j] && !(cut && strings.HasPrefix(want[j], s)) && !(wantCut[j] && strings.HasPrefix(s, want[j]))) {
			c.diff("%s[%d]: strace %q, ctrace %s", field, j, clip(want[j], 200), clip(asJSONText(list[j]), 200))
		}
	}
}

// num compares an integer argument: strace's number (decimal, hex, octal
// mode, NULL) with ctrace's number or numeric string.
func (c *fieldDiffs) num(sc *straceCall, i int, ev *Event, names ...string) {
	c.flags(sc, i, ev, names[0], nil, names[1:]...)
}

// flags compares an integer or flag argument by value: strace's symbolic
// expression ("O_RDONLY|O_CLOEXEC", "AT_FDCWD", "0666", "NULL") is evaluated
// with tab; ctrace's value may be a number (the format before symbolic
// decoding) or a string in strace notation, evaluated the same way. Only if
// a side has a symbol the table lacks are the "|" parts compared as sets.
func (c *fieldDiffs) flags(sc *straceCall, i int, ev *Event, field string, tab straceSymtab, alt ...string) {
	raw, ok := c.straceArg(sc, i, field)
	if !ok {
		return
	}
	v, name, ok := straceEventArg(ev, append([]string{field}, alt...)...)
	if !ok {
		c.diff("%s: missing in ctrace (strace %s)", field, raw)
		return
	}
	want, wErr := tab.eval(raw)
	var got int64
	var gErr error
	gotText := ""
	switch x := v.(type) {
	case json.Number:
		gotText = x.String()
		n, ok := parseStraceInt(x.String())
		if !ok {
			gErr = fmt.Errorf("%s is not an integer", x)
		}
		got = n
	case string:
		gotText = strconv.Quote(x)
		got, gErr = tab.eval(x)
	default:
		c.diff("%s: strace %s, ctrace %s (neither a number nor a string)", name, raw, asJSONText(v))
		return
	}
	if wErr == nil && gErr == nil {
		if want != got {
			c.diff("%s: strace %s (%s), ctrace %s (%s)", name, raw, hexOrDec(want), gotText, hexOrDec(got))
		}
		return
	}
	// A symbol a table lacks: compare the notation itself.
	if s, ok := v.(string); ok && sameFlagSet(raw, s) {
		return
	}
	c.diff("%s: strace %s, ctrace %s (cannot compare by value: %v)", name, raw, gotText, firstNonNil(wErr, gErr))
}

// sockaddr compares a struct sockaddr: family, then address and port
// (AF_INET, AF_INET6) or path (AF_UNIX).
func (c *fieldDiffs) sockaddr(sc *straceCall, i int, ev *Event, names ...string) {
	raw, ok := c.straceArg(sc, i, names[0])
	if !ok {
		return
	}
	m, ok := straceStruct(raw)
	if !ok {
		c.diff("%s: strace value %s is not a struct", names[0], clip(raw, 120))
		return
	}
	v, field, ok := straceEventArg(ev, names...)
	if !ok {
		c.diff("%s: missing in ctrace (strace %s)", field, raw)
		return
	}
	obj, ok := v.(map[string]any)
	if !ok || len(obj) == 0 {
		c.diff("%s: strace %s, ctrace %s (no decoded sockaddr)", field, raw, asJSONText(v))
		return
	}
	fam, _ := obj["family"].(string)
	wantFam, err1 := afNames.eval(m["sa_family"])
	gotFam, err2 := afNames.eval(fam)
	if err1 != nil || err2 != nil || wantFam != gotFam {
		c.diff("%s.family: strace %s, ctrace %s", field, m["sa_family"], asJSONText(obj["family"]))
		return
	}
	switch m["sa_family"] {
	case "AF_INET", "AF_INET6":
		var wantAddr, wantPort string
		if m["sa_family"] == "AF_INET" {
			wantAddr, wantPort = unwrapCall(m["sin_addr"], "inet_addr"), unwrapCall(m["sin_port"], "htons")
		} else {
			wantPort = unwrapCall(m["sin6_port"], "htons")
			for k := range m {
				if mm := inetPtonRe.FindStringSubmatch(k); mm != nil {
					wantAddr = `"` + mm[1] + `"`
				}
			}
		}
		wa, _, _ := straceString(wantAddr)
		w, err := netip.ParseAddr(wa)
		ga, _ := obj["addr"].(string)
		g, err2 := netip.ParseAddr(ga)
		if err != nil || err2 != nil || w != g {
			c.diff("%s.addr: strace %s, ctrace %s", field, wantAddr, asJSONText(obj["addr"]))
		}
		gp := fmt.Sprint(obj["port"])
		if gp != wantPort {
			c.diff("%s.port: strace htons(%s), ctrace %s", field, wantPort, asJSONText(obj["port"]))
		}
	case "AF_UNIX":
		p := m["sun_path"]
		abstract := strings.HasPrefix(p, "@")
		want, _, ok := straceString(strings.TrimPrefix(p, "@"))
		if abstract {
			want = "@" + want
		}
		if got, _ := obj["path"].(string); !ok || got != want {
			c.diff("%s.path: strace %s, ctrace %s", field, p, asJSONText(obj["path"]))
		}
	}
}

var inetPtonRe = regexp.MustCompile(`^inet_pton\(AF_INET6,\s*"([^"]*)",`)

// unwrapCall turns strace's `htons(7777)` into `7777`.
func unwrapCall(s, fn string) string {
	if strings.HasPrefix(s, fn+"(") && strings.HasSuffix(s, ")") {
		return s[len(fn)+1 : len(s)-1]
	}
	return s
}

// ret compares the return value, and on failure the errno name when ctrace
// prints one ("error").
func (c *fieldDiffs) ret(sc *straceCall, ev *Event) {
	if !sc.HasRet {
		return // "= ?": no return value to compare
	}
	if ev.Retval == nil {
		c.diff("retval: strace %s, ctrace none", sc.Ret)
		return
	}
	if *ev.Retval != sc.RetVal {
		c.diff("retval: strace %s (%d), ctrace %d", leadingWords(sc.Ret, 2), sc.RetVal, *ev.Retval)
	}
	if sc.Errno == "" {
		return
	}
	if e, ok := eventExtra(ev)["error"]; ok {
		var name string
		if json.Unmarshal(e, &name) != nil || name != sc.Errno {
			c.diff("error: strace %s, ctrace %s", sc.Errno, string(e))
		}
	}
}

// ---------------------------------------------------------------------------
// (c) the planned JSON notation

// checkPlannedFormat checks, on the events whose arguments part (b)
// compares, the notation being introduced: flag/enum parameters as strings in
// strace notation, file descriptors as numbers, an "error" name on failed
// calls. Values are part (b)'s business; this only reports the notation,
// one line per (event, field, problem) with a count and an example.
func checkPlannedFormat(t *testing.T, evs []Event) {
	type prob struct{ event, field, what string }
	count := map[prob]int{}
	example := map[prob]string{}
	var order []prob
	note := func(p prob, ex string) {
		if count[p] == 0 {
			order = append(order, p)
			example[p] = ex
		}
		count[p]++
	}
	symbolic := map[string][]string{
		"open": {"flags"}, "openat": {"flags"}, "mmap": {"prot", "flags"},
		"socket": {"family", "type", "protocol"},
	}
	numeric := map[string][]string{
		"openat": {"dfd"}, "connect": {"fd", "addrlen"}, "bind": {"fd", "addrlen"}, "mmap": {"fd"},
	}
	checked := 0
	for i := range evs {
		e := &evs[i]
		sym, num := symbolic[e.Event], numeric[e.Event]
		if sym == nil && num == nil && e.Event != "execve" && e.Event != "connect" && e.Event != "bind" {
			continue
		}
		checked++
		for _, f := range sym {
			if v, ok := e.Args[f]; ok {
				if _, isStr := v.(string); !isStr {
					note(prob{e.Event, f, "is not a string in strace notation"}, asJSONText(v))
				}
			}
		}
		for _, f := range num {
			if v, ok := e.Args[f]; ok {
				if _, isNum := v.(json.Number); !isNum {
					note(prob{e.Event, f, "is not a number"}, asJSONText(v))
				}
			}
		}
		if e.Retval != nil && *e.Retval < 0 && *e.Retval > -4096 {
			raw, ok := eventExtra(e)["error"]
			var s string
			if !ok || json.Unmarshal(raw, &s) != nil || !errnoRe.MatchString(s) {
				note(prob{e.Event, "error", "missing or not an errno name on a failed call"}, fmt.Sprintf("retval %d, error %s", *e.Retval, rawOrNone(raw)))
			}
		}
	}
	r := newCappedReporter(t, "notation problems")
	for _, p := range order {
		r.add("%s.%s %s: %d event(s), e.g. %s", p.event, p.field, p.what, count[p], clip(example[p], 120))
	}
	r.flush()
	t.Logf("%d events checked for the planned notation", checked)
}

// ---------------------------------------------------------------------------
// Symbol tables: strace's names for the values of the compared parameters
// (x86_64 and arm64 values come from package syscall where it has them).

type straceSymtab map[string]int64

// eval computes "A|B|0x40|0644" (also "NULL", "-1", "AT_FDCWD"). A nil table
// accepts numbers only.
func (tab straceSymtab) eval(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty value")
	}
	if s == "NULL" {
		return 0, nil
	}
	var v int64
	for _, tok := range strings.Split(s, "|") {
		tok = strings.TrimSpace(tok)
		if n, ok := parseStraceInt(tok); ok {
			v |= n
			continue
		}
		n, ok := tab[tok]
		if !ok {
			return 0, fmt.Errorf("the test has no value for %q (add it to its symbol table)", tok)
		}
		v |= n
	}
	return v, nil
}

func sameFlagSet(a, b string) bool {
	set := func(s string) []string {
		p := strings.Split(s, "|")
		for i := range p {
			p[i] = strings.TrimSpace(p[i])
		}
		slices.Sort(p)
		return p
	}
	return slices.Equal(set(a), set(b))
}

var atFlags = straceSymtab{"AT_FDCWD": -100}

var openFlags = func() straceSymtab {
	t := straceSymtab{
		"O_RDONLY": syscall.O_RDONLY, "O_WRONLY": syscall.O_WRONLY, "O_RDWR": syscall.O_RDWR,
		"O_CREAT": syscall.O_CREAT, "O_EXCL": syscall.O_EXCL, "O_NOCTTY": syscall.O_NOCTTY,
		"O_TRUNC": syscall.O_TRUNC, "O_APPEND": syscall.O_APPEND, "O_NONBLOCK": syscall.O_NONBLOCK,
		"O_NDELAY": syscall.O_NDELAY, "O_DSYNC": syscall.O_DSYNC, "O_ASYNC": syscall.O_ASYNC,
		"O_DIRECT": syscall.O_DIRECT, "O_DIRECTORY": syscall.O_DIRECTORY, "O_NOFOLLOW": syscall.O_NOFOLLOW,
		"O_NOATIME": syscall.O_NOATIME, "O_CLOEXEC": syscall.O_CLOEXEC, "O_SYNC": syscall.O_SYNC,
		"O_RSYNC": syscall.O_RSYNC, "O_PATH": 0o10000000,
		"O_TMPFILE": 0o20000000 | syscall.O_DIRECTORY,
	}
	// Go's O_LARGEFILE is 0 on 64-bit; strace names the kernel's bit.
	switch runtime.GOARCH {
	case "amd64":
		t["O_LARGEFILE"] = 0o100000
	case "arm64":
		t["O_LARGEFILE"] = 0o400000
	}
	return t
}()

var protFlags = straceSymtab{
	"PROT_NONE": syscall.PROT_NONE, "PROT_READ": syscall.PROT_READ, "PROT_WRITE": syscall.PROT_WRITE,
	"PROT_EXEC": syscall.PROT_EXEC, "PROT_GROWSDOWN": syscall.PROT_GROWSDOWN, "PROT_GROWSUP": syscall.PROT_GROWSUP,
	"PROT_SEM": 0x8, "PROT_BTI": 0x10, "PROT_MTE": 0x20,
}

var mapFlags = straceSymtab{
	"MAP_SHARED": syscall.MAP_SHARED, "MAP_PRIVATE": syscall.MAP_PRIVATE, "MAP_SHARED_VALIDATE": 0x3,
	"MAP_FIXED": syscall.MAP_FIXED, "MAP_ANONYMOUS": syscall.MAP_ANONYMOUS, "MAP_ANON": syscall.MAP_ANONYMOUS,
	"MAP_32BIT": 0x40, "MAP_GROWSDOWN": syscall.MAP_GROWSDOWN, "MAP_DENYWRITE": syscall.MAP_DENYWRITE,
	"MAP_EXECUTABLE": syscall.MAP_EXECUTABLE, "MAP_LOCKED": syscall.MAP_LOCKED, "MAP_NORESERVE": syscall.MAP_NORESERVE,
	"MAP_POPULATE": syscall.MAP_POPULATE, "MAP_NONBLOCK": syscall.MAP_NONBLOCK, "MAP_STACK": syscall.MAP_STACK,
	"MAP_HUGETLB": syscall.MAP_HUGETLB, "MAP_SYNC": 0x80000, "MAP_FIXED_NOREPLACE": 0x100000,
	"MAP_UNINITIALIZED": 0x4000000,
}

var afNames = straceSymtab{
	"AF_UNSPEC": syscall.AF_UNSPEC, "AF_UNIX": syscall.AF_UNIX, "AF_LOCAL": syscall.AF_LOCAL,
	"AF_INET": syscall.AF_INET, "AF_INET6": syscall.AF_INET6, "AF_NETLINK": syscall.AF_NETLINK,
	"AF_PACKET": syscall.AF_PACKET,
}

var sockTypes = straceSymtab{
	"SOCK_STREAM": syscall.SOCK_STREAM, "SOCK_DGRAM": syscall.SOCK_DGRAM, "SOCK_RAW": syscall.SOCK_RAW,
	"SOCK_RDM": syscall.SOCK_RDM, "SOCK_SEQPACKET": syscall.SOCK_SEQPACKET, "SOCK_PACKET": syscall.SOCK_PACKET,
	"SOCK_CLOEXEC": syscall.SOCK_CLOEXEC, "SOCK_NONBLOCK": syscall.SOCK_NONBLOCK,
}

var ipProtos = straceSymtab{
	"IPPROTO_IP": syscall.IPPROTO_IP, "IPPROTO_ICMP": syscall.IPPROTO_ICMP, "IPPROTO_TCP": syscall.IPPROTO_TCP,
	"IPPROTO_UDP": syscall.IPPROTO_UDP, "IPPROTO_IPV6": syscall.IPPROTO_IPV6, "IPPROTO_ICMPV6": syscall.IPPROTO_ICMPV6,
	"IPPROTO_RAW": syscall.IPPROTO_RAW, "IPPROTO_SCTP": syscall.IPPROTO_SCTP, "NETLINK_ROUTE": 0,
}

// errnoNumbers: errno names strace prints, to their values. The ERESTART*
// codes are kernel-internal (a call a signal interrupted, to be restarted).
var errnoNumbers = func() map[string]int64 {
	m := map[string]int64{
		"ERESTARTSYS": 512, "ERESTARTNOINTR": 513, "ERESTARTNOHAND": 514, "ERESTART_RESTARTBLOCK": 516,
	}
	for name, e := range map[string]syscall.Errno{
		"EPERM": syscall.EPERM, "ENOENT": syscall.ENOENT, "ESRCH": syscall.ESRCH, "EINTR": syscall.EINTR,
		"EIO": syscall.EIO, "ENXIO": syscall.ENXIO, "E2BIG": syscall.E2BIG, "ENOEXEC": syscall.ENOEXEC,
		"EBADF": syscall.EBADF, "ECHILD": syscall.ECHILD, "EAGAIN": syscall.EAGAIN, "ENOMEM": syscall.ENOMEM,
		"EACCES": syscall.EACCES, "EFAULT": syscall.EFAULT, "EBUSY": syscall.EBUSY, "EEXIST": syscall.EEXIST,
		"EXDEV": syscall.EXDEV, "ENODEV": syscall.ENODEV, "ENOTDIR": syscall.ENOTDIR, "EISDIR": syscall.EISDIR,
		"EINVAL": syscall.EINVAL, "ENFILE": syscall.ENFILE, "EMFILE": syscall.EMFILE, "ENOTTY": syscall.ENOTTY,
		"ETXTBSY": syscall.ETXTBSY, "EFBIG": syscall.EFBIG, "ENOSPC": syscall.ENOSPC, "ESPIPE": syscall.ESPIPE,
		"EROFS": syscall.EROFS, "EMLINK": syscall.EMLINK, "EPIPE": syscall.EPIPE, "ERANGE": syscall.ERANGE,
		"EDEADLK": syscall.EDEADLK, "ENAMETOOLONG": syscall.ENAMETOOLONG, "ENOSYS": syscall.ENOSYS,
		"ENOTEMPTY": syscall.ENOTEMPTY, "ELOOP": syscall.ELOOP, "ENODATA": syscall.ENODATA,
		"ENOTSOCK": syscall.ENOTSOCK, "EDESTADDRREQ": syscall.EDESTADDRREQ, "EPROTOTYPE": syscall.EPROTOTYPE,
		"ENOPROTOOPT": syscall.ENOPROTOOPT, "EPROTONOSUPPORT": syscall.EPROTONOSUPPORT,
		"EOPNOTSUPP": syscall.EOPNOTSUPP, "EAFNOSUPPORT": syscall.EAFNOSUPPORT, "EADDRINUSE": syscall.EADDRINUSE,
		"EADDRNOTAVAIL": syscall.EADDRNOTAVAIL, "ENETDOWN": syscall.ENETDOWN, "ENETUNREACH": syscall.ENETUNREACH,
		"ECONNABORTED": syscall.ECONNABORTED, "ECONNRESET": syscall.ECONNRESET, "EISCONN": syscall.EISCONN,
		"ENOTCONN": syscall.ENOTCONN, "ETIMEDOUT": syscall.ETIMEDOUT, "ECONNREFUSED": syscall.ECONNREFUSED,
		"EHOSTUNREACH": syscall.EHOSTUNREACH, "EALREADY": syscall.EALREADY, "EINPROGRESS": syscall.EINPROGRESS,
		"EOVERFLOW": syscall.EOVERFLOW, "ENOTSUP": syscall.ENOTSUP, "ENOMSG": syscall.ENOMSG,
	} {
		m[name] = int64(e)
	}
	return m
}()

// ---------------------------------------------------------------------------
// Small helpers

// cappedReporter caps the t.Errorf lines of one part of the comparison.
type cappedReporter struct {
	t     *testing.T
	what  string
	n     int
	extra int
}

func newCappedReporter(t *testing.T, what string) *cappedReporter {
	return &cappedReporter{t: t, what: what}
}

func (r *cappedReporter) add(format string, a ...any) {
	r.t.Helper()
	if r.n < straceMaxReport {
		r.t.Errorf(format, a...)
	} else {
		r.extra++
	}
	r.n++
}

func (r *cappedReporter) flush() {
	r.t.Helper()
	if r.extra > 0 {
		r.t.Errorf("... and %d more %s (not shown)", r.extra, r.what)
	}
}

// eventExtra returns the event's top-level fields the Event type does not
// decode ("error", "truncated", ...).
func eventExtra(e *Event) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	_ = json.Unmarshal([]byte(e.Raw), &m)
	return m
}

func isTruncated(e *Event, field string) bool {
	var list []string
	if raw, ok := eventExtra(e)["truncated"]; ok && json.Unmarshal(raw, &list) == nil {
		return slices.Contains(list, field)
	}
	return false
}

// eventBrief is the part of an event that matters here.
func eventBrief(e *Event) string {
	args, _ := json.Marshal(e.Args)
	s := fmt.Sprintf("%s tid=%d comm=%s args=%s", e.Event, e.Process.TID, e.Process.Comm, args)
	if e.Retval != nil {
		s += fmt.Sprintf(" retval=%d", *e.Retval)
	}
	if raw, ok := eventExtra(e)["error"]; ok {
		s += " error=" + string(raw)
	}
	return s
}

func asJSONText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func hexOrDec(v int64) string {
	if v < 0 || v < 10 {
		return strconv.FormatInt(v, 10)
	}
	return "0x" + strconv.FormatUint(uint64(v), 16)
}

func firstNonNil(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func leadingWords(s string, n int) string {
	f := strings.Fields(s)
	return strings.Join(f[:min(n, len(f))], " ")
}

func rawOrNone(raw json.RawMessage) string {
	if raw == nil {
		return "none"
	}
	return string(raw)
}

func absDiff(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
