// Command ctracebench is ctrace's benchmark suite (`make bench`,
// `make bench-quick`): it runs workloads in Docker containers untraced and
// under ctrace and reference tracers, and reports wall time ratios, ctrace's
// CPU, memory and event figures as a table, JSON and Markdown.
//
// Every run parks its workload containers at a start gate (a FIFO), starts
// the tracer, waits until it is attached, then opens the gate and times the
// work alone, from the gate opening to the exit status arriving on a second
// FIFO. See docs/performance.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

const (
	modulePath   = "github.com/ctrace-dev/ctrace"
	defaultImage = "ctrace-test/busybox:latest" // made by test/setup.sh
)

// Report is everything a run produced; it is written as results.json.
type Report struct {
	Schema     int           `json:"schema"`
	Generated  string        `json:"generated"`
	Command    string        `json:"command"`
	Duration   string        `json:"duration"`
	Quick      bool          `json:"quick"`
	Runs       int           `json:"runs"`
	Machine    Machine       `json:"machine"`
	Workloads  []WorkloadDoc `json:"workloads"`
	Modes      []ModeDoc     `json:"modes"`
	Results    []Result      `json:"results"`
	Targets    []TargetCheck `json:"targets"`
	References []reference   `json:"references"`
	Throughput []Throughput  `json:"throughput,omitempty"`
	Micro      MicroReport   `json:"micro"`
	Samples    []Sample      `json:"samples"`
}

type WorkloadDoc struct {
	Name string `json:"name"`
	Desc string `json:"desc"`
	Size int    `json:"size"`
}

type ModeDoc struct {
	Name  string  `json:"name"`
	Desc  string  `json:"desc"`
	Scale float64 `json:"scale,omitempty"`
}

type options struct {
	quick      bool
	runs       int
	out        string
	doc        string
	modes      string
	workloads  string
	ctrace     string
	image      string
	repo       string
	throughput bool
	micro      bool
	warmup     bool
	cpuset     string
}

func main() { os.Exit(run()) }

func run() int {
	var o options
	flag.BoolVar(&o.quick, "quick", false, "small sizes, one run, non-storm workloads only in untraced and ctrace-json-file mode (make bench-quick)")
	flag.IntVar(&o.runs, "runs", 0, "runs per cell, interleaved (default 5; 1 with -quick)")
	flag.StringVar(&o.out, "out", "", "directory for results.json (default bench, or bench/out for -quick and partial runs)")
	flag.StringVar(&o.doc, "doc", "", "Markdown file whose generated section is replaced (default docs/performance.md, or OUT/performance.md for -quick and partial runs)")
	flag.StringVar(&o.modes, "modes", "", "comma-separated modes (default all): "+strings.Join(modeNames(), ","))
	flag.StringVar(&o.workloads, "workloads", "", "comma-separated workloads (default all): "+strings.Join(workloadNames(), ","))
	flag.StringVar(&o.ctrace, "ctrace", "dist/ctrace", "ctrace binary")
	flag.StringVar(&o.image, "image", defaultImage, "container image (test/setup.sh imports it)")
	flag.StringVar(&o.repo, "repo", ".", "repository root (for the micro-benchmarks and the commit)")
	flag.BoolVar(&o.throughput, "throughput", true, "measure ctrace's lossless throughput (storm in 1 and 2 containers)")
	flag.BoolVar(&o.micro, "micro", true, "run the decode/encode Go micro-benchmarks")
	flag.BoolVar(&o.warmup, "warmup", true, "one discarded untraced run per workload first (full mode)")
	flag.StringVar(&o.cpuset, "cpuset", "last", "pin the workload container to these CPUs (docker --cpuset-cpus) in every mode (not the throughput runs with several containers): \"last\" = the last CPU (when there are two or more), \"none\" = not pinned")
	flag.Parse()
	if flag.NArg() > 0 {
		return usageErr("unexpected arguments: %s", strings.Join(flag.Args(), " "))
	}

	cpuset, err := workloadCPUs(o.cpuset, runtime.NumCPU())
	if err != nil {
		return usageErr("%v", err)
	}
	ws, err := selectWorkloads(o.workloads)
	if err != nil {
		return usageErr("%v", err)
	}
	ms, err := selectModes(o.modes)
	if err != nil {
		return usageErr("%v", err)
	}
	partial := o.quick || o.modes != "" || o.workloads != "" || (o.runs != 0 && o.runs < 5)
	if o.runs == 0 {
		o.runs = 5
		if o.quick {
			o.runs = 1
		}
	}
	if o.runs < 1 {
		return usageErr("-runs must be at least 1")
	}
	if o.out == "" {
		o.out = "bench"
		if partial {
			o.out = filepath.Join("bench", "out")
		}
	}
	if o.doc == "" {
		o.doc = filepath.Join("docs", "performance.md")
		if partial {
			o.doc = filepath.Join(o.out, "performance.md")
		}
	}

	if err := preflight(&o, ms); err != nil {
		fmt.Fprintf(os.Stderr, "ctracebench: %v\n", err)
		return 1
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	scratch, err := os.MkdirTemp("", "ctracebench-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "ctracebench: %v\n", err)
		return 1
	}
	reg := newRegistry()
	defer func() {
		reg.cleanup()
		os.RemoveAll(scratch)
	}()
	// Run a private copy of the binary: a `make build` elsewhere in the tree
	// during the run must not change the ctrace being measured half-way.
	original := o.ctrace
	if o.ctrace, err = snapshot(o.ctrace, filepath.Join(scratch, "ctrace")); err != nil {
		fmt.Fprintf(os.Stderr, "ctracebench: copying the ctrace binary: %v\n", err)
		return 1
	}
	machine := machineInfo(ctx, o.repo, o.ctrace)
	machine.CtracePath = original
	start := time.Now()
	logf := func(format string, args ...any) {
		el := time.Since(start).Round(time.Second)
		fmt.Fprintf(os.Stderr, "[%s] %s\n", el, fmt.Sprintf(format, args...))
	}
	b := &Bench{ctx: ctx, ctrace: o.ctrace, image: o.image, quick: o.quick, scratch: scratch, cgroup2: cgroup2Mount(), reg: reg, progress: logf, cpuset: cpuset}
	machine.WorkloadCPUs = cpuset
	removeStale(ctx, reg)
	if b.cgroup2 == "" {
		logf("warning: no cgroup2 mount found; bpftrace-count cannot filter by cgroup")
	}

	plan := buildPlan(ws, ms, o.quick, o.runs)
	steps := schedule(plan)
	var tpLevels []int
	if o.throughput && slices.Contains(ws, workloadByName(storm)) && slices.Contains(ms, modeByName("ctrace-json-file")) {
		tpLevels = []int{1, 2}
	}
	tpRuns := min(o.runs, 3)
	logf("ctracebench: %d cells, %d runs (+%d throughput runs), ctrace %s (%s, sha256 %.12s), scratch %s", len(plan), len(steps), len(tpLevels)*tpRuns, original, machine.CtraceVersion, machine.CtraceSHA256, scratch)

	var samples []Sample
	interrupted := func() bool { return ctx.Err() != nil }
	if o.warmup && !o.quick {
		for _, w := range ws {
			s := b.run("warm-up", w, modeByName("untraced"), 1, 1, 1)
			samples = append(samples, s)
			logf("warm-up %s: %s", w.Name, sampleLine(&s))
			if interrupted() {
				break
			}
		}
	}
	for i, st := range steps {
		if interrupted() {
			break
		}
		s := b.run("main", st.Cell.W, st.Cell.M, st.Cell.Scale, st.Run, 1)
		samples = append(samples, s)
		label := st.Cell.M.Name
		if st.Cell.Scale != 1 {
			label += fmt.Sprintf(" ×%g", st.Cell.Scale)
		}
		logf("%d/%d %s / %s run %d/%d: %s", i+1, len(steps), st.Cell.W.Name, label, st.Run, st.Cell.Runs, sampleLine(&s))
	}
	var tpSamples []Sample
	if len(tpLevels) > 0 {
		w, m := workloadByName(storm), modeByName("ctrace-json-file")
		for r := 1; r <= tpRuns && !interrupted(); r++ {
			for _, p := range tpLevels {
				if interrupted() {
					break
				}
				s := b.run("throughput", w, m, 1, r, p)
				tpSamples = append(tpSamples, s)
				logf("throughput %d container(s) run %d/%d: %s", p, r, tpRuns, sampleLine(&s))
			}
		}
	}
	if interrupted() {
		logf("interrupted: cleaning up; no results written")
		return 130
	}
	var micro MicroReport
	if o.micro {
		logf("micro-benchmarks: go test -bench in %s", o.repo)
		micro = runMicro(ctx, o.repo, o.quick)
	} else {
		micro = MicroReport{Command: "-", Note: "skipped (-micro=false)"}
	}
	if interrupted() {
		logf("interrupted: cleaning up; no results written")
		return 130
	}

	rep := &Report{
		Schema: 1, Generated: time.Now().UTC().Format(time.RFC3339), Command: commandLine(),
		Duration: time.Since(start).Round(time.Second).String(), Quick: o.quick, Runs: o.runs,
		Machine: machine, References: references, Micro: micro,
	}
	for _, w := range ws {
		rep.Workloads = append(rep.Workloads, WorkloadDoc{w.Name, w.Desc, w.size(o.quick, 1)})
	}
	for _, m := range ms {
		rep.Modes = append(rep.Modes, ModeDoc{m.Name, m.Desc, m.Scale})
	}
	rep.Results = aggregate(plan, samples)
	rep.Targets = checkTargets(rep.Results)
	rep.Throughput = aggregateThroughput(tpLevels, tpSamples)
	rep.Samples = append(samples, tpSamples...)

	fmt.Println(renderText(rep))
	if err := writeOutputs(rep, o); err != nil {
		fmt.Fprintf(os.Stderr, "ctracebench: %v\n", err)
		return 1
	}
	logf("wrote %s and %s", filepath.Join(o.out, "results.json"), o.doc)
	if missing := incomplete(rep, ms); len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "ctracebench: FAILED: no figures for: %s\n", strings.Join(missing, "; "))
		return 1
	}
	return 0
}

func usageErr(format string, args ...any) int {
	fmt.Fprintf(os.Stderr, "ctracebench: "+format+"\n", args...)
	flag.Usage()
	return 2
}

func modeNames() []string {
	var n []string
	for _, m := range modes {
		n = append(n, m.Name)
	}
	return n
}

func workloadNames() []string {
	var n []string
	for _, w := range workloads {
		n = append(n, w.Name)
	}
	return n
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func selectWorkloads(list string) ([]*Workload, error) {
	if list == "" {
		var all []*Workload
		for i := range workloads {
			all = append(all, &workloads[i])
		}
		return all, nil
	}
	var out []*Workload
	for _, n := range splitList(list) {
		w := workloadByName(n)
		if w == nil {
			return nil, fmt.Errorf("unknown workload %q (workloads: %s)", n, strings.Join(workloadNames(), ", "))
		}
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out, nil
}

func selectModes(list string) ([]*Mode, error) {
	var out []*Mode
	if list == "" {
		for i := range modes {
			out = append(out, &modes[i])
		}
		return out, nil
	}
	for _, n := range splitList(list) {
		m := modeByName(n)
		if m == nil {
			return nil, fmt.Errorf("unknown mode %q (modes: %s)", n, strings.Join(modeNames(), ", "))
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	// Keep the table order.
	slices.SortFunc(out, func(a, b *Mode) int { return slices.Index(modeNames(), a.Name) - slices.Index(modeNames(), b.Name) })
	return out, nil
}

// preflight checks root, Docker, the image, the ctrace binary and the
// reference tools, so that a missing piece fails in a second, not mid-run.
func preflight(o *options, ms []*Mode) error {
	if os.Geteuid() != 0 {
		return errors.New("must run as root (tracers load eBPF programs; run via sudo make bench)")
	}
	abs, err := filepath.Abs(o.ctrace)
	if err != nil {
		return err
	}
	st, err := os.Stat(abs)
	if err != nil || !st.Mode().IsRegular() || st.Mode()&0o111 == 0 {
		return fmt.Errorf("ctrace binary %s missing or not executable (make build)", abs)
	}
	o.ctrace = abs
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := docker(ctx, "info", "--format", "{{.ServerVersion}}"); err != nil {
		return fmt.Errorf("docker daemon not reachable (run test/setup.sh): %v", err)
	}
	if _, err := docker(ctx, "image", "inspect", "--format", "{{.Id}}", o.image); err != nil {
		return fmt.Errorf("image %s missing (run test/setup.sh): %v", o.image, err)
	}
	for _, m := range ms {
		if m.Launch == nil || m.Ctrace {
			continue
		}
		probe, err := m.Launch(&Target{Ctx: ctx, Dir: os.TempDir(), PIDs: []int{1}, Cgroups: []string{"/"}})
		if err != nil {
			continue
		}
		if _, err := exec.LookPath(probe.Argv[0]); err != nil {
			return fmt.Errorf("mode %s needs %s (run test/setup.sh): %v", m.Name, probe.Argv[0], err)
		}
	}
	return nil
}

func sampleLine(s *Sample) string {
	if !s.OK {
		return "FAILED: " + s.Error
	}
	line := fmt.Sprintf("%.3fs", s.WallS)
	if s.BackgroundCPUS != nil {
		line += fmt.Sprintf(" (background cpu %.2fs, load %.2f)", *s.BackgroundCPUS, s.LoadAvg1)
	}
	if s.Warning != "" {
		line += " WARNING: " + s.Warning
	}
	if s.TracerCPUS != nil {
		line += fmt.Sprintf(", tracer cpu %.2fs", *s.TracerCPUS)
	}
	if s.PeakRSSKiB != nil {
		line += fmt.Sprintf(", rss %.0f MiB", float64(*s.PeakRSSKiB)/1024)
	}
	if s.DrainS != nil {
		line += fmt.Sprintf(", drain %.2fs", *s.DrainS)
	}
	if s.Events != nil {
		line += ", events " + groupDigits(*s.Events)
	}
	if s.Lost != nil {
		line += ", lost " + groupDigits(*s.Lost)
	}
	return line
}

func commandLine() string {
	args := append([]string{"ctracebench"}, os.Args[1:]...)
	return strings.Join(args, " ")
}

// incomplete lists the modes that produced no figures at all (no successful
// run on any workload), and the failed cells.
func incomplete(rep *Report, ms []*Mode) []string {
	var missing []string
	for _, m := range ms {
		ok := false
		for _, r := range rep.Results {
			if r.Mode == m.Name && r.Runs > 0 && (m.Figures == nil || r.Events != nil) {
				ok = true
			}
		}
		if !ok {
			missing = append(missing, m.Name+" (no run produced figures)")
		}
	}
	for _, r := range rep.Results {
		if r.Runs == 0 {
			missing = append(missing, fmt.Sprintf("%s / %s: %s", r.Workload, modeLabel(&r), strings.Join(r.Errors, "; ")))
		}
	}
	for _, t := range rep.Throughput {
		if t.Runs == 0 {
			missing = append(missing, fmt.Sprintf("throughput with %d container(s): %s", t.Parallel, strings.Join(t.Errors, "; ")))
		}
	}
	return missing
}

func writeOutputs(rep *Report, o options) error {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(o.out, "results.json"), append(data, '\n')); err != nil {
		return err
	}
	doc, err := os.ReadFile(o.doc)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	updated, err := replaceGenerated(string(doc), renderMarkdown(rep))
	if err != nil {
		return fmt.Errorf("%s: %w", o.doc, err)
	}
	if err := os.MkdirAll(filepath.Dir(o.doc), 0o755); err != nil {
		return err
	}
	return writeAtomic(o.doc, []byte(updated))
}

// snapshot copies the executable src to dst.
func snapshot(src, dst string) (string, error) {
	data, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		return "", err
	}
	return dst, nil
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
