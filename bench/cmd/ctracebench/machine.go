package main

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// Machine describes where the figures were measured.
type Machine struct {
	Kernel        string `json:"kernel"`
	CPU           string `json:"cpu"`
	CPUs          int    `json:"cpus"`
	Memory        string `json:"memory"`
	Docker        string `json:"docker"`
	Bpftrace      string `json:"bpftrace"`
	Strace        string `json:"strace"`
	Go            string `json:"go"`
	CtraceVersion string `json:"ctrace_version"`
	CtracePath    string `json:"ctrace_path"`
	CtraceSHA256  string `json:"ctrace_sha256"`
	Commit        string `json:"commit"` // git describe of the tree when the run started
	// WorkloadCPUs: the CPUs the workload containers were pinned to in
	// every mode ("" = not pinned); tracers are not pinned.
	WorkloadCPUs string `json:"workload_cpus,omitempty"`
}

// workloadCPUs turns the -cpuset flag into docker's --cpuset-cpus value:
// "last" is the last CPU when there are two or more (the workload then has
// a CPU of its own and a tracer's reader runs beside it, as on any
// multi-core host; on this 2-core VM the floor's cost also depends on the
// CPU the workload runs on, so every mode runs it on the same one), "none"
// or "" leaves the workload to the scheduler.
func workloadCPUs(flag string, cpus int) (string, error) {
	switch flag {
	case "", "none":
		return "", nil
	case "last":
		if cpus < 2 {
			return "", nil
		}
		return strconv.Itoa(cpus - 1), nil
	}
	for _, part := range strings.Split(flag, ",") {
		ends := []string{part}
		if lo, hi, isRange := strings.Cut(part, "-"); isRange {
			ends = []string{lo, hi}
		}
		for _, n := range ends {
			if v, err := strconv.Atoi(n); err != nil || v < 0 || v >= cpus {
				return "", fmt.Errorf("-cpuset %q: %q is not a CPU of this machine (0-%d)", flag, n, cpus-1)
			}
		}
	}
	return flag, nil
}

func machineInfo(ctx context.Context, repo, ctraceBin string) Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version()}
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		m.Kernel = utsString(u.Release[:])
	}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) == nil {
		m.Memory = fmt.Sprintf("%.1f GiB", float64(si.Totalram)*float64(si.Unit)/(1<<30))
	}
	first := func(name string, args ...string) string {
		out, err := runHelper(ctx, nil, name, args...)
		if err != nil {
			return name + " ?"
		}
		return strings.TrimSpace(strings.SplitN(out, "\n", 2)[0])
	}
	m.Docker = "docker " + first("docker", "version", "--format", "{{.Server.Version}}")
	m.Bpftrace = first("bpftrace", "--version")
	m.Strace = first("strace", "-V")
	m.CtraceVersion = strings.TrimPrefix(first(ctraceBin, "--version"), "ctrace version ")
	if data, err := os.ReadFile(ctraceBin); err == nil {
		m.CtraceSHA256 = fmt.Sprintf("%x", sha256.Sum256(data))
	}
	m.Commit = first("git", "-C", repo, "describe", "--always", "--dirty")
	return m
}

// utsString converts a NUL-terminated utsname field ([]int8 or []uint8 by architecture).
func utsString[T int8 | uint8](a []T) string {
	var b strings.Builder
	for _, c := range a {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	return b.String()
}

// machineBusySeconds is the busy CPU time of all CPUs since boot, from the
// first line of /proc/stat (user nice system idle iowait irq softirq steal).
func machineBusySeconds() (float64, bool) {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	return parseProcStatBusy(string(data))
}

func parseProcStatBusy(stat string) (float64, bool) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, false
	}
	var busy uint64
	for i, v := range f[1:9] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, false
		}
		busy += n
	}
	return float64(busy) / clockTicks, true
}

// cgroupUsageSeconds reads usage_usec from a cgroup v2 cpu.stat (present
// whether or not the cpu controller is enabled).
func cgroupUsageSeconds(dir string) (float64, bool) {
	data, err := os.ReadFile(dir + "/cpu.stat")
	if err != nil {
		return 0, false
	}
	for _, l := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(l, "usage_usec "); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
			return float64(n) / 1e6, err == nil
		}
	}
	return 0, false
}

func loadAvg1() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
