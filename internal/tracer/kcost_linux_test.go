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
// clock read pair per program run (about 45 ns here) to every figure.
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

	progs := []*ebpf.Program{x.tr.objs.CtraceSysEnter, x.tr.objs.CtraceSysExit}
	var perRecord, enterNs, exitNs []float64
	for range runs {
		var before [2]*ebpf.ProgramStats
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
		var per [2]float64
		for i, p := range progs {
			after, err := p.Stats()
			if err != nil {
				t.Fatal(err)
			}
			rt, cnt := after.Runtime-before[i].Runtime, after.RunCount-before[i].RunCount
			total += rt
			per[i] = float64(rt.Nanoseconds()) / float64(max(cnt, 1))
		}
		pr := float64(total.Nanoseconds()) / float64(max(records, 1))
		perRecord, enterNs, exitNs = append(perRecord, pr), append(enterNs, per[0]), append(exitNs, per[1])
		t.Logf("records %d, wall %v: sys_enter %.1f ns/run, sys_exit %.1f ns/run, %.1f ns per record",
			records, wall.Round(time.Millisecond), per[0], per[1], pr)
	}
	st, _ := x.tr.Stats()
	slices.Sort(perRecord)
	slices.Sort(enterNs)
	slices.Sort(exitNs)
	t.Logf("RESULT kernel side per record: min %.1f ns, median %.1f ns (sys_enter min %.1f, sys_exit min %.1f ns/run); lost %d",
		perRecord[0], perRecord[len(perRecord)/2], enterNs[0], exitNs[0], st.Lost())
}
