// Command storm makes exactly N getpriority(PRIO_PROCESS, 0) syscalls, as
// fast as it can from 4 threads, for the e2e loss test. getpriority is used
// because nothing else on a test machine calls it: every getpriority a
// trace sees comes from this program. Built statically by the test.
//
// Protocol (files in the directory GATE):
//  1. wait for GATE/go (the tracer is ready), then storm;
//  2. create GATE/done, then call getpriority(PRIO_PGRP, 0) every 10ms
//     (markers: once the tracer has delivered one, it has caught up with
//     the storm) until GATE/exit exists;
//  3. print "markers=M", the number of marker calls made, and exit.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: storm N GATE")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	gate := os.Args[2]
	wait(filepath.Join(gate, "go"), nil)

	const threads = 4
	var wg sync.WaitGroup
	for i := range threads {
		calls := n / threads
		if i == 0 {
			calls += n % threads
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			for range calls {
				syscall.RawSyscall(syscall.SYS_GETPRIORITY, 0 /* PRIO_PROCESS */, 0, 0)
			}
		}()
	}
	wg.Wait()

	if err := os.WriteFile(filepath.Join(gate, "done"), nil, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	markers := 0
	wait(filepath.Join(gate, "exit"), func() {
		syscall.RawSyscall(syscall.SYS_GETPRIORITY, 1 /* PRIO_PGRP */, 0, 0)
		markers++
	})
	fmt.Printf("markers=%d\n", markers)
}

// wait polls for path (with a deadline), calling each between polls.
func wait(path string, each func()) {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := os.Stat(path); err == nil {
			return
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, path, "never appeared")
			os.Exit(3)
		}
		if each != nil {
			each()
		}
		time.Sleep(10 * time.Millisecond)
	}
}
