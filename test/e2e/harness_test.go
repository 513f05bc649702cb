//go:build e2e

// Package e2e runs the real ctrace binary against the real Docker engine.
// Nothing is mocked. Run: sudo test/setup.sh && go test -tags e2e ./test/e2e/ -v
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ctrace-dev/ctrace/internal/schematest"
)

const (
	testImage = "ctrace-test/busybox:latest" // made by test/setup.sh

	readyDeadline  = 60 * time.Second // ctrace start -> "ready" on stderr
	stopDeadline   = 30 * time.Second // SIGINT -> exit
	eventDeadline  = 60 * time.Second // action -> its events on stdout
	dockerDeadline = 60 * time.Second // one docker CLI call / container state change
)

// ---------------------------------------------------------------------------
// Prerequisites

var (
	envOnce    sync.Once
	envProblem string // why e2e tests cannot run on this machine; "" when they can
)

// mustRun reports whether missing prerequisites are a failure rather than a skip.
func mustRun() bool {
	ci := strings.ToLower(os.Getenv("CI"))
	return (ci != "" && ci != "0" && ci != "false") || os.Getenv("CTRACE_REQUIRE_E2E") == "1"
}

func checkEnv() {
	if os.Geteuid() != 0 {
		envProblem = "not running as root (loading eBPF programs needs root)"
		return
	}
	if _, err := exec.LookPath("docker"); err != nil {
		envProblem = "docker CLI not on PATH (run test/setup.sh)"
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
		envProblem = fmt.Sprintf("docker daemon not reachable (run test/setup.sh): %v: %s", err, firstLine(string(out)))
		return
	}
}

// requireEnv skips (or fails, under CI / CTRACE_REQUIRE_E2E=1) when the machine
// cannot run e2e tests, fails when the test image is missing, and returns the
// absolute path of the ctrace binary (failing when it does not exist).
func requireEnv(t *testing.T) string {
	t.Helper()
	envOnce.Do(checkEnv)
	if envProblem != "" {
		if mustRun() {
			t.Fatalf("e2e prerequisites missing: %s (a failure because CI or CTRACE_REQUIRE_E2E=1 is set)", envProblem)
		}
		t.Skipf("skipping e2e: %s (set CTRACE_REQUIRE_E2E=1 to make this a failure)", envProblem)
	}
	bin := ctraceBin(t)
	if _, err := dockerCmd(t, "image", "inspect", "--format", "{{.Id}}", testImage); err != nil {
		t.Fatalf("test image %s missing: run test/setup.sh (%v)", testImage, err)
	}
	return bin
}

// ctraceBin returns the absolute path of the binary under test: $CTRACE_BIN,
// default ../../dist/ctrace (relative to this package directory).
func ctraceBin(t *testing.T) string {
	t.Helper()
	p := os.Getenv("CTRACE_BIN")
	if p == "" {
		p = filepath.Join("..", "..", "dist", "ctrace")
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatalf("resolving ctrace binary path %q: %v", p, err)
	}
	st, err := os.Stat(abs)
	if err != nil {
		t.Fatalf("ctrace binary not found at %s: build it with make build (or point CTRACE_BIN at it): %v", abs, err)
	}
	if !st.Mode().IsRegular() || st.Mode()&0o111 == 0 {
		t.Fatalf("ctrace binary at %s is not an executable file (mode %v): build it with make build", abs, st.Mode())
	}
	return abs
}

// ---------------------------------------------------------------------------
// JSON event contract

type Container struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Image   string `json:"image"`
	Runtime string `json:"runtime"`
}

type Process struct {
	PID  int64  `json:"pid"`
	TID  int64  `json:"tid"`
	PPID int64  `json:"ppid"`
	Comm string `json:"comm"`
	UID  int64  `json:"uid"`
	GID  int64  `json:"gid"`
}

// Event is one stdout line of `ctrace trace --output-format json`.
type Event struct {
	Timestamp string         `json:"timestamp"`
	Event     string         `json:"event"`
	Syscall   bool           `json:"syscall"`
	Container Container      `json:"container"`
	Process   Process        `json:"process"`
	Args      map[string]any `json:"args"` // numbers are json.Number
	Retval    *int64         `json:"retval"`

	Raw  string    `json:"-"` // the line as printed
	Time time.Time `json:"-"` // Timestamp parsed
}

// ArgString returns a string argument.
func (e *Event) ArgString(name string) (string, bool) {
	s, ok := e.Args[name].(string)
	return s, ok
}

// ArgInt returns an integer argument.
func (e *Event) ArgInt(name string) (int64, bool) {
	n, ok := e.Args[name].(json.Number)
	if !ok {
		return 0, false
	}
	v, err := n.Int64()
	return v, err == nil
}

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// nonSyscallEvents must carry "syscall":false; everything else in these tests is a syscall.
var nonSyscallEvents = map[string]bool{
	"sched_process_exec": true, "sched_process_fork": true, "sched_process_exit": true,
	"sys_enter": true, "sys_exit": true,
}

// parseEvent checks one stdout line against the JSON contract.
func parseEvent(line string) (Event, error) {
	var ev Event
	if !json.Valid([]byte(line)) {
		return ev, errors.New("not valid JSON")
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &top); err != nil {
		return ev, fmt.Errorf("not a JSON object: %v", err)
	}
	for _, k := range []string{"timestamp", "event", "syscall", "container", "process"} {
		if _, ok := top[k]; !ok {
			return ev, fmt.Errorf("missing key %q", k)
		}
	}
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&ev); err != nil {
		return ev, fmt.Errorf("wrong field type: %v", err)
	}
	ev.Raw = line
	t, err := time.Parse(time.RFC3339Nano, ev.Timestamp)
	if err != nil {
		return ev, fmt.Errorf("timestamp %q is not RFC3339Nano: %v", ev.Timestamp, err)
	}
	ev.Time = t
	switch {
	case ev.Event == "":
		return ev, errors.New("empty event name")
	case ev.Process.PID <= 0 || ev.Process.TID <= 0:
		return ev, fmt.Errorf("process.pid=%d tid=%d, want > 0", ev.Process.PID, ev.Process.TID)
	case ev.Process.PPID < 0 || ev.Process.UID < 0 || ev.Process.GID < 0:
		return ev, fmt.Errorf("negative ppid/uid/gid in %+v", ev.Process)
	case nonSyscallEvents[ev.Event] && ev.Syscall:
		return ev, fmt.Errorf("%s has syscall=true, want false", ev.Event)
	case (ev.Event == "openat" || ev.Event == "execve") && !ev.Syscall:
		return ev, fmt.Errorf("%s has syscall=false, want true", ev.Event)
	}
	return ev, nil
}

var (
	eventSchemaOnce sync.Once
	eventSchema     *schematest.Schema
	eventSchemaErr  error
)

// checkEventSchema validates one event line against docs/events.schema.json.
func checkEventSchema(line string) error {
	eventSchemaOnce.Do(func() { eventSchema, eventSchemaErr = schematest.Compile(schematest.Events) })
	if eventSchemaErr != nil {
		return eventSchemaErr
	}
	return eventSchema.Validate([]byte(line))
}

// ---------------------------------------------------------------------------
// Running ctrace

// Ctrace is one running `ctrace trace` process.
type Ctrace struct {
	cmd     *exec.Cmd
	args    []string
	json    bool
	started time.Time
	// exitsOnItsOwn: the test expects ctrace to stop by itself (a write
	// error), so the cleanup does not require an exit 0 after SIGINT.
	exitsOnItsOwn bool
	lines         int            // stdout lines seen by the reader goroutine (its own counter)
	perContainer  map[string]int // stdout lines per test container (reader goroutine only)

	mu      sync.Mutex
	events  []Event  // valid JSON events, in order (json mode)
	stdout  []string // every stdout line
	stderr  []string // every stderr line
	bad     []string // contract violations on stdout
	changed chan struct{}

	exited     chan struct{} // closed when the process has been waited for
	stdoutDone chan struct{}
	stderrDone chan struct{}

	stopOnce sync.Once
	result   StopResult
}

// StopResult is what ctrace left behind after SIGINT.
type StopResult struct {
	ExitCode   int    // -1 when killed by a signal
	Early      bool   // it had exited before SIGINT was sent
	State      string // os.ProcessState text
	Summary    string // last stderr line mentioning both "events" and "lost"
	Events     int64  // -1 when not found in Summary
	Lost       int64  // -1 when not found in Summary
	StdoutLine int    // number of stdout lines
}

// startCtrace runs `ctrace trace --output-format json <args>` and waits for it
// to say it is ready. A cleanup stops it with SIGINT and checks a clean exit.
func startCtrace(t *testing.T, args ...string) *Ctrace {
	t.Helper()
	return startCtraceMode(t, true, args...)
}

// startCtraceTable runs `ctrace trace <args>` with the default (table) output.
func startCtraceTable(t *testing.T, args ...string) *Ctrace {
	t.Helper()
	return startCtraceMode(t, false, args...)
}

func startCtraceMode(t *testing.T, jsonOut bool, args ...string) *Ctrace {
	t.Helper()
	return startCtraceOpts(t, ctraceOpts{json: jsonOut}, args...)
}

// ctraceOpts are the less common ways to start ctrace.
type ctraceOpts struct {
	json          bool
	env           []string // added to the environment (e.g. CTRACE_CONFIG=...)
	exitsOnItsOwn bool     // see Ctrace.exitsOnItsOwn
}

func startCtraceOpts(t *testing.T, o ctraceOpts, args ...string) *Ctrace {
	t.Helper()
	jsonOut := o.json
	bin := requireEnv(t)
	full := []string{"trace"}
	if jsonOut {
		full = append(full, "--output-format", "json")
	}
	full = append(full, args...)

	c := &Ctrace{
		cmd:        exec.Command(bin, full...),
		args:       full,
		json:       jsonOut,
		changed:    make(chan struct{}, 1),
		exited:     make(chan struct{}),
		stdoutDone: make(chan struct{}),
		stderrDone: make(chan struct{}),
	}
	c.exitsOnItsOwn = o.exitsOnItsOwn
	if len(o.env) > 0 {
		c.cmd.Env = append(os.Environ(), o.env...)
	}
	// Own process group (a terminal ^C reaches only `go test`), and killed if
	// the test binary dies so no tracer is left attached.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// Plain files, not exec's copying goroutines: Wait does not depend on readers.
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c.cmd.Stdout, c.cmd.Stderr = outW, errW
	c.started = time.Now()
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("starting %s %s: %v", bin, strings.Join(full, " "), err)
	}
	outW.Close()
	errW.Close()
	t.Logf("started ctrace %s (pid %d)", strings.Join(full, " "), c.cmd.Process.Pid)

	go c.readLines(outR, c.stdoutDone, c.addStdout)
	go c.readLines(errR, c.stderrDone, c.addStderr)
	go func() {
		_ = c.cmd.Wait() // state is in c.cmd.ProcessState
		close(c.exited)
		c.poke()
	}()
	t.Cleanup(func() { c.stopAndCheck(t) })

	c.waitReady(t)
	return c
}

func (c *Ctrace) poke() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

func (c *Ctrace) readLines(r *os.File, done chan struct{}, add func(string)) {
	defer close(done)
	defer r.Close()
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			add(strings.TrimSuffix(line, "\n"))
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				add(fmt.Sprintf("<read error: %v>", err))
			}
			return
		}
	}
}

func (c *Ctrace) addStdout(line string) {
	var ev Event
	var err error
	if c.json { // outside the lock: the waiting test is not held up
		ev, err = parseEvent(line)
		c.lines++
		if err == nil && c.schemaSample(ev.Container.Name) {
			err = checkEventSchema(line)
		}
	}
	c.mu.Lock()
	c.stdout = append(c.stdout, line)
	if c.json {
		if err != nil {
			c.bad = append(c.bad, fmt.Sprintf("stdout line %d: %v: %s", len(c.stdout), err, clip(line, 400)))
		} else {
			c.events = append(c.events, ev)
		}
	}
	c.mu.Unlock()
	c.poke()
}

// schemaCheckAll is how many lines of one test container are all checked
// against the schema; beyond (syscall storms: hundreds of thousands of
// lines of the same few shapes) they are sampled like other containers',
// so that checking does not slow the reader into a stalled consumer.
const schemaCheckAll = 5000

// schemaSample says whether the current stdout line, of container name,
// is checked against the schema: every line of the tests' own containers
// up to schemaCheckAll each, and one in 50 of the rest.
func (c *Ctrace) schemaSample(name string) bool {
	if strings.HasPrefix(name, "ctrace-e2e-") {
		if c.perContainer == nil {
			c.perContainer = map[string]int{}
		}
		c.perContainer[name]++
		if c.perContainer[name] <= schemaCheckAll {
			return true
		}
	}
	return c.lines%50 == 1
}

func (c *Ctrace) addStderr(line string) {
	c.mu.Lock()
	c.stderr = append(c.stderr, line)
	c.mu.Unlock()
	c.poke()
}

// Events returns the events decoded so far (do not modify).
func (c *Ctrace) Events() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.events[:len(c.events):len(c.events)]
}

func (c *Ctrace) snapshot() (events []Event, stdout, stderr, bad []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.events[:len(c.events):len(c.events)], c.stdout[:len(c.stdout):len(c.stdout)],
		c.stderr[:len(c.stderr):len(c.stderr)], c.bad[:len(c.bad):len(c.bad)]
}

var readyRe = regexp.MustCompile(`(?i)\bready\b`)

func (c *Ctrace) waitReady(t *testing.T) {
	t.Helper()
	c.waitUntil(t, readyDeadline, "a stderr line containing \"ready\"", func() bool {
		_, _, stderr, _ := c.snapshot()
		for _, l := range stderr {
			if readyRe.MatchString(l) {
				return true
			}
		}
		return false
	})
	t.Logf("ctrace ready after %v", time.Since(c.started).Round(time.Millisecond))
}

// waitFor waits until pred holds over all events decoded so far and returns
// them. It fails the test at the deadline, when ctrace exits, or as soon as a
// stdout line breaks the JSON contract.
func (c *Ctrace) waitFor(t *testing.T, timeout time.Duration, what string, pred func([]Event) bool) []Event {
	t.Helper()
	var evs []Event
	c.waitUntil(t, timeout, what, func() bool {
		evs = c.Events()
		return pred(evs)
	})
	return evs
}

// waitForLine waits until some stdout line satisfies pred (for table output).
func (c *Ctrace) waitForLine(t *testing.T, timeout time.Duration, what string, pred func(string) bool) string {
	t.Helper()
	var found string
	c.waitUntil(t, timeout, what, func() bool {
		_, stdout, _, _ := c.snapshot()
		for _, l := range stdout {
			if pred(l) {
				found = l
				return true
			}
		}
		return false
	})
	return found
}

// waitUntil re-checks cond whenever ctrace prints something, without sleeping.
func (c *Ctrace) waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if _, _, _, bad := c.snapshot(); len(bad) > 0 {
			t.Fatalf("ctrace broke the JSON output contract while waiting for %s:\n%s", what, strings.Join(head(bad, 10), "\n"))
		}
		if cond() {
			return
		}
		select {
		case <-c.changed:
		case <-c.exited:
			// Let the pipes drain, then decide once more.
			select {
			case <-c.stdoutDone:
			case <-time.After(5 * time.Second):
			}
			select {
			case <-c.stderrDone:
			case <-time.After(5 * time.Second):
			}
			if cond() {
				return
			}
			t.Fatalf("ctrace exited (%v) while waiting for %s\n%s", c.cmd.ProcessState, what, c.tails())
		case <-deadline.C:
			t.Fatalf("timed out after %v waiting for %s\n%s", timeout, what, c.tails())
		}
	}
}

// Stop sends SIGINT (once), waits for the exit and for stdout/stderr to
// close, and parses the summary line. Safe to call more than once.
func (c *Ctrace) Stop(t *testing.T) StopResult {
	t.Helper()
	c.stopOnce.Do(func() {
		select {
		case <-c.exited:
			c.result.Early = true
		default:
			if err := c.cmd.Process.Signal(os.Interrupt); err != nil {
				t.Errorf("sending SIGINT to ctrace: %v", err)
			}
		}
		select {
		case <-c.exited:
		case <-time.After(stopDeadline):
			t.Errorf("ctrace did not exit within %v of SIGINT; killing it", stopDeadline)
			_ = c.cmd.Process.Kill()
			select {
			case <-c.exited:
			case <-time.After(10 * time.Second):
				t.Errorf("ctrace (pid %d) still not reaped 10s after SIGKILL", c.cmd.Process.Pid)
			}
		}
		for name, ch := range map[string]chan struct{}{"stdout": c.stdoutDone, "stderr": c.stderrDone} {
			select {
			case <-ch:
			case <-time.After(10 * time.Second):
				t.Errorf("ctrace's %s still open 10s after it exited (a child holding it?)", name)
			}
		}
		r := StopResult{ExitCode: -1, Events: -1, Lost: -1, Early: c.result.Early}
		if ps := c.cmd.ProcessState; ps != nil {
			r.ExitCode, r.State = ps.ExitCode(), ps.String()
		}
		_, stdout, stderr, _ := c.snapshot()
		r.StdoutLine = len(stdout)
		r.Summary = findSummary(stderr)
		if r.Summary != "" {
			r.Events = summaryNumber(r.Summary, "events")
			r.Lost = summaryNumber(r.Summary, "lost")
		}
		c.result = r
	})
	return c.result
}

// stopAndCheck is the cleanup: clean exit 0 on SIGINT, a summary line, and
// every stdout line within the contract. Dumps output when the test failed.
func (c *Ctrace) stopAndCheck(t *testing.T) {
	r := c.Stop(t)
	if c.exitsOnItsOwn {
		if t.Failed() {
			t.Logf("ctrace %s\n%s", strings.Join(c.args, " "), c.tails())
		}
		return
	}
	if r.Early {
		t.Errorf("ctrace %s exited on its own (%s) before the test sent SIGINT", strings.Join(c.args, " "), r.State)
	} else if r.ExitCode != 0 {
		t.Errorf("ctrace %s: %s after SIGINT, want exit status 0", strings.Join(c.args, " "), r.State)
	}
	if r.Summary == "" {
		t.Errorf("ctrace printed no summary line (one containing \"events\" and \"lost\") on stderr")
	}
	if _, _, _, bad := c.snapshot(); len(bad) > 0 {
		t.Errorf("%d stdout line(s) broke the JSON output contract:\n%s", len(bad), strings.Join(head(bad, 10), "\n"))
	}
	if t.Failed() {
		t.Logf("ctrace %s\n%s", strings.Join(c.args, " "), c.tails())
	}
}

func (c *Ctrace) tails() string {
	_, stdout, stderr, _ := c.snapshot()
	var b strings.Builder
	fmt.Fprintf(&b, "--- ctrace stderr (last %d of %d lines) ---\n", min(len(stderr), 40), len(stderr))
	for _, l := range tail(stderr, 40) {
		b.WriteString(clip(l, 400) + "\n")
	}
	fmt.Fprintf(&b, "--- ctrace stdout (last %d of %d lines) ---\n", min(len(stdout), 20), len(stdout))
	for _, l := range tail(stdout, 20) {
		b.WriteString(clip(l, 400) + "\n")
	}
	return b.String()
}

var (
	eventsWord = regexp.MustCompile(`(?i)\bevents\b`)
	lostWord   = regexp.MustCompile(`(?i)\blost\b`)
)

func findSummary(stderr []string) string {
	for i := len(stderr) - 1; i >= 0; i-- {
		if eventsWord.MatchString(stderr[i]) && lostWord.MatchString(stderr[i]) {
			return stderr[i]
		}
	}
	return ""
}

// summaryNumber finds the integer that belongs to word in a summary line,
// tolerating "events: 12, lost: 0", "events=12 lost=0", "12 events, 0 lost",
// "events received: 12". -1 when there is none.
func summaryNumber(line, word string) int64 {
	after := regexp.MustCompile(`(?i)\b` + word + `\b[^\d,;|()\n]{0,24}?(\d+)`)
	before := regexp.MustCompile(`(?i)(\d+)\s*` + word + `\b`)
	for _, re := range []*regexp.Regexp{after, before} {
		if m := re.FindStringSubmatch(line); m != nil {
			if n, err := strconv.ParseInt(m[1], 10, 64); err == nil {
				return n
			}
		}
	}
	return -1
}

// ---------------------------------------------------------------------------
// Docker helpers

func dockerCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return dockerCtx(t, dockerDeadline, args...)
}

func dockerCtx(t *testing.T, timeout time.Duration, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		return stdout.String(), fmt.Errorf("docker %s: timed out after %v", strings.Join(args, " "), timeout)
	}
	if err != nil {
		return stdout.String(), fmt.Errorf("docker %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// containerName returns a unique name: ctrace-e2e-<test>-<random>.
func containerName(t *testing.T) string {
	short := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, strings.ToLower(strings.TrimPrefix(t.Name(), "Test")))
	if len(short) > 12 {
		short = short[:12]
	}
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("ctrace-e2e-%s-%s", short, hex.EncodeToString(b))
}

// runContainer starts `docker run -d --name name testImage cmd...` and returns
// the full container id. The container is removed (docker rm -f) at cleanup.
// No --rm: the container stays inspectable after it exits.
func runContainer(t *testing.T, name string, cmd ...string) string {
	t.Helper()
	args := append([]string{"run", "-d", "--pull=never", "--network", "none", "--name", name, testImage}, cmd...)
	return startContainer(t, name, args, strings.Join(cmd, " "))
}

// startContainer runs `docker <args>` (a detached docker run of container
// name), registers its removal at cleanup and returns the full id; what
// describes the workload in the log.
func startContainer(t *testing.T, name string, args []string, what string) string {
	t.Helper()
	out, err := dockerCmd(t, args...)
	t.Cleanup(func() {
		if _, err := dockerCtx(t, 30*time.Second, "rm", "-f", name); err != nil && !strings.Contains(err.Error(), "No such container") {
			t.Logf("cleanup: %v", err)
		}
	})
	if err != nil {
		t.Fatalf("starting container %s: %v", name, err)
	}
	id := strings.TrimSpace(out)
	if !hex64.MatchString(id) {
		t.Fatalf("docker run printed %q, want a 64-hex container id", id)
	}
	t.Logf("container %s started: %s %s", name, id[:12], what)
	return id
}

// waitContainerExit waits (with a deadline) for the container to exit and returns its exit code.
func waitContainerExit(t *testing.T, name string, timeout time.Duration) int {
	t.Helper()
	out, err := dockerCtx(t, timeout, "wait", name)
	if err != nil {
		t.Fatalf("waiting for container %s to exit: %v", name, err)
	}
	code, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("docker wait %s printed %q", name, out)
	}
	return code
}

// waitContainerRunning polls docker inspect until the container runs.
func waitContainerRunning(t *testing.T, name string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		out, err := dockerCmd(t, "inspect", "--format", "{{.State.Status}}", name)
		state := strings.TrimSpace(out)
		switch {
		case err != nil:
			t.Fatalf("inspecting container %s: %v", name, err)
		case state == "running":
			return
		case state == "exited" || state == "dead":
			logs, _ := dockerCmd(t, "logs", name)
			t.Fatalf("container %s is %s, want running; logs: %s", name, state, clip(logs, 400))
		case time.Now().After(deadline):
			t.Fatalf("container %s not running within %v (state %q)", name, timeout, state)
		}
		<-tick.C
	}
}

func inspectID(t *testing.T, name string) string {
	t.Helper()
	out, err := dockerCmd(t, "inspect", "--format", "{{.Id}}", name)
	if err != nil {
		t.Fatalf("inspecting container %s: %v", name, err)
	}
	return strings.TrimSpace(out)
}

// ---------------------------------------------------------------------------
// Event predicates and small helpers

func inContainer(evs []Event, name string) []Event {
	var out []Event
	for _, e := range evs {
		if e.Container.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// isExecCat: an execve of .../cat that did not fail.
func isExecCat(e *Event) bool {
	fn, _ := e.ArgString("filename")
	return e.Event == "execve" && strings.HasSuffix(fn, "/cat") && (e.Retval == nil || *e.Retval == 0)
}

// isOpenHostname: a successful openat of /etc/hostname.
func isOpenHostname(e *Event) bool {
	fn, _ := e.ArgString("filename")
	return e.Event == "openat" && fn == "/etc/hostname" && e.Retval != nil && *e.Retval >= 0
}

func anyEvent(evs []Event, name string, pred func(*Event) bool) bool {
	for i := range evs {
		if evs[i].Container.Name == name && pred(&evs[i]) {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func head(s []string, n int) []string { return s[:min(n, len(s))] }
func tail(s []string, n int) []string { return s[len(s)-min(n, len(s)):] }
