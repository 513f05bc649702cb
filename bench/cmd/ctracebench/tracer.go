package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	readyDeadline   = 60 * time.Second  // tracer start -> ready line
	stopDeadline    = 300 * time.Second // ctrace: stop signal -> exit (it may have a backlog to write)
	stopDeadlineRef = 30 * time.Second  // other tracers
	tailLines       = 400               // lines of each output stream kept for parsing and errors
)

// clockTicks is USER_HZ, the unit of utime/stime in /proc/PID/stat (100 on
// every Linux architecture ctrace supports).
const clockTicks = 100

// tracer is one running tracer process.
type tracer struct {
	mode    *Mode
	cmd     *exec.Cmd
	started time.Time

	readyRE   *regexp.Regexp
	readyNeed int
	readyMu   sync.Mutex
	readySeen int
	ready     chan struct{}

	stdout, stderr *lineTail
	exited         chan struct{} // closed once the process is reaped
	waitErr        error
	stopOnce       sync.Once
}

func startTracer(l Launch, m *Mode, readyNeed int, reg *registry) (*tracer, error) {
	t := &tracer{
		mode: m, readyRE: m.Ready, readyNeed: max(1, readyNeed),
		ready: make(chan struct{}), exited: make(chan struct{}),
		stdout: newLineTail(tailLines), stderr: newLineTail(tailLines),
	}
	cmd := exec.Command(l.Argv[0], l.Argv[1:]...)
	cmd.Env = append(os.Environ(), l.Env...)
	// Own process group: a Ctrl-C on the terminal reaches only the harness,
	// which then stops the tracer with its proper stop signal.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	t.cmd = cmd
	t.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", l.Argv[0], err)
	}
	reg.addProc(t)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); t.stdout.consume(stdout, t.checkReady) }()
	go func() { defer wg.Done(); t.stderr.consume(stderr, t.checkReady) }()
	go func() {
		wg.Wait()
		t.waitErr = cmd.Wait()
		close(t.exited)
	}()
	return t, nil
}

func (t *tracer) checkReady(line []byte) {
	t.readyMu.Lock()
	defer t.readyMu.Unlock()
	if t.readySeen >= t.readyNeed || t.readyRE == nil || !t.readyRE.Match(line) {
		return
	}
	t.readySeen++
	if t.readySeen == t.readyNeed {
		close(t.ready)
	}
}

// waitReady waits for the ready line(s); the error says why not.
func (t *tracer) waitReady(ctx context.Context) error {
	timer := time.NewTimer(readyDeadline)
	defer timer.Stop()
	select {
	case <-t.ready:
		return nil
	case <-t.exited:
		return fmt.Errorf("%s exited before it was ready (%v): %s", t.mode.Name, t.waitErr, t.output(8))
	case <-timer.C:
		return fmt.Errorf("%s not ready within %v: %s", t.mode.Name, readyDeadline, t.output(8))
	case <-ctx.Done():
		return ctx.Err()
	}
}

// cpuSeconds reads the process's CPU time so far (user+system) from /proc.
func (t *tracer) cpuSeconds() (float64, bool) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", t.cmd.Process.Pid))
	if err != nil {
		return 0, false
	}
	return parseStatCPU(string(data))
}

// parseStatCPU returns utime+stime in seconds from a /proc/PID/stat line.
func parseStatCPU(stat string) (float64, bool) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	s, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return float64(u+s) / clockTicks, true
}

func (t *tracer) signal() {
	t.stopOnce.Do(func() { _ = t.cmd.Process.Signal(t.mode.Stop) })
}

var errStopTimeout = errors.New("stop timeout")

// stopResult is what a stopped tracer leaves behind.
type stopResult struct {
	Drain    time.Duration // stop signal -> exit
	CPU      float64       // user+system seconds over the whole life
	MaxRSS   int64         // KiB
	ExitCode int           // -1: killed by a signal
	// Clean: exit status 0, or death by the stop signal itself (strace
	// prints its summary and then re-raises SIGINT).
	Clean bool
}

// stop sends the stop signal and waits for the exit.
func (t *tracer) stop(ctx context.Context) (stopResult, error) {
	var r stopResult
	t0 := time.Now()
	t.signal()
	deadline := stopDeadlineRef
	if t.mode.Ctrace {
		deadline = stopDeadline
	}
	timer := time.NewTimer(deadline)
	defer timer.Stop()
	select {
	case <-t.exited:
	case <-timer.C:
		t.abort(0)
		return r, fmt.Errorf("%w: %s did not exit within %v of %v; killed it (output: %s)", errStopTimeout, t.mode.Name, deadline, t.mode.Stop, t.output(4))
	case <-ctx.Done():
		t.abort(10 * time.Second)
		return r, ctx.Err()
	}
	r.Drain = time.Since(t0)
	st := t.cmd.ProcessState
	r.ExitCode = st.ExitCode()
	ws, _ := st.Sys().(syscall.WaitStatus)
	r.Clean = r.ExitCode == 0 || (ws.Signaled() && ws.Signal() == t.mode.Stop)
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		r.CPU = tvSeconds(ru.Utime) + tvSeconds(ru.Stime)
		r.MaxRSS = ru.Maxrss
	}
	return r, nil
}

func tvSeconds(tv syscall.Timeval) float64 {
	return float64(tv.Sec) + float64(tv.Usec)/1e6
}

// abort stops the tracer for good: the stop signal, then SIGKILL after grace.
func (t *tracer) abort(grace time.Duration) {
	t.signal()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-t.exited:
		return
	case <-timer.C:
	}
	_ = t.cmd.Process.Kill()
	<-t.exited
}

// output returns the last n lines of stderr (and stdout), for error messages.
func (t *tracer) output(n int) string {
	lines := t.stderr.lines()
	lines = append(lines, t.stdout.lines()...)
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	if len(lines) == 0 {
		return "(no output)"
	}
	return strings.Join(lines, " | ")
}

// lineTail counts the lines of a stream and keeps the last few, without
// allocating per line (ctrace's table output can be millions of lines).
type lineTail struct {
	mu    sync.Mutex
	ring  [][]byte
	count int64
	bytes int64
}

func newLineTail(n int) *lineTail { return &lineTail{ring: make([][]byte, n)} }

func (lt *lineTail) consume(r io.Reader, onLine func([]byte)) {
	br := bufio.NewReaderSize(r, 1<<16)
	var long []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long, chunk...)
			continue
		}
		line := chunk
		if len(long) > 0 {
			long = append(long, chunk...)
			line = long
		}
		if len(line) > 0 {
			lt.add(bytes.TrimRight(line, "\r\n"), len(line))
			onLine(bytes.TrimRight(line, "\r\n"))
		}
		long = long[:0]
		if err != nil {
			return
		}
	}
}

func (lt *lineTail) add(line []byte, n int) {
	lt.mu.Lock()
	i := lt.count % int64(len(lt.ring))
	lt.ring[i] = append(lt.ring[i][:0], line...)
	lt.count++
	lt.bytes += int64(n)
	lt.mu.Unlock()
}

// lines returns the kept lines, oldest first.
func (lt *lineTail) lines() []string {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	n := int64(len(lt.ring))
	start := max(0, lt.count-n)
	out := make([]string, 0, lt.count-start)
	for k := start; k < lt.count; k++ {
		out = append(out, string(lt.ring[k%n]))
	}
	return out
}

func (lt *lineTail) total() int64 {
	lt.mu.Lock()
	defer lt.mu.Unlock()
	return lt.count
}

// countLines counts newline-terminated lines in a file.
func countLines(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	var n int64
	for {
		k, err := f.Read(buf)
		n += int64(bytes.Count(buf[:k], []byte{'\n'}))
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
