package syscalls

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// Tests against the running kernel. They only make sense on x86_64, where
// the kernel's syscall table is the one in tables/x86_64.tsv.

const tracefsMount = "/sys/kernel/tracing"

// syscallEvents returns the tracefs events/syscalls directory, mounting
// tracefs first if needed (which needs root).
func syscallEvents(t *testing.T) string {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skipf("running-kernel checks cover x86_64 only (GOARCH=%s)", runtime.GOARCH)
	}
	dir := filepath.Join(tracefsMount, "events", "syscalls")
	if _, err := os.Stat(filepath.Join(dir, "sys_enter_openat")); err == nil {
		return dir
	}
	if os.Geteuid() != 0 {
		t.Skip("tracefs syscall events not readable and not root (cannot mount tracefs)")
	}
	if _, err := os.Stat(filepath.Join(tracefsMount, "events")); errors.Is(err, os.ErrNotExist) {
		err := syscall.Mount("nodev", tracefsMount, "tracefs", 0, "")
		if errors.Is(err, syscall.ENODEV) || errors.Is(err, syscall.ENOENT) {
			t.Skipf("kernel has no tracefs: mount -t tracefs nodev %s: %v", tracefsMount, err)
		}
		if err != nil {
			t.Fatalf("mount -t tracefs nodev %s: %v", tracefsMount, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "sys_enter_openat")); err != nil {
		t.Skipf("kernel has no syscall trace events (CONFIG_FTRACE_SYSCALLS?): %v", err)
	}
	return dir
}

// kernelFormats reads every sys_enter_*/format, keyed by SYSCALL_DEFINE name.
func kernelFormats(t *testing.T, dir string) map[string]string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "sys_enter_*", "format"))
	if err != nil || len(matches) == 0 {
		t.Fatalf("no sys_enter_*/format under %s: %v", dir, err)
	}
	m := map[string]string{}
	for _, p := range matches {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		params, err := formatParams(string(data))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		m[strings.TrimPrefix(filepath.Base(filepath.Dir(p)), "sys_enter_")] = params
	}
	return m
}

// formatParams returns the parameters of a tracefs format file as
// "ctype name;ctype name": the fields after __syscall_nr, skipping
// __data_loc fields (copied user memory, not parameters).
func formatParams(format string) (string, error) {
	var parts []string
	seenNr := false
	for _, l := range strings.Split(format, "\n") {
		l = strings.TrimSpace(l)
		decl, ok := strings.CutPrefix(l, "field:")
		if !ok {
			if seenNr && l == "" {
				break
			}
			continue
		}
		decl, _, _ = strings.Cut(decl, ";")
		decl = strings.TrimSpace(decl)
		if !seenNr {
			seenNr = strings.HasSuffix(decl, " __syscall_nr")
			continue
		}
		if strings.HasPrefix(decl, "__data_loc ") {
			continue
		}
		i := strings.LastIndexByte(decl, ' ')
		if i <= 0 {
			return "", errors.New("cannot parse field " + decl)
		}
		parts = append(parts, strings.TrimSpace(decl[:i])+" "+decl[i+1:])
	}
	if !seenNr {
		return "", errors.New("no __syscall_nr field")
	}
	return strings.Join(parts, ";"), nil
}

// TestKernelTracefsEntries: every syscall event of the running kernel
// corresponds to an x86_64 table entry with Entry "sys_<event name>".
// No aliases are needed on 6.18: tracefs names events after the
// SYSCALL_DEFINE name, which is exactly our Entry (e.g. sys_enter_newstat
// for stat, sys_enter_umount for umount2).
func TestKernelTracefsEntries(t *testing.T) {
	formats := kernelFormats(t, syscallEvents(t))
	entries := map[string]bool{}
	for _, s := range Table(X86_64) {
		entries[s.Entry] = true
	}
	for name := range formats {
		if !entries["sys_"+name] {
			t.Errorf("tracefs has sys_enter_%s but no x86_64 entry is sys_%s", name, name)
		}
	}
	var noEvent []string
	for _, s := range Table(X86_64) {
		if implemented(s.Entry) {
			if _, ok := formats[strings.TrimPrefix(s.Entry, "sys_")]; !ok {
				noEvent = append(noEvent, s.Name)
			}
		}
	}
	t.Logf("%d tracefs syscall events; table entries without one on this kernel (config-dependent): %v", len(formats), noEvent)
}

// TestKernelKallsyms: every implemented x86_64 entry point exists in the
// running kernel as __x64_<entry> (cond_syscall stubs count: the symbol is
// there even when the feature is configured out).
func TestKernelKallsyms(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("running-kernel checks cover x86_64 only (GOARCH=%s)", runtime.GOARCH)
	}
	f, err := os.Open("/proc/kallsyms")
	if err != nil {
		t.Skipf("cannot read /proc/kallsyms: %v", err)
	}
	defer f.Close()
	syms := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) >= 3 && strings.HasPrefix(fs[2], "__x64_sys_") {
			syms[fs[2]] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(syms) == 0 {
		t.Skip("no __x64_sys_* symbols in /proc/kallsyms (restricted or not x86_64 kernel)")
	}
	n := 0
	for _, s := range Table(X86_64) {
		if !implemented(s.Entry) {
			continue
		}
		n++
		if !syms["__x64_"+s.Entry] {
			t.Errorf("%d %s: /proc/kallsyms has no __x64_%s", s.Nr, s.Name, s.Entry)
		}
	}
	t.Logf("checked %d entry points against %d __x64_sys_* symbols", n, len(syms))
}

// TestKernelPrototypes: every prototypes.tsv line the running kernel has
// tracefs metadata for matches the kernel's format file exactly (parameter
// count, names and types), and so do the generated x86_64 Params.
func TestKernelPrototypes(t *testing.T) {
	formats := kernelFormats(t, syscallEvents(t))
	protos := readPrototypesFile(t)
	checked := 0
	for key, p := range protos {
		if strings.Contains(key, "@") {
			continue // arch-specific override, not for this kernel
		}
		kp, ok := formats[key]
		if !ok {
			continue
		}
		checked++
		if p.params != kp {
			t.Errorf("prototypes.tsv %s = %q, kernel format has %q", key, p.params, kp)
		}
	}
	for _, s := range Table(X86_64) {
		if kp, ok := formats[strings.TrimPrefix(s.Entry, "sys_")]; ok && implemented(s.Entry) {
			if got := paramString(s.Params); got != kp {
				t.Errorf("x86_64 %s: Params %q, kernel format has %q", s.Name, got, kp)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no prototype could be checked against tracefs")
	}
	t.Logf("%d prototypes checked against tracefs", checked)
}
