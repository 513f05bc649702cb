//go:build e2e

package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ctrace-dev/ctrace/internal/schematest"
	"github.com/ctrace-dev/ctrace/internal/tracefile"
)

// privateConfig writes a ctrace config file for one test and returns the
// CTRACE_CONFIG assignment that selects it.
func privateConfig(t *testing.T, cfg map[string]string) string {
	t.Helper()
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return "CTRACE_CONFIG=" + path
}

// Trace files on this machine hold every container's events, other tests'
// and benchmarks' too, and can grow by many MiB a second: they are scanned
// as streams, never loaded whole, and decoded only where a test's own
// container is concerned.

// traceScan is what scanTrace found in a trace file.
type traceScan struct {
	lines    int64            // complete lines (events)
	byName   map[string]int64 // events per container name, for the names asked for
	warnings []tracefile.Warning
}

// scanTrace reads a whole trace file with ctrace's reader, counting its
// events, and calls each for the events of the named containers.
func scanTrace(t *testing.T, path string, names []string, each func(*tracefile.Event)) traceScan {
	t.Helper()
	sc := traceScan{byName: map[string]int64{}}
	warns, err := tracefile.ReadFile(path, nil, func(ev *tracefile.Event) error {
		sc.lines++
		for _, n := range names {
			if ev.Container.Name == n {
				sc.byName[n]++
				if each != nil {
					each(ev)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading trace %s: %v", path, err)
	}
	sc.warnings = warns
	return sc
}

// validateTrace checks the lines of a trace file against the events
// schema: every line of the tests' own containers, and a sample of the rest.
func validateTrace(t *testing.T, path string) {
	t.Helper()
	s := schematest.Load(t, schematest.Events)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	n, bad := 0, 0
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			n++
			if bytes.Contains(line, []byte(`"name":"ctrace-e2e-`)) || n%50 == 1 {
				if err := s.Validate(line); err != nil {
					if bad++; bad <= 5 {
						t.Errorf("%s line %d: %v\n%s", path, n, err, clip(string(line), 300))
					}
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// follow waits (with a deadline) until pred holds for an event of the
// container name in the growing trace at path, reading each line once.
func follow(t *testing.T, path, name, what string, pred func(*tracefile.Event) bool) {
	t.Helper()
	deadline := time.Now().Add(eventDeadline)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var f *os.File
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	var br *bufio.Reader
	var partial []byte
	needle := []byte(`"name":"` + name + `"`)
	for {
		if f == nil {
			if ff, err := os.Open(path); err == nil {
				f, br = ff, bufio.NewReaderSize(ff, 1<<20)
			}
		}
		for br != nil {
			chunk, err := br.ReadBytes('\n')
			partial = append(partial, chunk...)
			if err != nil { // the end for now: keep a partial line for later
				break
			}
			line := partial
			partial = nil
			if !bytes.Contains(line, needle) {
				continue
			}
			var ev tracefile.Event
			if err := tracefile.NewReader(bytes.NewReader(line)).Next(&ev); err != nil {
				t.Fatalf("%s: %v: %s", path, err, clip(string(line), 300))
			}
			if ev.Container.Name == name && pred(&ev) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s in %s", eventDeadline, what, path)
		}
		<-tick.C
	}
}

// errorEntry is one line of the errors file.
type errorEntry struct {
	Kind      string     `json:"kind"`
	Message   string     `json:"message"`
	Cause     string     `json:"cause"`
	Count     uint64     `json:"count"`
	Container *Container `json:"container"`
}

// readErrors validates the errors file against its schema and returns its entries.
func readErrors(t *testing.T, path string) []errorEntry {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("errors file: %v", err)
	}
	schematest.Load(t, schematest.Errors).ValidateLines(t, path, data, 10)
	var out []errorEntry
	for _, l := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		var e errorEntry
		if err := json.Unmarshal(l, &e); err != nil {
			t.Fatalf("errors file line %s: %v", l, err)
		}
		out = append(out, e)
	}
	return out
}

// TestEventsFile: events-path in a directory that does not exist yet is
// created (0700/0600), filled in whole lines that match the schema, appended
// to by the next run (never truncated), replaced with --overwrite, and a
// partial last line left by a killed run is cut before appending; errors go
// to errors-path as schema-valid NDJSON; a plain status line shows on a
// non-terminal stderr.
func TestEventsFile(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	events := filepath.Join(dir, "new", "sub", "events.json")
	errorsPath := filepath.Join(dir, "errs", "errors.json")
	env := privateConfig(t, map[string]string{"output-format": "json", "events-path": events, "errors-path": errorsPath})

	// Only the events the checks need, to keep the file small on a busy machine.
	run := func(args ...string) (string, StopResult, *Ctrace) {
		c := startCtraceOpts(t, ctraceOpts{json: true, env: []string{env}}, append([]string{"--event", "openat,execve"}, args...)...)
		name := containerName(t)
		runContainer(t, name, "cat", "/etc/hostname")
		waitContainerExit(t, name, dockerDeadline)
		follow(t, events, name, "an openat of /etc/hostname", func(e *tracefile.Event) bool {
			fn, _ := e.ArgString("filename")
			return e.Event == "openat" && fn == "/etc/hostname"
		})
		return name, c.Stop(t), c
	}

	name1, r1, _ := run()
	if r1.StdoutLine != 0 {
		t.Errorf("%d lines on stdout although events go to a file", r1.StdoutLine)
	}
	for p, want := range map[string]os.FileMode{filepath.Dir(events): 0o700, events: 0o600, errorsPath: 0o600} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", p, st.Mode().Perm(), err, want)
		}
	}
	if st, err := os.Stat(events); err != nil || st.Size() == 0 {
		t.Fatalf("events file empty: %v", err)
	}
	end := make([]byte, 1)
	if f, err := os.Open(events); err == nil {
		st, _ := f.Stat()
		f.ReadAt(end, st.Size()-1)
		f.Close()
	}
	if end[0] != '\n' {
		t.Fatalf("events file does not end with a newline after a clean stop")
	}
	validateTrace(t, events)
	s1 := scanTrace(t, events, []string{name1}, nil)
	if s1.lines != r1.Events || len(s1.warnings) != 0 {
		t.Errorf("summary says %d events, the file has %d (warnings %v)", r1.Events, s1.lines, s1.warnings)
	}
	readErrors(t, errorsPath)

	// The next run appends; --overwrite replaces.
	name2, r2, _ := run()
	s2 := scanTrace(t, events, []string{name1, name2}, nil)
	if len(s2.warnings) != 0 || s2.lines != s1.lines+r2.Events || s2.byName[name1] == 0 || s2.byName[name2] == 0 {
		t.Errorf("after a second run: %d events (want %d + %d), warnings %v, events of the runs' containers %v",
			s2.lines, s1.lines, r2.Events, s2.warnings, s2.byName)
	}

	// A run killed mid-line leaves a partial last line: the next run cuts it.
	f, err := os.OpenFile(events, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"timestamp":"2026-01-01T00:00:00Z","event":"ope`)
	f.Close()
	if sc := scanTrace(t, events, nil, nil); len(sc.warnings) != 1 || sc.lines != s2.lines {
		t.Fatalf("reader on a partial last line: %d events, warnings %v", sc.lines, sc.warnings)
	}
	_, r3, c3 := run()
	s3 := scanTrace(t, events, nil, nil)
	if len(s3.warnings) != 0 || s3.lines != s2.lines+r3.Events {
		t.Errorf("after a run following a partial line: %d events (want %d + %d), warnings %v", s3.lines, s2.lines, r3.Events, s3.warnings)
	}
	cut := false
	for _, e := range readErrors(t, errorsPath) {
		cut = cut || e.Kind == "trace-file" && e.Count == 48
	}
	if !cut {
		t.Errorf("no trace-file entry for the 48 bytes cut in %s", errorsPath)
	}
	_, _, stderr, _ := c3.snapshot()
	if !strings.Contains(strings.Join(stderr, "\n"), "cut a partial last line of 48 bytes") {
		t.Errorf("no warning about the cut line on stderr")
	}

	// --overwrite starts afresh.
	_, r4, _ := run("--overwrite")
	if s4 := scanTrace(t, events, nil, nil); s4.lines != r4.Events {
		t.Errorf("--overwrite: the file has %d events, the run wrote %d", s4.lines, r4.Events)
	}
}

// TestStatusLine: while events go to a file, a non-terminal stderr gets a
// plain status line every few seconds; --quiet turns it off.
func TestStatusLine(t *testing.T) {
	requireEnv(t)
	env := privateConfig(t, map[string]string{"output-format": "json", "events-path": filepath.Join(t.TempDir(), "events.json")})
	statusRe := regexp.MustCompile(`^ctrace: status: \d+:\d\d:\d\d  written [\d,]+ \([\d,]+/s\)  lost [\d,]+  containers \d+  file [\d.]+ (B|KiB|MiB|GiB)$`)
	c := startCtraceOpts(t, ctraceOpts{json: true, env: []string{env}}, "--event", "openat")
	c.waitUntil(t, 30*time.Second, "a status line on stderr", func() bool {
		_, _, stderr, _ := c.snapshot()
		for _, l := range stderr {
			if statusRe.MatchString(l) {
				return true
			}
		}
		return false
	})
	c.Stop(t)

	q := startCtraceOpts(t, ctraceOpts{json: true, env: []string{env}}, "--quiet", "--event", "openat")
	// A container that runs longer than a status period keeps ctrace
	// running long enough to print one, were it not quiet.
	name := containerName(t)
	runContainer(t, name, "sh", "-c", "sleep 6; cat /etc/hostname")
	waitContainerExit(t, name, dockerDeadline)
	q.Stop(t)
	_, _, stderr, _ := q.snapshot()
	for _, l := range stderr {
		if strings.Contains(l, "status:") {
			t.Errorf("--quiet printed a status line: %s", l)
		}
	}
}

// TestDiskFull: a write error ends the run with the summary, the count of
// events not written, an "output" entry in the errors file and exit 1.
func TestDiskFull(t *testing.T) {
	requireEnv(t)
	errorsPath := filepath.Join(t.TempDir(), "errors.json")
	env := privateConfig(t, map[string]string{"output-format": "json", "events-path": "/dev/full", "errors-path": errorsPath})
	c := startCtraceOpts(t, ctraceOpts{json: true, env: []string{env}, exitsOnItsOwn: true})
	name := containerName(t)
	runContainer(t, name, "cat", "/etc/hostname")
	waitContainerExit(t, name, dockerDeadline)
	select {
	case <-c.exited:
	case <-time.After(eventDeadline):
		t.Fatalf("ctrace still runs %v after its output failed", eventDeadline)
	}
	r := c.Stop(t)
	if r.ExitCode != 1 {
		t.Errorf("exit %s, want 1 after a write error", r.State)
	}
	m := regexp.MustCompile(`; not written: (\d+)$`).FindStringSubmatch(r.Summary)
	if m == nil || m[1] == "0" {
		t.Fatalf("summary %q does not count the events not written", r.Summary)
	}
	_, _, stderr, _ := c.snapshot()
	if last := stderr[len(stderr)-1]; !strings.Contains(last, "/dev/full") || !strings.Contains(last, "no space left on device") {
		t.Errorf("last stderr line %q does not name the failed output", last)
	}
	found := false
	for _, e := range readErrors(t, errorsPath) {
		if e.Kind == "output" && strconv.FormatUint(e.Count, 10) == m[1] {
			found = true
		}
	}
	if !found {
		t.Errorf("errors file has no output entry with count %s", m[1])
	}
}

// TestLossUnderPressure: the syscall storm with the smallest ring buffer,
// against an output that cannot keep up, loses events and says so in the
// summary and in the errors file (per cause, adding up to the summary); the
// events written plus the events lost equal the syscalls the storm made.
//
// The output is a FIFO that the test leaves unread until the storm is over
// (a consumer that stalls: ctrace blocks writing, the ring buffer fills).
// The storm calls getpriority, which nothing else on the machine calls, and
// ctrace traces only getpriority: the only other records that can be lost
// are other containers' cgroup records, so an attempt that other tests
// disturb (the sum is off) is retried, up to three times.
func TestLossUnderPressure(t *testing.T) {
	requireEnv(t)
	bin := filepath.Join(t.TempDir(), "storm")
	build := exec.Command("go", "build", "-o", bin, "./testdata/storm")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the storm program: %v\n%s", err, out)
	}
	const calls = 300000
	for attempt := 1; ; attempt++ {
		ok := lossAttempt(t, bin, calls, attempt == 3)
		if ok || t.Failed() {
			return
		}
		t.Logf("attempt %d disturbed (written + lost != calls), retrying", attempt)
	}
}

// lossAttempt runs one storm; false when written + lost != calls and final is not set.
func lossAttempt(t *testing.T, bin string, calls int, final bool) bool {
	dir := t.TempDir()
	fifo, errorsPath := filepath.Join(dir, "events.fifo"), filepath.Join(dir, "errors.json")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// The test's reading end, opened before ctrace so ctrace's open does not wait.
	rd, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	env := privateConfig(t, map[string]string{"output-format": "json", "events-path": fifo, "errors-path": errorsPath})
	c := startCtraceOpts(t, ctraceOpts{json: true, env: []string{env}}, "--buffer-size", "1", "--event", "getpriority", "--quiet")
	name := containerName(t)
	gate := t.TempDir()
	startContainer(t, name, []string{"run", "-d", "--pull=never", "--network", "none", "--name", name,
		"-v", filepath.Dir(bin) + ":/storm:ro", "-v", gate + ":/gate", testImage, "/storm/storm", strconv.Itoa(calls), "/gate"},
		"storm of "+strconv.Itoa(calls)+" getpriority calls")
	waitContainerRunning(t, name, dockerDeadline)
	if err := os.WriteFile(filepath.Join(gate, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitGate := func(file string) {
		deadline := time.Now().Add(dockerDeadline)
		for {
			if _, err := os.Stat(filepath.Join(gate, file)); err == nil {
				return
			}
			if time.Now().After(deadline) {
				logs, _ := dockerCmd(t, "logs", name)
				t.Fatalf("the storm did not create %s within %v: %s", file, dockerDeadline, logs)
			}
			time.Sleep(10 * time.Millisecond) // polling a file the container creates, bounded by the deadline
		}
	}
	waitGate("done")
	// Only now read the output. A marker line shows that ctrace has caught
	// up with the storm; the container then exits (its cgroup records are
	// delivered, not lost) and ctrace is stopped.
	syscall.SetNonblock(int(rd.Fd()), false)
	type line struct {
		Event     string    `json:"event"`
		Container Container `json:"container"`
		Args      struct {
			Which string `json:"which"`
		} `json:"args"`
	}
	var written, markersWritten, all int64
	caughtUp := make(chan struct{})
	readDone := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(rd)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		signalled := false
		for sc.Scan() {
			var e line
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				readDone <- fmt.Errorf("events line %q: %v", sc.Text(), err)
				return
			}
			all++
			if e.Event != "getpriority" || e.Container.Name != name {
				continue
			}
			if e.Args.Which == "PRIO_PGRP" {
				markersWritten++
				if !signalled {
					close(caughtUp)
					signalled = true
				}
			} else {
				written++
			}
		}
		readDone <- sc.Err()
	}()
	select {
	case <-caughtUp:
	case <-time.After(eventDeadline):
		t.Fatalf("no marker from the storm within %v of reading the output", eventDeadline)
	}
	if err := os.WriteFile(filepath.Join(gate, "exit"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if code := waitContainerExit(t, name, dockerDeadline); code != 0 {
		logs, _ := dockerCmd(t, "logs", name)
		t.Fatalf("storm exited %d: %s", code, logs)
	}
	logs, err := dockerCmd(t, "logs", name)
	m := regexp.MustCompile(`markers=(\d+)`).FindStringSubmatch(logs)
	if err != nil || m == nil {
		t.Fatalf("storm output %q: %v", logs, err)
	}
	markers, _ := strconv.ParseInt(m[1], 10, 64)
	r := c.Stop(t) // SIGINT: ctrace drains the ring buffer, writes it all and exits
	select {
	case err := <-readDone:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(stopDeadline):
		t.Fatalf("the events FIFO did not reach its end %v after ctrace stopped", stopDeadline)
	}
	if all != r.Events {
		t.Errorf("summary says %d events written, the FIFO carried %d", r.Events, all)
	}
	ringbuf := summaryNumber(r.Summary, "ring buffer full")
	t.Logf("storm: %d calls, %d written; %d markers, %d written; summary %q", calls, written, markers, markersWritten, r.Summary)
	if r.Lost <= 0 || ringbuf <= 0 {
		t.Fatalf("no loss reported with a 1 MiB buffer and a stalled output under a %d-call storm: %q", calls, r.Summary)
	}
	var lostEntries, lostSum uint64
	byCause := map[string]uint64{}
	for _, e := range readErrors(t, errorsPath) {
		if e.Kind == "lost" {
			lostEntries++
			lostSum += e.Count
			byCause[e.Cause] += e.Count
		}
	}
	if lostSum != uint64(r.Lost) || byCause["ring-buffer-full"] != uint64(ringbuf) {
		t.Errorf("errors file: %d lost entries adding up to %d (by cause %v); summary: lost %d, ring buffer full %d", lostEntries, lostSum, byCause, r.Lost, ringbuf)
	}
	if written+markersWritten+r.Lost != int64(calls)+markers {
		if !final {
			return false
		}
		t.Errorf("written %d + %d markers + lost %d = %d, but the storm made %d calls and %d markers",
			written, markersWritten, r.Lost, written+markersWritten+r.Lost, calls, markers)
	}
	return true
}

// reportContainer is one container of `ctrace report --output-format json`.
type reportContainer struct {
	Name     string `json:"name"`
	Events   int64  `json:"events"`
	Failed   int64  `json:"failed_syscalls"`
	Syscalls []struct {
		Name   string `json:"name"`
		Count  int64  `json:"count"`
		Errors int64  `json:"errors"`
	} `json:"syscalls"`
	Files []struct {
		Path  string `json:"path"`
		Count int64  `json:"count"`
	} `json:"files"`
	Programs []struct {
		Path  string   `json:"path"`
		Execs int64    `json:"execs"`
		Argv0 []string `json:"argv0"`
	} `json:"programs"`
	Peers []struct {
		Peer      string `json:"peer"`
		Direction string `json:"direction"`
		Count     int64  `json:"count"`
		Errors    int64  `json:"errors"`
	} `json:"peers"`
	Errors []struct {
		Errno string `json:"errno"`
		Count int64  `json:"count"`
	} `json:"errors"`
}

// TestReportMatchesTrace: `ctrace report --output-format json` counts what
// the test counts from the JSON trace itself.
func TestReportMatchesTrace(t *testing.T) {
	bin := requireEnv(t)
	events := filepath.Join(t.TempDir(), "events.json")
	env := privateConfig(t, map[string]string{"output-format": "json", "events-path": events})
	c := startCtraceOpts(t, ctraceOpts{json: true, env: []string{env}})
	name := containerName(t)
	script := `cat /etc/hostname /etc/passwd >/dev/null; cat /nonexistent 2>/dev/null; ls /etc >/dev/null; ` +
		`echo x | nc 127.0.0.1 9 2>/dev/null; stat /tmp >/dev/null; mkdir /tmp/d; touch /tmp/d/f; rm /tmp/d/f; true`
	runContainer(t, name, "sh", "-c", script)
	waitContainerExit(t, name, dockerDeadline)
	exits := 0
	follow(t, events, name, "7 exits", func(e *tracefile.Event) bool {
		if e.Event == "exit_group" {
			exits++
		}
		return exits >= 7 // sh, cat, cat, ls, nc, stat, mkdir, touch, rm: at least the children
	})
	c.Stop(t)

	cmd := exec.Command(bin, "report", "--top", "0", "--output-format", "json", events)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ctrace report: %v\n%s", err, stderr.String())
	}
	var rep struct {
		Events     int64             `json:"events"`
		Containers []reportContainer `json:"containers"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("report JSON: %v\n%s", err, stdout.String())
	}

	// The test's own count, from the raw JSON lines.
	tf, err := os.Open(events)
	if err != nil {
		t.Fatal(err)
	}
	defer tf.Close()
	lines := bufio.NewReaderSize(tf, 1<<20)
	type raw struct {
		Event     string                     `json:"event"`
		Syscall   bool                       `json:"syscall"`
		Container Container                  `json:"container"`
		Args      map[string]json.RawMessage `json:"args"`
		Retval    *int64                     `json:"retval"`
		Error     string                     `json:"error"`
	}
	var total int64
	events1, failed := int64(0), int64(0)
	sys, errnos, files, progs, peers := map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}, map[string]int64{}
	needle := []byte(`"name":"` + name + `"`)
	for {
		line, err := lines.ReadBytes('\n')
		if err != nil {
			if len(bytes.TrimSpace(line)) != 0 {
				t.Fatalf("the trace ends with a partial line after a clean stop: %q", clip(string(line), 200))
			}
			break
		}
		total++
		if !bytes.Contains(line, needle) {
			continue // another container's: only counted
		}
		var e raw
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatalf("trace line %s: %v", line, err)
		}
		if e.Container.Name != name {
			continue
		}
		events1++
		if !e.Syscall {
			continue
		}
		sys[e.Event]++
		if e.Error != "" {
			failed++
			errnos[e.Error]++
		}
		str := func(k string) string {
			var s string
			json.Unmarshal(e.Args[k], &s)
			return s
		}
		switch e.Event {
		case "execve", "execveat":
			if e.Error == "" {
				progs[str("filename")]++
			}
		case "connect":
			var sa struct {
				Addr string `json:"addr"`
				Port int    `json:"port"`
			}
			json.Unmarshal(e.Args["uservaddr"], &sa)
			if sa.Addr != "" {
				peers[fmt.Sprintf("out %s:%d", sa.Addr, sa.Port)]++
			}
		case "openat", "newfstatat", "mkdir", "mkdirat", "unlinkat", "unlink", "open", "stat", "lstat", "statx", "utimensat", "getdents64":
			for _, k := range []string{"filename", "pathname"} {
				if p := str(k); p != "" {
					files[p]++
				}
			}
		}
	}
	if rep.Events != total {
		t.Errorf("report: %d events, the file has %d", rep.Events, total)
	}
	var got *reportContainer
	for i := range rep.Containers {
		if rep.Containers[i].Name == name {
			got = &rep.Containers[i]
		}
	}
	if got == nil {
		t.Fatalf("report has no container %s", name)
	}
	if got.Events != events1 || got.Failed != failed {
		t.Errorf("report: %d events, %d failed; counted %d, %d", got.Events, got.Failed, events1, failed)
	}
	gotSys := map[string]int64{}
	for _, s := range got.Syscalls {
		gotSys[s.Name] = s.Count
	}
	if fmt.Sprint(gotSys) != fmt.Sprint(sys) {
		t.Errorf("syscall counts differ:\nreport %v\ncounted %v", gotSys, sys)
	}
	gotErr := map[string]int64{}
	for _, e := range got.Errors {
		gotErr[e.Errno] = e.Count
	}
	if fmt.Sprint(gotErr) != fmt.Sprint(errnos) {
		t.Errorf("errno counts differ:\nreport %v\ncounted %v", gotErr, errnos)
	}
	gotProgs := map[string]int64{}
	for _, p := range got.Programs {
		if p.Execs > 0 {
			gotProgs[p.Path] = p.Execs
		}
	}
	if fmt.Sprint(gotProgs) != fmt.Sprint(progs) {
		t.Errorf("programs differ:\nreport %v\ncounted %v", gotProgs, progs)
	}
	gotFiles := map[string]int64{}
	for _, f := range got.Files {
		gotFiles[f.Path] = f.Count
	}
	for p, n := range files {
		if gotFiles[p] < n { // the report also counts other path syscalls
			t.Errorf("file %s: report %d, counted at least %d", p, gotFiles[p], n)
		}
	}
	gotPeers := map[string]int64{}
	for _, p := range got.Peers {
		if p.Direction == "out" {
			gotPeers[p.Direction+" "+p.Peer] += p.Count
		}
	}
	if fmt.Sprint(gotPeers) != fmt.Sprint(peers) {
		t.Errorf("outbound peers differ:\nreport %v\ncounted %v", gotPeers, peers)
	}
	// What the workload did is there.
	for _, want := range []string{"/etc/hostname", "/etc/passwd", "/nonexistent", "/tmp/d/f"} {
		if gotFiles[want] == 0 {
			t.Errorf("report lacks file %s: %v", want, gotFiles)
		}
	}
	ranAs := map[string]bool{}
	for _, p := range got.Programs {
		for _, a := range p.Argv0 {
			ranAs[a] = true
		}
	}
	if gotErr["ENOENT"] == 0 || gotErr["ECONNREFUSED"] == 0 || gotPeers["out 127.0.0.1:9"] == 0 || !ranAs["cat"] || !ranAs["nc"] {
		t.Errorf("report lacks the workload's ENOENT/ECONNREFUSED/peer/cat and nc execs: %v %v %v %v", gotErr, gotPeers, gotProgs, ranAs)
	}

	// The table form names the container and its sections.
	out, err := exec.Command(bin, "report", events).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "CONTAINER "+name) || !strings.Contains(string(out), "SYSCALLS") {
		t.Errorf("ctrace report (table): %v\n%s", err, out)
	}
}

// TestEarlySigint: a SIGINT at any moment of start-up stops ctrace with a
// summary, even when ctrace is the background job of a non-interactive
// shell (which starts it with SIGINT ignored). The moments are chosen
// without timing: ctrace runs with GODEBUG=inittrace=1 and a one-page pipe
// as stderr that the test keeps nearly full, so each package initialisation
// writes a line and ctrace can get at most a line or two ahead of the test's
// reading; the test sends SIGINT right after a chosen package's line, for
// many packages from the first after os/signal to the last (then ctrace is
// in main, before tracing).
func TestEarlySigint(t *testing.T) {
	bin := requireEnv(t)
	env := privateConfig(t, map[string]string{"output-format": "json"})
	// The init order of this binary.
	out, err := exec.Command("env", "GODEBUG=inittrace=1", bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var pkgs []string
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "init" {
			pkgs = append(pkgs, f[1])
		}
	}
	first := -1
	for i, p := range pkgs {
		if p == "os/signal" || p == "github.com/ctrace-dev/ctrace/internal/interrupt" {
			first = i + 1 // after the package that installs the handler (or the earliest one that could)
		}
	}
	if first < 0 || first >= len(pkgs) {
		t.Fatalf("no os/signal in the init order %v", pkgs)
	}
	t.Logf("%d package inits; SIGINT is sent after each of a selection from #%d (%s) on", len(pkgs), first, pkgs[first])
	for _, heavy := range []string{"github.com/cilium/ebpf", "github.com/spf13/cobra", "github.com/ctrace-dev/ctrace/internal/events"} {
		for i, p := range pkgs {
			if p == heavy && i < first {
				t.Errorf("%s is initialised before SIGINT is caught", heavy)
			}
		}
	}
	step := max(1, (len(pkgs)-first)/15)
	for i := first; i < len(pkgs); i += step {
		earlySigint(t, bin, env, pkgs[i])
	}
	earlySigint(t, bin, env, pkgs[len(pkgs)-1])
}

// earlySigint starts ctrace as a background job of sh -c, holds it right
// after package target's init line, sends SIGINT and requires a summary and
// exit 0.
func earlySigint(t *testing.T, bin, env, target string) {
	t.Helper()
	what := "after the init of " + target
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := unix.FcntlInt(w.Fd(), unix.F_SETPIPE_SZ, 4096); err != nil {
		t.Fatal(err)
	}
	// The test's own writing end: a separate open file description, so that
	// it can be non-blocking while ctrace's stderr blocks.
	pad, err := unix.Open(fmt.Sprintf("/proc/self/fd/%d", w.Fd()), unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	padClosed := false
	closePad := func() {
		if !padClosed {
			unix.Close(pad)
			padClosed = true
		}
	}
	defer closePad()
	// The pipe holds (about) pipeSize-slack bytes of padding at all times:
	// padding read is written again at once, ctrace's lines are not. So
	// ctrace's unread lines never exceed slack bytes: it is at most a line
	// or two ahead of the reader.
	const pipeSize, slack, padLine = 4096, 200, 64
	padUnread := 0
	fill := func() {
		for padUnread+padLine <= pipeSize-slack {
			if _, err := unix.Write(pad, []byte(strings.Repeat("#", padLine-1)+"\n")); err != nil {
				return // full for now (EAGAIN): ctrace took the space
			}
			padUnread += padLine
		}
	}
	fill()

	sh := exec.Command("sh", "-c", `"$0" trace 2>&3 3>&- >/dev/null & echo "$!"; wait "$!"; echo "exit=$?"`, bin)
	sh.Env = append(os.Environ(), env, "GODEBUG=inittrace=1")
	sh.ExtraFiles = []*os.File{w}
	pidR, pidW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pidR.Close()
	sh.Stdout = pidW
	sh.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	pidW.Close()
	shOut := bufio.NewReader(pidR)
	pidLine, err := shOut.ReadString('\n')
	pid, err2 := strconv.Atoi(strings.TrimSpace(pidLine))
	if err != nil || err2 != nil {
		t.Fatalf("no pid from sh: %q %v %v", pidLine, err, err2)
	}
	shDone := make(chan error, 1)
	go func() { shDone <- sh.Wait() }()
	exited := false
	defer func() {
		if !exited {
			syscall.Kill(pid, syscall.SIGKILL) // the test failed: do not leave it tracing
			<-shDone
		}
	}()

	// Lines are read a byte at a time, so that nothing is taken from the
	// pipe before it is accounted for.
	readLine := func() (string, error) {
		var line []byte
		b := make([]byte, 1)
		for {
			if _, err := r.Read(b); err != nil {
				return string(line), err
			}
			line = append(line, b[0])
			if b[0] == '\n' {
				return string(line), nil
			}
		}
	}
	var lines []string
	for {
		l, err := readLine()
		if err != nil {
			t.Fatalf("%s: ctrace's stderr ended before that point: %q", what, tail(lines, 5))
		}
		if strings.HasPrefix(l, "#") {
			padUnread -= len(l)
			fill()
			continue
		}
		lines = append(lines, strings.TrimSuffix(l, "\n"))
		if f := strings.Fields(l); len(f) > 1 && f[0] == "init" && f[1] == target {
			break
		}
	}
	br := bufio.NewReader(r)
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil {
		t.Fatalf("%s: kill -INT %d: %v", what, pid, err)
	}
	closePad()
	restc := make(chan []byte, 1)
	go func() {
		rest, _ := io.ReadAll(br) // lets ctrace go on; EOF once it and sh have exited
		restc <- rest
	}()
	var rest []byte
	select {
	case rest = <-restc:
	case <-time.After(stopDeadline):
		t.Errorf("SIGINT %s: ctrace did not stop within %v (SIGINT ignored?); %s", what, stopDeadline, sigLines(status))
		syscall.Kill(pid, syscall.SIGKILL)
		rest = <-restc
	}
	<-shDone
	exited = true
	for _, l := range strings.Split(strings.TrimSpace(string(rest)), "\n") {
		if !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	summary := findSummary(lines)
	shRest, _ := io.ReadAll(shOut)
	exit := regexp.MustCompile(`exit=(\d+)`).FindStringSubmatch(string(shRest))
	if summary == "" || exit == nil || exit[1] != "0" {
		t.Errorf("SIGINT %s: exit %v, summary %q: not stopped cleanly (%s); stderr tail %q",
			what, exit, summary, sigLines(status), tail(lines, 4))
	}
	for _, l := range lines {
		if strings.Contains(l, "ready: tracing") {
			t.Errorf("SIGINT %s: ctrace started tracing anyway: %s", what, l)
		}
	}
}

// sigLines keeps the signal dispositions of a /proc/PID/status.
func sigLines(status []byte) string {
	var out []string
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "SigIgn") || strings.HasPrefix(l, "SigCgt") {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(out, ", ")
}

// openPTY returns a pseudo-terminal pair with the given width.
func openPTY(t *testing.T, cols int) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: uint16(cols)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// TestTableOnTerminal: on a terminal the table is coloured (not with
// NO_COLOR) and every line fits the terminal's width, elided with "…";
// in a pipe it is neither (TestTableOutput's lines are checked too).
func TestTableOnTerminal(t *testing.T) {
	bin := requireEnv(t)
	const cols = 160
	for _, noColor := range []bool{false, true} {
		master, slave := openPTY(t, cols)
		env := privateConfig(t, map[string]string{})
		cmd := exec.Command(bin, "trace", "--event", "openat,execve")
		cmd.Env = append(os.Environ(), env, "TERM=xterm")
		if noColor {
			cmd.Env = append(cmd.Env, "NO_COLOR=1")
		}
		cmd.Stdout = slave
		errR, errW, _ := os.Pipe()
		cmd.Stderr = errW
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		errW.Close()
		stderr := bufio.NewReader(errR)
		for {
			l, err := stderr.ReadString('\n')
			if err != nil {
				t.Fatalf("ctrace exited before ready: %q", l)
			}
			if strings.Contains(l, "ready") {
				break
			}
		}
		name := containerName(t)
		long := "/" + strings.Repeat("x", 150)
		runContainer(t, name, "cat", "/etc/hostname", long)
		waitContainerExit(t, name, dockerDeadline)

		// Read the terminal until the long openat has been shown. The reader
		// drains the terminal to the end (other containers print too), so
		// ctrace never blocks on it; it hands on only this container's lines.
		colourRe := regexp.MustCompile("\x1b\\[[0-9;]*m")
		lines := make(chan string, 4096)
		go func() {
			br := bufio.NewReader(master)
			for {
				l, err := br.ReadString('\n')
				if err != nil {
					return
				}
				l = strings.TrimRight(l, "\r\n")
				if strings.Contains(colourRe.ReplaceAllString(l, ""), name) {
					select {
					case lines <- l:
					default:
					}
				}
			}
		}()
		deadline := time.After(eventDeadline)
		var mineLines []string
	wait:
		for {
			select {
			case l := <-lines:
				mineLines = append(mineLines, l)
				// cat's failed openat of the long name (too long to show whole)
				plain := colourRe.ReplaceAllString(l, "")
				if strings.Contains(plain, " cat ") && strings.Contains(plain, "openat") && strings.Contains(plain, "ENOENT") {
					break wait
				}
			case <-deadline:
				t.Fatalf("no failed openat of %s… by cat on the terminal within %v; saw %q", long[:10], eventDeadline, tail(mineLines, 5))
			}
		}
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		colour := regexp.MustCompile("\x1b\\[[0-9;]*m")
		for _, l := range mineLines {
			plain := colour.ReplaceAllString(l, "")
			if n := len([]rune(plain)); n > cols {
				t.Errorf("line of %d columns on a %d-column terminal: %q", n, cols, plain)
			}
			if noColor && plain != l {
				t.Errorf("colour with NO_COLOR: %q", l)
			}
		}
		last := mineLines[len(mineLines)-1]
		if !noColor && !colour.MatchString(last) {
			t.Errorf("no colour on a terminal: %q", last)
		}
		if !strings.Contains(last, "…") {
			t.Errorf("the long openat is not elided: %q", last)
		}
	}
}

// TestSigkillLeavesReadableFile: ctrace killed with SIGKILL while writing
// leaves a trace that reads to its end with at most one partial last line
// (skipped with a warning), and the next run appends after whole lines only.
func TestSigkillLeavesReadableFile(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	events := filepath.Join(dir, "events.json")
	env := privateConfig(t, map[string]string{"output-format": "json", "events-path": events, "errors-path": filepath.Join(dir, "errors.json")})
	c := startCtraceOpts(t, ctraceOpts{json: true, env: []string{env}, exitsOnItsOwn: true}, "--quiet")
	name := containerName(t)
	runContainer(t, name, "sh", "-c", "while true; do cat /etc/hostname /etc/passwd >/dev/null; done")
	follow(t, events, name, "events of the busy container", func(*tracefile.Event) bool { return true })
	// Let it write for a while (the file grows), then kill it mid-stream.
	deadline := time.Now().Add(eventDeadline)
	for {
		st, err := os.Stat(events)
		if err == nil && st.Size() > 4<<20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the events file did not reach 4 MiB within %v", eventDeadline)
		}
		time.Sleep(50 * time.Millisecond) // polling the file's size, bounded by the deadline
	}
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	c.Stop(t)
	sc := scanTrace(t, events, []string{name}, nil)
	if len(sc.warnings) > 1 || sc.byName[name] == 0 {
		t.Fatalf("after SIGKILL: %d events (%d of %s), warnings %v; want at most one partial last line", sc.lines, sc.byName[name], name, sc.warnings)
	}
	t.Logf("after SIGKILL: %d whole lines, %d partial", sc.lines, len(sc.warnings))
	c2 := startCtraceOpts(t, ctraceOpts{json: true, env: []string{env}}, "--quiet", "--event", "openat")
	name2 := containerName(t)
	runContainer(t, name2, "cat", "/etc/hostname")
	follow(t, events, name2, "an openat", func(e *tracefile.Event) bool { return e.Event == "openat" })
	r := c2.Stop(t)
	sc2 := scanTrace(t, events, nil, nil)
	if len(sc2.warnings) != 0 || sc2.lines != sc.lines+r.Events {
		t.Errorf("after the next run: %d events (want %d + %d), warnings %v", sc2.lines, sc.lines, r.Events, sc2.warnings)
	}
}
