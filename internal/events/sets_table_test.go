package events

import (
	"bufio"
	"os"
	"sort"
	"strings"
	"testing"
)

// setsTableFiles are the per-architecture syscall tables the sets table must cover.
var setsTableFiles = []string{
	"../syscalls/tables/x86_64.tsv",
	"../syscalls/tables/arm64.tsv",
}

// setsRequired are the sets ctrace documents and users may select.
var setsRequired = []string{
	"fs", "fs_read_write", "file_ops", "fs_dir", "fs_link", "fs_attr",
	"fs_mux_io", "fs_async_io", "fs_fd_ops", "fs_file_attr",
	"net", "net_sock", "net_snd_rcv",
	"proc", "proc_life", "proc_mem", "proc_sched", "proc_ids",
	"ipc", "ipc_pipe", "ipc_shm", "ipc_sem", "ipc_msgq", "ipc_futex",
	"signals", "mem",
	"time", "time_timer", "time_clock",
	"system", "system_module", "system_numa",
	"security", "namespaces", "bpf",
}

// setsParents: sub-set -> the sets every member must also be in.
func setsParents(set string) []string {
	switch {
	case set == "file_ops":
		return []string{"fs"}
	case set == "proc_mem":
		return []string{"proc", "mem"}
	}
	for _, p := range []string{"fs", "net", "proc", "ipc", "time", "system"} {
		if strings.HasPrefix(set, p+"_") {
			return []string{p}
		}
	}
	return nil
}

// readSetsTables returns, per table file, the implemented syscall names
// (entries with a non-empty entry point) and all names.
func readSetsTables(t *testing.T) (implemented map[string][]string, all map[string]bool) {
	t.Helper()
	implemented = map[string][]string{}
	all = map[string]bool{}
	for _, path := range setsTableFiles {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		sc := bufio.NewScanner(f)
		for line := 1; sc.Scan(); line++ {
			text := sc.Text()
			if strings.TrimSpace(text) == "" || strings.HasPrefix(text, "#") {
				continue
			}
			fields := strings.Split(text, "\t")
			if len(fields) < 2 || fields[1] == "" {
				t.Fatalf("%s:%d: malformed line %q", path, line, text)
			}
			name := fields[1]
			all[name] = true
			if len(fields) >= 3 && strings.TrimSpace(fields[2]) != "" {
				implemented[path] = append(implemented[path], name)
				n++
			}
		}
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if n < 250 {
			t.Fatalf("%s: only %d implemented syscalls parsed", path, n)
		}
	}
	return implemented, all
}

func TestSyscallSetsCoverTables(t *testing.T) {
	implemented, _ := readSetsTables(t)
	for _, path := range setsTableFiles {
		for _, name := range implemented[path] {
			if len(syscallSets[name]) == 0 {
				t.Errorf("%s: syscall %q has no event set", path, name)
			}
		}
	}
}

func TestSyscallSetsNoStrayNames(t *testing.T) {
	implemented, all := readSetsTables(t)
	impl := map[string]bool{}
	for _, names := range implemented {
		for _, n := range names {
			impl[n] = true
		}
	}
	for name := range syscallSets {
		switch {
		case !all[name]:
			t.Errorf("syscallSets has %q, which is in neither architecture's table", name)
		case !impl[name]:
			t.Errorf("syscallSets has %q, which has no entry point on any architecture", name)
		}
	}
}

func TestSyscallSetsEntries(t *testing.T) {
	for name, sets := range syscallSets {
		seen := map[string]bool{}
		for _, s := range sets {
			if seen[s] {
				t.Errorf("%s: set %q listed twice", name, s)
			}
			seen[s] = true
			if _, ok := setDocs[s]; !ok {
				t.Errorf("%s: set %q has no setDocs entry", name, s)
			}
		}
		for _, s := range sets {
			for _, p := range setsParents(s) {
				if !seen[p] {
					t.Errorf("%s: in %q but not in its parent %q", name, s, p)
				}
			}
		}
	}
}

func TestSetDocs(t *testing.T) {
	used := map[string]bool{}
	for _, sets := range syscallSets {
		for _, s := range sets {
			used[s] = true
		}
	}
	var names []string
	for s, doc := range setDocs {
		names = append(names, s)
		if !used[s] {
			t.Errorf("setDocs has %q, which no syscall uses", s)
		}
		if strings.TrimSpace(doc) == "" || strings.ContainsAny(doc, "\n\r") {
			t.Errorf("setDocs[%q] must be one non-empty line, got %q", s, doc)
		}
	}
	sort.Strings(names)
	for _, s := range setsRequired {
		if _, ok := setDocs[s]; !ok {
			t.Errorf("required set %q missing from setDocs", s)
		}
		if !used[s] {
			t.Errorf("required set %q is used by no syscall", s)
		}
	}
	if testing.Verbose() {
		t.Logf("sets: %s", strings.Join(names, " "))
	}
}

// TestSyscallSetsExamples pins the assignments the design names explicitly.
func TestSyscallSetsExamples(t *testing.T) {
	want := map[string][]string{
		"read": {"fs", "fs_read_write"}, "write": {"fs", "fs_read_write"},
		"pread64": {"fs", "fs_read_write"}, "readv": {"fs", "fs_read_write"},
		"openat": {"fs", "file_ops"}, "open": {"fs", "file_ops"},
		"creat": {"fs", "file_ops"}, "close": {"fs", "file_ops"},
		"execve": {"proc", "proc_life"}, "execveat": {"proc", "proc_life"},
		"fork": {"proc", "proc_life"}, "vfork": {"proc", "proc_life"},
		"clone": {"proc", "proc_life"}, "clone3": {"proc", "proc_life"},
		"exit": {"proc", "proc_life"}, "exit_group": {"proc", "proc_life"},
		"wait4": {"proc", "proc_life"}, "waitid": {"proc", "proc_life"},
		"socket": {"net", "net_sock"}, "connect": {"net", "net_sock"},
		"accept": {"net", "net_sock"}, "bind": {"net", "net_sock"},
		"listen": {"net", "net_sock"},
		"sendto": {"net", "net_snd_rcv"}, "recvfrom": {"net", "net_snd_rcv"},
		"sendmsg": {"net", "net_snd_rcv"},
		"mmap":    {"mem", "proc_mem"}, "mprotect": {"mem", "proc_mem"},
		"munmap": {"mem", "proc_mem"}, "brk": {"mem", "proc_mem"},
		"madvise": {"mem", "proc_mem"},
		"kill":    {"signals"}, "tgkill": {"signals"}, "rt_sigaction": {"signals"},
		"futex": {"ipc", "ipc_futex"},
		"setns": {"namespaces", "proc"}, "unshare": {"namespaces", "proc"},
		"capset": {"security"}, "capget": {"security"}, "seccomp": {"security"},
		"prctl":                   {"security", "proc"},
		"landlock_create_ruleset": {"security"}, "landlock_add_rule": {"security"},
		"landlock_restrict_self": {"security"}, "lsm_get_self_attr": {"security"},
		"lsm_set_self_attr": {"security"}, "lsm_list_modules": {"security"},
		"bpf":         {"bpf", "system"},
		"init_module": {"system", "system_module"}, "finit_module": {"system", "system_module"},
		"delete_module": {"system", "system_module"},
		"clock_gettime": {"time", "time_clock"}, "nanosleep": {"time", "time_clock"},
		"timer_create": {"time", "time_timer"},
		"mount":        {"fs", "system"}, "umount2": {"fs", "system"},
		"pivot_root": {"fs", "system"}, "chroot": {"fs", "system"},
	}
	for name, sets := range want {
		got := map[string]bool{}
		for _, s := range syscallSets[name] {
			got[s] = true
		}
		for _, s := range sets {
			if !got[s] {
				t.Errorf("%s: sets %v lack %q", name, syscallSets[name], s)
			}
		}
	}
}
