package main

import (
	"strings"
	"testing"
)

func TestCtraceFigures(t *testing.T) {
	stderr := []string{
		"ctrace: ready: tracing 1 running containers and any started from now on, cgroup v2; Ctrl-C to stop",
		"ctrace: events: 4000032, lost: 7 (ring buffer full: 5, in-flight syscall table full: 2, exec arguments: 0, undecodable: 0); filtered out: 12",
	}
	f, err := ctraceFigures(nil, stderr)
	if err != nil {
		t.Fatal(err)
	}
	if f.Events != 4000032 || f.Lost != 7 {
		t.Fatalf("got events %d lost %d", f.Events, f.Lost)
	}
	want := "ring buffer full: 5, in-flight syscall table full: 2, exec arguments: 0, undecodable: 0; filtered out: 12"
	if f.Detail != want {
		t.Fatalf("detail %q, want %q", f.Detail, want)
	}
	// A bare summary (no breakdown) still parses.
	if f, err := ctraceFigures(nil, []string{"ctrace: events: 3, lost: 0"}); err != nil || f.Events != 3 || f.Lost != 0 {
		t.Fatalf("bare summary: %+v %v", f, err)
	}
	if _, err := ctraceFigures(nil, stderr[:1]); err == nil {
		t.Fatal("no summary line: want an error")
	}
}

func TestBpftraceFigures(t *testing.T) {
	stdout := []string{"Attaching 2 probes...", "ctracebench: attached", "", "", "@[sh]: 12", "@[dd]: 4000017", "@[weird ] name]: 1"}
	f, err := bpftraceFigures(stdout, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Events != 4000030 || f.Lost != -1 {
		t.Fatalf("got %+v", f)
	}
	if !strings.HasPrefix(f.Detail, "syscalls counted: dd 4000017, sh 12") {
		t.Fatalf("detail %q", f.Detail)
	}
	if _, err := bpftraceFigures([]string{"Attaching 2 probes..."}, nil); err == nil {
		t.Fatal("empty map: want an error")
	}
}

func TestStraceFigures(t *testing.T) {
	withErrors := strings.Split(`strace: Process 1794 attached
strace: Process 1890 attached
% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 68.44    0.647106      161776         4         2 wait4
 15.74    0.148848           7     20000           read
------ ----------- ----------- --------- --------- ----------------
100.00    0.945495          23     40036         2 total`, "\n")
	f, err := straceFigures(nil, withErrors)
	if err != nil || f.Events != 40036 {
		t.Fatalf("with errors: %+v %v", f, err)
	}
	noErrors := strings.Split(`% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
100.00    0.000010          10         1           read
------ ----------- ----------- --------- --------- ----------------
100.00    0.000010          10         1           total`, "\n")
	f, err = straceFigures(nil, noErrors)
	if err != nil || f.Events != 1 {
		t.Fatalf("without errors: %+v %v", f, err)
	}
	if _, err := straceFigures(nil, []string{"strace: Process 1 attached"}); err == nil {
		t.Fatal("no table: want an error")
	}
}

func TestMedian(t *testing.T) {
	cases := []struct {
		in   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, c := range cases {
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
	in := []float64{3, 1, 2}
	median(in)
	if in[0] != 3 {
		t.Error("median sorted its argument in place")
	}
	if got := medianInt([]int64{10, 11}); got != 11 {
		t.Errorf("medianInt = %d, want 11 (rounded half up)", got)
	}
}

func TestParsers(t *testing.T) {
	stat := "1234 (ctrace (x) y) S 1 1234 1234 0 -1 4194560 5000 0 0 0 250 130 0 0 20 0 9 0 100 0 0"
	if cpu, ok := parseStatCPU(stat); !ok || cpu != 3.8 {
		t.Errorf("parseStatCPU = %v %v, want 3.8", cpu, ok)
	}
	if _, ok := parseStatCPU("garbage"); ok {
		t.Error("parseStatCPU accepted garbage")
	}
	busy, ok := parseProcStatBusy("cpu  100 5 50 1000 30 2 3 10 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n")
	if !ok || busy != 1.7 {
		t.Errorf("parseProcStatBusy = %v %v, want 1.7", busy, ok)
	}
	mi := `25 1 0:23 / /sys rw - sysfs sysfs rw
30 25 0:26 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755
31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate
32 30 0:28 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu`
	if got := parseCgroup2Mount(mi); got != "/sys/fs/cgroup/unified" {
		t.Errorf("parseCgroup2Mount = %q", got)
	}
	if got := parseCgroup2Mount("30 25 0:26 / /sys/fs/cgroup ro - tmpfs tmpfs ro"); got != "" {
		t.Errorf("parseCgroup2Mount without cgroup2 = %q", got)
	}
}

func TestParseBench(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: github.com/ctrace-dev/ctrace/internal/events
cpu: AMD EPYC
BenchmarkDecodeOpenat   	 3000000	       398.5 ns/op	 200.75 MB/s	       0 B/op	       0 allocs/op
BenchmarkLookup         	 9000000	       120.0 ns/op
PASS
pkg: github.com/ctrace-dev/ctrace/internal/output
BenchmarkDecodeEncodeJSON-2   	 1000000	      1250 ns/op	    800000 events/s	      48 B/op	       1 allocs/op
FAIL github.com/ctrace-dev/ctrace/internal/broken [build failed]
`
	rs := parseBench(out)
	if len(rs) != 2 {
		t.Fatalf("got %d results, want 2: %+v", len(rs), rs)
	}
	if r := rs[0]; r.Package != "internal/events" || r.Name != "BenchmarkDecodeOpenat" || r.NsPerOp != 398.5 || r.Extra != "200.75 MB/s" || *r.BytesPerOp != 0 {
		t.Errorf("first: %+v", r)
	}
	if r := rs[1]; r.Package != "internal/output" || r.OpsPerSecCore != 800000 || r.Extra != "800000 events/s" || *r.AllocsPerOp != 1 {
		t.Errorf("second: %+v", r)
	}
}

func TestGroupDigits(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 4000032: "4,000,032", -12345: "-12,345"} {
		if got := groupDigits(in); got != want {
			t.Errorf("groupDigits(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestLineTail(t *testing.T) {
	lt := newLineTail(3)
	var seen []string
	long := strings.Repeat("x", 100000)
	lt.consume(strings.NewReader("a\nb\n"+long+"\nc\nd"), func(l []byte) { seen = append(seen, string(l)) })
	if lt.total() != 5 || len(seen) != 5 {
		t.Fatalf("counted %d lines, callback saw %d, want 5", lt.total(), len(seen))
	}
	got := lt.lines()
	if len(got) != 3 || got[0] != long || got[1] != "c" || got[2] != "d" {
		t.Fatalf("tail = %q...", got)
	}
}

// The RESULT line of internal/tracer TestKernelCost, old and current form:
// the bench parses it, so a change of the test's wording must fail here.
func TestKernelCostLine(t *testing.T) {
	cur := "    kcost_linux_test.go:131: RESULT kernel side per record: min 1216.8 ns, median 1493.4 ns (sys_enter min 288.3, sys_exit min 204.4 ns/run; empty program 52.2 ns/run; net of stats min 962.7, median 1219.5 ns per record); lost 0"
	m := kcostRE.FindStringSubmatch(cur)
	if m == nil || m[1] != "1216.8" || m[4] != "204.4" || m[5] != "52.2" || m[6] != "962.7" {
		t.Fatalf("current form: %q", m)
	}
	old := "RESULT kernel side per record: min 387.0 ns, median 399.0 ns (sys_enter min 214.0, sys_exit min 172.0 ns/run); lost 0"
	if m := kcostRE.FindStringSubmatch(old); m == nil || m[3] != "214.0" || m[5] != "" {
		t.Fatalf("old form: %q", m)
	}
}
