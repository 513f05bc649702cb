package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MicroReport holds the decode/encode micro-benchmarks of ./internal/...
type MicroReport struct {
	Command string        `json:"command"`
	Note    string        `json:"note,omitempty"`
	Results []MicroResult `json:"results,omitempty"`
	Kernel  KernelCost    `json:"kernel"`
}

// KernelCost is the kernel side's run time per traced syscall, from the
// kernel's BPF statistics (internal/tracer TestKernelCost).
type KernelCost struct {
	Command string   `json:"command"`
	Note    string   `json:"note,omitempty"`
	MinNs   *float64 `json:"ns_per_record_min,omitempty"` // sys_enter+sys_exit run time per record, best run
	MedNs   *float64 `json:"ns_per_record_median,omitempty"`
	EnterNs *float64 `json:"sys_enter_ns_per_run_min,omitempty"`
	ExitNs  *float64 `json:"sys_exit_ns_per_run_min,omitempty"`
	// EmptyNs is an empty program's run time on sys_enter: the statistics'
	// own cost per run. NetMinNs subtracts it from every run of both programs.
	EmptyNs  *float64 `json:"empty_program_ns_per_run_min,omitempty"`
	NetMinNs *float64 `json:"ns_per_record_net_of_stats_min,omitempty"`
}

var kcostRE = regexp.MustCompile(`RESULT kernel side per record: min ([\d.]+) ns, median ([\d.]+) ns \(sys_enter min ([\d.]+), sys_exit min ([\d.]+) ns/run(?:; empty program ([\d.]+) ns/run; net of stats min ([\d.]+), median [\d.]+ ns per record)?\)`)

// runKernelCost runs the kernel-side measurement (needs root): storms of
// one-byte dd syscalls in a traced cgroup, BPF run-time statistics on.
func runKernelCost(ctx context.Context, repo string, quick bool) KernelCost {
	n, runs := "300000", "5"
	if quick {
		n, runs = "20000", "1"
	}
	k := KernelCost{Command: "CTRACE_KCOST=" + n + " CTRACE_KCOST_RUNS=" + runs + " go test ./internal/tracer -run TestKernelCost -count 1 -v"}
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go"
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "test", "./internal/tracer", "-run", "TestKernelCost", "-count", "1", "-v")
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "CTRACE_KCOST="+n, "CTRACE_KCOST_RUNS="+runs)
	out, err := cmd.CombinedOutput()
	m := kcostRE.FindStringSubmatch(string(out))
	if m == nil {
		k.Note = fmt.Sprintf("no result (%v): %s", err, lastLines(string(out), 4))
		return k
	}
	f := func(s string) *float64 { v, _ := strconv.ParseFloat(s, 64); return &v }
	k.MinNs, k.MedNs, k.EnterNs, k.ExitNs = f(m[1]), f(m[2]), f(m[3]), f(m[4])
	if m[5] != "" {
		k.EmptyNs, k.NetMinNs = f(m[5]), f(m[6])
	}
	k.Note = "run time of sys_enter+sys_exit over all tasks (host tasks' early exits included) per record read; BPF statistics add their own cost to every program run (an empty program on sys_enter measures it: net of stats subtracts it)"
	if quick {
		k.Note += " (quick mode: one small storm)"
	}
	return k
}

// MicroResult is one `go test -bench` line.
type MicroResult struct {
	Package       string   `json:"package"`
	Name          string   `json:"name"`
	Iterations    int64    `json:"iterations"`
	NsPerOp       float64  `json:"ns_per_op"`
	OpsPerSecCore float64  `json:"ops_per_s_per_core"` // 1e9 / ns/op, with -cpu 1
	BytesPerOp    *float64 `json:"bytes_per_op,omitempty"`
	AllocsPerOp   *float64 `json:"allocs_per_op,omitempty"`
	Extra         string   `json:"extra,omitempty"` // custom metrics, verbatim
}

var microWanted = regexp.MustCompile(`(?i)decode|encode|json|pump`)

// runMicro runs the Go micro-benchmarks on one CPU and keeps the decode/
// encode/JSON ones. It never fails the suite: problems become the note.
func runMicro(ctx context.Context, repo string, quick bool) MicroReport {
	args := []string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-cpu", "1", "-count", "1"}
	if quick {
		args = append(args, "-benchtime", "1x")
	}
	args = append(args, "./internal/...")
	rep := MicroReport{Command: "go " + strings.Join(args, " ")}
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = "/usr/local/go/bin/go"
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, args...)
	cmd.Dir = repo
	out, err := cmd.CombinedOutput()
	rep.Results = parseBench(string(out))
	if err != nil {
		rep.Note = fmt.Sprintf("go test failed (%v); lines parsed before the failure are kept: %s", err, lastLines(string(out), 4))
	}
	if len(rep.Results) == 0 && rep.Note == "" {
		rep.Note = "no benchmark whose name contains Decode, Encode or JSON exists in ./internal/... yet"
	}
	if quick && len(rep.Results) > 0 {
		rep.Note = strings.TrimSpace(rep.Note + " (quick mode: one iteration each, the figures are meaningless)")
	}
	rep.Kernel = runKernelCost(ctx, repo, quick)
	return rep
}

// parseBench parses `go test -bench` output, keeping the wanted benchmarks.
func parseBench(out string) []MicroResult {
	var res []MicroResult
	pkg := ""
	for _, l := range strings.Split(out, "\n") {
		if p, ok := strings.CutPrefix(l, "pkg: "); ok {
			pkg = strings.TrimPrefix(strings.TrimSpace(p), modulePath+"/")
			continue
		}
		f := strings.Fields(l)
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || !microWanted.MatchString(f[0]) {
			continue
		}
		iters, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		r := MicroResult{Package: pkg, Name: f[0], Iterations: iters}
		var extra []string
		ok := false
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			switch unit := f[i+1]; unit {
			case "ns/op":
				r.NsPerOp, ok = v, true
			case "B/op":
				r.BytesPerOp = ptr(v)
			case "allocs/op":
				r.AllocsPerOp = ptr(v)
			default:
				extra = append(extra, f[i]+" "+unit)
			}
		}
		if !ok {
			continue
		}
		if r.NsPerOp > 0 {
			r.OpsPerSecCore = 1e9 / r.NsPerOp
		}
		r.Extra = strings.Join(extra, ", ")
		res = append(res, r)
	}
	return res
}
