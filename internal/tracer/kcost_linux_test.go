package tracer

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"

	"github.com/ctrace-dev/ctrace/internal/events"
)

// TestKernelCost measures the kernel side's run time per traced syscall
// with the kernel's BPF statistics (run_time_ns / run_cnt per program) while
// a one-byte dd storm runs in a traced cgroup and every record is read. It
// prints figures and never judges them (no timed assertion): run it with
// CTRACE_KCOST=N (storms of 2N syscalls; CTRACE_KCOST_RUNS storms, default
// 5; CTRACE_KCOST_CMD: a shell command instead of dd; CTRACE_KCOST_EVENT:
// only that event enabled) to compare kernel-side changes, e.g.
//
//	CTRACE_KCOST=300000 go test ./internal/tracer -run TestKernelCost -v
//
// The figure "ns per record" is the run time of sys_enter and sys_exit over
// all tasks (host tasks included) divided by the records read; the minimum
// over the runs is the least disturbed by other load. Statistics add a
// clock read pair per program run to every figure: an empty program
// attached to sys_enter beside ctrace's measures it ("empty"), and the
// figures "net of stats" subtract it from every program run.
func TestKernelCost(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CTRACE_KCOST"))
	if n <= 0 {
		t.Skip("set CTRACE_KCOST=N to measure the kernel side on storms of 2N syscalls")
	}
	runs, _ := strconv.Atoi(os.Getenv("CTRACE_KCOST_RUNS"))
	if runs <= 0 {
		runs = 5
	}
	x := startTraced(t, 2)
	if ev := os.Getenv("CTRACE_KCOST_EVENT"); ev != "" {
		// Only this event enabled (the selective case): every other syscall
		// of the storm is dropped in the kernel.
		for i, c := range x.cat.KernelConf(events.CaptureOptions{Enabled: func(d *events.Def) bool { return d.Name == ev }}) {
			if err := x.tr.objs.SyscallConf.Put(uint32(i), c); err != nil {
				t.Fatal(err)
			}
		}
	}
	stats, err := ebpf.EnableStats(uint32(unix.BPF_STATS_RUN_TIME))
	if err != nil {
		t.Fatalf("enable BPF stats: %v", err)
	}
	defer stats.Close()

	empty := emptyRawTracepoint(t, "sys_enter")
	progs := []*ebpf.Program{x.tr.objs.CtraceSysEnter, x.tr.objs.CtraceSysExit, empty}
	var perRecord, enterNs, exitNs, emptyNs, netRecord []float64
	for range runs {
		var before [3]*ebpf.ProgramStats
		for i, p := range progs {
			if before[i], err = p.Stats(); err != nil {
				t.Fatal(err)
			}
		}
		done := make(chan uint64)
		stop := make(chan struct{})
		go func() {
			var count uint64
			for {
				_, err := x.tr.Next()
				switch {
				case err == nil:
					count++
				case errors.Is(err, ErrPoll):
					select {
					case <-stop:
						for _, err := x.tr.Drain(); err == nil; _, err = x.tr.Drain() {
							count++
						}
						done <- count
						return
					default:
					}
				default:
					done <- count
					return
				}
			}
		}()
		start := time.Now()
		cmd := fmt.Sprintf("exec dd if=/dev/zero of=/dev/null bs=1 count=%d 2>/dev/null", n)
		if c := os.Getenv("CTRACE_KCOST_CMD"); c != "" {
			cmd = c // another workload, e.g. a file churn: "ls -lR /usr/share/doc >/dev/null"
		}
		x.runInCgroup(t, cmd)
		wall := time.Since(start)
		close(stop)
		records := <-done
		var total time.Duration
		var per [3]float64
		var runsOf [3]uint64
		for i, p := range progs {
			after, err := p.Stats()
			if err != nil {
				t.Fatal(err)
			}
			rt, cnt := after.Runtime-before[i].Runtime, after.RunCount-before[i].RunCount
			if i < 2 {
				total += rt
			}
			per[i], runsOf[i] = float64(rt.Nanoseconds())/float64(max(cnt, 1)), cnt
		}
		pr := float64(total.Nanoseconds()) / float64(max(records, 1))
		// The same without the statistics' own cost (the empty program's run time) per run.
		net := (float64(total.Nanoseconds()) - per[2]*float64(runsOf[0]+runsOf[1])) / float64(max(records, 1))
		perRecord, enterNs, exitNs = append(perRecord, pr), append(enterNs, per[0]), append(exitNs, per[1])
		emptyNs, netRecord = append(emptyNs, per[2]), append(netRecord, net)
		t.Logf("records %d, wall %v: sys_enter %.1f ns/run, sys_exit %.1f ns/run, empty %.1f ns/run, %.1f ns per record (%.1f net of stats)",
			records, wall.Round(time.Millisecond), per[0], per[1], per[2], pr, net)
	}
	st, _ := x.tr.Stats()
	for _, s := range [][]float64{perRecord, enterNs, exitNs, emptyNs, netRecord} {
		slices.Sort(s)
	}
	t.Logf("RESULT kernel side per record: min %.1f ns, median %.1f ns (sys_enter min %.1f, sys_exit min %.1f ns/run; empty program %.1f ns/run; net of stats min %.1f, median %.1f ns per record); lost %d",
		perRecord[0], perRecord[len(perRecord)/2], enterNs[0], exitNs[0], emptyNs[0], netRecord[0], netRecord[len(netRecord)/2], st.Lost())
}

// emptyRawTracepoint attaches a program that does nothing to a raw
// tracepoint: its run time per run is what the BPF statistics themselves add.
func emptyRawTracepoint(t *testing.T, name string) *ebpf.Program {
	t.Helper()
	p, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type:         ebpf.RawTracepoint,
		License:      "GPL",
		Instructions: asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()},
	})
	if err != nil {
		t.Fatalf("load empty program: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: name, Program: p})
	if err != nil {
		t.Fatalf("attach empty program: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return p
}
