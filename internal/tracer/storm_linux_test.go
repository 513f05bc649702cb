package tracer

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ctrace-dev/ctrace/internal/events"
	"github.com/ctrace-dev/ctrace/internal/syscalls"
)

// The storm helper: the test binary re-executed inside the traced cgroup
// (CTRACE_TEST_HELPER=storm). Each of its threads makes stormCalls
// marker syscalls whose arguments name the thread and the call:
// pread64(-1, tid, seq, stormMarker) (EBADF; raw arguments only) and
// openat(AT_FDCWD, "/ctrace-storm/<tid>/<seq>", 0) (ENOENT; a string read
// by the kernel).
const (
	stormThreads = 4
	stormCalls   = 10000
	stormMarker  = 0x5ca1ab1e
)

func TestMain(m *testing.M) {
	switch os.Getenv("CTRACE_TEST_HELPER") {
	case "storm":
		stormHelper()
		os.Exit(0)
	case "thread-exec":
		threadExecHelper()
	case "syscall":
		// syscall(NR, ARGS...) from the command line (issue 10.9's attack).
		var a [6]uintptr
		for i, s := range os.Args[2:] {
			v, _ := strconv.ParseUint(s, 0, 64)
			a[i] = uintptr(v)
		}
		nr, _ := strconv.ParseUint(os.Args[1], 0, 64)
		unix.Syscall6(uintptr(nr), a[0], a[1], a[2], a[3], a[4], a[5])
		os.Exit(0)
	case "pread-last-arg":
		// pread64(-1, NULL, 0, 0, 0, buf): a pointer in the sixth register
		buf := []byte("sixth argument buffer contents")
		unix.Syscall6(unix.SYS_PREAD64, ^uintptr(0), 0, 0, 0, 0, uintptr(unsafe.Pointer(&buf[0])))
		os.Exit(0)
	case "openat-len":
		// openat of a path of exactly N bytes
		n, _ := strconv.Atoi(os.Args[1])
		path, _ := unix.BytePtrFromString("/" + strings.Repeat("p", n-1))
		unix.Syscall6(unix.SYS_OPENAT, uintptr(0xffffffffffffff9c), uintptr(unsafe.Pointer(path)), 0, 0, 0, 0)
		os.Exit(0)
	case "execve-argv":
		// execve of a missing program with COUNT arguments of LEN bytes each
		count, _ := strconv.Atoi(os.Args[1])
		n, _ := strconv.Atoi(os.Args[2])
		argv := make([]string, count)
		for i := range argv {
			argv[i] = fmt.Sprintf("%c", 'a'+i%26) + strings.Repeat("x", n-1)
		}
		unix.Exec("/ctrace-missing-program", argv, nil)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// slotVariants: the kernel side's variants, and the fast one with one
// in-flight slot shared by every thread.
var slotVariants = []struct {
	name   string
	compat bool
	slots  int
}{{"fast", false, 0}, {"one-slot", false, 1}, {"compat", true, 0}}

// threadExecHelper: a thread other than the leader execs /bin/true (the
// thread takes the leader's id).
func threadExecHelper() {
	for {
		tids := make(chan int)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread is not reused
			tid := unix.Gettid()
			if tid == unix.Getpid() {
				tids <- tid
				select {} // the leader: keep it parked, try another thread
			}
			tids <- tid
			unix.Exec("/bin/true", []string{"true", "ctrace-thread-exec"}, nil)
			os.Exit(3)
		}()
		if <-tids != unix.Getpid() {
			select {}
		}
	}
}

func stormHelper() {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range stormThreads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread() // one OS thread per goroutine: tid is the thread's own
			tid := uintptr(unix.Gettid())
			<-start
			for seq := uintptr(0); seq < stormCalls; seq++ {
				unix.Syscall6(unix.SYS_PREAD64, ^uintptr(0), tid, seq, stormMarker, 0, 0)
				path, _ := unix.BytePtrFromString(fmt.Sprintf("/ctrace-storm/%d/%d", tid, seq))
				unix.Syscall6(unix.SYS_OPENAT, uintptr(0xffffffffffffff9c), uintptr(unsafe.Pointer(path)), 0, 0, 0, 0)
			}
		}()
	}
	close(start)
	wg.Wait()
}

// TestStormComplete (issue 11): a multi-threaded storm through the real
// programs, in both kernel-side variants. Every marker syscall the helper
// made is recorded exactly once (none dropped or doubled by the per-thread
// state), and every record carries its own thread's arguments: a thread's
// arguments never show up in another thread's record.
//
// "one-slot" gives the fast variant a single in-flight slot: the first
// thread owns it and every other thread keeps its state in task storage,
// so the shared-slot path carries the storm.
func TestStormComplete(t *testing.T) {
	for _, v := range slotVariants {
		t.Run(v.name, func(t *testing.T) {
			x := startTracedTuned(t, 2, events.CaptureOptions{}, v.compat, TaskFilter{}, func(o *Options) { o.InflightSlots = v.slots })
			pread, _ := x.cat.ByName("pread64")
			openat, _ := x.cat.ByName("openat")
			if syscalls.Native() != syscalls.X86_64 && syscalls.Native() != syscalls.ARM64 {
				t.Skip("storm helper uses x86_64/arm64 syscall numbers")
			}
			self, err := os.Executable()
			if err != nil {
				t.Fatal(err)
			}
			x.runInCgroup(t, "CTRACE_TEST_HELPER=storm exec "+self)

			type key struct{ tid, seq uint64 }
			preads, opens := map[key]int{}, map[key]int{}
			threads := map[uint64]bool{}
			bad := 0
			report := func(format string, args ...any) {
				if bad++; bad <= 10 {
					t.Errorf(format, args...)
				}
			}
			want := stormThreads * stormCalls
			var ev events.Event
			deadline := time.Now().Add(60 * time.Second)
			for len(preads) < want || len(opens) < want {
				if time.Now().After(deadline) {
					t.Fatalf("deadline passed with %d pread64 and %d openat records of %d each", len(preads), len(opens), want)
				}
				raw, err := x.tr.Next()
				if err == ErrPoll {
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if events.RecordCgroup(raw) != x.cgid {
					continue
				}
				if err := x.dec.Decode(raw, &ev); err != nil {
					t.Fatal(err)
				}
				switch {
				case ev.Def == pread && ev.Vals[3] == stormMarker:
					k := key{ev.Vals[1], ev.Vals[2]}
					if k.tid != uint64(ev.TID) {
						report("pread64 of thread %d carries thread %d's arguments (seq %d)", ev.TID, k.tid, k.seq)
					}
					preads[k]++
					threads[k.tid] = true
				case ev.Def == openat && strings.HasPrefix(string(ev.Str(1)), "/ctrace-storm/"):
					var k key
					if _, err := fmt.Sscanf(string(ev.Str(1)), "/ctrace-storm/%d/%d", &k.tid, &k.seq); err != nil {
						report("openat path %q: %v", ev.Str(1), err)
						continue
					}
					if k.tid != uint64(ev.TID) || ev.Retval != -int64(unix.ENOENT) {
						report("openat of thread %d has path %q and return %d", ev.TID, ev.Str(1), ev.Retval)
					}
					opens[k]++
				}
			}
			// Anything doubled comes right behind: read what is left.
			for raw, err := x.tr.Drain(); err == nil; raw, err = x.tr.Drain() {
				if events.RecordCgroup(raw) == x.cgid && x.dec.Decode(raw, &ev) == nil && ev.Def == pread && ev.Vals[3] == stormMarker {
					preads[key{ev.Vals[1], ev.Vals[2]}]++
				}
			}
			if len(threads) != stormThreads {
				t.Errorf("records from %d threads, want %d", len(threads), stormThreads)
			}
			for tid := range threads {
				for seq := uint64(0); seq < stormCalls; seq++ {
					k := key{tid, seq}
					if preads[k] != 1 || opens[k] != 1 {
						report("thread %d call %d: %d pread64 and %d openat records, want 1 each", tid, seq, preads[k], opens[k])
					}
				}
			}
			st, err := x.tr.Stats()
			if err != nil {
				t.Fatal(err)
			}
			if st.Lost() != 0 {
				t.Errorf("kernel counted %+v lost", st)
			}
		})
	}
}

// TestThreadExec: a non-leader thread's execve, whose thread id changes to
// the leader's during the exec, is recorded once with its arguments (the
// state kept at entry follows the thread to its new id).
func TestThreadExec(t *testing.T) {
	for _, v := range slotVariants {
		t.Run(v.name, func(t *testing.T) {
			x := startTracedTuned(t, 2, events.CaptureOptions{}, v.compat, TaskFilter{}, func(o *Options) { o.InflightSlots = v.slots })
			self, err := os.Executable()
			if err != nil {
				t.Fatal(err)
			}
			pid := x.runInCgroup(t, "CTRACE_TEST_HELPER=thread-exec exec "+self)
			isExec := func(e seen) bool {
				return e.name == "execve" && strings.Join(e.strs["argv"], " ") == "true ctrace-thread-exec"
			}
			evs := x.collect(t, 20*time.Second, func(evs []seen) bool {
				_, ok := find(evs, func(e seen) bool { return e.name == "sched_process_exit" && e.pid == uint32(pid) })
				return ok
			})
			var execs []seen
			for _, e := range evs {
				if isExec(e) {
					execs = append(execs, e)
				}
			}
			if len(execs) != 1 {
				t.Fatalf("%d execve records of /bin/true from the helper's thread, want 1", len(execs))
			}
			ex := execs[0]
			if ex.retval != 0 || ex.pid != uint32(pid) || ex.ev.TID != uint32(pid) {
				t.Errorf("execve: return %d, pid %d, tid %d; want 0 and the leader's id %d for both", ex.retval, ex.pid, ex.ev.TID, pid)
			}
		})
	}
}
