package main

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
)

// Mode is one way of running a workload: untraced, or under a tracer.
// Adding a mode is one line in the modes table below.
type Mode struct {
	Name string
	Desc string
	// Launch builds the tracer's command for one run; nil means untraced.
	// It runs after the workload containers exist and are parked at their
	// start gate, so it can point the tracer at their PIDs or cgroups.
	Launch func(t *Target) (Launch, error)
	// Ready matches the line (stdout or stderr) that says the tracer is
	// attached; with ReadyPerPID it must appear once per workload PID.
	Ready       *regexp.Regexp
	ReadyPerPID bool
	// Stop is the signal that makes the tracer flush, print its figures and exit.
	Stop syscall.Signal
	// Figures reads the events/lost figures from the tracer's output; nil
	// when the tracer reports none (then only wall time, CPU and RSS count).
	Figures func(stdout, stderr []string) (Figures, error)
	// Ctrace marks ctrace itself: its CPU, peak RSS, events and lost events
	// are the ones the report is about.
	Ctrace bool
	// Scale shrinks the workload for very slow references (0 means 1); the
	// ratio is then taken against an untraced run at the same scale.
	Scale float64
	// MaxRuns caps the number of runs in full mode (0: all -runs).
	MaxRuns int
	// Quick selects the mode for every workload in -quick mode (modes
	// without it run only on the syscall storm there).
	Quick bool
}

// Launch is a tracer command ready to start.
type Launch struct {
	Argv       []string
	Env        []string // added to the harness's environment
	EventsFile string   // where the tracer writes events ("" = stdout, drained and counted)
}

// Target is what a tracer is pointed at in one run.
type Target struct {
	Ctx     context.Context
	Ctrace  string   // ctrace binary (absolute)
	Dir     string   // private scratch directory of this run
	PIDs    []int    // host PIDs of the workload containers' first processes
	Cgroups []string // their cgroup v2 directories (absolute paths under the cgroup2 mount)
}

var (
	ctraceReady   = regexp.MustCompile(`\bready\b`)
	bpftraceReady = regexp.MustCompile(`^ctracebench: attached$`)
	straceReady   = regexp.MustCompile(`^strace: Process \d+ attached`)
)

// The mode table. Order is the order of the report.
var modes = []Mode{
	{Name: "untraced", Desc: "no tracer", Quick: true},
	{Name: "floor", Desc: "bpftrace, empty raw_syscalls sys_enter+sys_exit hooks (cost of any syscall tracer)", Launch: bpftrace(floorProgram), Ready: bpftraceReady, Stop: syscall.SIGINT},
	{Name: "ctrace-seccomp-record", Desc: "ctrace seccomp record: per-container syscall bitmaps in the kernel, to a file", Launch: ctraceRecord, Ready: ctraceReady, Stop: syscall.SIGINT, Figures: recordFigures, Ctrace: true},
	{Name: "ctrace-json-file", Desc: "ctrace trace --output-format json, events-path = file", Launch: ctrace(toFile, "--output-format", "json"), Ready: ctraceReady, Stop: syscall.SIGINT, Figures: ctraceFigures, Ctrace: true, Quick: true},
	{Name: "ctrace-table-pipe", Desc: "ctrace trace (table) to a pipe the harness drains", Launch: ctrace(toPipe), Ready: ctraceReady, Stop: syscall.SIGINT, Figures: ctraceFigures, Ctrace: true},
	{Name: "ctrace-selective", Desc: "ctrace trace --event execve, JSON to a file", Launch: ctrace(toFile, "--output-format", "json", "--event", "execve"), Ready: ctraceReady, Stop: syscall.SIGINT, Figures: ctraceFigures, Ctrace: true},
	{Name: "ctrace-all-excluded", Desc: "ctrace trace --exclude-set syscalls,proc (every event excluded), JSON to a file", Launch: ctrace(toFile, "--output-format", "json", "--exclude-set", "syscalls,proc"), Ready: ctraceReady, Stop: syscall.SIGINT, Figures: ctraceFigures, Ctrace: true},
	{Name: "ctrace-other-container", Desc: "ctrace trace --container naming another container (the workload's containers are excluded in the kernel: one map lookup per syscall), JSON to a file", Launch: ctrace(toFile, "--output-format", "json", "--container", otherContainer), Ready: ctraceReady, Stop: syscall.SIGINT, Figures: ctraceFigures, Ctrace: true},
	{Name: "ctrace-file-set", Desc: "ctrace trace --set file (file events, derived from syscalls where no VFS hook loads), JSON to a file", Launch: ctrace(toFile, "--output-format", "json", "--set", "file"), Ready: ctraceReady, Stop: syscall.SIGINT, Figures: ctraceFigures, Ctrace: true},
	{Name: "bpftrace-count", Desc: "reference: bpftrace count of raw_syscalls:sys_enter per comm, filtered to the workload containers' cgroups", Launch: bpftrace(countProgram), Ready: bpftraceReady, Stop: syscall.SIGINT, Figures: bpftraceFigures},
	{Name: "strace", Desc: "reference: strace -f -c attached to the workload containers' first processes", Launch: strace, Ready: straceReady, ReadyPerPID: true, Stop: syscall.SIGINT, Figures: straceFigures, Scale: 0.05, MaxRuns: 3},
}

// otherContainer is the container ctrace-other-container selects: not a
// workload container (none is running under this name: a name given to
// --container that no container has yet is a note, and every running
// container is excluded from the start, which is the path measured).
const otherContainer = "ctracebench-not-the-workload"

func modeByName(name string) *Mode {
	for i := range modes {
		if modes[i].Name == name {
			return &modes[i]
		}
	}
	return nil
}

func (m *Mode) scale() float64 {
	if m.Scale == 0 {
		return 1
	}
	return m.Scale
}

// ---------------------------------------------------------------------------
// ctrace

type sink int

const (
	toFile sink = iota // events-path set to a file in the run directory (via a private CTRACE_CONFIG)
	toPipe             // stdout, a pipe the harness drains
)

// ctrace launches `ctrace trace ARGS...` with a private config file, so the
// user's own ctrace config is never read or written.
func ctrace(s sink, args ...string) func(t *Target) (Launch, error) {
	return func(t *Target) (Launch, error) {
		cfg := filepath.Join(t.Dir, "ctrace-config.json")
		env := []string{"CTRACE_CONFIG=" + cfg}
		l := Launch{Argv: append([]string{t.Ctrace, "trace"}, args...), Env: env}
		if s == toFile {
			l.EventsFile = filepath.Join(t.Dir, "events.out")
			if _, err := runHelper(t.Ctx, env, t.Ctrace, "config", "--set", "events-path="+l.EventsFile); err != nil {
				return l, fmt.Errorf("ctrace config --set events-path: %w", err)
			}
		}
		return l, nil
	}
}

// ---------------------------------------------------------------------------
// bpftrace

// The BEGIN probe prints once every probe is attached (bpftrace fires BEGIN
// after attaching; its "Attaching N probes..." line comes before).
const bpftraceBegin = `BEGIN { printf("ctracebench: attached\n"); } `

func floorProgram(*Target) string {
	return bpftraceBegin + `tracepoint:raw_syscalls:sys_enter {} tracepoint:raw_syscalls:sys_exit {}`
}

// countProgram counts syscalls per comm in exactly the workload containers'
// cgroups. The start gate makes this possible: the containers exist (parked
// at the gate) before the tracer starts, so their cgroup ids are known.
func countProgram(t *Target) string {
	var conds []string
	for _, cg := range t.Cgroups {
		conds = append(conds, fmt.Sprintf(`cgroup == cgroupid("%s")`, cg))
	}
	return bpftraceBegin + `tracepoint:raw_syscalls:sys_enter /` + strings.Join(conds, " || ") + `/ { @[comm] = count(); }`
}

func bpftrace(program func(*Target) string) func(t *Target) (Launch, error) {
	return func(t *Target) (Launch, error) {
		if len(t.Cgroups) == 0 {
			return Launch{}, fmt.Errorf("no workload cgroups")
		}
		return Launch{Argv: []string{"bpftrace", "-e", program(t)}}, nil
	}
}

// ---------------------------------------------------------------------------
// strace

func strace(t *Target) (Launch, error) {
	argv := []string{"strace", "-f", "-c"}
	for _, pid := range t.PIDs {
		argv = append(argv, "-p", fmt.Sprint(pid))
	}
	return Launch{Argv: argv}, nil
}
