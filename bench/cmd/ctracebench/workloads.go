package main

import (
	"fmt"
	"math"
	"strings"
)

// Workload is one benchmark program, run in containers of the test image.
// Setup runs before the start gate (neither timed nor traced: tracers start
// after it); Work is what is timed.
type Workload struct {
	Name       string
	Desc       string
	Count      int // size of the work in full mode (the unit depends on the workload)
	QuickCount int // size in -quick mode
	DockerArgs []string
	Setup      func(n int) string
	Work       func(n int, server string) string
	// Server: the workload needs the TCP server container, reachable on the
	// harness's private bridge network at address `server`.
	Server bool
}

const (
	serverPort   = 5000
	churnDirs    = 20
	churnPerDir  = 100
	serverScript = "exec nc -ll -p 5000 -e /bin/true" // one fork+exec of true per connection, which closes it
)

var workloads = []Workload{
	{
		Name: "syscall-storm", Desc: "dd if=/dev/zero of=/dev/null bs=1 count=N: 2N one-byte read/write syscalls",
		Count: 2000000, QuickCount: 100000,
		Work: func(n int, _ string) string {
			return fmt.Sprintf("dd if=/dev/zero of=/dev/null bs=1 count=%d", n)
		},
	},
	{
		Name: "file-churn", Desc: fmt.Sprintf("N rounds of ls -lR and cat over %d small files in a tmpfs (lstat, getdents, open/read/close)", churnDirs*churnPerDir),
		Count: 40, QuickCount: 2,
		DockerArgs: []string{"--tmpfs", "/data"},
		Setup: func(int) string {
			return fmt.Sprintf("for d in $(seq %d); do mkdir /data/$d; for f in $(seq %d); do echo x >/data/$d/$f; done; done", churnDirs, churnPerDir)
		},
		Work: func(n int, _ string) string {
			return fmt.Sprintf("i=0; while [ $i -lt %d ]; do ls -lR /data >/dev/null && cat /data/*/* >/dev/null || exit 1; i=$((i+1)); done", n)
		},
	},
	{
		Name: "exec-storm", Desc: "N fork+exec of /bin/true from a busybox sh loop",
		Count: 1000, QuickCount: 50,
		Work: func(n int, _ string) string {
			return fmt.Sprintf("i=0; while [ $i -lt %d ]; do /bin/true || exit 1; i=$((i+1)); done", n)
		},
	},
	{
		Name: "network", Desc: fmt.Sprintf("N short TCP connections (busybox nc) to a server container (nc -ll -e /bin/true) on a private bridge network, port %d", serverPort),
		Count: 500, QuickCount: 20,
		Server: true,
		Work: func(n int, server string) string {
			return fmt.Sprintf("i=0; f=0; while [ $i -lt %d ]; do nc %s %d </dev/null >/dev/null || f=$((f+1)); i=$((i+1)); done; [ $f -eq 0 ]", n, server, serverPort)
		},
	},
}

func workloadByName(name string) *Workload {
	for i := range workloads {
		if workloads[i].Name == name {
			return &workloads[i]
		}
	}
	return nil
}

// size returns the work size for a run.
func (w *Workload) size(quick bool, scale float64) int {
	n := w.Count
	if quick {
		n = w.QuickCount
	}
	return scaled(n, scale)
}

func scaled(n int, scale float64) int {
	if scale <= 0 || scale == 1 {
		return n
	}
	return max(1, int(math.Round(float64(n)*scale)))
}

// gatedScript is the container's whole program. It first opens the
// status FIFO for writing and keeps it open for its whole life (so the
// harness sees EOF if it dies), runs the setup, parks at the gate (blocked
// reading the go FIFO, which the harness writes once the tracer is ready),
// runs the work, and writes the work's exit status to the status FIFO.
// Then it blocks opening the gate again (no writer ever comes; no syscalls,
// no events) so that its cgroup still exists when the harness reads its CPU
// time; the harness removes it.
func gatedScript(setup, work string) string {
	var b strings.Builder
	b.WriteString("exec 3>/gate/done\n")
	if setup != "" {
		b.WriteString(setup)
		b.WriteString(" || exit 98\n")
	}
	b.WriteString("read g </gate/go || exit 97\n")
	b.WriteString(work)
	b.WriteString("\necho $? >&3\nread g </gate/go\n")
	return b.String()
}
