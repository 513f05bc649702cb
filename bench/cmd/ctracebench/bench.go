package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

const (
	gateDeadline   = 120 * time.Second // docker run -> container parked at its gate
	serverDeadline = 30 * time.Second  // server container -> listening
	workDeadline   = 15 * time.Minute  // gate released -> work done
)

// Bench holds what every run needs.
type Bench struct {
	ctx      context.Context
	ctrace   string // absolute path of the ctrace binary
	image    string
	quick    bool
	scratch  string // private scratch directory, removed at the end
	cgroup2  string
	reg      *registry
	network  string // private bridge network, created on first use
	cpuset   string // --cpuset-cpus of the workload containers ("" = not pinned)
	seq      int
	progress func(format string, args ...any)
}

// Sample is one run of one workload in one mode.
type Sample struct {
	Workload string  `json:"workload"`
	Mode     string  `json:"mode"`
	Scale    float64 `json:"scale"`
	Size     int     `json:"size"`
	Parallel int     `json:"parallel"`
	Phase    string  `json:"phase"` // "warm-up", "main" or "throughput"
	Run      int     `json:"run"`   // 1-based
	OK       bool    `json:"ok"`
	Error    string  `json:"error,omitempty"`
	Warning  string  `json:"warning,omitempty"`

	WallS float64 `json:"wall_s"` // gate released -> last container reported done
	// BackgroundCPUS is the CPU time the machine spent during the timed part
	// on anything but the workload containers, the tracer and the harness
	// (dockerd, kernel threads, other users): a noise indicator.
	BackgroundCPUS *float64 `json:"background_cpu_s,omitempty"`
	HarnessCPUS    *float64 `json:"harness_cpu_s,omitempty"` // the harness itself (draining a tracer's stdout)
	LoadAvg1       float64  `json:"loadavg1"`                // 1-minute load average before the run

	TracerReadyS    *float64 `json:"tracer_ready_s,omitempty"`     // tracer start -> ready
	TracerStartCPUS *float64 `json:"tracer_start_cpu_s,omitempty"` // CPU used until ready
	TracerCPUS      *float64 `json:"tracer_cpu_s,omitempty"`       // CPU used after ready, through the drain
	PeakRSSKiB      *int64   `json:"peak_rss_kib,omitempty"`
	DrainS          *float64 `json:"drain_s,omitempty"` // stop signal -> exit
	ExitCode        *int     `json:"exit_code,omitempty"`
	Events          *int64   `json:"events,omitempty"`
	Lost            *int64   `json:"lost,omitempty"`
	Detail          string   `json:"detail,omitempty"`
	OutputLines     *int64   `json:"output_lines,omitempty"` // lines in the events file / drained from stdout
}

func ptr[T any](v T) *T { return &v }

// run runs workload w in mode m once, in parallel containers.
func (b *Bench) run(phase string, w *Workload, m *Mode, scale float64, run, parallel int) Sample {
	s := Sample{Workload: w.Name, Mode: m.Name, Phase: phase, Scale: scale, Size: w.size(b.quick, scale), Parallel: parallel, Run: run}
	if err := b.runErr(w, m, &s); err != nil {
		s.Error = err.Error()
	} else {
		s.OK = true
	}
	return s
}

func (b *Bench) runErr(w *Workload, m *Mode, s *Sample) error {
	b.seq++
	dir := filepath.Join(b.scratch, fmt.Sprintf("run-%04d", b.seq))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var names []string
	defer func() { b.reg.removeContainers(names...) }()
	newName := func(role string) string {
		n := fmt.Sprintf("ctracebench-%d-%04d-%s", os.Getpid(), b.seq, role)
		names = append(names, n)
		b.reg.addContainer(n)
		return n
	}

	var target Target
	target.Ctx, target.Ctrace, target.Dir = b.ctx, b.ctrace, dir
	netArgs := []string{"--network", "none"}
	server := ""
	var serverName string
	if w.Server {
		net, err := b.ensureNetwork()
		if err != nil {
			return err
		}
		netArgs = []string{"--network", net}
		serverName = newName("server")
		if _, err := b.dockerRun(serverName, netArgs, serverScript); err != nil {
			return err
		}
		ci, err := b.waitListening(serverName)
		if err != nil {
			return err
		}
		server = ci.IP
	}

	// Workload containers, each parked at its own gate.
	gates := make([]*gate, s.Parallel)
	gnames := make([]string, s.Parallel)
	script := gatedScript(setupOf(w, s.Size), w.Work(s.Size, server))
	for i := range gates {
		g, err := newGate(filepath.Join(dir, fmt.Sprintf("gate-%d", i)))
		if err != nil {
			return err
		}
		defer g.close()
		gates[i] = g
		gnames[i] = newName(fmt.Sprintf("work%d", i))
		args := append([]string{"-v", g.dir + ":/gate"}, netArgs...)
		args = append(args, w.DockerArgs...)
		if b.cpuset != "" && s.Parallel == 1 {
			// One workload container: pinned. The throughput runs with
			// several storms at once are left to the scheduler (they
			// measure what the ring buffer holds with producers on
			// every CPU).
			args = append(args, "--cpuset-cpus", b.cpuset)
		}
		if _, err := b.dockerRun(gnames[i], args, script); err != nil {
			return err
		}
	}
	for i, g := range gates {
		name := gnames[i]
		err := g.waitArmed(b.ctx, gateDeadline, func() error { return b.checkRunning(name) })
		if err != nil {
			return fmt.Errorf("%s: %w%s", name, err, b.logsHint(name))
		}
	}
	for _, n := range append(gnames, serverName) {
		if n == "" {
			continue
		}
		ci, err := inspectContainer(b.ctx, n, b.cgroup2)
		if err != nil {
			return err
		}
		if !ci.Running || ci.PID <= 0 {
			return fmt.Errorf("%s is not running%s", n, b.logsHint(n))
		}
		target.PIDs = append(target.PIDs, ci.PID)
		if ci.Cgroup != "" {
			target.Cgroups = append(target.Cgroups, ci.Cgroup)
		}
	}

	// Tracer, if any, attached and ready before the gate opens.
	var tr *tracer
	var launch Launch
	var cpuAtReady float64
	if m.Launch != nil {
		var err error
		if launch, err = m.Launch(&target); err != nil {
			return fmt.Errorf("%s: %w", m.Name, err)
		}
		need := 1
		if m.ReadyPerPID {
			need = len(target.PIDs)
		}
		if tr, err = startTracer(launch, m, need, b.reg); err != nil {
			return err
		}
		defer func() {
			tr.abort(10 * time.Second)
			b.reg.dropProc(tr)
		}()
		if err := tr.waitReady(b.ctx); err != nil {
			return err
		}
		s.TracerReadyS = ptr(time.Since(tr.started).Seconds())
		if c, ok := tr.cpuSeconds(); ok {
			cpuAtReady = c
			s.TracerStartCPUS = ptr(c)
		}
	}

	// The timed part: release every gate, wait for every status.
	s.LoadAvg1 = loadAvg1()
	acct0 := b.cpuAccount(&target, tr)
	t0 := time.Now()
	for _, g := range gates {
		if err := g.release(); err != nil {
			return fmt.Errorf("releasing the gate: %w", err)
		}
	}
	deadline := t0.Add(workDeadline)
	var workErr error
	for i, g := range gates {
		rc, err := g.waitDone(b.ctx, deadline)
		if err == nil && rc != 0 {
			err = fmt.Errorf("workload exited with status %d", rc)
		}
		if err != nil && workErr == nil {
			workErr = fmt.Errorf("%s: %w%s", gnames[i], err, b.logsHint(gnames[i]))
		}
	}
	s.WallS = time.Since(t0).Seconds()
	if acct1 := b.cpuAccount(&target, tr); acct0.ok && acct1.ok {
		harness := acct1.harness - acct0.harness
		s.HarnessCPUS = ptr(harness)
		s.BackgroundCPUS = ptr(max(0, (acct1.machine-acct0.machine)-(acct1.containers-acct0.containers)-(acct1.tracer-acct0.tracer)-harness))
	}
	if errors.Is(workErr, context.Canceled) {
		return workErr
	}

	if tr != nil {
		r, err := tr.stop(b.ctx)
		b.reg.dropProc(tr)
		if errors.Is(err, errStopTimeout) && m.Figures == nil {
			// Nothing to read from it: the wall time stands, with a warning.
			s.Warning = err.Error()
			return workErr
		}
		if err != nil {
			return err
		}
		s.DrainS = ptr(r.Drain.Seconds())
		s.TracerCPUS = ptr(max(0, r.CPU-cpuAtReady))
		s.PeakRSSKiB = ptr(r.MaxRSS)
		s.ExitCode = ptr(r.ExitCode)
		if launch.EventsFile != "" {
			n, err := countLines(launch.EventsFile)
			if err != nil && !os.IsNotExist(err) {
				return err
			}
			s.OutputLines = ptr(n)
			os.Remove(launch.EventsFile)
		} else {
			s.OutputLines = ptr(tr.stdout.total())
		}
		if m.Figures != nil {
			f, err := m.Figures(tr.stdout.lines(), tr.stderr.lines())
			if err != nil {
				return fmt.Errorf("%s: %w (exit status %d; output: %s)", m.Name, err, r.ExitCode, tr.output(6))
			}
			s.Events, s.Detail = ptr(f.Events), f.Detail
			if f.Lost >= 0 {
				s.Lost = ptr(f.Lost)
			}
		}
		if !r.Clean && workErr == nil {
			return fmt.Errorf("%s exited with status %d: %s", m.Name, r.ExitCode, tr.output(6))
		}
	}
	return workErr
}

func setupOf(w *Workload, n int) string {
	if w.Setup == nil {
		return ""
	}
	return w.Setup(n)
}

func (b *Bench) dockerRun(name string, args []string, script string) (string, error) {
	argv := []string{"run", "-d", "--name", name, "--label", fmt.Sprintf("%s=%d", ownerLabel, os.Getpid())}
	argv = append(argv, args...)
	argv = append(argv, b.image, "sh", "-c", script)
	return docker(b.ctx, argv...)
}

func (b *Bench) checkRunning(name string) error {
	ci, err := inspectContainer(b.ctx, name, "")
	if err != nil {
		return err
	}
	if !ci.Running {
		return errors.New("container exited before reaching its start gate")
	}
	return nil
}

// logsHint returns the tail of a container's output, for error messages.
func (b *Bench) logsHint(name string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, "docker", "logs", "--tail", "5", name).CombinedOutput()
	if s := lastLines(string(out), 5); s != "" {
		return " (container output: " + s + ")"
	}
	return ""
}

func (b *Bench) ensureNetwork() (string, error) {
	if b.network != "" {
		return b.network, nil
	}
	name := fmt.Sprintf("ctracebench-%d", os.Getpid())
	b.reg.addNetwork(name)
	// --internal: the containers reach each other and nothing else.
	if _, err := docker(b.ctx, "network", "create", "--internal", "--label", fmt.Sprintf("%s=%d", ownerLabel, os.Getpid()), name); err != nil {
		return "", err
	}
	b.network = name
	return name, nil
}

// waitListening polls until the server container listens on its port.
func (b *Bench) waitListening(name string) (containerInfo, error) {
	end := time.Now().Add(serverDeadline)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		ci, err := inspectContainer(b.ctx, name, b.cgroup2)
		if err != nil {
			return ci, err
		}
		if !ci.Running {
			return ci, fmt.Errorf("server container %s exited%s", name, b.logsHint(name))
		}
		if ci.PID > 0 && ci.IP != "" && listening(ci.PID, serverPort) {
			return ci, nil
		}
		if time.Now().After(end) {
			return ci, fmt.Errorf("server container %s not listening on port %d within %v", name, serverPort, serverDeadline)
		}
		select {
		case <-b.ctx.Done():
			return ci, b.ctx.Err()
		case <-tick.C:
		}
	}
}

// cpuAccount is a snapshot of CPU seconds: the whole machine (busy time),
// the workload containers' cgroups and the tracer process.
type cpuAccount struct {
	machine, containers, tracer, harness float64
	ok                                   bool
}

func (b *Bench) cpuAccount(t *Target, tr *tracer) cpuAccount {
	var a cpuAccount
	var ok bool
	if a.machine, ok = machineBusySeconds(); !ok {
		return a
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		a.harness = tvSeconds(ru.Utime) + tvSeconds(ru.Stime)
	}
	for _, cg := range t.Cgroups {
		u, ok := cgroupUsageSeconds(cg)
		if !ok {
			return a
		}
		a.containers += u
	}
	if tr != nil {
		if a.tracer, ok = tr.cpuSeconds(); !ok {
			return a
		}
	}
	a.ok = len(t.Cgroups) > 0
	return a
}
