package recording

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// ev renders one trace line as `ctrace trace --output-format json` does.
func ev(name string, syscall bool, pid, tid int, args string, ret int) string {
	s := `{"timestamp":"2026-01-01T00:00:00.000000000Z","event":"` + name + `","syscall":`
	if syscall {
		s += "true"
	} else {
		s += "false"
	}
	s += `,"container":{"id":"c0ffee","name":"web","image":"img","runtime":"docker"},"process":{"pid":` +
		strconv.Itoa(pid) + `,"tid":` + strconv.Itoa(tid) + `,"ppid":1,"comm":"x","uid":0,"gid":0},"args":{` + args + `}`
	if syscall {
		s += `,"retval":` + strconv.Itoa(ret)
	}
	return s + "}"
}

// A runtime's setup in the trace (runc-like: stage 0 forks stage 1, which
// forks the init; the init installs the filter with TSYNC and execs) and a
// process that was there before the trace.
func runcLikeTrace() []string {
	return []string{
		ev("mount", true, 100, 100, ``, 0), // stage 0, unknown: before the filter
		ev("sched_process_fork", false, 100, 100, `"child_pid":101,"child_tid":101,"child_comm":"x"`, 0),
		ev("sched_process_fork", false, 101, 101, `"child_pid":102,"child_tid":102,"child_comm":"x"`, 0),
		ev("pivot_root", true, 102, 102, ``, 0),                                                          // init, before the filter
		ev("sched_process_fork", false, 102, 102, `"child_pid":102,"child_tid":103,"child_comm":"x"`, 0), // a thread
		ev("seccomp", true, 102, 102, `"op":"SECCOMP_SET_MODE_FILTER","flags":"SECCOMP_FILTER_FLAG_TSYNC","uargs":"0x1"`, 0),
		ev("fstatfs", true, 102, 103, ``, 0), // the other thread, under the filter (TSYNC)
		ev("socket", true, 102, 102, `"family":"AF_INET","type":"SOCK_STREAM","protocol":0`, 3),
		ev("execve", true, 102, 102, `"filename":"/bin/sh","argv":["sh"],"envp":"0x0"`, 0),
		ev("write", true, 100, 100, ``, 1),    // stage 0 after its family showed: before
		ev("getpid", true, 300, 300, ``, 300), // never installs: under the container's filter
		ev("ioctl", true, 300, 300, `"fd":1,"cmd":"TCGETS","arg":"0x0"`, 0),
		ev("syscall_999", true, 300, 300, `"arg0":0`, -38),
	}
}

func TestFromTraceReplay(t *testing.T) {
	lines := runcLikeTrace()
	r, err := FromTrace(strings.NewReader(strings.Join(lines, "\n")+"\n"), "t.json", "x86_64", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Containers) != 1 {
		t.Fatalf("%d containers", len(r.Containers))
	}
	c := r.Containers[0]
	if got, want := c.Syscalls["x86_64"], []string{"execve", "fstatfs", "getpid", "ioctl", "socket"}; !slices.Equal(got, want) {
		t.Errorf("calls under the filter %v, want %v", got, want)
	}
	if got, want := c.BeforeFilter["x86_64"], []string{"mount", "pivot_root", "seccomp", "write"}; !slices.Equal(got, want) {
		t.Errorf("calls before the filter %v, want %v", got, want)
	}
	if !c.Confined || c.Name != "web" {
		t.Errorf("confined=%v name=%q", c.Confined, c.Name)
	}
	if !slices.Equal(c.Args.SocketFamilies, []uint64{2}) || !slices.Equal(c.Args.IoctlRequests, []uint64{0x5401}) {
		t.Errorf("args %+v", c.Args)
	}
	if !slices.Equal(c.Unnamed["x86_64"], []int{999}) {
		t.Errorf("unnamed %v: syscall_999 must not become a name", c.Unnamed)
	}
}

// A crash can leave a partial last line: skipped with a warning. A bad line elsewhere is an error naming it.
func TestFromTraceBadLines(t *testing.T) {
	lines := runcLikeTrace()
	var warned []string
	partial := strings.Join(lines, "\n") + "\n" + lines[0][:40]
	if _, err := FromTrace(strings.NewReader(partial), "t.json", "x86_64", func(w string) { warned = append(warned, w) }); err != nil {
		t.Fatalf("partial last line: %v", err)
	}
	if len(warned) != 1 || !strings.Contains(warned[0], "partial last line") {
		t.Errorf("warnings %v", warned)
	}
	bad := lines[0] + "\n" + lines[1][:30] + "\n" + lines[2] + "\n"
	_, err := FromTrace(strings.NewReader(bad), "t.json", "x86_64", nil)
	if err == nil || !strings.Contains(err.Error(), "t.json:2:") || strings.Contains(err.Error(), "\n") {
		t.Errorf("malformed middle line: %v", err)
	}
}

func TestReadFileKinds(t *testing.T) {
	dir := t.TempDir()
	trace := filepath.Join(dir, "trace.json")
	os.WriteFile(trace, []byte(strings.Join(runcLikeTrace(), "\n")+"\n"), 0o644)
	r, err := ReadFile(trace, nil)
	if err != nil || r.Source != SourceTrace {
		t.Fatalf("trace: %v %+v", err, r)
	}
	rec := filepath.Join(dir, "r.rec")
	if err := r.WriteFile(rec); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFile(rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := r.Marshal()
	b, _ := back.Marshal()
	if string(a) != string(b) {
		t.Error("recording does not survive a write and read")
	}
	for name, content := range map[string]string{
		"version":  `{"ctraceRecording": 9, "arch": "x86_64", "containers": []}`,
		"arch":     `{"ctraceRecording": 1, "arch": "vax", "containers": []}`,
		"abi":      `{"ctraceRecording": 1, "arch": "x86_64", "containers": [{"id": "a", "confined": true, "syscalls": {"arm": ["read"]}}]}`,
		"name":     `{"ctraceRecording": 1, "arch": "x86_64", "containers": [{"id": "a", "confined": true, "syscalls": {"x86_64": ["Read;"]}}]}`,
		"field":    `{"ctraceRecording": 1, "arch": "x86_64", "bogus": 1, "containers": []}`,
		"noid":     `{"ctraceRecording": 1, "arch": "x86_64", "containers": [{"confined": true, "syscalls": {}}]}`,
		"neither":  `hello`,
		"empty":    ``,
		"truncrec": `{"ctraceRecording": 1, "arch": "x86_64", "contai`,
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o644)
		_, err := ReadFile(p, nil)
		if err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line", name, err)
		}
	}
}

func TestMerge(t *testing.T) {
	one := uint64(0x11)
	two := uint64(0x20000)
	a := &Container{ID: "a", Name: "web", Confined: true, Syscalls: map[string][]string{"x86_64": {"read", "socket"}},
		Args: &Args{SocketFamilies: []uint64{2}, CloneFlags: &one}, Capabilities: &Capabilities{Granted: []string{"CAP_CHOWN"}, Denied: []string{"CAP_SETUID"}}}
	b := &Container{ID: "b", Name: "web", Confined: true, Syscalls: map[string][]string{"x86_64": {"write", "socket", "ioctl"}, "i386": {"read"}},
		Args: &Args{SocketFamilies: []uint64{10}, CloneFlags: &two}, Capabilities: &Capabilities{Granted: []string{"CAP_SETUID"}}}
	m := Merge("m", a, b)
	if !slices.Equal(m.Syscalls["x86_64"], []string{"ioctl", "read", "socket", "write"}) || !slices.Equal(m.Syscalls["i386"], []string{"read"}) {
		t.Errorf("syscalls %v", m.Syscalls)
	}
	if *m.Args.CloneFlags != 0x20011 || len(m.Args.SocketFamilies) != 2 || m.Name != "web" {
		t.Errorf("args %+v name %q", m.Args, m.Name)
	}
	if !slices.Equal(m.Capabilities.Granted, []string{"CAP_CHOWN", "CAP_SETUID"}) || len(m.Capabilities.Denied) != 0 {
		t.Errorf("caps %+v", m.Capabilities)
	}
	c := &Container{ID: "c", Syscalls: map[string][]string{"x86_64": {"socket"}}}
	if m := Merge("m", a, c); !slices.Contains(m.Args.Incomplete, "socket") {
		t.Errorf("values of a replica without argument values are not marked incomplete: %+v", m.Args)
	}
}

// A trace is read with internal/tracefile: strings in ctrace's lossless
// convention are decoded (the container is named as the kernel recorder
// names it), the partial-line warning is the reader's, a malformed line
// names its line, and ReadFile streams a trace file.
func TestFromTraceTracefile(t *testing.T) {
	// The JSON text we\\\\b is the value we\\b, the bytes we\b.
	line := strings.Replace(ev("getpid", true, 5, 5, ``, 5), `"name":"web"`, `"name":"we\\\\b"`, 1)
	r, err := FromTrace(strings.NewReader(line+"\n"), "t.json", "x86_64", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Containers) != 1 || r.Containers[0].Name != `we\b` {
		t.Errorf("containers %+v, want the name we\\b", r.Containers)
	}
	var warned []string
	partial := line + "\n" + line[:50]
	if _, err := FromTrace(strings.NewReader(partial), "t.json", "x86_64", func(w string) { warned = append(warned, w) }); err != nil {
		t.Fatal(err)
	}
	if len(warned) != 1 || !strings.HasPrefix(warned[0], "t.json: line 2: partial last line of 50 bytes skipped") {
		t.Errorf("warnings %q", warned)
	}
	if _, err := FromTrace(strings.NewReader(line+"\n{\"event\":\"x\",\n"+line+"\n"), "t.json", "x86_64", nil); err == nil ||
		!strings.HasPrefix(err.Error(), "t.json:2: not a ctrace trace event") {
		t.Errorf("malformed line 2: %v", err)
	}
	path := filepath.Join(t.TempDir(), "trace.json")
	os.WriteFile(path, []byte(strings.Join(runcLikeTrace(), "\n")+"\n"+line[:50]), 0o600)
	warned = nil
	r, err = ReadFile(path, func(w string) { warned = append(warned, w) })
	if err != nil || r.Source != SourceTrace || len(warned) != 1 {
		t.Errorf("ReadFile of a trace with a partial last line: %v, %+v, warnings %q", err, r, warned)
	}
}
